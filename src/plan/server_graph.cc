#include "plan/server_graph.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "fl/ir_util.h"
#include "graph/builder.h"

namespace tb::plan {
namespace {

using graph::Node;
using graph::Output;

constexpr char kCpu[] = "/device:CPU:0";

struct Variable {
  std::string name;
  graph::TensorType type;
  Node* handle = nullptr;
  Node* assign = nullptr;  // the zero initializer "<name>/Assign"
  Output read;             // "<name>/Read/ReadVariableOp"
};

struct Savepoint {
  std::string name;
  Output filename;  // "<sp>/Const", or the server savepoint's for save_server_savepoint
  Node* restore_all = nullptr;
  Output control_dependency;
};

std::string Dirname(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

// Writes the flat graph node by node with TF's names; every AddNode is checked, the first error is kept.
class Writer {
 public:
  explicit Writer(graph::Graph* g) : g_(*g) {}

  const absl::Status& status() const { return status_; }

  Node* Add(std::string name, std::string op, std::vector<Output> inputs, graph::AttrMap attrs,
            std::vector<Node*> deps = {}, std::string device = "") {
    if (!status_.ok()) return nullptr;
    for (const Output& in : inputs) {
      if (!in.valid()) {
        status_ = absl::InternalError(absl::StrCat("server graph: an input of ", name, " is missing"));
        return nullptr;
      }
    }
    graph::NodeSpec spec;
    spec.name = g_.UniqueName(name);
    spec.op = std::move(op);
    spec.inputs = std::move(inputs);
    spec.control_inputs = std::move(deps);
    spec.attrs = std::move(attrs);
    spec.device = std::move(device);
    auto node = g_.AddNode(std::move(spec));
    if (!node.ok()) {
      status_ = node.status();
      return nullptr;
    }
    return *node;
  }
  Output Out(Node* n, int i = 0) { return n == nullptr ? Output() : Output(n, i); }

  Output Const(std::string name, const tf::Tensor& value, std::vector<Node*> deps = {}, std::string device = "") {
    return Out(Add(std::move(name), "Const", {}, {{"value", graph::AttrTensor(value)}, {"dtype", graph::AttrType(value.dtype())}},
                   std::move(deps), std::move(device)));
  }
  Output Strings(std::string name, const std::vector<std::string>& values, std::string device = "") {
    tf::Tensor t(tf::DType::kString, {static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) t.flat<std::string>()[i] = values[i];
    return Const(std::move(name), t, {}, std::move(device));
  }
  Output Identity(std::string name, Output x, std::vector<Node*> deps = {}) {
    if (!x.valid()) return Out(Add(std::move(name), "Identity", {x}, {}));
    return Out(Add(std::move(name), "Identity", {x}, {{"T", graph::AttrType(x.dtype())}}, std::move(deps)));
  }
  Node* NoOp(std::string name, std::vector<Node*> deps) { return Add(std::move(name), "NoOp", {}, {}, std::move(deps)); }
  Output Read(const std::string& name, const Variable& v, std::vector<Node*> deps = {}) {
    return Out(Add(name, "ReadVariableOp", {Out(v.handle)}, {{"dtype", graph::AttrType(v.type.dtype)}}, std::move(deps)));
  }
  Node* Assign(const std::string& name, const Variable& v, Output value, bool validate_shape) {
    return Add(name, "AssignVariableOp", {Out(v.handle), value},
               {{"dtype", graph::AttrType(v.type.dtype)}, {"validate_shape", graph::AttrBool(validate_shape)}});
  }

  // tf.Variable(zeros) with the plan builder's names: zeros under the variable's parent scope, the handle, its
  // IsInitialized check, the Assign initializer and the Read.
  Variable CreateVariable(const std::string& name, const graph::TensorType& type) {
    Variable v{name, type};
    std::vector<int64_t> dims;
    int64_t elements = 1;
    if (type.shape.rank_known()) {
      for (int64_t d : type.shape.dims()) {
        dims.push_back(d < 0 ? 0 : d);
        elements *= d < 0 ? 0 : d;
      }
    }
    const std::string scope = Dirname(name);
    const std::string zeros_name = g_.UniqueName(scope.empty() ? "zeros" : absl::StrCat(scope, "/zeros"));
    Output zeros;
    if (elements >= 1000) {
      std::vector<int32_t> d32(dims.begin(), dims.end());
      Output shape = Const(zeros_name + "/shape_as_tensor", tf::Tensor::FromVector<int32_t>(d32));
      Output zero = Const(zeros_name + "/Const", tf::Tensor(type.dtype, {}));
      graph::NodeSpec spec;
      spec.name = zeros_name;
      spec.op = "Fill";
      spec.inputs = {shape, zero};
      spec.attrs = {{"T", graph::AttrType(type.dtype)}, {"index_type", graph::AttrType(tf::DType::kInt32)}};
      zeros = AddExact(std::move(spec));
    } else {
      graph::NodeSpec spec;
      spec.name = zeros_name;
      spec.op = "Const";
      tf::Tensor t(type.dtype, dims);
      spec.attrs = {{"value", graph::AttrTensor(t)}, {"dtype", graph::AttrType(type.dtype)}};
      zeros = AddExact(std::move(spec));
    }
    v.handle = Add(name, "VarHandleOp", {},
                   {{"dtype", graph::AttrType(type.dtype)},
                    {"shape", graph::AttrShape(type.shape)},
                    {"container", graph::AttrString("")},
                    {"shared_name", graph::AttrString(name)},
                    {"allowed_devices", graph::AttrStringList({})},
                    {"_class", graph::AttrStringList({absl::StrCat("loc:@", name)})}});
    if (v.handle != nullptr && v.handle->name() != name) {
      status_ = absl::InternalError(absl::StrCat("server graph: variable name ", name, " is taken"));
    }
    Add(name + "/IsInitialized/VarIsInitializedOp", "VarIsInitializedOp", {Out(v.handle)}, {});
    v.assign = Add(name + "/Assign", "AssignVariableOp", {Out(v.handle), zeros},
                   {{"dtype", graph::AttrType(type.dtype)},
                    {"validate_shape", graph::AttrBool(false)},
                    {"_has_manual_control_dependencies", graph::AttrBool(true)}});
    v.read = Read(name + "/Read/ReadVariableOp", v);
    return v;
  }

  std::vector<Variable> CreateVariables(const std::string& prefix, const std::vector<fl::TensorSlot>& slots) {
    std::vector<Variable> out;
    for (const fl::TensorSlot& s : slots) out.push_back(CreateVariable(absl::StrCat(prefix, "/", s.path), s.type));
    return out;
  }

  // A TF1 Saver(write_version=V1) over `vars` (sorted by name). `filename` reuses another savepoint's filename
  // tensor (save_server_savepoint); its own filename nodes are still created, as the original's are.
  Savepoint CreateSavepoint(const std::string& sp, std::vector<const Variable*> vars, Output filename = Output()) {
    std::sort(vars.begin(), vars.end(), [](const Variable* a, const Variable* b) { return a->name < b->name; });
    Savepoint s{sp};
    Output input = Const(sp + "/filename/input", tf::Tensor::StringScalar("model"));
    const graph::AttrMap pwd = {{"dtype", graph::AttrType(tf::DType::kString)},
                                {"shape", graph::AttrShape(graph::PartialShape::Scalar())}};
    Output fname = Out(Add(sp + "/filename", "PlaceholderWithDefault", {input}, pwd));
    Output own = Out(Add(sp + "/Const", "PlaceholderWithDefault", {fname}, pwd));
    s.filename = filename.valid() ? filename : own;
    std::vector<std::string> names, slices;
    std::vector<Output> reads;
    std::vector<tf::DType> dtypes;
    for (const Variable* v : vars) {
      names.push_back(v->name);
      slices.push_back("");
      reads.push_back(v->read);
      dtypes.push_back(v->type.dtype);
    }
    Output tensor_names = Strings(sp + "/save/tensor_names", names);
    Output shapes = Strings(sp + "/save/shapes_and_slices", slices);
    std::vector<Output> save_inputs = {s.filename, tensor_names, shapes};
    save_inputs.insert(save_inputs.end(), reads.begin(), reads.end());
    Node* save = Add(sp + "/save", "SaveSlices", save_inputs,
                     {{"T", graph::AttrTypeList(dtypes)}, {"_has_manual_control_dependencies", graph::AttrBool(true)}});
    if (save != nullptr) {
      graph::NodeSpec cd;
      cd.name = sp + "/control_dependency";
      cd.op = "Identity";
      cd.inputs = {s.filename};
      cd.control_inputs = {save};
      cd.attrs = {{"T", graph::AttrType(tf::DType::kString)},
                  {"_class", graph::AttrStringList({absl::StrCat("loc:@", s.filename.node->name())})}};
      s.control_dependency = AddExact(std::move(cd));
    }
    Output restore_names = Strings(sp + "/RestoreV2/tensor_names", names, kCpu);
    Output restore_slices = Strings(sp + "/RestoreV2/shape_and_slices", slices, kCpu);
    Node* restore = Add(sp + "/RestoreV2", "RestoreV2", {s.filename, restore_names, restore_slices},
                        {{"dtypes", graph::AttrTypeList(dtypes)}}, {}, kCpu);
    std::vector<Node*> assigns;
    for (size_t k = 0; k < vars.size(); ++k) {
      Output restored = Identity(sp + "/Identity", Out(restore, static_cast<int>(k)));
      assigns.push_back(Assign(sp + "/AssignVariableOp", *vars[k], restored, false));
    }
    s.restore_all = NoOp(sp + "/restore_all", assigns);
    return s;
  }

  // Read + Identity of each variable, with TF's top-level names (Read_N/ReadVariableOp, Identity_N).
  std::vector<Output> ReadAll(const std::vector<Variable>& vars, std::vector<Node*> deps = {}) {
    std::vector<Output> out;
    for (const Variable& v : vars) {
      const std::string scope = g_.UniqueName("Read");
      Output r = Read(scope + "/ReadVariableOp", v, deps);
      out.push_back(Identity("Identity", r));
    }
    return out;
  }

  // Assigns computed values (validate_shape unless a dimension may change), each followed by TF's read-back.
  std::vector<Node*> AssignAll(const std::vector<Variable>& vars, const std::vector<Output>& values,
                               const std::vector<Node*>& read_deps) {
    std::vector<Node*> assigns;
    if (vars.size() != values.size()) {
      status_ = absl::InternalError(absl::StrCat("server graph: ", values.size(), " values for ", vars.size(),
                                                 " variables"));
      return assigns;
    }
    for (size_t i = 0; i < vars.size(); ++i) {
      Node* a = Assign("AssignVariableOp", vars[i], values[i], vars[i].type.shape.IsFullyDefined());
      std::vector<Node*> deps = {a};
      deps.insert(deps.end(), read_deps.begin(), read_deps.end());
      Read("ReadVariableOp", vars[i], deps);
      assigns.push_back(a);
    }
    return assigns;
  }

 private:
  Output AddExact(graph::NodeSpec spec) {
    if (!status_.ok()) return Output();
    auto node = g_.AddNode(std::move(spec));
    if (!node.ok()) {
      status_ = node.status();
      return Output();
    }
    return Output(*node, 0);
  }

  graph::Graph& g_;
  absl::Status status_;
};

std::vector<const Variable*> Ptrs(const std::vector<Variable>& a, const std::vector<Variable>& b = {}) {
  std::vector<const Variable*> out;
  for (const Variable& v : a) out.push_back(&v);
  for (const Variable& v : b) out.push_back(&v);
  return out;
}

std::vector<Node*> Assigns(const std::vector<Variable>& a, const std::vector<Variable>& b = {}) {
  std::vector<const Variable*> all = Ptrs(a, b);
  std::sort(all.begin(), all.end(), [](const Variable* x, const Variable* y) { return x->name < y->name; });
  std::vector<Node*> out;
  for (const Variable* v : all) out.push_back(v->assign);
  return out;
}

fcp::CheckpointOp SaverOp(const Savepoint& s) {
  fcp::CheckpointOp op;
  tensorflow::SaverDef* saver = op.mutable_saver_def();
  saver->set_filename_tensor_name(fl::TensorName(s.filename));
  saver->set_save_tensor_name(fl::TensorName(s.control_dependency));
  saver->set_restore_op_name(s.restore_all ? s.restore_all->name() : "");
  saver->set_max_to_keep(5);
  saver->set_keep_checkpoint_every_n_hours(10000.0f);
  saver->set_version(tensorflow::SaverDef::V1);
  return op;
}

std::vector<fl::TensorSlot> StateSlots(const std::vector<fl::StateTensor>& state) {
  std::vector<fl::TensorSlot> out;
  for (const fl::StateTensor& s : state) out.push_back(s.slot);
  return out;
}

std::vector<fl::TensorSlot> MetricSlots(const std::vector<fl::MetricSlot>& metrics) {
  std::vector<fl::TensorSlot> out;
  for (const fl::MetricSlot& m : metrics) out.push_back(fl::TensorSlot{m.path, m.type});
  return out;
}

absl::Status CheckProgram(const fl::MapReduceProgram& p) {
  if (!p.prepare || !p.zero || !p.accumulate || !p.merge || !p.report || !p.update) {
    return absl::InvalidArgumentError("the MapReduce program lacks one of its six server pieces");
  }
  auto check = [](const graph::Function& fn, size_t args, size_t returns) -> absl::Status {
    if (fn.args().size() != args || fn.returns().size() != returns) {
      return absl::InvalidArgumentError(absl::StrCat("server piece '", fn.name(), "' takes ", fn.args().size(),
                                                     " and returns ", fn.returns().size(), " tensors; expected ",
                                                     args, " and ", returns));
    }
    return absl::OkStatus();
  };
  const size_t s = p.server_state.size(), b = p.broadcast.size(), u = p.client_update.size(), m = p.metrics.size();
  TB_RETURN_IF_ERROR(check(*p.prepare, s, b));
  TB_RETURN_IF_ERROR(check(*p.zero, 0, u));
  TB_RETURN_IF_ERROR(check(*p.accumulate, 2 * u, u));
  TB_RETURN_IF_ERROR(check(*p.merge, 2 * u, u));
  TB_RETURN_IF_ERROR(check(*p.report, u, u));
  TB_RETURN_IF_ERROR(check(*p.update, s + u, s + m));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerGraph> BuildServerGraph(const fl::MapReduceProgram& program) {
  TB_RETURN_IF_ERROR(CheckProgram(program));
  ServerGraph out;
  out.graph = std::make_unique<graph::Graph>();
  graph::Graph& g = *out.graph;
  Writer w(&g);

  // Variables and savepoints, in the original's order.
  std::vector<Variable> server = w.CreateVariables("server", StateSlots(program.server_state));
  std::vector<Variable> metrics = w.CreateVariables("metrics", MetricSlots(program.metrics));
  Savepoint server_sp = w.CreateSavepoint("server_savepoint", Ptrs(server));
  Savepoint save_server_sp = w.CreateSavepoint("save_server_savepoint", Ptrs(metrics, server), server_sp.filename);
  std::vector<Variable> client = w.CreateVariables("client", program.broadcast);
  Savepoint client_sp = w.CreateSavepoint("client_savepoint", Ptrs(client));
  std::vector<fl::TensorSlot> acc_slots;
  for (const fl::TensorSlot& s : program.client_update) acc_slots.push_back(fl::TensorSlot{"0/" + s.path, s.type});
  std::vector<Variable> intermediate = w.CreateVariables("intermediate_update", acc_slots);
  Savepoint intermediate_sp = w.CreateSavepoint("intermediate_update_savepoint", Ptrs(intermediate));
  Node* secagg_before = w.NoOp("group_deps", {});
  Node* secagg_after = w.NoOp("group_deps", {});
  std::vector<Variable> aggregated = w.CreateVariables("aggregated_update", acc_slots);
  Savepoint aggregated_sp = w.CreateSavepoint("aggregated_update_savepoint", Ptrs(aggregated));
  Node* init_server = w.NoOp("initialize_server_state_and_non_state_vars", Assigns(metrics, server));
  std::vector<Variable> update = w.CreateVariables("update", program.client_update);
  Savepoint update_sp = w.CreateSavepoint("update_savepoint", Ptrs(update));
  Node* init_update = w.NoOp("initialize_update_vars", Assigns(update));
  Node* init_accumulators = w.NoOp("initialize_accumulator_vars", Assigns(aggregated, intermediate));
  TB_RETURN_IF_ERROR(w.status());

  graph::Builder b(&g);
  // zero: both accumulators start from zero (phase_init_op).
  fl::Instantiated zero = fl::Instantiate(b.WithScope("zero"), *program.zero, {}, {init_accumulators});
  TB_RETURN_IF_ERROR(b.status());
  std::vector<Node*> zero_assigns = w.AssignAll(intermediate, zero.outputs, {init_accumulators});
  for (Node* n : w.AssignAll(aggregated, zero.outputs, {init_accumulators})) zero_assigns.push_back(n);

  // prepare: server state -> the client checkpoint's variables (write_client_init).
  Node* init_client = w.NoOp("initialize_client_vars_on_server", Assigns(client));
  Output token_input = w.Const("write_client_session_token/input", tf::Tensor::StringScalar(""), {init_client});
  Output token = w.Out(w.Add("write_client_session_token", "PlaceholderWithDefault", {token_input},
                             {{"dtype", graph::AttrType(tf::DType::kString)},
                              {"shape", graph::AttrShape(graph::PartialShape::Scalar())}}));
  std::vector<Output> state_for_prepare = w.ReadAll(server, {init_client});
  TB_RETURN_IF_ERROR(w.status());
  fl::Instantiated prepare = fl::Instantiate(b.WithScope("prepare"), *program.prepare, state_for_prepare, {init_client});
  TB_RETURN_IF_ERROR(b.status());
  std::vector<Node*> client_assigns = w.AssignAll(client, prepare.outputs, {init_client});
  Node* write_client_init = w.NoOp("group_deps", client_assigns);

  // accumulate: intermediate += one client's update (aggregate_into_accumulators_op).
  std::vector<Output> acc_args = w.ReadAll(intermediate);
  for (const Output& o : w.ReadAll(update)) acc_args.push_back(o);
  TB_RETURN_IF_ERROR(w.status());
  fl::Instantiated accumulate = fl::Instantiate(b.WithScope("accumulate"), *program.accumulate, acc_args);
  TB_RETURN_IF_ERROR(b.status());
  Node* aggregate_op = w.NoOp("group_deps", w.AssignAll(intermediate, accumulate.outputs, {}));
  Node* init = w.NoOp("init", {});
  zero_assigns.push_back(init);
  Node* phase_init = w.NoOp("group_deps", zero_assigns);

  // merge: aggregated += an intermediate checkpoint (intermediate_aggregate_into_accumulators_op).
  std::vector<Output> merge_args = w.ReadAll(aggregated);
  for (const Output& o : w.ReadAll(intermediate)) merge_args.push_back(o);
  TB_RETURN_IF_ERROR(w.status());
  fl::Instantiated merge = fl::Instantiate(b.WithScope("merge"), *program.merge, merge_args);
  TB_RETURN_IF_ERROR(b.status());
  Node* merge_op = w.NoOp("group_deps", w.AssignAll(aggregated, merge.outputs, {}));

  // report + update: the new server state and the metrics (apply_aggregrated_updates_op).
  fl::Instantiated report = fl::Instantiate(b.WithScope("report"), *program.report, w.ReadAll(aggregated));
  TB_RETURN_IF_ERROR(b.status());
  std::vector<Output> update_args = w.ReadAll(server);
  for (const Output& o : report.outputs) update_args.push_back(o);
  TB_RETURN_IF_ERROR(w.status());
  fl::Instantiated next = fl::Instantiate(b.WithScope("update_1"), *program.update, update_args);
  TB_RETURN_IF_ERROR(b.status());
  const size_t ns = server.size();
  std::vector<Output> new_state(next.outputs.begin(), next.outputs.begin() + static_cast<std::ptrdiff_t>(ns));
  std::vector<Output> metric_values(next.outputs.begin() + static_cast<std::ptrdiff_t>(ns), next.outputs.end());
  std::vector<Node*> apply = w.AssignAll(server, new_state, {});
  for (Node* n : w.AssignAll(metrics, metric_values, {})) apply.push_back(n);
  for (Node* n : next.control) apply.push_back(n);
  Node* apply_op = w.NoOp("group_deps", apply);
  std::vector<Output> metric_reads = w.ReadAll(metrics);
  TB_RETURN_IF_ERROR(w.status());

  // The Plan's references into the graph.
  out.server_savepoint = SaverOp(server_sp);
  out.server_savepoint.mutable_saver_def()->set_save_tensor_name(fl::TensorName(save_server_sp.control_dependency));
  out.server_savepoint.set_before_restore_op(init_server->name());
  fcp::ServerPhase& phase = out.server_phase;
  phase.set_phase_init_op(phase_init->name());
  *phase.mutable_write_client_init() = SaverOp(client_sp);
  phase.mutable_write_client_init()->set_before_save_op(write_client_init->name());
  phase.mutable_write_client_init()->set_session_token_tensor_name(fl::TensorName(token));
  *phase.mutable_read_update() = SaverOp(update_sp);
  phase.mutable_read_update()->set_before_restore_op(init_update->name());
  phase.set_aggregate_into_accumulators_op(aggregate_op->name());
  phase.set_apply_aggregrated_updates_op(apply_op->name());
  for (size_t i = 0; i < program.metrics.size(); ++i) {
    fcp::Metric* m = phase.add_metrics();
    m->set_variable_name(fl::TensorName(metric_reads[i]));
    m->set_stat_name(absl::StrCat("server/", program.metrics[i].path));
  }
  *phase.mutable_write_intermediate_update() = SaverOp(intermediate_sp);
  *phase.mutable_read_intermediate_update() = SaverOp(intermediate_sp);
  phase.mutable_read_aggregated_update()->set_before_restore_op(secagg_before->name());
  phase.mutable_read_aggregated_update()->set_after_restore_op(secagg_after->name());
  phase.set_intermediate_aggregate_into_accumulators_op(merge_op->name());
  *phase.mutable_write_accumulators() = SaverOp(aggregated_sp);
  return out;
}

}  // namespace tb::plan
