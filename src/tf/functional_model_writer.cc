#include "tf/functional_model_writer.h"

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "tensorflow/trackable_object_graph.pb.h"
#include "tf/function_builder.h"
#include "tf/op_defs.h"
#include "tf/saved_model.h"
#include "tf/tensor_proto.h"

namespace tb::tf {

namespace {

using tensorflow::StructuredValue;

// The root's type-spec string variables, in the order TFF creates them.
constexpr const char* kTypeSpecChildren[] = {"predict_on_batch_training_type_spec",
                                             "predict_on_batch_inference_type_spec", "loss_type_spec",
                                             "serialized_input_spec"};

StructuredValue SpecValue(const TensorSpec& spec) {
  StructuredValue v;
  *v.mutable_tensor_spec_value() = TensorSpecToProto(spec);
  return v;
}
StructuredValue Tuple(std::vector<StructuredValue> values) {
  StructuredValue v;
  for (auto& x : values) *v.mutable_tuple_value()->add_values() = std::move(x);
  v.mutable_tuple_value();
  return v;
}
StructuredValue List(std::vector<StructuredValue> values) {
  StructuredValue v;
  v.mutable_list_value();
  for (auto& x : values) *v.mutable_list_value()->add_values() = std::move(x);
  return v;
}
StructuredValue None() {
  StructuredValue v;
  v.mutable_none_value();
  return v;
}
StructuredValue Bool(bool b) {
  StructuredValue v;
  v.set_bool_value(b);
  return v;
}
StructuredValue String(const std::string& s) {
  StructuredValue v;
  v.set_string_value(s);
  return v;
}
StructuredValue EmptyDict() {
  StructuredValue v;
  v.mutable_dict_value();
  return v;
}
StructuredValue Specs(const std::vector<TensorSpec>& specs) {
  std::vector<StructuredValue> values;
  for (const TensorSpec& s : specs) values.push_back(SpecValue(s));
  return Tuple(std::move(values));
}

// inspect.getfullargspec() of a plain function with these positional args.
StructuredValue FullArgSpec(const std::vector<std::string>& args) {
  StructuredValue v;
  auto* nt = v.mutable_named_tuple_value();
  nt->set_name("FullArgSpec");
  std::vector<StructuredValue> names;
  for (const std::string& a : args) names.push_back(String(a));
  auto add = [&](const char* key, StructuredValue value) {
    auto* p = nt->add_values();
    p->set_key(key);
    *p->mutable_value() = std::move(value);
  };
  add("args", List(std::move(names)));
  add("varargs", None());
  add("varkw", None());
  add("defaults", None());
  add("kwonlyargs", List({}));
  add("kwonlydefaults", None());
  add("annotations", EmptyDict());
  return v;
}

tensorflow::FunctionSpec MakeFunctionSpec(const std::vector<std::string>& args) {
  tensorflow::FunctionSpec spec;
  *spec.mutable_fullargspec() = FullArgSpec(args);
  *spec.mutable_input_signature() = Tuple({});
  return spec;
}

// Removes attrs equal to their OpDef default, as TF does when exporting (stripped_default_attrs).
void StripDefaults(tensorflow::NodeDef* node) {
  const tensorflow::OpDef* op = FindOpDef(node->op());
  if (op == nullptr) return;
  for (const auto& a : op->attr()) {
    if (!a.has_default_value()) continue;
    auto it = node->attr().find(a.name());
    if (it != node->attr().end() &&
        google::protobuf::util::MessageDifferencer::Equals(it->second, a.default_value())) {
      node->mutable_attr()->erase(a.name());
    }
  }
}

class Writer {
 public:
  explicit Writer(const FunctionalModel& model) : m_(model) {}
  absl::StatusOr<tensorflow::SavedModel> Build(std::string* object_graph);

 private:
  std::string FunctionName(const std::string& base) { return absl::StrCat("__inference_", base, "_", next_id_++); }
  absl::StatusOr<std::string> AddForwarder(const std::string& base, const ModelFunction& body);
  absl::StatusOr<std::string> AddCallFunction(const std::vector<TensorSpec>& weights);
  absl::StatusOr<std::string> AddSignatureWrapper(const std::string& inference_entry);
  int AddObject(tensorflow::SavedObject object = {}) {
    *og_.add_nodes() = std::move(object);
    return og_.nodes_size() - 1;
  }
  void AddChild(int parent, const std::string& name, int child) {
    auto* ref = og_.mutable_nodes(parent)->add_children();
    ref->set_node_id(child);
    ref->set_local_name(name);
  }
  tensorflow::SavedObject Variable(const TensorSpec& spec, bool trainable) const;
  tensorflow::SavedObject BareFunction(const std::string& name, const std::vector<std::string>& keywords,
                                       const std::vector<std::string>& python_args) const;

  const FunctionalModel& m_;
  int next_id_ = 1000;
  std::map<std::string, tensorflow::FunctionDef> functions_;
  tensorflow::SavedObjectGraph og_;
};

absl::StatusOr<std::string> Writer::AddForwarder(const std::string& base, const ModelFunction& body) {
  const auto& sig = body.function.signature();
  FunctionBuilder b(FunctionName(base));
  std::vector<std::string> args;
  std::vector<DType> tin, tout;
  for (int i = 0; i < sig.input_arg_size(); ++i) {
    TensorSpec spec = i < static_cast<int>(body.inputs.size()) ? body.inputs[i] : TensorSpec{};
    spec.name = sig.input_arg(i).name();
    spec.dtype = static_cast<DType>(sig.input_arg(i).type());
    args.push_back(b.AddInput(spec));
    tin.push_back(spec.dtype);
  }
  for (const auto& o : sig.output_arg()) tout.push_back(static_cast<DType>(o.type()));
  b.AddNode("PartitionedCall", "PartitionedCall", args,
            {{"Tin", TypeListAttr(tin)}, {"Tout", TypeListAttr(tout)}, {"f", FuncAttr(sig.name())}});
  for (int i = 0; i < sig.output_arg_size(); ++i) {
    const std::string id = i == 0 ? "Identity" : absl::StrCat("Identity_", i);
    const std::string ref = b.AddNode(id, "Identity", {FunctionBuilder::Output("PartitionedCall", "output", i)},
                                      {{"T", TypeAttr(tout[i])}});
    b.AddOutput(sig.output_arg(i).name(), tout[i], ref);
  }
  tensorflow::FunctionDefLibrary lib;
  *lib.add_function() = body.function;
  TB_ASSIGN_OR_RETURN(tensorflow::FunctionDef f, b.Build(lib));
  std::string name = f.signature().name();
  functions_[name] = std::move(f);
  return name;
}

absl::StatusOr<std::string> Writer::AddCallFunction(const std::vector<TensorSpec>& weights) {
  FunctionBuilder b(FunctionName("__call__"));
  for (size_t i = 0; i < weights.size(); ++i) {
    const std::string suffix = i == 0 ? "" : absl::StrCat("_", i);
    const std::string res = b.AddInput(TensorSpec{.name = "readvariableop_resource" + suffix,
                                                  .dtype = DType::kResource});
    const std::string read =
        b.AddNode("ReadVariableOp" + suffix, "ReadVariableOp", {res}, {{"dtype", TypeAttr(weights[i].dtype)}});
    const std::string id = b.AddNode("Identity" + suffix, "Identity", {read}, {{"T", TypeAttr(weights[i].dtype)}});
    b.AddOutput("identity" + suffix, weights[i].dtype, id);
  }
  TB_ASSIGN_OR_RETURN(tensorflow::FunctionDef f, b.Build());
  // Reads of variables are stateful; name them as control outputs like TF does.
  for (const auto& node : f.node_def()) {
    if (node.op() == "ReadVariableOp") {
      f.mutable_signature()->add_control_output(node.name());
      (*f.mutable_control_ret())[node.name()] = node.name();
    }
  }
  std::string name = f.signature().name();
  functions_[name] = std::move(f);
  return name;
}

absl::StatusOr<std::string> Writer::AddSignatureWrapper(const std::string& inference_entry) {
  const tensorflow::FunctionDef& entry = functions_.at(inference_entry);
  ModelFunction wrapped;
  wrapped.function = entry;
  wrapped.inputs = m_.predict_inference.inputs;
  return AddForwarder("signature_wrapper", wrapped);
}

tensorflow::SavedObject Writer::Variable(const TensorSpec& spec, bool trainable) const {
  tensorflow::SavedObject obj;
  auto* v = obj.mutable_variable();
  v->set_dtype(ToProto(spec.dtype));
  ShapeToProto(spec.shape, v->mutable_shape());
  v->set_trainable(trainable);
  v->set_name("Variable");
  return obj;
}

tensorflow::SavedObject Writer::BareFunction(const std::string& name, const std::vector<std::string>& keywords,
                                             const std::vector<std::string>& python_args) const {
  tensorflow::SavedObject obj;
  auto* f = obj.mutable_bare_concrete_function();
  f->set_concrete_function_name(name);
  for (const std::string& k : keywords) f->add_argument_keywords(k);
  f->set_allowed_positional_arguments(static_cast<int64_t>(keywords.size()));
  if (!python_args.empty()) *f->mutable_function_spec() = MakeFunctionSpec(python_args);
  return obj;
}

absl::StatusOr<tensorflow::SavedModel> Writer::Build(std::string* object_graph) {
  // Bodies and their callees.
  for (const auto& f : m_.library.function()) functions_[f.signature().name()] = f;
  for (const ModelFunction* mf : {&m_.predict_training, &m_.predict_inference, &m_.loss}) {
    if (mf->function.signature().name().empty()) return absl::InvalidArgumentError("model function has no name");
    functions_[mf->name()] = mf->function;
  }
  std::vector<TensorSpec> weight_specs;
  for (const auto* list : {&m_.trainable_weights, &m_.non_trainable_weights}) {
    for (const NamedTensor& w : *list) weight_specs.push_back({.name = w.name, .dtype = w.tensor.dtype(), .shape = w.tensor.shape()});
  }
  TB_ASSIGN_OR_RETURN(const std::string training_entry, AddForwarder("flat_predict_on_batch", m_.predict_training));
  TB_ASSIGN_OR_RETURN(const std::string inference_entry, AddForwarder("flat_predict_on_batch", m_.predict_inference));
  TB_ASSIGN_OR_RETURN(const std::string loss_entry, AddForwarder("flat_loss", m_.loss));
  TB_ASSIGN_OR_RETURN(const std::string call_fn, AddCallFunction(weight_specs));
  TB_ASSIGN_OR_RETURN(const std::string signature_fn, AddSignatureWrapper(inference_entry));

  tensorflow::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  tensorflow::MetaGraphDef* mg = sm.add_meta_graphs();
  auto* info = mg->mutable_meta_info_def();
  info->add_tags("serve");
  info->set_tensorflow_version(m_.tensorflow_version.empty() ? "2.14.0" : m_.tensorflow_version);
  info->set_tensorflow_git_version("taskbuilder");
  info->set_stripped_default_attrs(true);

  // Object graph, following the layout TFF's save_functional_model produces.
  const int root = AddObject();
  {
    auto* u = og_.mutable_nodes(root)->mutable_user_object();
    u->set_identifier("_generic_user_object");
    u->mutable_version()->set_producer(1);
    u->mutable_version()->set_min_consumer(1);
  }
  tensorflow::SavedObject tuple_object;
  tuple_object.mutable_user_object()->set_identifier("trackable_tuple_wrapper");
  tuple_object.mutable_user_object()->mutable_version()->set_producer(1);
  tuple_object.mutable_user_object()->mutable_version()->set_min_consumer(1);
  const int weights_node = AddObject(tuple_object);
  AddChild(root, "_weights", weights_node);
  std::vector<int> type_spec_nodes;
  for (const char* child : kTypeSpecChildren) {
    const int id = AddObject(Variable(TensorSpec{.dtype = DType::kString}, false));
    AddChild(root, child, id);
    type_spec_nodes.push_back(id);
  }
  tensorflow::SavedObject call_object;
  call_object.mutable_function()->add_concrete_functions(call_fn);
  *call_object.mutable_function()->mutable_function_spec() = MakeFunctionSpec({});
  const int call_node = AddObject(call_object);
  AddChild(root, "__call__", call_node);
  std::vector<std::string> loss_keywords, predict_keywords;
  for (const TensorSpec& s : m_.loss.inputs) loss_keywords.push_back(s.name);
  for (const TensorSpec& s : m_.predict_inference.inputs) predict_keywords.push_back(s.name);
  const int loss_node = AddObject(BareFunction(loss_entry, loss_keywords, {"output", "label", "sample_weight"}));
  AddChild(root, "loss", loss_node);
  const int inference_node =
      AddObject(BareFunction(inference_entry, predict_keywords, {"model_weights", "x", "training"}));
  AddChild(root, "predict_on_batch_inference", inference_node);
  const int training_node =
      AddObject(BareFunction(training_entry, predict_keywords, {"model_weights", "x", "training"}));
  AddChild(root, "predict_on_batch_training", training_node);
  tensorflow::SavedObject signatures;
  signatures.mutable_user_object()->set_identifier("signature_map");
  signatures.mutable_user_object()->mutable_version()->set_producer(1);
  signatures.mutable_user_object()->mutable_version()->set_min_consumer(1);
  const int signatures_node = AddObject(signatures);
  AddChild(root, "signatures", signatures_node);
  std::vector<int> weight_nodes;
  for (const auto& [index, list, trainable] :
       {std::tuple{"0", &m_.trainable_weights, true}, std::tuple{"1", &m_.non_trainable_weights, false}}) {
    if (list->empty()) continue;
    const int tuple = AddObject(tuple_object);
    AddChild(weights_node, index, tuple);
    for (size_t i = 0; i < list->size(); ++i) {
      const Tensor& t = (*list)[i].tensor;
      const int var = AddObject(Variable({.dtype = t.dtype(), .shape = t.shape()}, trainable));
      AddChild(tuple, std::to_string(i), var);
      weight_nodes.push_back(var);
    }
  }
  const int trace_node = AddObject(BareFunction(call_fn, {}, {}));
  AddChild(call_node, "trace_0", trace_node);
  const int serving_node = AddObject(BareFunction(signature_fn, predict_keywords, {}));
  og_.mutable_nodes(serving_node)->mutable_bare_concrete_function()->set_allowed_positional_arguments(0);
  AddChild(signatures_node, "serving_default", serving_node);

  // Concrete functions: the structure of each entry's arguments and results.
  auto& cfs = *og_.mutable_concrete_functions();
  std::vector<TensorSpec> trainable_specs(weight_specs.begin(), weight_specs.begin() + m_.trainable_weights.size());
  std::vector<TensorSpec> non_trainable_specs(weight_specs.begin() + m_.trainable_weights.size(), weight_specs.end());
  const size_t nw = weight_specs.size();
  for (const auto& [entry, mf, training] : {std::tuple{training_entry, &m_.predict_training, true},
                                            std::tuple{inference_entry, &m_.predict_inference, false}}) {
    if (mf->inputs.size() < nw) {
      return absl::InvalidArgumentError(absl::StrCat("'", mf->name(), "' has ", mf->inputs.size(),
                                                     " inputs, fewer than the ", nw, " weights"));
    }
    std::vector<TensorSpec> t(mf->inputs.begin(), mf->inputs.begin() + m_.trainable_weights.size());
    std::vector<TensorSpec> nt(mf->inputs.begin() + m_.trainable_weights.size(), mf->inputs.begin() + nw);
    std::vector<TensorSpec> x(mf->inputs.begin() + nw, mf->inputs.end());
    StructuredValue x_value = x.size() == 1 ? SpecValue(x[0]) : Specs(x);
    auto& cf = cfs[entry];
    *cf.mutable_canonicalized_input_signature() =
        Tuple({Tuple({Tuple({Specs(t), Specs(nt)}), std::move(x_value), Bool(training)}), EmptyDict()});
    std::vector<StructuredValue> outs;
    for (size_t i = 0; i < mf->outputs.size(); ++i) {
      TensorSpec s = mf->outputs[i];
      s.name = absl::StrCat("tensor_", i);
      outs.push_back(SpecValue(s));
    }
    *cf.mutable_output_signature() = List(std::move(outs));
  }
  {
    auto& cf = cfs[loss_entry];
    std::vector<StructuredValue> args;
    for (const TensorSpec& s : m_.loss.inputs) args.push_back(SpecValue(s));
    args.push_back(None());  // sample_weight
    *cf.mutable_canonicalized_input_signature() = Tuple({Tuple(std::move(args)), EmptyDict()});
    std::vector<StructuredValue> outs;
    for (size_t i = 0; i < m_.loss.outputs.size(); ++i) {
      TensorSpec s = m_.loss.outputs[i];
      s.name = absl::StrCat("tensor_", i);
      outs.push_back(SpecValue(s));
    }
    *cf.mutable_output_signature() = List(std::move(outs));
  }
  {
    auto& cf = cfs[call_fn];
    for (int id : weight_nodes) cf.add_bound_inputs(id);
    *cf.mutable_canonicalized_input_signature() = Tuple({Tuple({}), EmptyDict()});
    std::vector<TensorSpec> t_out = trainable_specs, nt_out = non_trainable_specs;
    for (size_t i = 0; i < t_out.size(); ++i) t_out[i].name = absl::StrCat("tensor_0_", i);
    for (size_t i = 0; i < nt_out.size(); ++i) nt_out[i].name = absl::StrCat("tensor_1_", i);
    *cf.mutable_output_signature() = Tuple({Specs(t_out), Specs(nt_out)});
  }
  {
    auto& cf = cfs[signature_fn];
    StructuredValue kwargs;
    auto* fields = kwargs.mutable_dict_value()->mutable_fields();
    for (const TensorSpec& s : m_.predict_inference.inputs) (*fields)[s.name] = SpecValue(s);
    *cf.mutable_canonicalized_input_signature() = Tuple({Tuple({}), std::move(kwargs)});
    StructuredValue outputs;
    for (size_t i = 0; i < m_.predict_inference.outputs.size(); ++i) {
      TensorSpec s = m_.predict_inference.outputs[i];
      s.name = absl::StrCat("output_", i);
      (*outputs.mutable_dict_value()->mutable_fields())[s.name] = SpecValue(s);
    }
    *cf.mutable_output_signature() = std::move(outputs);
  }

  // Graph: variable handles, the serving signature's placeholders and call, and the init NoOp.
  tensorflow::GraphDef* graph = mg->mutable_graph_def();
  graph->mutable_versions()->set_producer(m_.graph_producer > 0 ? m_.graph_producer : 1575);
  graph->mutable_versions()->set_min_consumer(12);
  int var_index = 0;
  auto add_var_handle = [&](const TensorSpec& spec) {
    const std::string name = var_index == 0 ? "Variable" : absl::StrCat("Variable_", var_index);
    ++var_index;
    auto* h = graph->add_node();
    h->set_name(name);
    h->set_op("VarHandleOp");
    (*h->mutable_attr())["dtype"] = TypeAttr(spec.dtype);
    (*h->mutable_attr())["shape"] = ShapeAttr(spec);
    (*h->mutable_attr())["shared_name"] = StringAttr(name);
    auto* r = graph->add_node();
    r->set_name(name + "/Read/ReadVariableOp");
    r->set_op("ReadVariableOp");
    r->add_input(name);
    (*r->mutable_attr())["dtype"] = TypeAttr(spec.dtype);
  };
  for (const TensorSpec& s : weight_specs) add_var_handle(s);
  for (size_t i = 0; i < std::size(kTypeSpecChildren); ++i) add_var_handle(TensorSpec{.dtype = DType::kString});
  auto& serving = (*mg->mutable_signature_def())["serving_default"];
  serving.set_method_name("tensorflow/serving/predict");
  std::vector<DType> tin, tout;
  auto* call = [&] {
    std::vector<std::string> inputs;
    for (const TensorSpec& s : m_.predict_inference.inputs) {
      const std::string ph = "serving_default_" + s.name;
      auto* p = graph->add_node();
      p->set_name(ph);
      p->set_op("Placeholder");
      (*p->mutable_attr())["dtype"] = TypeAttr(s.dtype);
      (*p->mutable_attr())["shape"] = ShapeAttr(s);
      inputs.push_back(ph);
      tin.push_back(s.dtype);
      auto& info = (*serving.mutable_inputs())[s.name];
      info.set_name(ph + ":0");
      info.set_dtype(ToProto(s.dtype));
      *info.mutable_tensor_shape() = TensorSpecToProto(s).shape();
    }
    auto* c = graph->add_node();
    c->set_name("PartitionedCall");
    c->set_op("PartitionedCall");
    for (const std::string& in : inputs) c->add_input(in);
    return c;
  }();
  for (size_t i = 0; i < m_.predict_inference.outputs.size(); ++i) {
    const TensorSpec& s = m_.predict_inference.outputs[i];
    tout.push_back(s.dtype);
    auto& info = (*serving.mutable_outputs())[absl::StrCat("output_", i)];
    info.set_name(absl::StrCat("PartitionedCall:", i));
    info.set_dtype(ToProto(s.dtype));
    *info.mutable_tensor_shape() = TensorSpecToProto(s).shape();
  }
  (*call->mutable_attr())["Tin"] = TypeListAttr(tin);
  (*call->mutable_attr())["Tout"] = TypeListAttr(tout);
  (*call->mutable_attr())["f"] = FuncAttr(signature_fn);
  auto* noop = graph->add_node();
  noop->set_name("NoOp");
  noop->set_op("NoOp");
  auto& init = (*mg->mutable_signature_def())["__saved_model_init_op"];
  auto& init_out = (*init.mutable_outputs())["__saved_model_init_op"];
  init_out.set_name("NoOp");
  init_out.mutable_tensor_shape()->set_unknown_rank(true);
  (*mg->mutable_collection_def())["saved_model_main_op"].mutable_node_list()->add_value("NoOp");

  // Library (sorted by name), defaults stripped like TF's export, and the OpDefs of every op used.
  std::set<std::string> ops;
  for (auto& [name, f] : functions_) {
    for (auto& node : *f.mutable_node_def()) {
      StripDefaults(&node);
      ops.insert(node.op());
    }
    *graph->mutable_library()->add_function() = f;
  }
  for (auto& node : *graph->mutable_node()) {
    StripDefaults(&node);
    ops.insert(node.op());
  }
  for (const std::string& op : ops) {
    if (const tensorflow::OpDef* def = FindOpDef(op)) *info->mutable_stripped_op_list()->add_op() = *def;
  }
  *mg->mutable_object_graph_def() = og_;

  // The checkpoint's object graph mirrors the saved one: same ids and edges, values on the variables.
  tensorflow::TrackableObjectGraph tog;
  std::map<int, std::string> keys;
  for (size_t i = 0; i < std::size(kTypeSpecChildren); ++i) {
    keys[type_spec_nodes[i]] = VariableCheckpointKey({kTypeSpecChildren[i]});
  }
  {
    size_t k = 0;
    for (const auto& [index, list] : {std::pair{"0", &m_.trainable_weights}, std::pair{"1", &m_.non_trainable_weights}}) {
      for (size_t i = 0; i < list->size(); ++i) keys[weight_nodes[k++]] = VariableCheckpointKey({"_weights", index, std::to_string(i)});
    }
  }
  std::vector<bool> has_values(og_.nodes_size(), false);
  for (const auto& [id, key] : keys) has_values[id] = true;
  // Parents of objects with values have values too; children always have larger ids here, so go backwards.
  for (int i = og_.nodes_size() - 1; i >= 0; --i) {
    for (const auto& c : og_.nodes(i).children()) has_values[i] = has_values[i] || has_values[c.node_id()];
  }
  for (int i = 0; i < og_.nodes_size(); ++i) {
    auto* n = tog.add_nodes();
    for (const auto& c : og_.nodes(i).children()) *n->add_children() = c;
    if (auto it = keys.find(i); it != keys.end()) {
      auto* a = n->add_attributes();
      a->set_name("VARIABLE_VALUE");
      a->set_full_name("Variable");
      a->set_checkpoint_key(it->second);
    }
    n->mutable_has_checkpoint_values()->set_value(has_values[i]);
  }
  *object_graph = SerializeDeterministic(tog);
  return sm;
}

}  // namespace

absl::StatusOr<tensorflow::SavedModel> BuildFunctionalSavedModel(const FunctionalModel& model,
                                                                 std::string* object_graph) {
  return Writer(model).Build(object_graph);
}

absl::Status WriteFunctionalModel(const FunctionalModel& model, const std::string& dir,
                                  const FunctionalModelWriteOptions& options) {
  std::string object_graph;
  TB_ASSIGN_OR_RETURN(tensorflow::SavedModel sm, BuildFunctionalSavedModel(model, &object_graph));
  std::error_code ec;
  std::filesystem::create_directories(dir + "/variables", ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, "/variables: ", ec.message()));
  // Data file order as TF writes it: the type specs, the weights, the object graph last.
  TB_ASSIGN_OR_RETURN(auto bundle, BundleWriter::Create(dir + "/" + kVariablesPrefix, options.variables));
  const tensorflow_federated::v0::Type* types[] = {&model.predict_training_type, &model.predict_inference_type,
                                                   &model.loss_type, &model.input_spec};
  for (size_t i = 0; i < std::size(kTypeSpecChildren); ++i) {
    TB_RETURN_IF_ERROR(bundle->Add(VariableCheckpointKey({kTypeSpecChildren[i]}),
                                   Tensor::StringScalar(SerializeDeterministic(*types[i]))));
  }
  for (const auto& [index, list] : {std::pair{"0", &model.trainable_weights}, std::pair{"1", &model.non_trainable_weights}}) {
    for (size_t i = 0; i < list->size(); ++i) {
      TB_RETURN_IF_ERROR(bundle->Add(VariableCheckpointKey({"_weights", index, std::to_string(i)}), (*list)[i].tensor));
    }
  }
  TB_RETURN_IF_ERROR(bundle->Add(kObjectGraphKey, Tensor::StringScalar(object_graph)));
  TB_RETURN_IF_ERROR(bundle->Finish());
  return WriteFileAtomic(dir + "/" + kSavedModelFile, SerializeDeterministic(sm));
}

}  // namespace tb::tf
