// The allowlisted Keras metrics (and the loss metric ODP appends) as IR: each metric's state variables, its
// per-batch update on (labels, predictions) run on the client, and its finalization run on the server after the
// states were summed across clients (fl-semantics.md §5). Shapes and the rank alignment Keras applies are decided
// at build time from the model's static ranks. A metric never sees weights or gradients.
#ifndef TASKBUILDER_FL_METRICS_H_
#define TASKBUILDER_FL_METRICS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/ir_util.h"
#include "fl/map_reduce_program.h"

namespace tb::fl {

class Metric {
 public:
  virtual ~Metric() = default;
  const std::string& name() const { return name_; }
  // State variables in Keras creation order; paths are the variable indices ("0", "1", ...). All float32.
  virtual std::vector<TensorSlot> StateSlots() const = 0;
  // One batch: the new state from the old state, the raw labels and the predictions.
  virtual std::vector<Output> EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output y_true,
                                         Output y_pred) const = 0;
  // The reported float32 scalar from the summed state.
  virtual Output EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const = 0;

  // Zero initial values of StateSlots() (every slot is fully defined).
  std::vector<tf::Tensor> InitialState() const;

 protected:
  explicit Metric(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

// The metric for an allowlisted name. `mean` and unknown names are InvalidArgument with the reason.
absl::StatusOr<std::unique_ptr<Metric>> MakeMetric(std::string_view name);

// The metrics of a LearningSpec in state order: duplicates collapse into the first occurrence's position (the
// later constructor wins, but all constructors of one name are equal), then "loss" last.
absl::StatusOr<std::vector<std::unique_ptr<Metric>>> MakeMetrics(const std::vector<std::string>& names);

// The loss metric ODP appends: state (sum of batch_loss * n_b, sum of n_b); result sum / count (plain division).
// Its update takes the batch loss and n_b (float32) instead of labels and predictions.
class LossMetric : public Metric {
 public:
  LossMetric() : Metric("loss") {}
  std::vector<TensorSlot> StateSlots() const override;
  // y_true = batch loss (float32 scalar), y_pred = n_b (float32 scalar).
  std::vector<Output> EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output batch_loss,
                                 Output num_examples) const override;
  Output EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const override;
};

// Keras' squeeze_or_expand_dimensions(y_pred, y_true) with static ranks: returns (y_true, y_pred) aligned.
std::pair<Output, Output> AlignRanks(const graph::Builder& e, Output y_true, Output y_pred);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_METRICS_H_
