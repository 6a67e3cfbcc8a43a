#include "runtime/interpreter/kernel_evaluator.h"

#include "runtime/kernels/kernel.h"

namespace tb::runtime {

absl::StatusOr<std::vector<tf::Tensor>> KernelEvaluator::Evaluate(const graph::Node& node,
                                                                  const std::vector<tf::Tensor>& inputs) {
  KernelEnv env;  // deliberately empty: folding must not touch state
  return RunKernel(node.op(), node.name(), graph::AttrView(node.attrs()), inputs, &env);
}

}  // namespace tb::runtime
