// The allowlisted Keras metrics (and the loss metric ODP appends) as IR: each metric's state variables, its
// per-batch update on (labels, predictions) run on the client, and its finalization run on the server after the
// states were summed across clients (fl-semantics.md §5). Shapes and the rank alignment Keras applies are decided
// at build time from the model's static ranks; shapes for which Keras fails or computes nothing meaningful (the
// batch read as classes, class indices compared with class scores) are refused, never built. A metric never sees
// weights or gradients.
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

// How a metric pairs labels with predictions, which decides the static shapes it accepts after Keras' rank
// alignment (metrics_shapes.cc).
enum class ShapeRule {
  kNone,        // the loss metric: takes the batch loss and size, not labels and predictions
  kSameShape,   // one label per prediction, of the same shape (Keras asserts it): accuracy, the confusion metrics,
                // binary cross-entropy from logits
  kBroadcast,   // elementwise with broadcasting within each example: the regression errors, binary accuracy and
                // cross-entropy
  kOneHot,      // kSameShape with a class axis last: one-hot labels for the categorical metrics
  kClassIndex,  // one class index per row of class scores: the sparse categorical metrics
};

class Metric {
 public:
  virtual ~Metric() = default;
  const std::string& name() const { return name_; }
  ShapeRule shape_rule() const { return rule_; }

  // OK when Keras computes something well-defined for labels and predictions of these static types; otherwise
  // InvalidArgument naming the metric, both types and why (the original fails while tracing, fails on the device,
  // or pairs axes that do not belong together).
  absl::Status CheckShapes(const graph::TensorType& labels, const graph::TensorType& predictions) const;
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
  Metric(std::string name, ShapeRule rule) : name_(std::move(name)), rule_(rule) {}

  // For EmitUpdate: CheckShapes on the emitted tensors' static types; on failure records the error in `e` and
  // returns false (the caller then returns `state` unchanged).
  bool AcceptShapes(const graph::Builder& e, Output y_true, Output y_pred) const;

 private:
  std::string name_;
  ShapeRule rule_;
};

// The metric for an allowlisted name. `mean` and unknown names are InvalidArgument with the reason.
absl::StatusOr<std::unique_ptr<Metric>> MakeMetric(std::string_view name);

// The metrics of a LearningSpec in state order: duplicates collapse into the first occurrence's position (the
// later constructor wins, but all constructors of one name are equal), then "loss" last.
absl::StatusOr<std::vector<std::unique_ptr<Metric>>> MakeMetrics(const std::vector<std::string>& names);

// CheckShapes of each metric for the model's labels and the prediction the metrics read, so that a request is
// refused before any program is built.
absl::Status CheckMetricShapes(const std::vector<std::unique_ptr<Metric>>& metrics, const graph::TensorType& labels,
                               const graph::TensorType& predictions);

// The loss metric ODP appends: state (sum of batch_loss * n_b, sum of n_b); result sum / count (plain division).
// Its update takes the batch loss and n_b (float32) instead of labels and predictions.
class LossMetric : public Metric {
 public:
  LossMetric() : Metric("loss", ShapeRule::kNone) {}
  std::vector<TensorSlot> StateSlots() const override;
  // y_true = batch loss (float32 scalar), y_pred = n_b (float32 scalar).
  std::vector<Output> EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output batch_loss,
                                 Output num_examples) const override;
  Output EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const override;
};

// Keras' squeeze_or_expand_dimensions(y_pred, y_true) on static shapes: which of the two loses its last axis.
enum class Squeeze { kNeither, kLabels, kPredictions };
Squeeze RankAlignment(const graph::PartialShape& y_true, const graph::PartialShape& y_pred);
// The shapes after that alignment: (y_true, y_pred).
std::pair<graph::PartialShape, graph::PartialShape> AlignShapes(const graph::PartialShape& y_true,
                                                                const graph::PartialShape& y_pred);
// The same on tensors: returns (y_true, y_pred) aligned.
std::pair<Output, Output> AlignRanks(const graph::Builder& e, Output y_true, Output y_pred);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_METRICS_H_
