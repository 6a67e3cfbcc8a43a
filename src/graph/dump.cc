#include "graph/dump.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tb::graph {

std::string DumpGraph(const Graph& graph) {
  auto order = graph.TopologicalOrder();
  if (!order.ok()) return absl::StrCat("<", order.status().ToString(), ">\n");
  std::string out;
  for (const Node* n : *order) {
    std::vector<std::string> ins, types, ctrl;
    for (const Output& in : n->inputs()) ins.push_back(in.ToString());
    for (const TensorType& t : n->output_types()) types.push_back(t.ToString());
    for (const Node* c : n->control_inputs()) ctrl.push_back(absl::StrCat("^", c->name()));
    absl::StrAppend(&out, n->name(), " = ", n->op(), "(", absl::StrJoin(ins, ", "), ") : ", absl::StrJoin(types, ", "));
    if (!ctrl.empty()) absl::StrAppend(&out, " [", absl::StrJoin(ctrl, ", "), "]");
    out += "\n";
  }
  return out;
}

std::string DumpFunction(const Function& fn) {
  std::vector<std::string> args, rets;
  for (const Node* a : fn.args()) args.push_back(absl::StrCat(a->name(), ": ", a->output_type(0).ToString()));
  for (const auto& r : fn.returns()) rets.push_back(absl::StrCat(r.name, " = ", r.value.ToString()));
  return absl::StrCat("function ", fn.name(), "(", absl::StrJoin(args, ", "), ") {\n", DumpGraph(fn.body()),
                      "return ", absl::StrJoin(rets, ", "), "\n}\n");
}

}  // namespace tb::graph
