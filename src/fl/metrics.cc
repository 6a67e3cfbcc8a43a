// Metric basics: the factory over the allowlist and the loss metric ODP appends (shapes are in metrics_shapes.cc).
#include "fl/metrics.h"

#include <map>

#include "base/status_macros.h"
#include "absl/strings/str_cat.h"

namespace tb::fl {

// Defined in metrics_mean.cc and metrics_confusion.cc.
std::unique_ptr<Metric> MakeMeanWrapperMetric(std::string_view name);
std::unique_ptr<Metric> MakeConfusionMetric(std::string_view name);

std::vector<tf::Tensor> Metric::InitialState() const {
  std::vector<tf::Tensor> out;
  for (const TensorSlot& s : StateSlots()) out.push_back(tf::Tensor(s.type.dtype, s.type.shape.dims()));
  return out;
}

absl::StatusOr<std::unique_ptr<Metric>> MakeMetric(std::string_view name) {
  if (name == "mean") {
    // Keras Mean.update_state takes (values, sample_weight); TFF calls every metric with y_true/y_pred, so the
    // original fails while building. There is no (labels, predictions) meaning to give it.
    return absl::InvalidArgumentError(
        "metric `mean` cannot be built: Keras Mean averages a value it is given, but federated metrics are called "
        "with (labels, predictions); use `mean_absolute_error`, `mean_squared_error` or another allowlisted metric");
  }
  if (auto m = MakeMeanWrapperMetric(name)) return m;
  if (auto m = MakeConfusionMetric(name)) return m;
  return absl::InvalidArgumentError(absl::StrCat("metric `", ToAbsl(name), "` is not in the allowlist"));
}

absl::StatusOr<std::vector<std::unique_ptr<Metric>>> MakeMetrics(const std::vector<std::string>& names) {
  std::vector<std::unique_ptr<Metric>> out;
  std::map<std::string, bool> seen;
  for (const std::string& name : names) {
    if (seen.count(name)) continue;  // a later duplicate overwrites the entry but keeps the first position
    seen[name] = true;
    auto m = MakeMetric(name);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

std::vector<TensorSlot> LossMetric::StateSlots() const {
  const graph::TensorType f{tf::DType::kFloat, graph::PartialShape::Scalar()};
  return {TensorSlot{"0", f}, TensorSlot{"1", f}};
}

std::vector<Output> LossMetric::EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output batch_loss,
                                           Output num_examples) const {
  graph::Builder s = e.WithScope("loss_metric");
  return {s.Add(state[0], s.Mul(batch_loss, num_examples)), s.Add(state[1], num_examples)};
}

Output LossMetric::EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const {
  return e.WithScope("loss").Div(state[0], state[1]);
}

}  // namespace tb::fl
