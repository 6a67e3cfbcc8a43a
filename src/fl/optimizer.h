// tff.learning.optimizers SGD (build_sgdm without momentum) and Adam as IR: the optimizer state as flat tensors
// named like TFF's OrderedDict (learning_rate, beta_1, beta_2, epsilon, step, accumulator/<i>, preconditioner/<i>)
// and one step `next(state, weights, gradients)` with TFF's exact operation order (fl-semantics.md §2), so the
// client loop and the server finalizer share one definition. It never decides where the state lives.
#ifndef TASKBUILDER_FL_OPTIMIZER_H_
#define TASKBUILDER_FL_OPTIMIZER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "fl/ir_util.h"
#include "fl/learning_spec.h"
#include "fl/map_reduce_program.h"

namespace tb::fl {

// The initial optimizer state for trainable weights of `weight_types` (which must be fully defined), paths relative
// to the optimizer state ("learning_rate", "accumulator/0", ...).
absl::StatusOr<std::vector<StateTensor>> OptimizerInitialState(const OptimizerSpec& spec,
                                                               const std::vector<graph::TensorType>& weight_types);

struct OptimizerStep {
  std::vector<Output> state;
  std::vector<Output> weights;
};

// Emits one step. `state` is laid out as OptimizerInitialState returns it; `weights` and `gradients` match.
OptimizerStep EmitOptimizerStep(const graph::Builder& e, const OptimizerSpec& spec, const std::vector<Output>& state,
                                const std::vector<Output>& weights, const std::vector<Output>& gradients);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_OPTIMIZER_H_
