#include "runtime/graphdef/exec_graph.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "graph/attrs.h"
#include "graph/op_def_util.h"
#include "graph/op_registry.h"

namespace tb::runtime::graphdef {
namespace {

absl::Status Bad(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(where), ": ", ToAbsl(what)));
}

}  // namespace

std::optional<int> ExecGraph::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<TensorRef> ExecGraph::ResolveTensor(std::string_view tensor_name) const {
  std::string_view node = tensor_name;
  int output = 0;
  const size_t colon = tensor_name.rfind(':');
  if (colon != std::string_view::npos) {
    if (!absl::SimpleAtoi(ToAbsl(tensor_name.substr(colon + 1)), &output) || output < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad tensor name '", ToAbsl(tensor_name), "'"));
    }
    node = tensor_name.substr(0, colon);
  }
  std::optional<int> index = Find(node);
  if (!index.has_value()) {
    return absl::NotFoundError(absl::StrCat("tensor '", ToAbsl(tensor_name), "': no node named '", ToAbsl(node),
                                            "' in the graph"));
  }
  return TensorRef{*index, output};
}

absl::StatusOr<ExecGraph> ExecGraph::FromGraphDef(std::shared_ptr<const tensorflow::GraphDef> graph,
                                                  GraphLimits limits) {
  ExecGraph g;
  g.owner_ = graph;
  g.name_ = "graph";
  if (graph->node_size() > limits.max_nodes) {
    return absl::InvalidArgumentError(absl::StrCat("GraphDef has ", graph->node_size(), " nodes, over the limit of ",
                                                   limits.max_nodes));
  }
  g.nodes_.resize(graph->node_size());
  for (int i = 0; i < graph->node_size(); ++i) {
    const tensorflow::NodeDef& n = graph->node(i);
    if (n.name().empty()) return Bad(absl::StrCat("GraphDef node ", i), "empty node name");
    if (!g.by_name_.emplace(n.name(), i).second) return Bad(absl::StrCat("GraphDef node '", n.name(), "'"), "duplicate name");
    g.nodes_[i].def = &n;
    g.nodes_[i].name = n.name();
    g.nodes_[i].op = n.op();
  }
  for (int i = 0; i < graph->node_size(); ++i) {
    const tensorflow::NodeDef& n = graph->node(i);
    ExecNode& node = g.nodes_[i];
    const std::string where = absl::StrCat("node '", n.name(), "' (", n.op(), ")");
    for (const std::string& input : n.input()) {
      if (!input.empty() && input[0] == '^') {
        std::optional<int> c = g.Find(std::string_view(input).substr(1));
        if (!c.has_value()) return Bad(where, absl::StrCat("control input '", input, "' names no node"));
        node.controls.push_back(*c);
        continue;
      }
      if (!node.controls.empty()) return Bad(where, absl::StrCat("data input '", input, "' after a control input"));
      auto ref = g.ResolveTensor(input);
      if (!ref.ok()) return Bad(where, FromAbsl(ref.status().message()));
      node.inputs.push_back(*ref);
    }
  }
  return g;
}

absl::StatusOr<ExecGraph> ExecGraph::FromFunctionDef(std::shared_ptr<const tensorflow::FunctionDef> function,
                                                     GraphLimits limits) {
  ExecGraph g;
  g.owner_ = function;
  const tensorflow::OpDef& sig = function->signature();
  g.name_ = sig.name();
  const std::string fwhere = absl::StrCat("function '", sig.name(), "'");
  if (function->node_def_size() + sig.input_arg_size() > limits.max_nodes) {
    return Bad(fwhere, absl::StrCat("more than ", limits.max_nodes, " nodes"));
  }
  g.num_args_ = sig.input_arg_size();
  for (int a = 0; a < sig.input_arg_size(); ++a) {
    const auto& arg = sig.input_arg(a);
    if (!arg.number_attr().empty() || !arg.type_list_attr().empty()) {
      return Bad(fwhere, absl::StrCat("list argument '", arg.name(), "' is not supported"));
    }
    ExecNode node;
    node.name = arg.name();
    node.op = "_Arg";
    node.arg_index = a;
    if (!g.by_name_.emplace(arg.name(), static_cast<int>(g.nodes_.size())).second) {
      return Bad(fwhere, absl::StrCat("duplicate argument '", arg.name(), "'"));
    }
    g.nodes_.push_back(std::move(node));
  }
  for (int i = 0; i < function->node_def_size(); ++i) {
    const tensorflow::NodeDef& n = function->node_def(i);
    if (!g.by_name_.emplace(n.name(), static_cast<int>(g.nodes_.size())).second) {
      return Bad(fwhere, absl::StrCat("duplicate node name '", n.name(), "'"));
    }
    ExecNode node;
    node.def = &n;
    node.name = n.name();
    node.op = n.op();
    g.nodes_.push_back(std::move(node));
  }
  // "node:out_arg:i" -> flat output index, through the op's OpDef (or, for functions calling functions, by the
  // callee signature, which this library does not see: such outputs must be single-valued args).
  auto resolve = [&](std::string_view ref, std::string_view where) -> absl::StatusOr<TensorRef> {
    std::vector<std::string> parts = absl::StrSplit(ToAbsl(ref), ':');
    std::optional<int> node = g.Find(parts[0]);
    if (!node.has_value()) return Bad(where, absl::StrCat("input '", ToAbsl(ref), "' names no node or argument"));
    if (parts.size() == 1) return TensorRef{*node, 0};
    if (parts.size() != 3) return Bad(where, absl::StrCat("bad input reference '", ToAbsl(ref), "'"));
    int index = 0;
    if (!absl::SimpleAtoi(parts[2], &index) || index < 0) return Bad(where, absl::StrCat("bad index in '", ToAbsl(ref), "'"));
    const ExecNode& src = g.nodes_[*node];
    if (src.def == nullptr) return Bad(where, absl::StrCat("'", ToAbsl(ref), "' indexes an argument"));
    const graph::OpRegistration* reg = graph::OpRegistry::Global().Find(src.op);
    if (reg == nullptr) return Bad(where, absl::StrCat("cannot resolve '", ToAbsl(ref), "': op ", src.op, " is unknown"));
    auto positions = graph::ExpandArgPositions(reg->def, reg->def.output_arg(),
                                               graph::AttrView(src.def->attr()).WithDefaults(&reg->def));
    if (!positions.ok()) return Bad(where, FromAbsl(positions.status().message()));
    int arg = -1;
    for (int k = 0; k < reg->def.output_arg_size(); ++k) {
      if (reg->def.output_arg(k).name() == parts[1]) arg = k;
    }
    for (size_t p = 0; p < positions->size(); ++p) {
      if ((*positions)[p].first == arg && (*positions)[p].second == index) return TensorRef{*node, static_cast<int>(p)};
    }
    return Bad(where, absl::StrCat("'", ToAbsl(ref), "': op ", src.op, " has no such output"));
  };
  for (size_t i = g.num_args_; i < g.nodes_.size(); ++i) {
    ExecNode& node = g.nodes_[i];
    const std::string where = absl::StrCat(fwhere, " node '", node.name, "' (", node.op, ")");
    for (const std::string& input : node.def->input()) {
      if (!input.empty() && input[0] == '^') {
        std::optional<int> c = g.Find(std::string_view(input).substr(1));
        if (!c.has_value()) return Bad(where, absl::StrCat("control input '", input, "' names no node"));
        node.controls.push_back(*c);
        continue;
      }
      TB_ASSIGN_OR_RETURN(TensorRef ref, resolve(input, where));
      node.inputs.push_back(ref);
    }
  }
  for (int r = 0; r < sig.output_arg_size(); ++r) {
    auto it = function->ret().find(sig.output_arg(r).name());
    if (it == function->ret().end()) {
      return Bad(fwhere, absl::StrCat("output '", sig.output_arg(r).name(), "' has no ret entry"));
    }
    TB_ASSIGN_OR_RETURN(TensorRef ref, resolve(it->second, fwhere));
    g.returns_.push_back(ref);
  }
  for (const auto& [name, node_name] : function->control_ret()) {
    std::optional<int> c = g.Find(node_name);
    if (!c.has_value()) return Bad(fwhere, absl::StrCat("control return '", name, "' names no node"));
    g.control_returns_.push_back(*c);
  }
  return g;
}

}  // namespace tb::runtime::graphdef
