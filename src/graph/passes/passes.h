// Graph clean-up passes: dead-code elimination, common-subexpression elimination and constant folding. Each works
// on a Graph with explicit roots, or on a Function (roots = its returns and control returns, arguments kept).
// None changes what the roots compute; stateful ops are never merged, folded or (by default) removed; every pass
// is deterministic. Folding of general ops needs a ConstantEvaluator (the reference kernels provide one in
// runtime/interpreter/kernel_evaluator.h); shape facts (Shape/Size/Rank of static shapes) fold without one.
#ifndef TASKBUILDER_GRAPH_PASSES_PASSES_H_
#define TASKBUILDER_GRAPH_PASSES_PASSES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "tf/tensor.h"

namespace tb::graph {

struct DceOptions {
  // Keep stateful nodes even when no root depends on them (their side effects may matter).
  bool keep_stateful = true;
};
// Removes nodes no root depends on (through data or control edges). Returns the number removed.
absl::StatusOr<int> EliminateDeadCode(Graph& graph, const std::vector<Output>& roots,
                                      const std::vector<Node*>& root_nodes = {}, const DceOptions& options = {});
absl::StatusOr<int> EliminateDeadCode(Function& fn, const DceOptions& options = {});

// Merges nodes with the same op, inputs, control inputs, attrs and device (never stateful ops, placeholders,
// arguments or `keep` nodes). Returns the number removed.
absl::StatusOr<int> EliminateCommonSubexpressions(Graph& graph, const std::vector<Node*>& keep = {});
absl::StatusOr<int> EliminateCommonSubexpressions(Function& fn);

// Evaluates one node on constant inputs (implemented by the runtime's kernels).
class ConstantEvaluator {
 public:
  virtual ~ConstantEvaluator() = default;
  virtual absl::StatusOr<std::vector<tf::Tensor>> Evaluate(const Node& node, const std::vector<tf::Tensor>& inputs) = 0;
};

struct FoldOptions {
  // Folded results larger than this stay computed (constants bloat graphs and device programs).
  int64_t max_constant_bytes = 1 << 20;
  // Nodes that must keep computing (e.g. named outputs a Plan refers to).
  std::vector<Node*> keep;
};
// Replaces nodes whose inputs are all constant (or whose result depends only on static shapes) by Consts that keep
// the node's name. Iterates to a fixed point. `evaluator` may be null (then only shape facts and pure
// rearrangements of constants are folded). Returns the number of nodes folded.
absl::StatusOr<int> FoldConstants(Graph& graph, ConstantEvaluator* evaluator, const FoldOptions& options = {});
absl::StatusOr<int> FoldConstants(Function& fn, ConstantEvaluator* evaluator, FoldOptions options = {});

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_PASSES_PASSES_H_
