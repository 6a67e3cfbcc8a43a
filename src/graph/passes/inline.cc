#include "graph/passes/inline.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::graph {
namespace {

bool IsCall(const Node* n) {
  return n->function() != nullptr || n->op() == "PartitionedCall" || n->op() == "StatefulPartitionedCall";
}

absl::StatusOr<const Function*> Callee(const Graph& graph, const Node* n) {
  if (n->function() != nullptr) return n->function();
  const tensorflow::AttrValue* f = n->attr("f");
  if (f == nullptr || f->value_case() != tensorflow::AttrValue::kFunc) {
    return absl::InvalidArgumentError(absl::StrCat(n->DebugName(), " has no function attr 'f'"));
  }
  const Function* fn = graph.library() ? graph.library()->Find(f->func().name()) : nullptr;
  if (fn == nullptr) {
    return absl::NotFoundError(absl::StrCat(n->DebugName(), " calls unknown function '", f->func().name(), "'"));
  }
  return fn;
}

}  // namespace

absl::StatusOr<std::vector<Output>> InlineFunctionBody(Graph& graph, const Function& fn, const std::vector<Output>& args,
                                                       std::string_view prefix, const std::vector<Node*>& control_deps,
                                                       std::vector<Node*>* control_returns) {
  if (args.size() != fn.args().size()) {
    return absl::InvalidArgumentError(absl::StrCat("inlining '", fn.name(), "': ", args.size(), " arguments for ",
                                                   fn.args().size()));
  }
  absl::flat_hash_map<const Node*, Node*> copies;
  absl::flat_hash_map<const Node*, Output> arg_values;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].dtype() != fn.args()[i]->output_type(0).dtype) {
      return absl::InvalidArgumentError(absl::StrCat("inlining '", fn.name(), "': argument ", i, " has the wrong dtype"));
    }
    arg_values[fn.args()[i]] = args[i];
  }
  auto map_output = [&](const Output& o) -> Output {
    auto a = arg_values.find(o.node);
    if (a != arg_values.end()) return a->second;
    return Output(copies.at(o.node), o.index);
  };
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, fn.body().TopologicalOrder());
  for (const Node* n : order) {
    if (n->IsArg()) continue;
    NodeSpec spec;
    spec.name = graph.UniqueName(absl::StrCat(ToAbsl(prefix), "/", n->name()));
    spec.op = n->op();
    spec.attrs = n->attrs();
    spec.device = n->device();
    for (const Output& in : n->inputs()) spec.inputs.push_back(map_output(in));
    for (const Node* c : n->control_inputs()) {
      if (!c->IsArg()) spec.control_inputs.push_back(copies.at(c));
    }
    if (spec.inputs.empty() && spec.control_inputs.empty()) spec.control_inputs = control_deps;
    TB_ASSIGN_OR_RETURN(Node * copy, graph.AddNode(std::move(spec)));
    copies[n] = copy;
  }
  std::vector<Output> results;
  for (const auto& r : fn.returns()) results.push_back(map_output(r.value));
  if (control_returns) {
    for (const auto& r : fn.control_returns()) control_returns->push_back(copies.at(r.node));
  }
  return results;
}

absl::StatusOr<int> InlineCalls(Graph& graph, const InlineOptions& options) {
  int inlined = 0;
  for (int round = 0;; ++round) {
    std::vector<Node*> calls;
    for (Node* n : graph.nodes()) {
      if (IsCall(n)) calls.push_back(n);
    }
    if (calls.empty()) return inlined;
    if (round >= options.max_depth) {
      return absl::ResourceExhaustedError(
          absl::StrCat("function calls nest deeper than ", options.max_depth, " levels (recursive library?)"));
    }
    for (Node* call : calls) {
      TB_ASSIGN_OR_RETURN(const Function* fn, Callee(graph, call));
      if (graph.num_nodes() + fn->body().num_nodes() > options.max_nodes) {
        return absl::ResourceExhaustedError(absl::StrCat("inlining exceeds ", options.max_nodes, " nodes"));
      }
      std::vector<Node*> control_returns;
      auto results = InlineFunctionBody(graph, *fn, call->inputs(), call->name(), call->control_inputs(),
                                        &control_returns);
      if (!results.ok()) return Annotate(results.status(), absl::StrCat("inlining ", call->DebugName()));
      if (static_cast<int>(results->size()) != call->num_outputs()) {
        return absl::InternalError(absl::StrCat(call->DebugName(), ": callee result count differs"));
      }
      for (int k = 0; k < call->num_outputs(); ++k) graph.ReplaceAllUses(Output(call, k), (*results)[k]);
      // Whoever waited for the call now waits for the callee's side effects and results.
      for (Node* n : graph.nodes()) {
        const auto& deps = n->control_inputs();
        if (std::find(deps.begin(), deps.end(), call) == deps.end()) continue;
        graph.RemoveControlInput(n, call);
        for (Node* r : control_returns) graph.AddControlInput(n, r);
        for (const Output& o : *results) graph.AddControlInput(n, o.node);
      }
      TB_RETURN_IF_ERROR(graph.RemoveNodes({call}));
      ++inlined;
    }
  }
}

absl::StatusOr<int> InlineCalls(Function& fn, const InlineOptions& options) {
  // Control returns must survive the call node's removal: point them at a NoOp that waits on the call, which
  // inlining then rewires to the callee's effects.
  std::vector<Function::ControlReturn> fixed;
  bool changed = false;
  for (const auto& r : fn.control_returns()) {
    if (!IsCall(r.node)) {
      fixed.push_back(r);
      continue;
    }
    NodeSpec spec;
    spec.name = fn.body().UniqueName(absl::StrCat(r.node->name(), "/done"));
    spec.op = "NoOp";
    spec.control_inputs = {r.node};
    TB_ASSIGN_OR_RETURN(Node * noop, fn.body().AddNode(std::move(spec)));
    fixed.push_back({r.name, noop});
    changed = true;
  }
  if (changed) {
    fn.ClearControlReturns();
    for (const auto& r : fixed) TB_RETURN_IF_ERROR(fn.AddControlReturn(r.name, r.node));
  }
  return InlineCalls(fn.body(), options);
}

}  // namespace tb::graph
