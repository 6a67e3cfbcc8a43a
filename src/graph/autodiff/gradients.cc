#include "graph/autodiff/gradients.h"

#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/autodiff/grad_registry.h"
#include "graph/builder.h"

namespace tb::graph {

bool IsDifferentiableType(tf::DType dtype) {
  return dtype == tf::DType::kFloat || dtype == tf::DType::kDouble || dtype == tf::DType::kHalf;
}

namespace {

// Ones shaped like y: a Const for small static shapes, Fill otherwise (what tf.gradients seeds with).
Output OnesLike(const Builder& b, Output y) {
  const PartialShape& s = y.shape();
  auto n = s.NumElements();
  if (n && *n <= 1000) {
    tf::Tensor t(y.dtype(), s.dims());
    if (y.dtype() == tf::DType::kFloat) {
      for (float& v : t.flat<float>()) v = 1.0f;
    } else if (y.dtype() == tf::DType::kDouble) {
      for (double& v : t.flat<double>()) v = 1.0;
    } else {
      return b.Fill(b.ShapeOf(y), b.ScalarLike(y, 1));
    }
    return b.Const(t);
  }
  return b.Fill(b.ShapeOf(y), b.ScalarLike(y, 1));
}

Output Sum(const Builder& b, const std::vector<Output>& parts) {
  if (parts.empty()) return Output();
  if (parts.size() == 1) return parts[0];
  return b.AddN(parts);
}

}  // namespace

absl::StatusOr<std::vector<Output>> AddGradients(Graph& graph, absl::Span<const Output> ys,
                                                 absl::Span<const Output> xs, absl::Span<const Output> grad_ys,
                                                 const GradientOptions& options) {
  if (!grad_ys.empty() && grad_ys.size() != ys.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("AddGradients: ", grad_ys.size(), " grad_ys for ", ys.size(), " ys"));
  }
  auto check = [&](const Output& o, const char* what) -> absl::Status {
    if (!o.valid() || o.node->graph() != &graph || o.index >= o.node->num_outputs()) {
      return absl::InvalidArgumentError(absl::StrCat("AddGradients: a ", what, " is not an output of the graph"));
    }
    return absl::OkStatus();
  };
  for (const Output& y : ys) TB_RETURN_IF_ERROR(check(y, "y"));
  for (const Output& x : xs) TB_RETURN_IF_ERROR(check(x, "x"));
  for (size_t i = 0; i < grad_ys.size(); ++i) {
    TB_RETURN_IF_ERROR(check(grad_ys[i], "grad_y"));
    if (grad_ys[i].dtype() != ys[i].dtype()) {
      return absl::InvalidArgumentError(absl::StrCat("AddGradients: grad_ys[", i, "] has the wrong dtype"));
    }
  }
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  const auto consumers = graph.Consumers();

  // Values a gradient can reach: differentiable outputs downstream of some x.
  absl::flat_hash_set<Output> from_x;
  std::vector<Output> work;
  for (const Output& x : xs) {
    if (IsDifferentiableType(x.dtype()) && from_x.insert(x).second) work.push_back(x);
  }
  while (!work.empty()) {
    Output o = work.back();
    work.pop_back();
    auto it = consumers.find(o);
    if (it == consumers.end()) continue;
    for (const auto& [node, slot] : it->second) {
      for (int k = 0; k < node->num_outputs(); ++k) {
        Output out(node, k);
        if (IsDifferentiableType(out.dtype()) && from_x.insert(out).second) work.push_back(out);
      }
    }
  }
  // Nodes that feed some y through differentiable values.
  absl::flat_hash_set<const Node*> to_y;
  std::vector<const Node*> stack;
  for (const Output& y : ys) {
    if (to_y.insert(y.node).second) stack.push_back(y.node);
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Output& in : n->inputs()) {
      if (IsDifferentiableType(in.dtype()) && to_y.insert(in.node).second) stack.push_back(in.node);
    }
  }

  Builder root(&graph);
  std::map<Output, std::vector<Output>> contributions;
  for (size_t i = 0; i < ys.size(); ++i) {
    if (!IsDifferentiableType(ys[i].dtype())) continue;
    Output seed = grad_ys.empty() ? OnesLike(root.WithScope(options.scope), ys[i]) : grad_ys[i];
    contributions[ys[i]].push_back(seed);
  }
  TB_RETURN_IF_ERROR(root.status());

  const GradRegistry& registry = GradRegistry::Global();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* node = *it;
    if (!to_y.contains(node)) continue;
    std::vector<bool> needs(node->num_inputs(), false);
    bool any_need = false;
    for (int i = 0; i < node->num_inputs(); ++i) {
      needs[i] = from_x.contains(node->input(i));
      any_need |= needs[i];
    }
    if (!any_need) continue;
    Builder b = root.WithScope(absl::StrCat(options.scope, "/", node->name(), "_grad"));
    std::vector<Output> out_grads(node->num_outputs());
    bool any_grad = false;
    for (int k = 0; k < node->num_outputs(); ++k) {
      auto c = contributions.find(Output(node, k));
      if (c == contributions.end()) continue;
      out_grads[k] = Sum(b, c->second);
      any_grad = true;
    }
    if (!any_grad) continue;
    bool registered = false;
    GradFn fn = registry.Find(node->op(), &registered);
    if (!registered) {
      if (node->function() != nullptr || node->op() == "PartitionedCall" || node->op() == "StatefulPartitionedCall") {
        return absl::FailedPreconditionError(
            absl::StrCat(node->DebugName(), ": inline function calls (passes/inline.h) before differentiating"));
      }
      return absl::UnimplementedError(absl::StrCat("no gradient is defined for ", node->DebugName()));
    }
    if (fn == nullptr) continue;  // not differentiable: inputs get nothing
    GradContext ctx(node, out_grads, needs, b);
    absl::Status s = fn(ctx);
    if (!s.ok()) return s;
    if (!b.ok()) return Annotate(b.status(), absl::StrCat("gradient of ", node->DebugName()));
    for (int i = 0; i < node->num_inputs(); ++i) {
      const Output& g = ctx.input_grads()[i];
      if (!needs[i] || !g.valid()) continue;
      const Output in = node->input(i);
      if (g.dtype() != in.dtype() || !g.shape().IsCompatibleWith(in.shape())) {
        return absl::InternalError(absl::StrCat("gradient of ", node->DebugName(), " for input ", i, " is ",
                                                g.type().ToString(), ", the input is ", in.type().ToString()));
      }
      contributions[in].push_back(g);
    }
  }

  std::vector<Output> result;
  for (const Output& x : xs) {
    auto c = contributions.find(x);
    Builder b = root.WithScope(options.scope);
    Output g;
    if (c != contributions.end()) {
      g = Sum(b, c->second);
    } else if (options.zeros_for_unconnected) {
      g = b.ZerosLike(x);
    }
    result.push_back(g);
  }
  TB_RETURN_IF_ERROR(root.status());
  return result;
}

}  // namespace tb::graph
