// Constant folding with the reference kernels: the graph layer's ConstantEvaluator implemented by running the
// node's kernel on its constant inputs (no resources, functions or randomness are available to it, so ops that
// need them simply do not fold).
#ifndef TASKBUILDER_RUNTIME_INTERPRETER_KERNEL_EVALUATOR_H_
#define TASKBUILDER_RUNTIME_INTERPRETER_KERNEL_EVALUATOR_H_

#include "graph/passes/passes.h"

namespace tb::runtime {

class KernelEvaluator : public graph::ConstantEvaluator {
 public:
  absl::StatusOr<std::vector<tf::Tensor>> Evaluate(const graph::Node& node,
                                                   const std::vector<tf::Tensor>& inputs) override;
};

}  // namespace tb::runtime

#endif  // TASKBUILDER_RUNTIME_INTERPRETER_KERNEL_EVALUATOR_H_
