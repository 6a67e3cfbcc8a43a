// Inlining of function calls: every PartitionedCall / StatefulPartitionedCall (and call-by-name node) in a graph is
// replaced by a copy of the callee's body, recursively, so autodiff, folding and export see one flat graph.
// Inlined nodes are named "<call node name>/<callee node name>"; callee arguments become the call's inputs,
// results replace the call's outputs, the call's control inputs gate every inlined node that has no other
// input, and nodes that depended on the call (control edges) depend on the callee's control returns and results.
// Never inlines If/While (their bodies stay functions) and never changes the library.
#ifndef TASKBUILDER_GRAPH_PASSES_INLINE_H_
#define TASKBUILDER_GRAPH_PASSES_INLINE_H_

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/graph.h"

namespace tb::graph {

struct InlineOptions {
  // Guards against runaway recursion and blow-up.
  int max_depth = 32;
  int max_nodes = 1'000'000;
};

// Inlines calls in `graph` until none is left. Returns the number of calls inlined.
absl::StatusOr<int> InlineCalls(Graph& graph, const InlineOptions& options = {});
// The same in a function body; control returns that were calls become NoOps waiting on the inlined effects.
absl::StatusOr<int> InlineCalls(Function& fn, const InlineOptions& options = {});

// Copies `fn`'s body into `graph` as if called with `args`; returns the values of its returns. Nodes are named
// "<prefix>/<node>" and get `control_deps` when they have no data inputs. Calls inside are left as they are.
absl::StatusOr<std::vector<Output>> InlineFunctionBody(Graph& graph, const Function& fn, const std::vector<Output>& args,
                                                       std::string_view prefix,
                                                       const std::vector<Node*>& control_deps = {},
                                                       std::vector<Node*>* control_returns = nullptr);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_PASSES_INLINE_H_
