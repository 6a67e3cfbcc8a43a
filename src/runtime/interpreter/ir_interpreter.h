// Executes compiler IR with the reference kernels: a Graph with feeds/fetches/targets, or a Function with
// arguments. Only the nodes the fetches and targets depend on run (data and control edges), in the graph's
// deterministic topological order; a fed output replaces its producer. Library functions called by ops
// (PartitionedCall, If, While, ...) or by name run recursively through the same interpreter, so resource
// variables are shared by the whole run. It never mutates the graphs it runs; work is bounded by the call-depth
// limit and KernelEnv::max_loop_iterations.
#ifndef TASKBUILDER_RUNTIME_INTERPRETER_IR_INTERPRETER_H_
#define TASKBUILDER_RUNTIME_INTERPRETER_IR_INTERPRETER_H_

#include <map>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/resource.h"
#include "tf/tensor.h"

namespace tb::runtime {

class IrInterpreter : public FunctionRunner {
 public:
  // `library` resolves function-valued attrs and call-by-name ops (may be null when none are used).
  explicit IrInterpreter(const graph::FunctionLibrary* library = nullptr, uint64_t seed = 0);
  ~IrInterpreter() override;
  IrInterpreter(const IrInterpreter&) = delete;
  IrInterpreter& operator=(const IrInterpreter&) = delete;

  // Feeds may name any output (usually Placeholders). Fetches are returned in order. Errors name the failing node.
  absl::StatusOr<std::vector<tf::Tensor>> Run(const graph::Graph& graph,
                                              const std::map<graph::Output, tf::Tensor>& feeds,
                                              const std::vector<graph::Output>& fetches,
                                              const std::vector<graph::Node*>& targets = {});
  // Runs a function on positional arguments (checked against the signature's dtypes and shapes).
  absl::StatusOr<std::vector<tf::Tensor>> Call(const graph::Function& fn, std::vector<tf::Tensor> args);

  // FunctionRunner: resolves `fn.name()` in the library.
  absl::StatusOr<std::vector<tf::Tensor>> RunFunction(const tensorflow::NameAttrList& fn,
                                                      std::vector<tf::Tensor> args) override;

  ResourceStore& resources() { return resources_; }
  KernelEnv& env() { return env_; }
  // Nested function calls beyond this depth fail (guards against recursive libraries).
  void set_max_call_depth(int depth) { max_call_depth_ = depth; }
  // Kernel executions so far (for tests and benchmarks).
  int64_t nodes_executed() const { return nodes_executed_; }

 private:
  struct Plan;
  absl::StatusOr<const Plan*> GetPlan(const graph::Graph& graph);

  const graph::FunctionLibrary* library_;
  ResourceStore resources_;
  std::mt19937_64 rng_;
  KernelEnv env_;
  int depth_ = 0;
  int max_call_depth_ = 64;
  int64_t nodes_executed_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<Plan>> plans_;  // by Graph::uid()
};

}  // namespace tb::runtime

#endif  // TASKBUILDER_RUNTIME_INTERPRETER_IR_INTERPRETER_H_
