#include "graph/export.h"

#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_def_util.h"
#include "graph/op_registry.h"

namespace tb::graph {
namespace {

void FuncNames(const tensorflow::AttrValue& v, std::set<std::string>* out) {
  if (v.value_case() == tensorflow::AttrValue::kFunc) {
    out->insert(v.func().name());
  } else if (v.value_case() == tensorflow::AttrValue::kList) {
    for (const auto& f : v.list().func()) out->insert(f.name());
  }
}

// The attrs a NodeDef should carry for `node`.
void ExportAttrs(const Node& node, const ExportOptions& options, tensorflow::NodeDef* nd) {
  const OpRegistration* reg = node.op_registration();
  for (const auto& [name, value] : node.attrs()) {
    const bool internal = !name.empty() && name[0] == '_';
    if (internal) {
      if (options.keep_internal_attrs) (*nd->mutable_attr())[name] = value;
      continue;
    }
    if (reg != nullptr) {
      const auto* def = reg->FindAttr(name);
      if (def == nullptr) continue;  // never emit attrs the OpDef does not have
      if (options.strip_default_attrs && def->has_default_value() && AttrValuesEqual(def->default_value(), value)) {
        continue;
      }
    }
    (*nd->mutable_attr())[name] = value;
  }
  // Placeholder.shape changed its default over TF's history; always write it (tf-ops.md §3.3).
  if (node.op() == "Placeholder" && !nd->attr().count("shape")) {
    if (const auto* s = node.attr("shape")) (*nd->mutable_attr())["shape"] = *s;
  }
}

absl::StatusOr<std::string> OutputName(const Output& o) {
  const Node* n = o.node;
  if (n->IsArg()) return n->name();
  if (n->op_registration() == nullptr) {
    return absl::StrCat(n->name(), ":", n->function()->returns()[o.index].name, ":0");
  }
  const tensorflow::OpDef& def = n->op_registration()->def;
  TB_ASSIGN_OR_RETURN(auto positions, ExpandArgPositions(def, def.output_arg(), AttrView(n->attrs())));
  if (o.index < 0 || o.index >= static_cast<int>(positions.size())) {
    return absl::InternalError(absl::StrCat(n->DebugName(), " has no output ", o.index));
  }
  const auto& [a, k] = positions[o.index];
  return absl::StrCat(n->name(), ":", def.output_arg(a).name(), ":", k);
}

}  // namespace

std::vector<std::string> ReferencedFunctions(const Graph& graph) {
  std::set<std::string> names;
  for (const Node* n : graph.nodes()) {
    if (n->function() != nullptr) names.insert(n->op());
    for (const auto& [k, v] : n->attrs()) FuncNames(v, &names);
  }
  return {names.begin(), names.end()};
}

absl::StatusOr<tensorflow::FunctionDef> ExportFunction(const Function& fn, const ExportOptions& options) {
  tensorflow::FunctionDef fdef;
  tensorflow::OpDef* sig = fdef.mutable_signature();
  sig->set_name(fn.name());
  for (size_t i = 0; i < fn.args().size(); ++i) {
    const Node* a = fn.args()[i];
    auto* arg = sig->add_input_arg();
    arg->set_name(a->name());
    arg->set_type(static_cast<tensorflow::DataType>(a->output_type(0).dtype));
    auto& attrs = (*fdef.mutable_arg_attr())[static_cast<uint32_t>(i)];
    auto it = fn.arg_attrs().find(static_cast<int>(i));
    if (it != fn.arg_attrs().end()) {
      for (const auto& [k, v] : it->second) (*attrs.mutable_attr())[k] = v;
    }
    (*attrs.mutable_attr())["_output_shapes"] = AttrShapeList({a->output_type(0).shape});
  }
  for (const auto& r : fn.returns()) {
    auto* arg = sig->add_output_arg();
    arg->set_name(r.name);
    arg->set_type(static_cast<tensorflow::DataType>(r.value.dtype()));
  }
  for (const auto& r : fn.control_returns()) sig->add_control_output(r.name);
  sig->set_is_stateful(fn.IsStateful());
  for (const auto& [k, v] : fn.attrs()) (*fdef.mutable_attr())[k] = v;

  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, fn.body().TopologicalOrder());
  for (const Node* n : order) {
    if (n->IsArg()) continue;
    if (n->op_registration() != nullptr && n->op_registration()->internal) {
      return absl::FailedPreconditionError(absl::StrCat(n->DebugName(), ": IR-internal op cannot be exported"));
    }
    tensorflow::NodeDef* nd = fdef.add_node_def();
    nd->set_name(n->name());
    nd->set_op(n->op());
    if (!n->device().empty()) nd->set_device(n->device());
    for (const Output& in : n->inputs()) {
      TB_ASSIGN_OR_RETURN(std::string s, OutputName(in));
      nd->add_input(s);
    }
    for (const Node* c : n->control_inputs()) {
      if (!c->IsArg()) nd->add_input(absl::StrCat("^", c->name()));
    }
    ExportAttrs(*n, options, nd);
  }
  for (const auto& r : fn.returns()) {
    TB_ASSIGN_OR_RETURN(std::string s, OutputName(r.value));
    (*fdef.mutable_ret())[r.name] = s;
  }
  for (const auto& r : fn.control_returns()) (*fdef.mutable_control_ret())[r.name] = r.node->name();
  return fdef;
}

absl::StatusOr<tensorflow::FunctionDefLibrary> ExportFunctionLibrary(const FunctionLibrary& library,
                                                                     const ExportOptions& options) {
  tensorflow::FunctionDefLibrary out;
  for (const Function* fn : library.functions()) {
    TB_ASSIGN_OR_RETURN(*out.add_function(), ExportFunction(*fn, options));
  }
  return out;
}

absl::StatusOr<tensorflow::GraphDef> ExportGraphDef(const Graph& graph, const FunctionLibrary* library,
                                                    const ExportOptions& options) {
  tensorflow::GraphDef gdef;
  gdef.mutable_versions()->set_producer(options.producer);
  gdef.mutable_versions()->set_min_consumer(options.min_consumer);
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  for (const Node* n : order) {
    if (n->op_registration() != nullptr && n->op_registration()->internal) {
      return absl::FailedPreconditionError(
          absl::StrCat(n->DebugName(), ": a graph with IR-internal ops (function arguments) cannot be exported as a GraphDef"));
    }
    tensorflow::NodeDef* nd = gdef.add_node();
    nd->set_name(n->name());
    nd->set_op(n->op());
    if (!n->device().empty()) nd->set_device(n->device());
    for (const Output& in : n->inputs()) nd->add_input(in.ToString());
    for (const Node* c : n->control_inputs()) nd->add_input(absl::StrCat("^", c->name()));
    ExportAttrs(*n, options, nd);
  }
  // Functions reachable from the graph, callees included, in name order.
  std::set<std::string> reached;
  std::deque<std::string> todo;
  for (const std::string& f : ReferencedFunctions(graph)) todo.push_back(f);
  while (!todo.empty()) {
    std::string name = todo.front();
    todo.pop_front();
    if (!reached.insert(name).second) continue;
    const Function* fn = library ? library->Find(name) : nullptr;
    if (fn == nullptr) return absl::FailedPreconditionError(absl::StrCat("graph refers to unknown function '", name, "'"));
    for (const std::string& f : ReferencedFunctions(fn->body())) todo.push_back(f);
  }
  for (const std::string& name : reached) {
    TB_ASSIGN_OR_RETURN(*gdef.mutable_library()->add_function(), ExportFunction(*library->Find(name), options));
  }
  if (reached.empty()) gdef.mutable_versions()->set_min_consumer(options.min_consumer);
  return gdef;
}

}  // namespace tb::graph
