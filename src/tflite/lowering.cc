#include "tflite/lowering.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "graph/attrs.h"
#include "graph/function.h"
#include "tflite/builtin_options.h"
#include "tflite/flatbuffer_writer.h"
#include "tflite/flex_node_def.h"
#include "tflite/flex_payload.h"
#include "tflite/lowering_context.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using graph::Node;
using graph::Output;

bool IsForwarding(const std::string& op) {
  return op == "Identity" || op == "StopGradient" || op == "Snapshot" || op == "PreventGradient";
}
bool IsCall(const Node& n) {
  return n.function() != nullptr || n.op() == "PartitionedCall" || n.op() == "StatefulPartitionedCall";
}
bool IsIf(const Node& n) { return n.op() == "If" || n.op() == "StatelessIf"; }
bool IsWhile(const Node& n) { return n.op() == "While" || n.op() == "StatelessWhile"; }

// How a function subgraph is used; a WHILE condition must produce a bool, so a numeric one gets its own copy.
enum class Use { kFunction, kWhileCondition };

class ProgramLowerer {
 public:
  ProgramLowerer(const graph::FunctionLibrary* library, const LoweringOptions& options)
      : library_(library), options_(options) {}

  absl::Status LowerMain(const graph::Graph& graph);
  absl::StatusOr<LoweredProgram> Finish();

 private:
  struct Build {
    SubgraphDef def;
    TensorNamer namer;
    bool done = false;
  };

  absl::StatusOr<int> FunctionSubgraph(const std::string& name, Use use, int depth, const Node& user);
  absl::Status LowerBody(int sg, const graph::Graph& body, LoweringScope& scope, const std::vector<Output>& roots,
                         const std::vector<Node*>& root_nodes, int depth);
  absl::Status LowerNode(int sg, const Node& node, LoweringScope& scope, int depth);
  absl::Status LowerFlex(int sg, const Node& node, LoweringScope& scope, std::string reason, int depth);
  absl::Status LowerCall(int sg, const Node& node, LoweringScope& scope, int depth);
  absl::Status LowerIf(int sg, const Node& node, LoweringScope& scope, int depth);
  absl::Status LowerWhile(int sg, const Node& node, LoweringScope& scope, int depth);
  absl::StatusOr<std::vector<int32_t>> InputTensors(int sg, const Node& node, LoweringScope& scope);
  std::vector<int32_t> OutputTensors(int sg, const Node& node, LoweringScope& scope);
  int NewSubgraph(std::string name);

  SubgraphDef& def(int sg) { return subgraphs_[sg]->def; }

  const graph::FunctionLibrary* library_;
  const LoweringOptions& options_;
  std::vector<std::unique_ptr<Build>> subgraphs_;
  std::map<std::pair<std::string, Use>, int> function_subgraphs_;
  std::set<std::string> subgraph_names_;
};

int ProgramLowerer::NewSubgraph(std::string name) {
  auto b = std::make_unique<Build>();
  b->def.name = std::move(name);
  subgraph_names_.insert(b->def.name);
  subgraphs_.push_back(std::move(b));
  return static_cast<int>(subgraphs_.size()) - 1;
}

absl::StatusOr<std::vector<int32_t>> ProgramLowerer::InputTensors(int sg, const Node& node, LoweringScope& scope) {
  std::vector<int32_t> inputs;
  for (int i = 0; i < node.num_inputs(); ++i) {
    const int t = LookupValue(node.input(i), scope, def(sg), subgraphs_[sg]->namer);
    if (t < 0) {
      return absl::InternalError(absl::StrCat(node.DebugName(), ": input ", i, " (", node.input(i).ToString(),
                                              ") was not lowered"));
    }
    inputs.push_back(t);
  }
  return inputs;
}

std::vector<int32_t> ProgramLowerer::OutputTensors(int sg, const Node& node, LoweringScope& scope) {
  std::vector<int32_t> outputs;
  for (int i = 0; i < node.num_outputs(); ++i) {
    TensorDef t;
    t.name = subgraphs_[sg]->namer.Unique(absl::StrCat(scope.name_prefix, node.name(), ":", i));
    t.dtype = node.output_type(i).dtype;
    t.shape = node.output_type(i).shape;
    const int index = def(sg).AddTensor(std::move(t));
    scope.values[Output(const_cast<Node*>(&node), i)] = index;
    outputs.push_back(index);
  }
  return outputs;
}

absl::StatusOr<int> ProgramLowerer::FunctionSubgraph(const std::string& name, Use use, int depth, const Node& user) {
  if (library_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(user.DebugName(), " refers to function '", name,
                                                   "' but the program has no function library"));
  }
  const graph::Function* fn = library_->Find(name);
  if (fn == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(user.DebugName(), " refers to function '", name,
                                                   "', which is not in the library"));
  }
  if (use == Use::kWhileCondition && (fn->returns().size() != 1 || fn->returns()[0].value.dtype() == tf::DType::kBool)) {
    use = Use::kFunction;  // already a bool predicate (or malformed; the IF/WHILE checks report that)
  }
  auto key = std::make_pair(name, use);
  if (auto it = function_subgraphs_.find(key); it != function_subgraphs_.end()) {
    if (!subgraphs_[it->second]->done) {
      return absl::InvalidArgumentError(absl::StrCat("function '", name, "' calls itself (through ",
                                                     user.DebugName(), "); TFLite programs cannot recurse"));
    }
    return it->second;
  }
  if (depth > options_.max_function_depth) {
    return absl::InvalidArgumentError(absl::StrCat("functions nest deeper than ", options_.max_function_depth,
                                                   " at '", name, "'"));
  }
  std::string sg_name = use == Use::kFunction ? name : absl::StrCat(name, "/as_bool");
  if (sg_name == "main" || subgraph_names_.count(sg_name) > 0) {
    return absl::InvalidArgumentError(absl::StrCat("function name '", sg_name, "' collides with another subgraph"));
  }
  const int sg = NewSubgraph(sg_name);
  function_subgraphs_[key] = sg;
  LoweringScope scope;
  for (Node* arg : fn->args()) {
    TensorDef t;
    t.name = subgraphs_[sg]->namer.Unique(arg->name());
    t.dtype = arg->output_type(0).dtype;
    t.shape = arg->output_type(0).shape;
    const int index = def(sg).AddTensor(std::move(t));
    def(sg).inputs.push_back(index);
    scope.values[Output(arg, 0)] = index;
  }
  std::vector<Output> roots;
  for (const auto& r : fn->returns()) roots.push_back(r.value);
  std::vector<Node*> root_nodes;
  for (const auto& r : fn->control_returns()) root_nodes.push_back(r.node);
  absl::Status s = LowerBody(sg, fn->body(), scope, roots, root_nodes, depth + 1);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("in function '", name, "': ", s.message()));
  for (size_t i = 0; i < roots.size(); ++i) {
    const int t = LookupValue(roots[i], scope, def(sg), subgraphs_[sg]->namer);
    if (t < 0) {
      return absl::InternalError(absl::StrCat("function '", name, "': return ", fn->returns()[i].name, " not lowered"));
    }
    def(sg).outputs.push_back(t);
  }
  if (use == Use::kWhileCondition) {
    // TF treats a non-zero number as true.
    SubgraphDef& d = def(sg);
    const int value = d.outputs[0];
    TensorDef zero;
    zero.name = subgraphs_[sg]->namer.Unique("zero");
    zero.dtype = d.tensors[value].dtype;
    zero.shape = graph::PartialShape::Scalar();
    tf::Tensor z(zero.dtype, {});
    TB_ASSIGN_OR_RETURN(zero.data, ConstantBytes(z));
    const int zero_t = d.AddTensor(std::move(zero));
    TensorDef pred;
    pred.name = subgraphs_[sg]->namer.Unique("predicate");
    pred.dtype = tf::DType::kBool;
    pred.shape = d.tensors[value].shape;
    const int pred_t = d.AddTensor(std::move(pred));
    OperatorDef op;
    op.code = Op::NOT_EQUAL;
    op.inputs = {value, zero_t};
    op.outputs = {pred_t};
    op.source_node = name;
    d.operators.push_back(std::move(op));
    d.outputs[0] = pred_t;
  }
  subgraphs_[sg]->done = true;
  return sg;
}

absl::Status ProgramLowerer::LowerBody(int sg, const graph::Graph& body, LoweringScope& scope,
                                       const std::vector<Output>& roots, const std::vector<Node*>& root_nodes,
                                       int depth) {
  // Only what the roots depend on (data and control edges) runs on the device.
  std::set<const Node*> needed;
  std::deque<const Node*> queue;
  auto want = [&](const Node* n) {
    if (n != nullptr && needed.insert(n).second) queue.push_back(n);
  };
  for (const Output& o : roots) want(o.node);
  for (const Node* n : root_nodes) want(n);
  while (!queue.empty()) {
    const Node* n = queue.front();
    queue.pop_front();
    for (const Output& in : n->inputs()) want(in.node);
    for (const Node* c : n->control_inputs()) want(c);
  }
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, body.TopologicalOrder());
  for (const Node* n : order) {
    if (needed.count(n) == 0) continue;
    TB_RETURN_IF_ERROR(LowerNode(sg, *n, scope, depth));
  }
  return absl::OkStatus();
}

absl::Status ProgramLowerer::LowerNode(int sg, const Node& node, LoweringScope& scope, int depth) {
  bool bound = node.num_outputs() > 0;
  for (int i = 0; i < node.num_outputs(); ++i) {
    bound = bound && scope.values.count(Output(const_cast<Node*>(&node), i)) > 0;
  }
  if (bound) return absl::OkStatus();  // arguments and inputs
  const std::string& op = node.op();
  if (node.IsArg()) return absl::InternalError(absl::StrCat(node.DebugName(), " is an argument without a value"));
  if (op == "Placeholder") {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), " is needed but is not one of the program's "
                                                   "inputs (", absl::StrJoin(options_.inputs, ", "), ")"));
  }
  if (node.IsConst() || op == "NoOp") return absl::OkStatus();  // constants materialize where they are used
  SubgraphDef& d = def(sg);
  TensorNamer& namer = subgraphs_[sg]->namer;
  auto forward = [&](int out, const Output& from) -> absl::Status {
    const int t = LookupValue(from, scope, d, namer);
    if (t < 0) return absl::InternalError(absl::StrCat(node.DebugName(), ": its input was not lowered"));
    scope.values[Output(const_cast<Node*>(&node), out)] = t;
    return absl::OkStatus();
  };
  if (IsForwarding(op) || op == "PlaceholderWithDefault") return forward(0, node.input(0));
  if (op == "IdentityN") {
    for (int i = 0; i < node.num_outputs(); ++i) TB_RETURN_IF_ERROR(forward(i, node.input(i)));
    return absl::OkStatus();
  }
  if (IsCall(node)) return LowerCall(sg, node, scope, depth);
  if (IsIf(node)) return LowerIf(sg, node, scope, depth);
  if (IsWhile(node)) return LowerWhile(sg, node, scope, depth);

  std::string reason = "no builtin form of this op";
  if (LowerFn fn = LoweringRegistry::Get().Find(op); fn != nullptr) {
    const size_t tensors_before = d.tensors.size(), operators_before = d.operators.size();
    NodeContext ctx(node, scope, d, namer);
    absl::Status s = fn(ctx);
    if (s.ok()) s = ctx.status();
    if (s.ok()) {
      for (size_t k = operators_before; k < d.operators.size(); ++k) d.operators[k].source_node = node.name();
      return absl::OkStatus();
    }
    if (!IsNotBuiltin(s)) return s;
    // Roll back everything the attempt emitted, including constants it materialized for other nodes.
    d.tensors.resize(tensors_before);
    d.operators.resize(operators_before);
    for (auto it = scope.values.begin(); it != scope.values.end();) {
      it = it->second >= static_cast<int>(tensors_before) ? scope.values.erase(it) : std::next(it);
    }
    reason = std::string(s.message());
  }
  return LowerFlex(sg, node, scope, std::move(reason), depth);
}

absl::Status ProgramLowerer::LowerFlex(int sg, const Node& node, LoweringScope& scope, std::string reason,
                                       int depth) {
  TB_ASSIGN_OR_RETURN(std::string node_def, FlexNodeDef(node));
  std::vector<int> functions;
  for (const std::string& f : FunctionAttrNames(node)) {
    TB_ASSIGN_OR_RETURN(int fsg, FunctionSubgraph(f, Use::kFunction, depth, node));
    functions.push_back(fsg);
  }
  TB_ASSIGN_OR_RETURN(std::vector<int32_t> inputs, InputTensors(sg, node, scope));
  OperatorDef op;
  op.code = Op::CUSTOM;
  op.custom_code = absl::StrCat("Flex", node.op());
  op.custom_options = EncodeFlexPayload(node.op(), node_def);
  op.inputs = std::move(inputs);
  op.outputs = OutputTensors(sg, node, scope);
  op.has_side_effects = node.is_stateful();
  op.source_node = absl::StrCat(scope.name_prefix, node.name());
  op.flex_reason = std::move(reason);
  def(sg).operators.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status ProgramLowerer::LowerCall(int sg, const Node& node, LoweringScope& scope, int depth) {
  const graph::Function* fn = node.function();
  if (fn == nullptr) {
    const tensorflow::AttrValue* f = node.attr("f");
    if (f == nullptr || !f->has_func() || library_ == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), " calls no function it names"));
    }
    fn = library_->Find(f->func().name());
    if (fn == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), " calls '", f->func().name(),
                                                     "', which is not in the library"));
    }
  }
  if (depth > options_.max_function_depth) {
    return absl::InvalidArgumentError(absl::StrCat("calls nest deeper than ", options_.max_function_depth, " at ",
                                                   node.DebugName()));
  }
  if (fn->args().size() != static_cast<size_t>(node.num_inputs()) ||
      fn->returns().size() != static_cast<size_t>(node.num_outputs())) {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), " calls '", fn->name(), "' with ",
                                                   node.num_inputs(), " arguments for ", fn->args().size()));
  }
  TB_ASSIGN_OR_RETURN(std::vector<int32_t> inputs, InputTensors(sg, node, scope));
  // The callee is lowered inline, in its own scope (a function called twice is lowered twice).
  LoweringScope inner;
  inner.name_prefix = absl::StrCat(scope.name_prefix, node.name(), "/");
  for (size_t i = 0; i < fn->args().size(); ++i) inner.values[Output(fn->args()[i], 0)] = inputs[i];
  std::vector<Output> roots;
  for (const auto& r : fn->returns()) roots.push_back(r.value);
  std::vector<Node*> root_nodes;
  for (const auto& r : fn->control_returns()) root_nodes.push_back(r.node);
  TB_RETURN_IF_ERROR(LowerBody(sg, fn->body(), inner, roots, root_nodes, depth + 1));
  for (size_t i = 0; i < roots.size(); ++i) {
    const int t = LookupValue(roots[i], inner, def(sg), subgraphs_[sg]->namer);
    if (t < 0) return absl::InternalError(absl::StrCat(node.DebugName(), ": return ", i, " was not lowered"));
    scope.values[Output(const_cast<Node*>(&node), static_cast<int>(i))] = t;
  }
  return absl::OkStatus();
}

// Checks that subgraph `sub` takes the operands' dtypes and returns the results' dtypes.
absl::Status CheckSignature(const Node& node, const SubgraphDef& sub, const std::vector<tf::DType>& ins,
                            const std::vector<tf::DType>& outs) {
  auto types = [&](const std::vector<int32_t>& idx) {
    std::vector<tf::DType> v;
    for (int32_t t : idx) v.push_back(sub.tensors[t].dtype);
    return v;
  };
  if (types(sub.inputs) != ins || types(sub.outputs) != outs) {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), ": subgraph '", sub.name,
                                                   "' does not take and return the operands' types"));
  }
  return absl::OkStatus();
}

absl::Status ProgramLowerer::LowerIf(int sg, const Node& node, LoweringScope& scope, int depth) {
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList then_fn, graph::AttrAsFunc(*node.attr("then_branch"), "then_branch"));
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList else_fn, graph::AttrAsFunc(*node.attr("else_branch"), "else_branch"));
  TB_ASSIGN_OR_RETURN(int then_sg, FunctionSubgraph(then_fn.name(), Use::kFunction, depth, node));
  TB_ASSIGN_OR_RETURN(int else_sg, FunctionSubgraph(else_fn.name(), Use::kFunction, depth, node));
  TB_ASSIGN_OR_RETURN(std::vector<int32_t> inputs, InputTensors(sg, node, scope));
  SubgraphDef& d = def(sg);
  std::vector<tf::DType> ins, outs;
  for (int i = 1; i < node.num_inputs(); ++i) ins.push_back(node.input(i).dtype());
  for (int i = 0; i < node.num_outputs(); ++i) outs.push_back(node.output_type(i).dtype);
  TB_RETURN_IF_ERROR(CheckSignature(node, def(then_sg), ins, outs));
  TB_RETURN_IF_ERROR(CheckSignature(node, def(else_sg), ins, outs));
  // TFLite's IF takes a one-element bool; TF also accepts a number (non-zero is true).
  const graph::TensorType& cond_type = node.input(0).type();
  if (cond_type.shape.rank_known() && cond_type.shape.rank() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), ": the condition must be a scalar, got ",
                                                   cond_type.ToString()));
  }
  if (cond_type.dtype != tf::DType::kBool) {
    if (cond_type.dtype == tf::DType::kString || cond_type.dtype == tf::DType::kResource ||
        cond_type.dtype == tf::DType::kVariant) {
      return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), ": condition of type ",
                                                     cond_type.ToString(), " has no TFLite form"));
    }
    NodeContext ctx(node, scope, d, subgraphs_[sg]->namer);
    const int zero = ctx.Scalar(cond_type.dtype, 0, "zero");
    inputs[0] = ctx.Binary(Op::NOT_EQUAL, inputs[0], zero);
    TB_RETURN_IF_ERROR(ctx.status());
  }
  OperatorDef op;
  op.code = Op::IF;
  OpOptions o = options::If(then_sg, else_sg);
  op.options_type = o.type;
  op.options = std::move(o.writer);
  op.inputs = std::move(inputs);
  op.outputs = OutputTensors(sg, node, scope);
  op.has_side_effects = node.is_stateful();
  op.subgraph_refs = {then_sg, else_sg};
  op.source_node = absl::StrCat(scope.name_prefix, node.name());
  def(sg).operators.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status ProgramLowerer::LowerWhile(int sg, const Node& node, LoweringScope& scope, int depth) {
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList cond_fn, graph::AttrAsFunc(*node.attr("cond"), "cond"));
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList body_fn, graph::AttrAsFunc(*node.attr("body"), "body"));
  TB_ASSIGN_OR_RETURN(int cond_sg, FunctionSubgraph(cond_fn.name(), Use::kWhileCondition, depth, node));
  TB_ASSIGN_OR_RETURN(int body_sg, FunctionSubgraph(body_fn.name(), Use::kFunction, depth, node));
  if (cond_sg == body_sg) {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), ": condition and body are the same function"));
  }
  TB_ASSIGN_OR_RETURN(std::vector<int32_t> inputs, InputTensors(sg, node, scope));
  std::vector<tf::DType> types;
  for (int i = 0; i < node.num_inputs(); ++i) types.push_back(node.input(i).dtype());
  TB_RETURN_IF_ERROR(CheckSignature(node, def(body_sg), types, types));
  const SubgraphDef& cond = def(cond_sg);
  if (cond.outputs.size() != 1 || cond.tensors[cond.outputs[0]].dtype != tf::DType::kBool ||
      cond.inputs.size() != inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), ": condition '", cond_fn.name(),
                                                   "' must take the loop variables and return one predicate"));
  }
  OperatorDef op;
  op.code = Op::WHILE;
  OpOptions o = options::While(cond_sg, body_sg);
  op.options_type = o.type;
  op.options = std::move(o.writer);
  op.inputs = std::move(inputs);
  op.outputs = OutputTensors(sg, node, scope);
  op.has_side_effects = node.is_stateful();
  op.subgraph_refs = {cond_sg, body_sg};
  op.source_node = absl::StrCat(scope.name_prefix, node.name());
  def(sg).operators.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status ProgramLowerer::LowerMain(const graph::Graph& graph) {
  const int sg = NewSubgraph("main");
  LoweringScope scope;
  std::vector<Node*> targets;
  for (const std::string& name : options_.targets) {
    Node* n = graph.FindNode(name);
    if (n == nullptr) return absl::InvalidArgumentError(absl::StrCat("target node '", name, "' is not in the program"));
    targets.push_back(n);
  }
  for (const Output& o : options_.outputs) {
    if (!o.valid() || o.node->graph() != &graph) {
      return absl::InvalidArgumentError("an output of the program is not a value of its graph");
    }
  }
  std::vector<std::string> inputs = options_.inputs;
  if (inputs.empty()) {
    for (const Node* n : graph.nodes()) {
      if (n->op() == "Placeholder") inputs.push_back(n->name());
    }
  }
  for (const std::string& name : inputs) {
    Node* n = graph.FindNode(name);
    if (n == nullptr || n->op() != "Placeholder") {
      return absl::InvalidArgumentError(absl::StrCat("program input '", name, "' is not a Placeholder of the program"));
    }
    TensorDef t;
    t.name = subgraphs_[sg]->namer.Unique(absl::StrCat(name, ":0"));
    t.dtype = n->output_type(0).dtype;
    t.shape = n->output_type(0).shape;
    const int index = def(sg).AddTensor(std::move(t));
    def(sg).inputs.push_back(index);
    scope.values[Output(n, 0)] = index;
  }
  TB_RETURN_IF_ERROR(LowerBody(sg, graph, scope, options_.outputs, targets, 0));
  for (const Output& o : options_.outputs) {
    const int t = LookupValue(o, scope, def(sg), subgraphs_[sg]->namer);
    if (t < 0) return absl::InternalError(absl::StrCat("output ", o.ToString(), " was not lowered"));
    def(sg).outputs.push_back(t);
  }
  subgraphs_[sg]->done = true;
  return absl::OkStatus();
}

absl::StatusOr<LoweredProgram> ProgramLowerer::Finish() {
  Program program;
  program.description = options_.description;
  LoweredProgram result;
  for (auto& b : subgraphs_) {
    PruneUnused(b->def);
    for (const OperatorDef& op : b->def.operators) {
      if (op.code == Op::CUSTOM) {
        result.flex_ops.push_back({std::string(FlexOpFromCustomCode(op.custom_code)), op.source_node, b->def.name,
                                   op.flex_reason});
      }
    }
    result.num_operators += static_cast<int>(b->def.operators.size());
    program.subgraphs.push_back(std::move(b->def));
  }
  result.num_subgraphs = static_cast<int>(program.subgraphs.size());
  TB_ASSIGN_OR_RETURN(WrittenModel written, WriteModel(program));
  result.flatbuffer = std::move(written.bytes);
  result.min_runtime_version = std::move(written.min_runtime_version);
  return result;
}

std::string NodeOf(const std::string& tensor_name) {
  const size_t colon = tensor_name.rfind(':');
  return colon == std::string::npos ? tensor_name : tensor_name.substr(0, colon);
}

}  // namespace

absl::StatusOr<LoweredProgram> LowerToTfLite(const graph::Graph& graph, const LoweringOptions& options) {
  ProgramLowerer lowerer(graph.library(), options);
  TB_RETURN_IF_ERROR(lowerer.LowerMain(graph));
  return lowerer.Finish();
}

absl::StatusOr<LoweredProgram> LowerClientProgram(const fl::ClientProgram& client) {
  if (client.graph == nullptr) return absl::InvalidArgumentError("the client program has no graph");
  LoweringOptions options;
  for (const std::string* name : {&client.dataset_token_tensor, &client.input_filepath_tensor,
                                  &client.output_filepath_tensor}) {
    if (!absl::EndsWith(*name, ":0")) {
      return absl::InvalidArgumentError(absl::StrCat("client input tensor '", *name, "' is not output 0 of a node"));
    }
    options.inputs.push_back(NodeOf(*name));
  }
  options.targets.push_back(client.target_node);
  return LowerToTfLite(*client.graph, options);
}

}  // namespace tb::tflite
