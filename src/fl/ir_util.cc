#include "fl/ir_util.h"

#include "base/status_macros.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace tb::fl {

Output TfZeros(const graph::Builder& b, tf::DType dtype, const tf::Shape& shape) {
  auto n = tf::NumElements(shape);
  if (!n.ok()) {
    b.SetError(n.status());
    return Output();
  }
  if (*n < 1000) return b.ZerosOf(dtype, shape);
  std::vector<int32_t> dims(shape.begin(), shape.end());
  auto zero = tf::Tensor::Create(dtype, {});
  if (!zero.ok()) {
    b.SetError(zero.status());
    return Output();
  }
  return b.Fill(b.Int32s(dims), b.Const(*zero));
}

std::string TensorName(const Output& o) {
  if (!o.valid()) return "";
  return absl::StrCat(o.node->name(), ":", o.index);
}

}  // namespace tb::fl

namespace tb::fl {
namespace {

constexpr int kMaxInlineDepth = 64;

const graph::Function* Callee(const graph::Node& n) {
  if (n.function() != nullptr) return n.function();
  if (n.op() != "PartitionedCall" && n.op() != "StatefulPartitionedCall") return nullptr;
  const tensorflow::AttrValue* f = n.attr("f");
  const graph::FunctionLibrary* lib = n.graph()->library();
  if (f == nullptr || lib == nullptr) return nullptr;
  return lib->Find(f->func().name());
}

Instantiated InstantiateAt(const graph::Builder& b, const graph::Function& fn, const std::vector<Output>& args,
                           const std::vector<graph::Node*>& source_deps, int depth) {
  Instantiated result;
  if (!b.ok()) return result;
  if (depth > kMaxInlineDepth) {
    b.SetError(absl::InvalidArgumentError(absl::StrCat("inlining '", fn.name(), "': calls nest deeper than ",
                                                       kMaxInlineDepth, " (a call cycle?)")));
    return result;
  }
  if (args.size() != fn.args().size()) {
    b.SetError(absl::InvalidArgumentError(absl::StrCat("inlining '", fn.name(), "': ", args.size(),
                                                       " arguments for ", fn.args().size(), " parameters")));
    return result;
  }
  auto order = fn.body().TopologicalOrder();
  if (!order.ok()) {
    b.SetError(order.status());
    return result;
  }
  graph::Graph& g = b.graph();
  // Each body node's outputs in the destination graph, and the node to depend on for its control edges.
  absl::flat_hash_map<const graph::Node*, std::vector<Output>> outputs;
  absl::flat_hash_map<const graph::Node*, std::vector<graph::Node*>> control_of;
  for (size_t i = 0; i < args.size(); ++i) {
    const graph::Node* arg = fn.args()[i];
    if (args[i].valid() && args[i].dtype() != arg->output_type(0).dtype) {
      b.SetError(absl::InvalidArgumentError(absl::StrCat("inlining '", fn.name(), "': argument ", i, " is ",
                                                         ToAbsl(tf::DTypeName(args[i].dtype())), ", expected ",
                                                         ToAbsl(tf::DTypeName(arg->output_type(0).dtype)))));
      return result;
    }
    outputs[arg] = {args[i]};
    if (args[i].valid()) control_of[arg] = {args[i].node};
  }
  const std::string scope = b.scope();
  for (graph::Node* n : *order) {
    if (n->IsArg()) continue;
    std::vector<Output> inputs;
    for (const Output& in : n->inputs()) inputs.push_back(outputs[in.node][in.index]);
    std::vector<graph::Node*> deps;
    for (graph::Node* c : n->control_inputs()) {
      for (graph::Node* d : control_of[c]) deps.push_back(d);
    }
    if (const graph::Function* callee = Callee(*n)) {
      std::vector<graph::Node*> inner_deps = source_deps;
      inner_deps.insert(inner_deps.end(), deps.begin(), deps.end());
      Instantiated sub = InstantiateAt(b.WithScope(n->name()), *callee, inputs, inner_deps, depth + 1);
      if (!b.ok()) return result;
      outputs[n] = sub.outputs;
      std::vector<graph::Node*> ctl = sub.control;
      for (const Output& o : sub.outputs) ctl.push_back(o.node);
      control_of[n] = ctl;
      continue;
    }
    graph::NodeSpec spec;
    spec.name = g.UniqueName(scope.empty() ? n->name() : absl::StrCat(scope, "/", n->name()));
    spec.op = n->op();
    spec.inputs = std::move(inputs);
    spec.control_inputs = std::move(deps);
    if (n->inputs().empty() && n->control_inputs().empty()) {
      // Sources inherit the caller's control dependencies so the body runs after them.
      spec.control_inputs = source_deps;
    }
    spec.attrs = n->attrs();
    spec.device = n->device();
    auto added = g.AddNode(std::move(spec));
    if (!added.ok()) {
      b.SetError(added.status());
      return result;
    }
    std::vector<Output> outs;
    for (int i = 0; i < (*added)->num_outputs(); ++i) outs.emplace_back(*added, i);
    outputs[n] = std::move(outs);
    control_of[n] = {*added};
  }
  for (const auto& r : fn.returns()) result.outputs.push_back(outputs[r.value.node][r.value.index]);
  for (const auto& c : fn.control_returns()) {
    for (graph::Node* d : control_of[c.node]) result.control.push_back(d);
  }
  return result;
}

}  // namespace

Instantiated Instantiate(const graph::Builder& b, const graph::Function& fn, const std::vector<Output>& args,
                         const std::vector<graph::Node*>& source_deps) {
  return InstantiateAt(b, fn, args, source_deps, 0);
}

}  // namespace tb::fl
