#include "graph/import.h"

#include <deque>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "graph/op_def_util.h"
#include "graph/op_registry.h"

namespace tb::graph {
namespace {

// Library functions named by an attr value (func or list(func)), recursively through nested attrs.
void FuncNames(const tensorflow::AttrValue& v, std::set<std::string>* out, int depth = 0) {
  if (depth > 8) return;
  if (v.value_case() == tensorflow::AttrValue::kFunc) {
    out->insert(v.func().name());
    for (const auto& [k, a] : v.func().attr()) FuncNames(a, out, depth + 1);
  } else if (v.value_case() == tensorflow::AttrValue::kList) {
    for (const auto& f : v.list().func()) {
      out->insert(f.name());
      for (const auto& [k, a] : f.attr()) FuncNames(a, out, depth + 1);
    }
  }
}

struct ParsedInput {
  bool control = false;
  std::string node;     // node or argument name
  std::string out_arg;  // FunctionDef form only
  int index = 0;
  bool has_index = false;
};

absl::StatusOr<ParsedInput> ParseInput(std::string_view s, bool function_body) {
  ParsedInput p;
  if (s.empty()) return absl::InvalidArgumentError("empty input");
  if (s[0] == '^') {
    p.control = true;
    p.node = std::string(s.substr(1));
    if (p.node.find(':') != std::string::npos) return absl::InvalidArgumentError(absl::StrCat("control input '", ToAbsl(s), "' has ':'"));
    return p;
  }
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(s.data(), s.size()), ':');
  p.node = parts[0];
  auto parse_index = [&](const std::string& t) -> absl::Status {
    if (t.empty() || t.size() > 9 || (t.size() > 1 && t[0] == '0') || !absl::SimpleAtoi(t, &p.index) || p.index < 0) {
      return absl::InvalidArgumentError(absl::StrCat("input '", ToAbsl(s), "' has a bad output index"));
    }
    p.has_index = true;
    return absl::OkStatus();
  };
  if (function_body) {
    if (parts.size() == 3) {
      p.out_arg = parts[1];
      TB_RETURN_IF_ERROR(parse_index(parts[2]));
    } else if (parts.size() == 2) {
      // "node:out_arg" is accepted by TF as index 0 of that arg.
      p.out_arg = parts[1];
      p.has_index = true;
    } else if (parts.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("malformed input '", ToAbsl(s), "'"));
    }
  } else {
    if (parts.size() == 2) {
      TB_RETURN_IF_ERROR(parse_index(parts[1]));
    } else if (parts.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("malformed input '", ToAbsl(s), "'"));
    }
  }
  return p;
}

// Flat output index of output `idx` of arg `arg_name` of node `n`.
absl::StatusOr<int> OutputIndex(const Node* n, const std::string& arg_name, int idx) {
  if (n->op_registration() == nullptr) {
    const auto& rets = n->function()->returns();
    for (size_t i = 0; i < rets.size(); ++i) {
      if (rets[i].name == arg_name) {
        if (idx != 0) break;
        return static_cast<int>(i);
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(n->DebugName(), " has no output '", arg_name, ":", idx, "'"));
  }
  const tensorflow::OpDef& def = n->op_registration()->def;
  TB_ASSIGN_OR_RETURN(auto positions, ExpandArgPositions(def, def.output_arg(), AttrView(n->attrs())));
  for (size_t i = 0; i < positions.size(); ++i) {
    const auto& [a, k] = positions[i];
    if (def.output_arg(a).name() == arg_name && k == idx) return static_cast<int>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(n->DebugName(), " has no output '", arg_name, ":", idx, "'"));
}

// Orders node definitions so producers come first; errors on unknown references and cycles.
absl::StatusOr<std::vector<int>> OrderNodes(const std::vector<const tensorflow::NodeDef*>& nodes,
                                            const absl::flat_hash_map<std::string, int>& by_name,
                                            const std::set<std::string>& args, bool function_body,
                                            const std::string& where) {
  const int n = static_cast<int>(nodes.size());
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int i = 0; i < n; ++i) {
    std::set<int> producers;
    bool seen_control = false;
    for (const std::string& in : nodes[i]->input()) {
      auto p = ParseInput(in, function_body);
      if (!p.ok()) return Annotate(p.status(), absl::StrCat("node '", nodes[i]->name(), "'", where));
      if (p->control) {
        seen_control = true;
      } else if (seen_control) {
        return absl::InvalidArgumentError(absl::StrCat("node '", nodes[i]->name(), "'", where,
                                                       ": data input '", in, "' after a control input"));
      }
      auto it = by_name.find(p->node);
      if (it == by_name.end()) {
        if (!p->control && args.count(p->node) && !p->has_index) continue;
        if (p->control && args.count(p->node)) continue;
        return absl::InvalidArgumentError(absl::StrCat("node '", nodes[i]->name(), "'", where, ": input '", in,
                                                       "' refers to an unknown node"));
      }
      producers.insert(it->second);
    }
    pending[i] = static_cast<int>(producers.size());
    for (int p : producers) users[p].push_back(i);
  }
  std::deque<int> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push_back(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int u : users[i]) {
      if (--pending[u] == 0) ready.push_back(u);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    std::vector<std::string> stuck;
    for (int i = 0; i < n && stuck.size() < 5; ++i) {
      if (pending[i] > 0) stuck.push_back(absl::StrCat("'", nodes[i]->name(), "'"));
    }
    return absl::InvalidArgumentError(absl::StrCat("cycle", where, " through nodes ", absl::StrJoin(stuck, ", ")));
  }
  return order;
}

NodeSpec SpecFrom(const tensorflow::NodeDef& nd) {
  NodeSpec spec;
  spec.name = nd.name();
  spec.op = nd.op();
  spec.device = nd.device();
  for (const auto& [k, v] : nd.attr()) {
    if (k == "_output_shapes") continue;
    spec.attrs[k] = v;
  }
  return spec;
}

absl::StatusOr<std::vector<PartialShape>> ListShapes(const tensorflow::AttrValue* v) {
  if (v == nullptr) return std::vector<PartialShape>{};
  return AttrAsShapeList(*v, "_output_shapes");
}

}  // namespace

absl::StatusOr<Function*> ImportFunction(const tensorflow::FunctionDef& fdef, FunctionLibrary* out,
                                         const ImportOptions& options) {
  const tensorflow::OpDef& sig = fdef.signature();
  const std::string where = absl::StrCat(" in function '", sig.name(), "'");
  if (fdef.node_def_size() > options.max_nodes_per_graph) {
    return absl::ResourceExhaustedError(absl::StrCat("function '", sig.name(), "' has ", fdef.node_def_size(),
                                                     " nodes, over the limit of ", options.max_nodes_per_graph));
  }
  TB_ASSIGN_OR_RETURN(Function * fn, out->Create(sig.name()));
  auto fail = [&](absl::Status s) {
    out->Remove(sig.name()).IgnoreError();
    return s;
  };
  // Function-level attrs.
  for (const auto& [k, v] : fdef.attr()) fn->attrs()[k] = v;
  std::vector<PartialShape> input_shapes;
  if (auto it = fdef.attr().find("_input_shapes"); it != fdef.attr().end()) {
    auto shapes = AttrAsShapeList(it->second, "_input_shapes");
    if (shapes.ok()) input_shapes = *shapes;
  }
  const auto override_it = options.arg_shapes.find(sig.name());
  std::set<std::string> arg_names;
  for (int i = 0; i < sig.input_arg_size(); ++i) {
    const auto& arg = sig.input_arg(i);
    if (arg.type() == tensorflow::DT_INVALID || !arg.number_attr().empty() || !arg.type_list_attr().empty()) {
      return fail(absl::UnimplementedError(
          absl::StrCat("function '", sig.name(), "': argument '", arg.name(), "' is polymorphic (not supported)")));
    }
    auto dtype = tf::DTypeFromProto(arg.type());
    if (!dtype) {
      return fail(absl::UnimplementedError(absl::StrCat("function '", sig.name(), "': argument '", arg.name(),
                                                        "' has unsupported dtype ", ProtoDTypeName(arg.type()))));
    }
    PartialShape shape;
    if (override_it != options.arg_shapes.end() && i < static_cast<int>(override_it->second.size())) {
      shape = override_it->second[i];
    } else if (auto aa = fdef.arg_attr().find(i); aa != fdef.arg_attr().end() &&
                                                   aa->second.attr().count("_output_shapes")) {
      auto shapes = ListShapes(&aa->second.attr().at("_output_shapes"));
      if (!shapes.ok()) return fail(Annotate(shapes.status(), absl::StrCat("function '", sig.name(), "'")));
      if (!shapes->empty()) shape = (*shapes)[0];
    } else if (i < static_cast<int>(input_shapes.size())) {
      shape = input_shapes[i];
    }
    auto a = fn->AddArg(arg.name(), TensorType{*dtype, shape});
    if (!a.ok()) return fail(a.status());
    arg_names.insert(arg.name());
    if (auto aa = fdef.arg_attr().find(i); aa != fdef.arg_attr().end()) {
      AttrMap m;
      for (const auto& [k, v] : aa->second.attr()) {
        if (k != "_output_shapes") m[k] = v;
      }
      if (!m.empty()) fn->arg_attrs()[i] = std::move(m);
    }
  }
  std::vector<const tensorflow::NodeDef*> nodes;
  absl::flat_hash_map<std::string, int> by_name;
  for (const auto& nd : fdef.node_def()) {
    if (!by_name.emplace(nd.name(), static_cast<int>(nodes.size())).second || arg_names.count(nd.name())) {
      return fail(absl::InvalidArgumentError(absl::StrCat("duplicate node name '", nd.name(), "'", where)));
    }
    nodes.push_back(&nd);
  }
  auto order = OrderNodes(nodes, by_name, arg_names, /*function_body=*/true, where);
  if (!order.ok()) return fail(order.status());
  Graph& body = fn->body();
  auto resolve = [&](const std::string& text) -> absl::StatusOr<Output> {
    TB_ASSIGN_OR_RETURN(ParsedInput p, ParseInput(text, true));
    if (p.control) return absl::InvalidArgumentError(absl::StrCat("'", text, "' is a control input"));
    Node* n = body.FindNode(p.node);
    if (n == nullptr) return absl::InvalidArgumentError(absl::StrCat("'", text, "' names no node or argument"));
    if (n->IsArg() && p.out_arg.empty()) return Output(n, 0);
    if (n->IsArg()) return absl::InvalidArgumentError(absl::StrCat("argument '", p.node, "' has no named outputs"));
    if (p.out_arg.empty()) return absl::InvalidArgumentError(absl::StrCat("'", text, "' must be node:output:index"));
    TB_ASSIGN_OR_RETURN(int idx, OutputIndex(n, p.out_arg, p.index));
    return Output(n, idx);
  };
  for (int i : *order) {
    const tensorflow::NodeDef& nd = *nodes[i];
    NodeSpec spec = SpecFrom(nd);
    for (const std::string& in : nd.input()) {
      auto p = ParseInput(in, true);
      if (p->control) {
        Node* dep = body.FindNode(p->node);
        if (dep == nullptr) return fail(absl::InvalidArgumentError(absl::StrCat("node '", nd.name(), "'", where, ": unknown control input '", in, "'")));
        spec.control_inputs.push_back(dep);
        continue;
      }
      auto o = resolve(in);
      if (!o.ok()) return fail(Annotate(o.status(), absl::StrCat("node '", nd.name(), "'", where)));
      spec.inputs.push_back(*o);
    }
    auto added = body.AddNode(std::move(spec));
    if (!added.ok()) return fail(added.status());
  }
  for (const auto& arg : sig.output_arg()) {
    auto it = fdef.ret().find(arg.name());
    if (it == fdef.ret().end()) {
      return fail(absl::InvalidArgumentError(absl::StrCat("function '", sig.name(), "': output '", arg.name(), "' has no ret")));
    }
    auto o = resolve(it->second);
    if (!o.ok()) return fail(Annotate(o.status(), absl::StrCat("function '", sig.name(), "' ret '", arg.name(), "'")));
    if (static_cast<int>(o->dtype()) != arg.type()) {
      return fail(absl::InvalidArgumentError(absl::StrCat("function '", sig.name(), "': output '", arg.name(),
                                                          "' is declared ", ProtoDTypeName(arg.type()), " but '",
                                                          it->second, "' is ", ToAbsl(tf::DTypeName(o->dtype())))));
    }
    absl::Status s = fn->AddReturn(arg.name(), *o);
    if (!s.ok()) return fail(s);
  }
  for (const std::string& name : sig.control_output()) {
    auto it = fdef.control_ret().find(name);
    Node* n = it == fdef.control_ret().end() ? nullptr : body.FindNode(it->second);
    if (n == nullptr) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("function '", sig.name(), "': control output '", name, "' names no node")));
    }
    absl::Status s = fn->AddControlReturn(name, n);
    if (!s.ok()) return fail(s);
  }
  return fn;
}

absl::Status ImportFunctionLibrary(const tensorflow::FunctionDefLibrary& library, FunctionLibrary* out,
                                   const ImportOptions& options) {
  const int n = library.function_size();
  if (n > options.max_functions) {
    return absl::ResourceExhaustedError(absl::StrCat("library has ", n, " functions, over the limit of ", options.max_functions));
  }
  absl::flat_hash_map<std::string, int> by_name;
  for (int i = 0; i < n; ++i) {
    if (!by_name.emplace(library.function(i).signature().name(), i).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate function '", library.function(i).signature().name(), "'"));
    }
  }
  // Callee-first order over the call graph (ops naming functions and function-valued attrs).
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> callers(n);
  for (int i = 0; i < n; ++i) {
    std::set<std::string> refs;
    for (const auto& nd : library.function(i).node_def()) {
      if (by_name.contains(nd.op())) refs.insert(nd.op());
      for (const auto& [k, v] : nd.attr()) FuncNames(v, &refs);
    }
    for (const std::string& r : refs) {
      auto it = by_name.find(r);
      if (it == by_name.end()) {
        if (out->Find(r)) continue;
        return absl::InvalidArgumentError(absl::StrCat("function '", library.function(i).signature().name(),
                                                       "' refers to unknown function '", r, "'"));
      }
      ++pending[i];
      callers[it->second].push_back(i);
    }
  }
  std::deque<int> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push_back(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int c : callers[i]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    std::vector<std::string> stuck;
    for (int i = 0; i < n && stuck.size() < 5; ++i) {
      if (pending[i] > 0) stuck.push_back(absl::StrCat("'", library.function(i).signature().name(), "'"));
    }
    return absl::InvalidArgumentError(absl::StrCat("cyclic function call chain through ", absl::StrJoin(stuck, ", ")));
  }
  for (int i : order) TB_RETURN_IF_ERROR(ImportFunction(library.function(i), out, options).status());
  return absl::OkStatus();
}

absl::Status ImportGraphDef(const tensorflow::GraphDef& graph_def, Graph* graph, FunctionLibrary* library,
                            const ImportOptions& options) {
  if (graph->num_nodes() != 0) return absl::FailedPreconditionError("ImportGraphDef needs an empty graph");
  if (graph_def.node_size() > options.max_nodes_per_graph) {
    return absl::ResourceExhaustedError(absl::StrCat("graph has ", graph_def.node_size(), " nodes, over the limit of ",
                                                     options.max_nodes_per_graph));
  }
  if (graph_def.has_library() && graph_def.library().function_size() > 0) {
    if (library == nullptr) return absl::InvalidArgumentError("graph has a function library but no library was given");
    TB_RETURN_IF_ERROR(ImportFunctionLibrary(graph_def.library(), library, options));
  }
  graph->set_library(library);
  std::vector<const tensorflow::NodeDef*> nodes;
  absl::flat_hash_map<std::string, int> by_name;
  for (const auto& nd : graph_def.node()) {
    if (!by_name.emplace(nd.name(), static_cast<int>(nodes.size())).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate node name '", nd.name(), "'"));
    }
    nodes.push_back(&nd);
  }
  TB_ASSIGN_OR_RETURN(std::vector<int> order, OrderNodes(nodes, by_name, {}, /*function_body=*/false, ""));
  for (int i : order) {
    const tensorflow::NodeDef& nd = *nodes[i];
    NodeSpec spec = SpecFrom(nd);
    for (const std::string& in : nd.input()) {
      TB_ASSIGN_OR_RETURN(ParsedInput p, ParseInput(in, false));
      Node* src = graph->FindNode(p.node);
      if (src == nullptr) return absl::InvalidArgumentError(absl::StrCat("node '", nd.name(), "': unknown input '", in, "'"));
      if (p.control) {
        spec.control_inputs.push_back(src);
      } else {
        spec.inputs.emplace_back(src, p.index);
      }
    }
    TB_RETURN_IF_ERROR(graph->AddNode(std::move(spec)).status());
  }
  return absl::OkStatus();
}

}  // namespace tb::graph
