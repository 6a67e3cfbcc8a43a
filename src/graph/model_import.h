// The compiler's view of a loaded functional model (tf/functional_model.h): its FunctionDef library imported as
// IR, with the predict bodies' and the loss body's argument shapes taken from the model's weights and input spec
// (so the batch dimension is the only unknown), and handles to the three bodies. It does not compose training
// programs (the FL lowering does); it only makes the model's math available as typed IR functions.
#ifndef TASKBUILDER_GRAPH_MODEL_IMPORT_H_
#define TASKBUILDER_GRAPH_MODEL_IMPORT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/import.h"
#include "tf/functional_model.h"

namespace tb::graph {

struct ModelFunctions {
  std::unique_ptr<FunctionLibrary> library;
  const Function* predict_training = nullptr;   // (trainable..., non_trainable..., features...) -> predictions
  const Function* predict_inference = nullptr;
  const Function* loss = nullptr;               // (predictions..., labels...) -> scalar
};

absl::StatusOr<ModelFunctions> ImportModelFunctions(const tf::FunctionalModel& model,
                                                    const ImportOptions& options = {});

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_MODEL_IMPORT_H_
