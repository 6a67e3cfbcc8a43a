#include "tf/functional_model.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "tf/op_defs.h"
#include "tf/saved_model.h"
#include "tf/tensor_proto.h"

namespace tb::tf {
namespace {

constexpr int kMaxCallChain = 64;
// Root children a functional model must have (tff.learning.models.save_functional_model).
constexpr const char* kRequiredChildren[] = {"predict_on_batch_training", "predict_on_batch_inference", "loss",
                                             "_weights", "serialized_input_spec"};

using Library = std::map<std::string, const tensorflow::FunctionDef*>;

bool IsCallOp(const std::string& op) { return op == "PartitionedCall" || op == "StatefulPartitionedCall"; }

// The node name an input reference points at ("^n", "n", "n:out:0" -> "n").
std::string_view RefNode(std::string_view ref) {
  if (!ref.empty() && ref[0] == '^') ref.remove_prefix(1);
  return ref.substr(0, ref.find(':'));
}

// Names of the library functions a node calls: by op name, or through func-valued attrs (f, then_branch, ...).
std::vector<std::string> Callees(const tensorflow::NodeDef& node, const Library& lib) {
  std::vector<std::string> out;
  if (lib.contains(node.op())) out.push_back(node.op());
  for (const auto& [name, value] : node.attr()) {
    if (value.has_func() && !value.func().name().empty()) out.push_back(value.func().name());
    for (const auto& f : value.list().func()) {
      if (!f.name().empty()) out.push_back(f.name());
    }
  }
  return out;
}

// If `f` does nothing but pass its arguments, in order, to one call and return that call's results (possibly
// through Identity nodes), the callee's name; otherwise nullopt.
std::optional<std::string> ForwardTarget(const tensorflow::FunctionDef& f, const Library& lib) {
  const tensorflow::NodeDef* call = nullptr;
  std::map<std::string, const tensorflow::NodeDef*> identities;
  for (const auto& node : f.node_def()) {
    if (node.op() == "Identity") {
      identities[node.name()] = &node;
    } else if (node.op() == "NoOp") {
      continue;
    } else if (call == nullptr && (IsCallOp(node.op()) || lib.contains(node.op()))) {
      call = &node;
    } else {
      return std::nullopt;
    }
  }
  if (call == nullptr) return std::nullopt;
  std::string callee = call->op();
  std::string out_arg;
  if (IsCallOp(call->op())) {
    auto it = call->attr().find("f");
    if (it == call->attr().end() || !it->second.has_func()) return std::nullopt;
    callee = it->second.func().name();
    out_arg = "output";
  }
  auto target = lib.find(callee);
  if (target == lib.end()) return std::nullopt;
  const auto& sig = f.signature();
  const auto& callee_sig = target->second->signature();
  if (callee_sig.input_arg_size() != sig.input_arg_size() || callee_sig.output_arg_size() != sig.output_arg_size()) {
    return std::nullopt;
  }
  std::vector<std::string> data_inputs;
  for (const std::string& in : call->input()) {
    if (!in.starts_with("^")) data_inputs.push_back(in);
  }
  if (static_cast<int>(data_inputs.size()) != sig.input_arg_size()) return std::nullopt;
  for (int i = 0; i < sig.input_arg_size(); ++i) {
    if (data_inputs[i] != sig.input_arg(i).name() && data_inputs[i] != sig.input_arg(i).name() + ":0") {
      return std::nullopt;
    }
  }
  for (int i = 0; i < sig.output_arg_size(); ++i) {
    auto ret = f.ret().find(sig.output_arg(i).name());
    if (ret == f.ret().end()) return std::nullopt;
    std::string ref = ret->second;
    for (int hops = 0; hops < 16; ++hops) {
      auto id = identities.find(std::string(RefNode(ref)));
      if (id == identities.end() || id->second->input_size() == 0) break;
      ref = id->second->input(0);
    }
    const std::string want_name = IsCallOp(call->op()) ? out_arg : callee_sig.output_arg(i).name();
    const std::string want = IsCallOp(call->op()) ? absl::StrCat(call->name(), ":", want_name, ":", i)
                                                  : absl::StrCat(call->name(), ":", want_name, ":0");
    if (ref != want) return std::nullopt;
  }
  return callee;
}

absl::StatusOr<std::vector<std::string>> FollowCallChain(const std::string& entry, const Library& lib,
                                                         const std::string& what) {
  std::vector<std::string> chain = {entry};
  std::set<std::string> seen = {entry};
  std::string current = entry;
  while (true) {
    auto f = lib.find(current);
    if (f == lib.end()) {
      return absl::NotFoundError(absl::StrCat(what, ": function '", current, "' (call chain ",
                                              absl::StrJoin(chain, " -> "), ") is not in the function library"));
    }
    std::optional<std::string> next = ForwardTarget(*f->second, lib);
    if (!next) return chain;
    chain.push_back(*next);
    if (seen.contains(*next)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": cyclic call chain ", absl::StrJoin(chain, " -> ")));
    }
    if (static_cast<int>(chain.size()) > kMaxCallChain) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": call chain longer than ", kMaxCallChain, " functions"));
    }
    seen.insert(*next);
    current = *next;
  }
}

// Removes nodes from which no output and no control output can be reached.
void PruneDeadNodes(tensorflow::FunctionDef* f) {
  std::map<std::string, const tensorflow::NodeDef*> by_name;
  for (const auto& node : f->node_def()) by_name[node.name()] = &node;
  std::set<std::string> live;
  std::deque<std::string> work;
  for (const auto& [out, ref] : f->ret()) work.emplace_back(RefNode(ref));
  for (const auto& [out, node] : f->control_ret()) work.push_back(node);
  while (!work.empty()) {
    std::string name = std::move(work.front());
    work.pop_front();
    auto it = by_name.find(name);
    if (it == by_name.end() || !live.insert(name).second) continue;
    for (const std::string& in : it->second->input()) work.emplace_back(RefNode(in));
  }
  auto* nodes = f->mutable_node_def();
  nodes->erase(std::remove_if(nodes->begin(), nodes->end(),
                              [&](const tensorflow::NodeDef& n) { return !live.contains(n.name()); }),
               nodes->end());
}

// Every input and ret must name an argument or an existing node.
absl::Status CheckReferences(const tensorflow::FunctionDef& f, const std::string& what) {
  std::set<std::string> names;
  for (const auto& a : f.signature().input_arg()) names.insert(a.name());
  for (const auto& n : f.node_def()) {
    if (!names.insert(n.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": function '", f.signature().name(),
                                                     "' has two nodes named '", n.name(), "'"));
    }
  }
  for (const auto& n : f.node_def()) {
    for (const std::string& in : n.input()) {
      if (!names.contains(std::string(RefNode(in)))) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": function '", f.signature().name(), "' node '",
                                                       n.name(), "' reads '", in, "', which does not exist"));
      }
    }
  }
  for (const auto& o : f.signature().output_arg()) {
    auto it = f.ret().find(o.name());
    if (it == f.ret().end() || !names.contains(std::string(RefNode(it->second)))) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": function '", f.signature().name(), "' output '",
                                                     o.name(), "' is not bound to a node"));
    }
  }
  return absl::OkStatus();
}

void CollectTensorSpecs(const tensorflow::StructuredValue& v, std::vector<const tensorflow::TensorSpecProto*>* out,
                        int depth = 0) {
  if (depth > 64) return;
  switch (v.kind_case()) {
    case tensorflow::StructuredValue::kTensorSpecValue: out->push_back(&v.tensor_spec_value()); break;
    case tensorflow::StructuredValue::kListValue:
      for (const auto& x : v.list_value().values()) CollectTensorSpecs(x, out, depth + 1);
      break;
    case tensorflow::StructuredValue::kTupleValue:
      for (const auto& x : v.tuple_value().values()) CollectTensorSpecs(x, out, depth + 1);
      break;
    case tensorflow::StructuredValue::kDictValue: {
      // Python flattens dicts in sorted key order; the map is unordered, so sort.
      std::map<std::string, const tensorflow::StructuredValue*> sorted;
      for (const auto& [k, x] : v.dict_value().fields()) sorted[k] = &x;
      for (const auto& [k, x] : sorted) CollectTensorSpecs(*x, out, depth + 1);
      break;
    }
    case tensorflow::StructuredValue::kNamedTupleValue:
      for (const auto& p : v.named_tuple_value().values()) CollectTensorSpecs(p.value(), out, depth + 1);
      break;
    default: break;
  }
}

// Shapes of a body's arguments, from the annotations TF writes on functions.
std::vector<TensorSpec> ArgSpecs(const tensorflow::FunctionDef& body,
                                 const std::vector<const tensorflow::TensorSpecProto*>& entry_specs) {
  const auto& sig = body.signature();
  std::vector<TensorSpec> specs(sig.input_arg_size());
  const tensorflow::AttrValue* input_shapes = nullptr;
  if (auto it = body.attr().find("_input_shapes"); it != body.attr().end()) input_shapes = &it->second;
  for (int i = 0; i < sig.input_arg_size(); ++i) {
    TensorSpec& s = specs[i];
    s.name = sig.input_arg(i).name();
    s.dtype = static_cast<DType>(sig.input_arg(i).type());
    const tensorflow::TensorShapeProto* shape = nullptr;
    if (input_shapes && input_shapes->list().shape_size() == sig.input_arg_size()) {
      shape = &input_shapes->list().shape(i);
    } else if (auto a = body.arg_attr().find(i); a != body.arg_attr().end()) {
      if (auto os = a->second.attr().find("_output_shapes");
          os != a->second.attr().end() && os->second.list().shape_size() == 1) {
        shape = &os->second.list().shape(0);
      }
    }
    if (shape == nullptr && static_cast<int>(entry_specs.size()) == sig.input_arg_size()) {
      shape = &entry_specs[i]->shape();
    }
    if (shape == nullptr || shape->unknown_rank()) {
      s.unknown_rank = true;
    } else {
      for (const auto& d : shape->dim()) s.shape.push_back(d.size() < 0 ? -1 : d.size());
    }
  }
  return specs;
}

std::vector<TensorSpec> ResultSpecs(const tensorflow::FunctionDef& body,
                                    const std::vector<const tensorflow::TensorSpecProto*>& entry_specs) {
  const auto& sig = body.signature();
  std::vector<TensorSpec> specs(sig.output_arg_size());
  for (int i = 0; i < sig.output_arg_size(); ++i) {
    TensorSpec& s = specs[i];
    s.name = sig.output_arg(i).name();
    s.dtype = static_cast<DType>(sig.output_arg(i).type());
    if (static_cast<int>(entry_specs.size()) == sig.output_arg_size() && !entry_specs[i]->shape().unknown_rank()) {
      for (const auto& d : entry_specs[i]->shape().dim()) s.shape.push_back(d.size() < 0 ? -1 : d.size());
    } else {
      s.unknown_rank = true;
    }
  }
  return specs;
}

bool SpecsCompatible(const TensorSpec& a, const TensorSpec& b) {
  if (a.dtype != b.dtype) return false;
  if (a.unknown_rank || b.unknown_rank) return true;
  return b.IsCompatibleWith(a.shape);
}

class Loader {
 public:
  Loader(const tensorflow::SavedModel& sm, const BundleReader& variables, std::string name)
      : sm_(sm), variables_(variables), name_(std::move(name)) {}

  absl::StatusOr<FunctionalModel> Load();

 private:
  absl::Status IndexObjects();
  absl::StatusOr<int> Child(int node, const std::string& name, const std::string& path) const;
  absl::StatusOr<std::string> ConcreteFunctionName(int node, const std::string& what) const;
  absl::StatusOr<ModelFunction> LoadFunction(const std::string& child);
  absl::StatusOr<Tensor> ReadVariable(int node, const std::vector<std::string>& path) const;
  absl::StatusOr<std::vector<NamedTensor>> ReadWeightTuple(int tuple_node, const std::string& index) const;
  absl::StatusOr<tensorflow_federated::v0::Type> ReadTypeSpec(const std::string& child, bool required) const;
  absl::Status BuildLibrary(FunctionalModel* model);
  absl::Status CheckConsistency(const FunctionalModel& model) const;
  absl::Status NotAFunctionalModel(const std::string& missing) const;

  const tensorflow::SavedModel& sm_;
  const BundleReader& variables_;
  const std::string name_;
  const tensorflow::MetaGraphDef* mg_ = nullptr;
  Library lib_;
  std::map<std::string, const tensorflow::OpDef*> stripped_ops_;
  // children_[node][local_name] = child node id.
  std::vector<std::map<std::string, int>> children_;
};

absl::Status Loader::IndexObjects() {
  const auto& og = mg_->object_graph_def();
  if (og.nodes_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, " has no object graph: it is a TF1-style SavedModel, not a TFF functional model (expected one "
               "written by tff.learning.models.save_functional_model)"));
  }
  children_.resize(og.nodes_size());
  for (int i = 0; i < og.nodes_size(); ++i) {
    for (const auto& c : og.nodes(i).children()) {
      if (c.node_id() < 0 || c.node_id() >= og.nodes_size()) {
        return absl::DataLossError(absl::StrCat(name_, ": object ", i, " child '", c.local_name(),
                                                "' points to missing object ", c.node_id()));
      }
      children_[i][c.local_name()] = c.node_id();
    }
  }
  return absl::OkStatus();
}

absl::Status Loader::NotAFunctionalModel(const std::string& missing) const {
  std::vector<std::string> found;
  for (const auto& [k, v] : children_[0]) found.push_back(k);
  const auto& root = mg_->object_graph_def().nodes(0);
  std::string hint;
  if (root.has_user_object() && root.user_object().identifier().starts_with("_tf_keras")) {
    hint = absl::StrCat(" It looks like a plain Keras SavedModel (root object '", root.user_object().identifier(),
                        "'); wrap the model with tff.learning.models.functional_model_from_keras and save it with "
                        "tff.learning.models.save_functional_model.");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      name_, " is not a TFF functional model: its root object has no '", missing, "' (it has: ",
      found.empty() ? "nothing" : absl::StrJoin(found, ", "),
      "). taskbuilder needs a SavedModel written by tff.learning.models.save_functional_model, whose root has "
      "predict_on_batch_training, predict_on_batch_inference, loss, _weights and serialized_input_spec.",
      hint));
}

absl::StatusOr<int> Loader::Child(int node, const std::string& name, const std::string& path) const {
  auto it = children_[node].find(name);
  if (it == children_[node].end()) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": object '", path, "' has no child '", name, "'"));
  }
  return it->second;
}

absl::StatusOr<std::string> Loader::ConcreteFunctionName(int node, const std::string& what) const {
  const auto& obj = mg_->object_graph_def().nodes(node);
  if (obj.has_bare_concrete_function()) return obj.bare_concrete_function().concrete_function_name();
  if (obj.has_function()) {
    if (obj.function().concrete_functions_size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": '", what, "' has ",
                                                     obj.function().concrete_functions_size(),
                                                     " concrete functions; expected exactly one"));
    }
    return obj.function().concrete_functions(0);
  }
  return absl::InvalidArgumentError(absl::StrCat(name_, ": '", what, "' is not a function"));
}

absl::StatusOr<ModelFunction> Loader::LoadFunction(const std::string& child) {
  TB_ASSIGN_OR_RETURN(int node, Child(0, child, "root"));
  ModelFunction mf;
  TB_ASSIGN_OR_RETURN(mf.entry, ConcreteFunctionName(node, child));
  const std::string what = absl::StrCat(name_, ": ", child);
  TB_ASSIGN_OR_RETURN(mf.call_chain, FollowCallChain(mf.entry, lib_, what));
  mf.function = *lib_.at(mf.call_chain.back());
  PruneDeadNodes(&mf.function);
  TB_RETURN_IF_ERROR(CheckReferences(mf.function, what));
  std::vector<const tensorflow::TensorSpecProto*> in_specs, out_specs;
  const auto& cfs = mg_->object_graph_def().concrete_functions();
  if (auto cf = cfs.find(mf.entry); cf != cfs.end()) {
    CollectTensorSpecs(cf->second.canonicalized_input_signature(), &in_specs);
    CollectTensorSpecs(cf->second.output_signature(), &out_specs);
  }
  mf.inputs = ArgSpecs(mf.function, in_specs);
  mf.outputs = ResultSpecs(mf.function, out_specs);
  for (const auto* specs : {&mf.inputs, &mf.outputs}) {
    for (const TensorSpec& s : *specs) {
      if (!IsSupported(s.dtype)) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": argument '", s.name, "' of '", mf.name(),
                                                       "' has unsupported type ",
                                                       ProtoDTypeName(static_cast<int>(s.dtype))));
      }
    }
  }
  return mf;
}

absl::StatusOr<Tensor> Loader::ReadVariable(int node, const std::vector<std::string>& path) const {
  const std::string joined = absl::StrJoin(path, "/");
  const auto& obj = mg_->object_graph_def().nodes(node);
  if (!obj.has_variable()) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": object '", joined, "' is not a variable"));
  }
  const std::string key = VariableCheckpointKey(path);
  auto t = variables_.Read(key);
  if (!t.ok()) {
    return absl::Status(t.status().code(),
                        absl::StrCat(name_, ": cannot read variable '", joined, "': ", t.status().message()));
  }
  const auto& var = obj.variable();
  if (ToProto(t->dtype()) != var.dtype()) {
    return absl::DataLossError(absl::StrCat(name_, ": variable '", joined, "' is ", ProtoDTypeName(var.dtype()),
                                            " in the object graph but ", t->DebugType(), " in the checkpoint"));
  }
  if (!var.shape().unknown_rank()) {
    auto shape = PartialShapeFromProto(var.shape());
    if (shape.ok()) {
      TensorSpec spec{.dtype = t->dtype(), .shape = *shape};
      if (!spec.IsCompatibleWith(t->shape())) {
        return absl::DataLossError(absl::StrCat(name_, ": variable '", joined, "' has shape ",
                                                ShapeToString(*shape), " in the object graph but ",
                                                t->DebugType(), " in the checkpoint"));
      }
    }
  }
  return *std::move(t);
}

absl::StatusOr<std::vector<NamedTensor>> Loader::ReadWeightTuple(int tuple_node, const std::string& index) const {
  // Elements are children "0", "1", ...; every index in between must exist.
  std::map<int, int> elements;
  for (const auto& [local, id] : children_[tuple_node]) {
    int i = -1;
    if (!absl::SimpleAtoi(local, &i) || i < 0 || std::to_string(i) != local) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": weight tuple '_weights/", index,
                                                     "' has a non-index child '", local, "'"));
    }
    elements[i] = id;
  }
  std::vector<NamedTensor> out;
  for (const auto& [i, id] : elements) {
    if (i != static_cast<int>(out.size())) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": weight tuple '_weights/", index, "' has no element ",
                                                     out.size()));
    }
    const std::vector<std::string> path = {"_weights", index, std::to_string(i)};
    TB_ASSIGN_OR_RETURN(Tensor t, ReadVariable(id, path));
    out.push_back({absl::StrJoin(path, "/"), std::move(t)});
  }
  return out;
}

absl::StatusOr<tensorflow_federated::v0::Type> Loader::ReadTypeSpec(const std::string& child, bool required) const {
  tensorflow_federated::v0::Type type;
  auto it = children_[0].find(child);
  if (it == children_[0].end()) {
    if (required) return NotAFunctionalModel(child);
    return type;
  }
  TB_ASSIGN_OR_RETURN(Tensor t, ReadVariable(it->second, {child}));
  if (t.dtype() != DType::kString || t.num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": '", child, "' must be a string scalar, got ",
                                                   t.DebugType()));
  }
  if (!type.ParseFromString(t.flat<std::string>()[0])) {
    return absl::DataLossError(absl::StrCat(name_, ": '", child,
                                            "' does not hold a serialized tensorflow_federated.v0.Type"));
  }
  return type;
}

absl::Status Loader::BuildLibrary(FunctionalModel* model) {
  std::map<std::string, tensorflow::FunctionDef> out;
  for (ModelFunction* mf : {&model->predict_training, &model->predict_inference, &model->loss}) {
    out[mf->name()] = mf->function;
  }
  std::deque<std::string> work;
  for (const auto& [name, f] : out) work.push_back(name);
  while (!work.empty()) {
    const std::string name = work.front();
    work.pop_front();
    for (const auto& node : out.at(name).node_def()) {
      for (const std::string& callee : Callees(node, lib_)) {
        auto it = lib_.find(callee);
        if (it == lib_.end()) {
          return absl::NotFoundError(absl::StrCat(name_, ": function '", name, "' node '", node.name(), "' calls '",
                                                  callee, "', which is not in the function library"));
        }
        if (out.emplace(callee, *it->second).second) work.push_back(callee);
      }
    }
  }
  std::set<std::string> unknown;
  for (auto& [name, f] : out) {
    for (auto& node : *f.mutable_node_def()) {
      if (lib_.contains(node.op())) continue;
      const tensorflow::OpDef* op = FindOpDef(node.op());
      if (op == nullptr) {
        auto it = stripped_ops_.find(node.op());
        if (it != stripped_ops_.end()) op = it->second;
      }
      if (op == nullptr) {
        unknown.insert(node.op());
        continue;
      }
      AddDefaultAttrs(*op, &node);
    }
  }
  for (ModelFunction* mf : {&model->predict_training, &model->predict_inference, &model->loss}) {
    mf->function = out.at(mf->name());
  }
  for (auto& [name, f] : out) *model->library.add_function() = std::move(f);
  model->unknown_ops.assign(unknown.begin(), unknown.end());
  return absl::OkStatus();
}

absl::Status Loader::CheckConsistency(const FunctionalModel& m) const {
  std::vector<TensorSpec> weights;
  for (const auto* list : {&m.trainable_weights, &m.non_trainable_weights}) {
    for (const NamedTensor& w : *list) weights.push_back({.name = w.name, .dtype = w.tensor.dtype(), .shape = w.tensor.shape()});
  }
  for (const ModelFunction* p : {&m.predict_training, &m.predict_inference}) {
    const size_t want = weights.size() + m.features.size();
    if (p->inputs.size() != want) {
      return absl::InvalidArgumentError(absl::StrCat(
          name_, ": '", p->name(), "' takes ", p->inputs.size(), " arguments, but the model has ", weights.size(),
          " weights and ", m.features.size(), " input features (", want, ")"));
    }
    for (size_t i = 0; i < want; ++i) {
      const TensorSpec& expect = i < weights.size() ? weights[i] : m.features[i - weights.size()];
      if (!SpecsCompatible(p->inputs[i], expect)) {
        return absl::InvalidArgumentError(absl::StrCat(name_, ": argument ", i, " ('", p->inputs[i].name, "') of '",
                                                       p->name(), "' is ", p->inputs[i].TypeString(), " but ",
                                                       expect.name, " is ", expect.TypeString()));
      }
    }
  }
  if (m.predict_training.outputs.size() != m.predict_inference.outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": training and inference predictions differ in arity"));
  }
  const auto& preds = m.predict_training.outputs;
  if (m.loss.inputs.size() != preds.size() + m.labels.size()) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": the loss '", m.loss.name(), "' takes ",
                                                   m.loss.inputs.size(), " arguments, expected ", preds.size(),
                                                   " predictions and ", m.labels.size(), " labels"));
  }
  for (size_t i = 0; i < m.loss.inputs.size(); ++i) {
    const TensorSpec& expect = i < preds.size() ? preds[i] : m.labels[i - preds.size()];
    if (m.loss.inputs[i].dtype != expect.dtype) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": loss argument ", i, " ('", m.loss.inputs[i].name,
                                                     "') is ", m.loss.inputs[i].TypeString(), " but ",
                                                     expect.name, " is ", expect.TypeString()));
    }
  }
  if (m.loss.outputs.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": the loss returns ", m.loss.outputs.size(),
                                                   " values, expected one scalar"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FunctionalModel> Loader::Load() {
  TB_ASSIGN_OR_RETURN(mg_, FindServingMetaGraph(sm_, name_));
  TB_RETURN_IF_ERROR(IndexObjects());
  for (const char* child : kRequiredChildren) {
    if (!children_[0].contains(child)) return NotAFunctionalModel(child);
  }
  for (const auto& f : mg_->graph_def().library().function()) {
    if (!lib_.emplace(f.signature().name(), &f).second) {
      return absl::DataLossError(absl::StrCat(name_, ": function '", f.signature().name(), "' is defined twice"));
    }
  }
  for (const auto& op : mg_->meta_info_def().stripped_op_list().op()) stripped_ops_[op.name()] = &op;

  FunctionalModel model;
  model.saved_model_dir = name_;
  model.tensorflow_version = mg_->meta_info_def().tensorflow_version();
  model.graph_producer = mg_->graph_def().versions().producer();
  TB_ASSIGN_OR_RETURN(model.predict_training, LoadFunction("predict_on_batch_training"));
  TB_ASSIGN_OR_RETURN(model.predict_inference, LoadFunction("predict_on_batch_inference"));
  TB_ASSIGN_OR_RETURN(model.loss, LoadFunction("loss"));
  TB_RETURN_IF_ERROR(BuildLibrary(&model));

  TB_ASSIGN_OR_RETURN(int weights, Child(0, "_weights", "root"));
  for (const auto& [local, id] : children_[weights]) {
    if (local != "0" && local != "1") {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": '_weights' has unexpected child '", local,
                                                     "' (expected 0 = trainable, 1 = non-trainable)"));
    }
  }
  if (auto it = children_[weights].find("0"); it != children_[weights].end()) {
    TB_ASSIGN_OR_RETURN(model.trainable_weights, ReadWeightTuple(it->second, "0"));
  }
  if (auto it = children_[weights].find("1"); it != children_[weights].end()) {
    TB_ASSIGN_OR_RETURN(model.non_trainable_weights, ReadWeightTuple(it->second, "1"));
  }

  TB_ASSIGN_OR_RETURN(model.input_spec, ReadTypeSpec("serialized_input_spec", true));
  if (!model.input_spec.has_struct_() || model.input_spec.struct_().element_size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": serialized_input_spec is ",
                                                   TffTypeToString(model.input_spec),
                                                   "; expected a pair (x, y) of features and labels"));
  }
  const auto& xy = model.input_spec.struct_().element();
  auto features = FlattenTffType(xy[0].value(), xy[0].name().empty() ? "x" : xy[0].name());
  if (!features.ok()) return absl::InvalidArgumentError(absl::StrCat(name_, ": input spec ", features.status().message()));
  auto labels = FlattenTffType(xy[1].value(), xy[1].name().empty() ? "y" : xy[1].name());
  if (!labels.ok()) return absl::InvalidArgumentError(absl::StrCat(name_, ": input spec ", labels.status().message()));
  model.features = *std::move(features);
  model.labels = *std::move(labels);
  TB_ASSIGN_OR_RETURN(model.predict_training_type, ReadTypeSpec("predict_on_batch_training_type_spec", false));
  TB_ASSIGN_OR_RETURN(model.predict_inference_type, ReadTypeSpec("predict_on_batch_inference_type_spec", false));
  TB_ASSIGN_OR_RETURN(model.loss_type, ReadTypeSpec("loss_type_spec", false));

  TB_RETURN_IF_ERROR(CheckConsistency(model));
  return model;
}

}  // namespace

ModelFunction ModelFunction::FromBody(tensorflow::FunctionDef body, std::vector<TensorSpec> inputs,
                                      std::vector<TensorSpec> outputs) {
  ModelFunction mf;
  mf.function = std::move(body);
  mf.entry = mf.function.signature().name();
  mf.call_chain = {mf.entry};
  mf.inputs = std::move(inputs);
  mf.outputs = std::move(outputs);
  return mf;
}

const tensorflow::FunctionDef* FunctionalModel::FindFunction(std::string_view name) const {
  for (const auto& f : library.function()) {
    if (f.signature().name() == name) return &f;
  }
  return nullptr;
}

std::string VariableCheckpointKey(const std::vector<std::string>& path) {
  return absl::StrCat(absl::StrJoin(path, "/"), "/.ATTRIBUTES/VARIABLE_VALUE");
}

absl::StatusOr<FunctionalModel> LoadFunctionalModelFrom(const tensorflow::SavedModel& saved_model,
                                                        const BundleReader& variables, const std::string& name) {
  return Loader(saved_model, variables, name).Load();
}

absl::StatusOr<FunctionalModel> LoadFunctionalModel(const std::string& saved_model_dir) {
  TB_ASSIGN_OR_RETURN(tensorflow::SavedModel sm, ReadSavedModelProto(saved_model_dir));
  TB_ASSIGN_OR_RETURN(auto variables, OpenSavedModelVariables(saved_model_dir));
  return LoadFunctionalModelFrom(sm, *variables, saved_model_dir);
}

}  // namespace tb::tf
