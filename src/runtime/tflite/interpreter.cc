#include "runtime/tflite/interpreter.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <cstring>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"
#include "tflite/flex_payload.h"

namespace tb::runtime::tflite {

namespace fb = ::tb::tflite::fb;
using ::tb::tflite::Model;

struct Interpreter::PreparedOp {
  enum class Kind { kBuiltin, kFlex, kIf, kWhile };
  Kind kind = Kind::kBuiltin;
  BuiltinFn builtin = nullptr;
  std::string name;                 // builtin name or TF op name, for profiles and messages
  tensorflow::NodeDef node_def;     // Flex only
  std::string node_name;            // the first output tensor's name (Flex NodeDefs carry none)
  int sub_a = -1, sub_b = -1;       // IF: then/else; WHILE: cond/body
};

struct Interpreter::PreparedSubgraph {
  std::vector<PreparedOp> ops;
  std::vector<tf::Tensor> constants;  // invalid for tensors without data
  std::vector<tf::DType> dtypes;      // declared; kInvalid when the runtime cannot hold the type
  std::vector<int> last_use;          // last operator reading each tensor (-1: none); outputs never released
};

namespace {

absl::StatusOr<tf::Tensor> DecodeConstant(const fb::Tensor& t, std::string_view data, tf::DType dtype) {
  tf::Shape shape;
  if (t.shape() != nullptr) shape.assign(t.shape()->begin(), t.shape()->end());
  if (dtype == tf::DType::kString) {
    TB_ASSIGN_OR_RETURN(std::vector<std::string> values, ::tb::tflite::DecodeStringBuffer(data));
    TB_ASSIGN_OR_RETURN(tf::Tensor out, tf::Tensor::Create(dtype, shape));
    auto flat = out.flat<std::string>();
    for (size_t i = 0; i < values.size() && i < flat.size(); ++i) flat[i] = std::move(values[i]);
    return out;
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, tf::Tensor::Create(dtype, shape));
  if (out.byte_size() != data.size()) return absl::InvalidArgumentError("constant size mismatch");
  if (!data.empty()) std::memcpy(out.mutable_bytes(), data.data(), data.size());
  return out;
}

bool IsHandle(tf::DType d) { return d == tf::DType::kVariant || d == tf::DType::kResource; }

bool AllFinite(const tf::Tensor& t) {
  if (t.dtype() == tf::DType::kFloat) {
    for (float v : t.flat<float>()) {
      if (!std::isfinite(v)) return false;
    }
  } else if (t.dtype() == tf::DType::kDouble) {
    for (double v : t.flat<double>()) {
      if (!std::isfinite(v)) return false;
    }
  }
  return true;
}

}  // namespace

Interpreter::Interpreter(std::shared_ptr<const Model> model, InterpreterOptions options)
    : model_(std::move(model)), options_(options) {}

Interpreter::~Interpreter() = default;

absl::StatusOr<std::unique_ptr<Interpreter>> Interpreter::Create(std::shared_ptr<const Model> model,
                                                                 InterpreterOptions options) {
  std::unique_ptr<Interpreter> interp(new Interpreter(std::move(model), options));
  TB_RETURN_IF_ERROR(interp->Prepare());
  return interp;
}

void Interpreter::set_env(const KernelEnv& env) {
  env_ = env;
  env_.functions = this;
}

absl::Status Interpreter::Prepare() {
  const Model& m = *model_;
  subgraphs_.resize(m.num_subgraphs());
  for (int s = 0; s < m.num_subgraphs(); ++s) {
    const std::string name = m.SubgraphName(s);
    if (!name.empty()) by_name_.emplace(name, s);  // first wins, as a lookup by name would find
  }
  for (int s = 0; s < m.num_subgraphs(); ++s) {
    const fb::SubGraph& sg = m.subgraph(s);
    PreparedSubgraph& p = subgraphs_[s];
    const int n = static_cast<int>(sg.tensors()->size());
    p.constants.resize(n);
    p.dtypes.resize(n, tf::DType::kInvalid);
    p.last_use.assign(n, -1);
    for (int t = 0; t < n; ++t) {
      const fb::Tensor& tensor = *sg.tensors()->Get(t);
      std::optional<tf::DType> dtype = ::tb::tflite::DTypeFromTensorType(tensor.type());
      if (dtype.has_value()) p.dtypes[t] = *dtype;
      std::optional<std::string_view> data = m.ConstantData(tensor);
      if (!data.has_value()) continue;
      if (!dtype.has_value()) {
        return absl::UnimplementedError(absl::StrCat("TFLite subgraph ", s, " tensor ", t, " (", m.TensorName(s, t),
                                                     "): constants of type ",
                                                     ::tb::tflite::TensorTypeName(tensor.type()),
                                                     " are not supported"));
      }
      auto value = DecodeConstant(tensor, *data, *dtype);
      if (!value.ok()) {
        return Annotate(value.status(), absl::StrCat("TFLite subgraph ", s, " tensor ", t, " (", m.TensorName(s, t), ")"));
      }
      p.constants[t] = std::move(*value);
    }
    p.ops.resize(sg.operators()->size());
    for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
      const fb::Operator& op = *sg.operators()->Get(i);
      for (int32_t t : *op.inputs()) {
        if (t >= 0) p.last_use[t] = static_cast<int>(i);
      }
      TB_RETURN_IF_ERROR(PrepareOp(s, static_cast<int>(i), p.ops[i]));
    }
    if (sg.outputs() != nullptr) {
      for (int32_t t : *sg.outputs()) p.last_use[t] = std::numeric_limits<int>::max();
    }
  }
  return absl::OkStatus();
}

absl::Status Interpreter::PrepareOp(int s, int index, PreparedOp& p) {
  const Model& m = *model_;
  const fb::Operator& op = *m.subgraph(s).operators()->Get(index);
  const int32_t code = m.OpCode(op);
  const std::string where = m.DescribeOperator(s, index);
  auto check_index = [&](int sub, const char* what) -> absl::Status {
    if (sub < 0 || sub >= m.num_subgraphs()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", what, " subgraph index ", sub, " is out of range"));
    }
    return absl::OkStatus();
  };
  p.node_name = op.outputs()->size() > 0 ? m.TensorName(s, op.outputs()->Get(0)) : absl::StrCat("op", index);
  if (code == static_cast<int32_t>(fb::BuiltinOperator::IF)) {
    const auto* o = op.builtin_options_as<fb::IfOptions>();
    if (o == nullptr) return absl::InvalidArgumentError(absl::StrCat(where, ": IF needs IfOptions"));
    TB_RETURN_IF_ERROR(check_index(o->then_subgraph_index(), "then"));
    TB_RETURN_IF_ERROR(check_index(o->else_subgraph_index(), "else"));
    for (int branch : {o->then_subgraph_index(), o->else_subgraph_index()}) {
      const fb::SubGraph& b = m.subgraph(branch);
      const size_t in = b.inputs() ? b.inputs()->size() : 0, out = b.outputs() ? b.outputs()->size() : 0;
      if (in + 1 != op.inputs()->size() || out != op.outputs()->size()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": branch subgraph ", branch, " takes ", in,
                                                       " inputs and returns ", out, ", IF passes ",
                                                       op.inputs()->size() - 1, " and expects ", op.outputs()->size()));
      }
    }
    p.kind = PreparedOp::Kind::kIf;
    p.name = "IF";
    p.sub_a = o->then_subgraph_index();
    p.sub_b = o->else_subgraph_index();
    return absl::OkStatus();
  }
  if (code == static_cast<int32_t>(fb::BuiltinOperator::WHILE)) {
    const auto* o = op.builtin_options_as<fb::WhileOptions>();
    if (o == nullptr) return absl::InvalidArgumentError(absl::StrCat(where, ": WHILE needs WhileOptions"));
    TB_RETURN_IF_ERROR(check_index(o->cond_subgraph_index(), "cond"));
    TB_RETURN_IF_ERROR(check_index(o->body_subgraph_index(), "body"));
    if (o->cond_subgraph_index() == o->body_subgraph_index()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": WHILE cond and body are the same subgraph"));
    }
    const fb::SubGraph& cond = m.subgraph(o->cond_subgraph_index());
    const fb::SubGraph& body = m.subgraph(o->body_subgraph_index());
    const size_t n = op.inputs()->size();
    auto count = [](const flatbuffers::Vector<int32_t>* v) { return v ? v->size() : 0u; };
    if (op.outputs()->size() != n || count(cond.inputs()) != n || count(cond.outputs()) != 1 ||
        count(body.inputs()) != n || count(body.outputs()) != n) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": WHILE with ", n, " loop variables needs a cond with ", n,
                                                     " inputs and 1 output and a body with ", n, " inputs and outputs"));
    }
    p.kind = PreparedOp::Kind::kWhile;
    p.name = "WHILE";
    p.sub_a = o->cond_subgraph_index();
    p.sub_b = o->body_subgraph_index();
    return absl::OkStatus();
  }
  if (code == static_cast<int32_t>(fb::BuiltinOperator::CUSTOM)) {
    const std::string_view custom = m.CustomCode(op);
    const std::string_view tf_op = ::tb::tflite::FlexOpFromCustomCode(custom);
    if (tf_op.empty()) {
      return absl::UnimplementedError(absl::StrCat(where, ": Encountered unresolved custom op: ", ToAbsl(custom)));
    }
    auto payload = ::tb::tflite::DecodeFlexPayload(m.CustomOptions(op));
    if (!payload.ok()) return Annotate(payload.status(), where);
    if (!p.node_def.ParseFromString(payload->node_def)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": the Flex NodeDef does not parse"));
    }
    if (p.node_def.op().empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": Invalid NodeDef in Flex op"));
    if (payload->op != tf_op || p.node_def.op() != tf_op) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": custom code '", ToAbsl(custom), "', payload op '",
                                                     payload->op, "' and NodeDef op '", p.node_def.op(),
                                                     "' disagree"));
    }
    if (KernelRegistry::Global().Find(tf_op) == nullptr) {
      return absl::UnimplementedError(absl::StrCat(where, ": Op type not registered '", ToAbsl(tf_op),
                                                   "' (no kernel in this runtime)"));
    }
    for (const auto& [attr, value] : p.node_def.attr()) {
      if (value.has_func() && !by_name_.count(value.func().name())) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": attr '", attr, "' names function '",
                                                       value.func().name(), "', which is no subgraph"));
      }
    }
    p.kind = PreparedOp::Kind::kFlex;
    p.name = std::string(tf_op);
    return absl::OkStatus();
  }
  BuiltinFn fn = BuiltinTable::Get().Find(code);
  if (fn == nullptr) {
    return absl::UnimplementedError(absl::StrCat(where, ": builtin ", ::tb::tflite::BuiltinName(code), " (version ",
                                                 m.OpVersion(op), ") is not supported by this runtime"));
  }
  if (op.custom_options() != nullptr && op.custom_options()->size() > 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": builtin operator with custom options"));
  }
  p.kind = PreparedOp::Kind::kBuiltin;
  p.builtin = fn;
  p.name = ::tb::tflite::BuiltinName(code);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<tf::Tensor>> Interpreter::Invoke(int s, std::vector<tf::Tensor> inputs) {
  if (s < 0 || s >= static_cast<int>(subgraphs_.size())) {
    return absl::InvalidArgumentError(absl::StrCat("no subgraph ", s));
  }
  if (depth_ >= options_.max_call_depth) {
    return absl::ResourceExhaustedError(absl::StrCat("subgraph calls nest deeper than ", options_.max_call_depth));
  }
  const Model& m = *model_;
  const fb::SubGraph& sg = m.subgraph(s);
  const PreparedSubgraph& p = subgraphs_[s];
  const size_t num_inputs = sg.inputs() ? sg.inputs()->size() : 0;
  if (inputs.size() != num_inputs) {
    return absl::InvalidArgumentError(absl::StrCat("subgraph ", s, " (", m.SubgraphName(s), ") takes ", num_inputs,
                                                   " inputs, got ", inputs.size()));
  }
  std::vector<tf::Tensor> values(p.constants.size());
  for (size_t i = 0; i < num_inputs; ++i) {
    const int32_t t = sg.inputs()->Get(i);
    const tf::DType want = p.dtypes[t];
    if (want != tf::DType::kInvalid && inputs[i].dtype() != want && !(IsHandle(want) && IsHandle(inputs[i].dtype()))) {
      return absl::InvalidArgumentError(absl::StrCat("subgraph ", s, " (", m.SubgraphName(s), ") input ", i, " '",
                                                     m.TensorName(s, t), "' is ", ToAbsl(tf::DTypeName(want)), ", got ",
                                                     inputs[i].DebugType()));
    }
    values[t] = std::move(inputs[i]);
  }
  ++depth_;
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{depth_};

  std::vector<const tf::Tensor*> in;
  std::vector<tf::Tensor> out;
  for (size_t i = 0; i < p.ops.size(); ++i) {
    const fb::Operator& op = *sg.operators()->Get(i);
    in.clear();
    for (int32_t t : *op.inputs()) {
      if (t < 0) {
        in.push_back(nullptr);
        continue;
      }
      const tf::Tensor* v = values[t].valid() ? &values[t] : p.constants[t].valid() ? &p.constants[t] : nullptr;
      if (v == nullptr) {
        return absl::InternalError(absl::StrCat(m.DescribeOperator(s, static_cast<int>(i)), ": input tensor ", t, " '",
                                                m.TensorName(s, t), "' has no value"));
      }
      in.push_back(v);
    }
    out.assign(op.outputs()->size(), tf::Tensor());
    const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    TB_RETURN_IF_ERROR(RunOp(s, static_cast<int>(i), p.ops[i], in, out));
    if (profiling_) {
      OpProfile& prof = profile_[p.ops[i].name];
      ++prof.calls;
      prof.nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    }
    for (uint32_t k = 0; k < op.outputs()->size(); ++k) {
      const int32_t t = op.outputs()->Get(k);
      if (!out[k].valid()) {
        return absl::InternalError(absl::StrCat(m.DescribeOperator(s, static_cast<int>(i)), ": output ", k,
                                                " was not produced"));
      }
      const tf::DType want = p.dtypes[t];
      if (want != tf::DType::kInvalid && out[k].dtype() != want && !(IsHandle(want) && IsHandle(out[k].dtype()))) {
        return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, static_cast<int>(i)), ": output ", k, " '",
                                                       m.TensorName(s, t), "' is declared ",
                                                       ToAbsl(tf::DTypeName(want)), " but the op produced ",
                                                       out[k].DebugType()));
      }
      if (watch_nonfinite_ && !first_nonfinite_.has_value() && !AllFinite(out[k])) {
        first_nonfinite_ = absl::StrCat(m.DescribeOperator(s, static_cast<int>(i)), ", output ", k, " '",
                                        m.TensorName(s, t), "'");
      }
      values[t] = std::move(out[k]);
    }
    // Release what no later operator reads, so large intermediates do not pile up.
    for (int32_t t : *op.inputs()) {
      if (t >= 0 && p.last_use[t] == static_cast<int>(i)) values[t] = tf::Tensor();
    }
  }
  std::vector<tf::Tensor> results;
  if (sg.outputs() != nullptr) {
    for (int32_t t : *sg.outputs()) {
      const tf::Tensor& v = values[t].valid() ? values[t] : p.constants[t];
      if (!v.valid()) {
        return absl::InternalError(absl::StrCat("subgraph ", s, " (", m.SubgraphName(s), ") output '",
                                                m.TensorName(s, t), "' has no value"));
      }
      results.push_back(v);
    }
  }
  return results;
}

absl::Status Interpreter::RunOp(int s, int index, const PreparedOp& p, const std::vector<const tf::Tensor*>& inputs,
                                std::vector<tf::Tensor>& outputs) {
  const Model& m = *model_;
  const fb::Operator& op = *m.subgraph(s).operators()->Get(index);
  switch (p.kind) {
    case PreparedOp::Kind::kBuiltin: {
      BuiltinContext ctx(m, s, index, op, inputs, outputs, &env_);
      return p.builtin(ctx);
    }
    case PreparedOp::Kind::kFlex: {
      std::vector<tf::Tensor> args;
      args.reserve(inputs.size());
      for (const tf::Tensor* t : inputs) {
        if (t == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, index), ": Flex ops take no omitted inputs"));
        }
        args.push_back(*t);
      }
      auto result = RunKernel(p.name, p.node_name, graph::AttrView(p.node_def.attr()), args, &env_);
      if (!result.ok()) return Annotate(result.status(), m.DescribeOperator(s, index));
      if (result->size() != outputs.size()) {
        return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, index), ": Unexpected number of outputs: ",
                                                       p.name, " produced ", result->size(), ", the operator has ",
                                                       outputs.size()));
      }
      for (size_t k = 0; k < outputs.size(); ++k) outputs[k] = std::move((*result)[k]);
      return absl::OkStatus();
    }
    case PreparedOp::Kind::kIf: {
      const tf::Tensor* cond = inputs.empty() ? nullptr : inputs[0];
      if (cond == nullptr || cond->dtype() != tf::DType::kBool || cond->num_elements() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, index),
                                                       ": IF condition must be one bool, got ",
                                                       cond ? cond->DebugType() : std::string("nothing")));
      }
      std::vector<tf::Tensor> args;
      for (size_t k = 1; k < inputs.size(); ++k) {
        if (inputs[k] == nullptr) return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, index), ": omitted IF operand"));
        args.push_back(*inputs[k]);
      }
      const int branch = cond->flat<bool>()[0] ? p.sub_a : p.sub_b;
      auto result = Invoke(branch, std::move(args));
      if (!result.ok()) return Annotate(result.status(), absl::StrCat(m.DescribeOperator(s, index), " -> branch"));
      for (size_t k = 0; k < outputs.size(); ++k) outputs[k] = std::move((*result)[k]);
      return absl::OkStatus();
    }
    case PreparedOp::Kind::kWhile: {
      std::vector<tf::Tensor> vars;
      for (const tf::Tensor* t : inputs) {
        if (t == nullptr) return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, index), ": omitted WHILE operand"));
        vars.push_back(*t);
      }
      for (int64_t iteration = 0;; ++iteration) {
        if (iteration > env_.max_loop_iterations) {
          return absl::ResourceExhaustedError(absl::StrCat(m.DescribeOperator(s, index), ": more than ",
                                                           env_.max_loop_iterations, " iterations"));
        }
        auto c = Invoke(p.sub_a, vars);
        if (!c.ok()) return Annotate(c.status(), absl::StrCat(m.DescribeOperator(s, index), " -> cond"));
        const tf::Tensor& flag = (*c)[0];
        if (flag.dtype() != tf::DType::kBool || flag.num_elements() != 1) {
          return absl::InvalidArgumentError(absl::StrCat(m.DescribeOperator(s, index), ": cond returned ",
                                                         flag.DebugType(), ", expected one bool"));
        }
        if (!flag.flat<bool>()[0]) break;
        auto next = Invoke(p.sub_b, std::move(vars));
        if (!next.ok()) {
          return Annotate(next.status(), absl::StrCat(m.DescribeOperator(s, index), " -> body, iteration ", iteration));
        }
        vars = std::move(*next);
      }
      for (size_t k = 0; k < outputs.size(); ++k) outputs[k] = std::move(vars[k]);
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown operator kind");
}

absl::StatusOr<std::vector<tf::Tensor>> Interpreter::InvokeMain(const std::map<std::string, tf::Tensor>& named) {
  const Model& m = *model_;
  const fb::SubGraph& main = m.subgraph(0);
  std::vector<tf::Tensor> inputs;
  std::set<std::string> used;
  if (main.inputs() != nullptr) {
    for (int32_t t : *main.inputs()) {
      const std::string name = m.TensorName(0, t);
      auto it = named.find(name);
      if (it == named.end()) return absl::InvalidArgumentError(absl::StrCat("no value given for main input '", name, "'"));
      inputs.push_back(it->second);
      used.insert(name);
    }
  }
  for (const auto& [name, value] : named) {
    if (!used.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("Unexpected input tensor '", name, "': the program's main inputs "
                                                     "do not include it"));
    }
  }
  return Invoke(0, std::move(inputs));
}

absl::StatusOr<std::vector<tf::Tensor>> Interpreter::RunFunction(const tensorflow::NameAttrList& fn,
                                                                 std::vector<tf::Tensor> args) {
  auto it = by_name_.find(fn.name());
  if (it == by_name_.end()) return absl::NotFoundError(absl::StrCat("no subgraph named '", fn.name(), "'"));
  auto result = Invoke(it->second, std::move(args));
  if (!result.ok()) return Annotate(result.status(), absl::StrCat("in subgraph '", fn.name(), "'"));
  return result;
}

}  // namespace tb::runtime::tflite
