// The non-private aggregators of skip_dp_aggregator (fl-semantics.md §4.7): FedAvg's UnweightedMeanFactory
// (sum of updates / number of clients) and FedSGD's MeanFactory (sum of weight * update / sum of weights). Neither
// has state, broadcast or measurements.
#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/aggregator.h"

namespace tb::fl {
namespace {

Element ValueElement(const std::vector<graph::TensorType>& types) {
  Element e;
  for (size_t i = 0; i < types.size(); ++i) e.push_back(TensorSlot{absl::StrCat(i), types[i]});
  return e;
}

class UnweightedMean : public Aggregator {
 public:
  explicit UnweightedMean(std::vector<graph::TensorType> types) : types_(std::move(types)) {}

  std::vector<StateTensor> InitialState() const override { return {}; }
  std::vector<Element> BroadcastElements() const override { return {}; }
  std::vector<Output> EmitPrepare(const graph::Builder&, const std::vector<Output>&) const override { return {}; }
  std::vector<Element> UpdateElements() const override {
    return {ValueElement(types_), Element{TensorSlot{"", {tf::DType::kInt32, graph::PartialShape::Scalar()}}}};
  }
  std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>&, const std::vector<Output>& update,
                                 Output) const override {
    std::vector<Output> out = update;
    out.push_back(e.WithName("client_count").Scalar<int32_t>(1));
    return out;
  }
  ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>&, const std::vector<Output>& sums) const override {
    graph::Builder s = e.WithScope("mean");
    ServerResult r;
    const size_t n = types_.size();
    Output count = s.Cast(sums[n], tf::DType::kFloat);
    for (size_t i = 0; i < n; ++i) r.value.push_back(s.Div(sums[i], count));
    return r;
  }
  std::vector<MetricSlot> Measurements() const override { return {}; }

 private:
  std::vector<graph::TensorType> types_;
};

class WeightedMean : public Aggregator {
 public:
  explicit WeightedMean(std::vector<graph::TensorType> types) : types_(std::move(types)) {}

  std::vector<StateTensor> InitialState() const override { return {}; }
  std::vector<Element> BroadcastElements() const override { return {}; }
  std::vector<Output> EmitPrepare(const graph::Builder&, const std::vector<Output>&) const override { return {}; }
  std::vector<Element> UpdateElements() const override {
    return {ValueElement(types_), Element{TensorSlot{"", {tf::DType::kFloat, graph::PartialShape::Scalar()}}}};
  }
  std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>&, const std::vector<Output>& update,
                                 Output weight) const override {
    graph::Builder s = e.WithScope("weighted_value");
    std::vector<Output> out;
    for (const Output& u : update) out.push_back(s.Mul(u, weight));
    out.push_back(weight);
    return out;
  }
  ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>&, const std::vector<Output>& sums) const override {
    graph::Builder s = e.WithScope("weighted_mean");
    ServerResult r;
    const size_t n = types_.size();
    // A plain division: all-zero weights give NaN and the finalizer skips the step (fl-semantics.md §1.2).
    for (size_t i = 0; i < n; ++i) r.value.push_back(s.Div(sums[i], sums[n]));
    return r;
  }
  std::vector<MetricSlot> Measurements() const override { return {}; }

 private:
  std::vector<graph::TensorType> types_;
};

}  // namespace

std::unique_ptr<Aggregator> MakeUnweightedMean(const std::vector<graph::TensorType>& value_types) {
  return std::make_unique<UnweightedMean>(value_types);
}

std::unique_ptr<Aggregator> MakeWeightedMean(const std::vector<graph::TensorType>& value_types) {
  return std::make_unique<WeightedMean>(value_types);
}

}  // namespace tb::fl
