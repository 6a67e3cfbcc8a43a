#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "base/status_macros.h"
#include "graph/passes/passes.h"

namespace tb::graph {
namespace {

bool Mergeable(const Node* n) {
  if (n->is_stateful() || n->IsArg() || n->function() != nullptr) return false;
  static const absl::flat_hash_set<std::string> kNever = {"Placeholder", "PlaceholderWithDefault", "NoOp"};
  return !kNever.contains(n->op());
}

uint64_t Signature(const Node* n) {
  uint64_t h = absl::HashOf(n->op(), n->device(), n->inputs().size());
  for (const Output& in : n->inputs()) h = absl::HashOf(h, in.node->id(), in.index);
  std::vector<int64_t> ctrl;
  for (const Node* c : n->control_inputs()) ctrl.push_back(c->id());
  std::sort(ctrl.begin(), ctrl.end());
  for (int64_t c : ctrl) h = absl::HashOf(h, c);
  for (const auto& [k, v] : n->attrs()) h = absl::HashOf(h, k, HashAttrValue(v));
  return h;
}

bool Same(const Node* a, const Node* b) {
  if (a->op() != b->op() || a->device() != b->device() || a->inputs() != b->inputs()) return false;
  std::vector<int64_t> ca, cb;
  for (const Node* c : a->control_inputs()) ca.push_back(c->id());
  for (const Node* c : b->control_inputs()) cb.push_back(c->id());
  std::sort(ca.begin(), ca.end());
  std::sort(cb.begin(), cb.end());
  if (ca != cb || a->attrs().size() != b->attrs().size()) return false;
  auto ia = a->attrs().begin();
  auto ib = b->attrs().begin();
  for (; ia != a->attrs().end(); ++ia, ++ib) {
    if (ia->first != ib->first || !AttrValuesEqual(ia->second, ib->second)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<int> EliminateCommonSubexpressions(Graph& graph, const std::vector<Node*>& keep) {
  absl::flat_hash_set<const Node*> kept(keep.begin(), keep.end());
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  absl::flat_hash_map<uint64_t, std::vector<Node*>> seen;
  std::vector<Node*> removed;
  for (Node* n : order) {
    if (!Mergeable(n)) continue;
    // Inputs were already rewired to surviving representatives, so equal nodes now look equal.
    const uint64_t sig = Signature(n);
    Node* rep = nullptr;
    for (Node* candidate : seen[sig]) {
      if (Same(candidate, n)) {
        rep = candidate;
        break;
      }
    }
    if (rep == nullptr || kept.contains(n)) {
      seen[sig].push_back(n);
      continue;
    }
    for (int k = 0; k < n->num_outputs(); ++k) graph.ReplaceAllUses(Output(n, k), Output(rep, k));
    // Nodes waiting on the duplicate now wait on the representative.
    for (Node* other : graph.nodes()) {
      const auto& deps = other->control_inputs();
      if (std::find(deps.begin(), deps.end(), n) != deps.end()) {
        graph.RemoveControlInput(other, n);
        graph.AddControlInput(other, rep);
      }
    }
    removed.push_back(n);
  }
  TB_RETURN_IF_ERROR(graph.RemoveNodes(removed));
  return static_cast<int>(removed.size());
}

absl::StatusOr<int> EliminateCommonSubexpressions(Function& fn) {
  std::vector<Node*> keep;
  for (const auto& r : fn.control_returns()) keep.push_back(r.node);
  return EliminateCommonSubexpressions(fn.body(), keep);
}

}  // namespace tb::graph
