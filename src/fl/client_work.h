// The device's part of a round (MapReduceForm `work`) as a client program: read the examples through FCP's
// ExternalDataset, batch, parse and take them; restore the broadcast from the input checkpoint; run the local loop
// as a ReduceDataset over batches (training: forward, loss, gradients, optimizer step, metric updates; evaluation:
// forward, loss, metric updates); then compute the model update, drop it if it is not finite, let the aggregator
// clip or zero it, and save every client update tensor to the output checkpoint with SaveSlices
// (fl-semantics.md §1, §6, §7). Control flow stays inside library functions (the parse function and the reduce
// body) so the TFLite backend can lower each to a subgraph.
#ifndef TASKBUILDER_FL_CLIENT_WORK_H_
#define TASKBUILDER_FL_CLIENT_WORK_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/aggregator.h"
#include "fl/learning_spec.h"
#include "fl/map_reduce_program.h"
#include "fl/metrics.h"
#include "tf/functional_model.h"

namespace tb::fl {

struct ClientWorkInputs {
  const tf::FunctionalModel* model = nullptr;
  const LearningSpec* spec = nullptr;
  const std::vector<TensorSlot>* broadcast = nullptr;      // restored as "client/<path>"
  const std::vector<TensorSlot>* client_update = nullptr;  // saved as "update/<path>"
  const Aggregator* aggregator = nullptr;                  // training only
  const std::vector<std::unique_ptr<Metric>>* metrics = nullptr;
};

absl::StatusOr<ClientProgram> BuildClientTraining(const ClientWorkInputs& inputs);
absl::StatusOr<ClientProgram> BuildClientEvaluation(const ClientWorkInputs& inputs);

// The dataset's element spec after parsing: features then labels (names "x", "x/<key>", "y"...), and the
// example keys they are parsed from. InvalidArgument with the original's messages ("Input spec must be a tuple",
// "Label name cannot be empty.") when the model's input spec cannot be parsed from tf.Examples.
struct ParseSpec {
  std::vector<std::string> feature_keys;  // one per FunctionalModel::features entry
  std::string label_key;
};
absl::StatusOr<ParseSpec> MakeParseSpec(const tf::FunctionalModel& model, const std::string& label_name);

// Which prediction output the Keras metrics read as y_pred: the only one, or the third of an AutoPE 3-tuple
// (fl-semantics.md §5.1). InvalidArgument for other counts when there are metrics.
absl::StatusOr<size_t> MetricPredictionIndex(const tf::FunctionalModel& model, bool has_metrics);

// The static shapes the Keras metrics will be given (the model's label spec and its prediction specs, training
// and inference) checked against each metric's shape rule, so a request is refused before any program is built.
absl::Status CheckMetricInputs(const tf::FunctionalModel& model, const std::vector<std::unique_ptr<Metric>>& metrics);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_CLIENT_WORK_H_
