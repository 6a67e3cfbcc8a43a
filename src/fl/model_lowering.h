// The model's computations inside client programs: predict_on_batch (training or inference body) and the loss,
// inlined from the SavedModel's FunctionDefs, and reverse-mode gradients of the loss with respect to the trainable
// weights. The imported functions live in the client program's library; nothing here changes the model.
#ifndef TASKBUILDER_FL_MODEL_LOWERING_H_
#define TASKBUILDER_FL_MODEL_LOWERING_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/ir_util.h"
#include "graph/function.h"
#include "tf/functional_model.h"

namespace tb::fl {

class ModelLowering {
 public:
  // Imports the model's three bodies (and what they call) into `library`, with the model's input spec as the
  // argument shapes. Errors name the function and node that cannot be imported.
  static absl::StatusOr<std::unique_ptr<ModelLowering>> Create(const tf::FunctionalModel& model,
                                                               graph::FunctionLibrary* library);

  // predictions = predict_on_batch((trainable, non_trainable), features, training), inlined under b's scope.
  std::vector<Output> EmitPredict(const graph::Builder& b, bool training, const std::vector<Output>& weights,
                                  const std::vector<Output>& features) const;
  // The scalar batch loss from the flattened predictions and labels.
  Output EmitLoss(const graph::Builder& b, const std::vector<Output>& predictions,
                  const std::vector<Output>& labels) const;
  // d loss / d wrt, emitted into b's graph (which must hold both); a weight the loss does not depend on gets zeros.
  std::vector<Output> EmitGradients(const graph::Builder& b, Output loss, const std::vector<Output>& wrt) const;

 private:
  ModelLowering() = default;
  const graph::Function* predict_training_ = nullptr;
  const graph::Function* predict_inference_ = nullptr;
  const graph::Function* loss_ = nullptr;
};

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_MODEL_LOWERING_H_
