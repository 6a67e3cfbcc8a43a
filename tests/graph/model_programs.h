// Test programs made from functional models: predictions and loss of a model as one flat graph (calls inlined),
// with the weights either frozen as Consts or fed as Placeholders, optionally promoted to float64 for finite
// differences. Shared by the gradient, tfjs and benchmark code.
#ifndef TASKBUILDER_TESTS_GRAPH_MODEL_PROGRAMS_H_
#define TASKBUILDER_TESTS_GRAPH_MODEL_PROGRAMS_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "tensorflow/function.pb.h"
#include "tf/functional_model.h"

namespace tb::testing {

struct ModelProgram {
  std::unique_ptr<graph::FunctionLibrary> library;
  std::unique_ptr<graph::Graph> graph;
  std::vector<graph::Output> weights;       // Const or Placeholder, in model order
  std::vector<tf::Tensor> weight_values;    // the initial weights (promoted when asked)
  std::vector<graph::Output> features;      // Placeholders
  std::vector<graph::Output> labels;        // Placeholders (only with_loss)
  std::vector<graph::Output> predictions;   // Identity nodes named prediction_<i>
  graph::Output loss;                       // Identity named "loss" (only with_loss)
};

struct ModelProgramOptions {
  bool frozen_weights = false;   // Consts instead of Placeholders
  bool with_loss = true;
  bool promote_to_double = false;
  bool training = true;          // predict_on_batch_training vs _inference
};

absl::StatusOr<ModelProgram> BuildModelProgram(const tf::FunctionalModel& model, const ModelProgramOptions& options);

// Rewrites a FunctionDef library so every float32 value (args, attrs, Const values) becomes float64.
void PromoteFloatToDouble(tensorflow::FunctionDefLibrary* library);
tf::Tensor ToDouble(const tf::Tensor& t);

}  // namespace tb::testing

#endif  // TASKBUILDER_TESTS_GRAPH_MODEL_PROGRAMS_H_
