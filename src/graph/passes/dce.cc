#include "absl/container/flat_hash_set.h"
#include "base/status_macros.h"
#include "graph/passes/passes.h"

namespace tb::graph {

absl::StatusOr<int> EliminateDeadCode(Graph& graph, const std::vector<Output>& roots,
                                      const std::vector<Node*>& root_nodes, const DceOptions& options) {
  absl::flat_hash_set<const Node*> live;
  std::vector<const Node*> stack;
  auto mark = [&](const Node* n) {
    if (live.insert(n).second) stack.push_back(n);
  };
  for (const Output& o : roots) mark(o.node);
  for (const Node* n : root_nodes) mark(n);
  for (const Node* n : graph.nodes()) {
    if (n->IsArg() || (options.keep_stateful && n->is_stateful())) mark(n);
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Output& in : n->inputs()) mark(in.node);
    for (const Node* c : n->control_inputs()) mark(c);
  }
  std::vector<Node*> dead;
  for (Node* n : graph.nodes()) {
    if (!live.contains(n)) dead.push_back(n);
  }
  TB_RETURN_IF_ERROR(graph.RemoveNodes(dead));
  return static_cast<int>(dead.size());
}

absl::StatusOr<int> EliminateDeadCode(Function& fn, const DceOptions& options) {
  std::vector<Output> roots;
  for (const auto& r : fn.returns()) roots.push_back(r.value);
  std::vector<Node*> nodes;
  for (const auto& r : fn.control_returns()) nodes.push_back(r.node);
  return EliminateDeadCode(fn.body(), roots, nodes, options);
}

}  // namespace tb::graph
