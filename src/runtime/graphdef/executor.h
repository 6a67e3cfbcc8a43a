// Executes part of an ExecGraph the way a TF1 Session step does: only the nodes the fetches and targets need
// (through data and control inputs, stopping at fed tensors), in dependency order, with TF's dead-tensor
// semantics for Switch/Merge control flow (a node with a dead input does not run and its outputs are dead; Merge
// forwards its first live input). Kernels come from the registry; Switch, Merge and function arguments are handled
// here. Errors name the node and op. It never loops: graphs with cycles (TF1 while loops) are refused.
#ifndef TASKBUILDER_RUNTIME_GRAPHDEF_EXECUTOR_H_
#define TASKBUILDER_RUNTIME_GRAPHDEF_EXECUTOR_H_

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graphdef/exec_graph.h"
#include "runtime/kernels/kernel.h"
#include "tf/tensor.h"

namespace tb::runtime::graphdef {

struct ExecRequest {
  std::vector<std::pair<TensorRef, tf::Tensor>> feeds;
  std::vector<TensorRef> fetches;
  std::vector<int> targets;      // nodes to run for their effects
  std::vector<tf::Tensor> args;  // function arguments (ExecGraph::num_args() of them)
};

// Returns the fetched tensors in order. A fetch that is dead (on an untaken Switch branch) is an error.
absl::StatusOr<std::vector<tf::Tensor>> Execute(const ExecGraph& graph, const ExecRequest& request, KernelEnv* env);

}  // namespace tb::runtime::graphdef

#endif  // TASKBUILDER_RUNTIME_GRAPHDEF_EXECUTOR_H_
