#include "runtime/tflite/builtin_context.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {

fb::TensorType BuiltinContext::output_type(int i) const {
  const fb::SubGraph& sg = model_.subgraph(subgraph_);
  return sg.tensors()->Get(op_.outputs()->Get(i))->type();
}

tf::DType BuiltinContext::output_dtype(int i) const {
  return ::tb::tflite::DTypeFromTensorType(output_type(i)).value_or(tf::DType::kInvalid);
}

absl::Status BuiltinContext::Error(std::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Describe(), ": ", ToAbsl(message)));
}

absl::Status BuiltinContext::Annotate(const absl::Status& status) const { return tb::Annotate(status, Describe()); }

absl::Status BuiltinContext::CheckInputs(int min, int max) const {
  if (num_inputs() < min || num_inputs() > max) {
    return Error(min == max ? absl::StrCat("expects ", min, " inputs, has ", num_inputs())
                            : absl::StrCat("expects ", min, " to ", max, " inputs, has ", num_inputs()));
  }
  for (int i = 0; i < min; ++i) {
    if (!has_input(i)) return Error(absl::StrCat("required input ", i, " is omitted (-1)"));
  }
  return absl::OkStatus();
}

absl::Status BuiltinContext::CheckOutputs(int n) const {
  if (num_outputs() != n) return Error(absl::StrCat("expects ", n, " outputs, has ", num_outputs()));
  return absl::OkStatus();
}

namespace {

// Fills the type attrs a TF op derives from its inputs (T, Tidx, N, Tlist, ...) that `attrs` does not set, so the
// kernel and the registry's output check see a complete node. Variadic args take what the fixed args leave.
graph::AttrMap CompleteTypeAttrs(std::string_view op, graph::AttrMap attrs, const std::vector<tf::Tensor>& inputs) {
  const graph::OpRegistration* reg = graph::OpRegistry::Global().Find(op);
  if (reg == nullptr) return attrs;
  const auto& args = reg->def.input_arg();
  int fixed = 0;
  for (const auto& a : args) {
    if (a.number_attr().empty() && a.type_list_attr().empty()) ++fixed;
  }
  const int variadic_total = static_cast<int>(inputs.size()) - fixed;
  size_t at = 0;
  for (const auto& a : args) {
    if (at >= inputs.size()) break;
    int count = 1;
    if (!a.number_attr().empty()) {
      auto it = attrs.find(a.number_attr());
      count = it != attrs.end() ? static_cast<int>(it->second.i()) : variadic_total;
      if (it == attrs.end()) attrs[a.number_attr()] = graph::AttrInt(count);
    } else if (!a.type_list_attr().empty()) {
      auto it = attrs.find(a.type_list_attr());
      if (it != attrs.end()) {
        count = it->second.list().type_size();
      } else {
        count = variadic_total;
        std::vector<tf::DType> types;
        for (int k = 0; k < count && at + k < inputs.size(); ++k) types.push_back(inputs[at + k].dtype());
        attrs[a.type_list_attr()] = graph::AttrTypeList(types);
      }
    }
    if (!a.type_attr().empty() && count > 0 && !attrs.count(a.type_attr())) {
      attrs[a.type_attr()] = graph::AttrType(inputs[at].dtype());
    }
    at += count < 0 ? 0 : count;
  }
  return attrs;
}

}  // namespace

absl::StatusOr<std::vector<tf::Tensor>> BuiltinContext::RunTf(std::string_view op, const graph::AttrMap& given,
                                                               std::vector<tf::Tensor> inputs) const {
  const graph::AttrMap attrs = CompleteTypeAttrs(op, given, inputs);
  auto out = RunKernel(op, Describe(), graph::AttrView(attrs), inputs, env_);
  if (!out.ok()) return absl::Status(out.status().code(), absl::StrCat(Describe(), ": ", out.status().message()));
  return out;
}

absl::StatusOr<tf::Tensor> BuiltinContext::RunTf1(std::string_view op, const graph::AttrMap& attrs,
                                                  std::vector<tf::Tensor> inputs) const {
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> out, RunTf(op, attrs, std::move(inputs)));
  if (out.empty()) return Error(absl::StrCat("kernel ", ToAbsl(op), " produced no output"));
  return std::move(out[0]);
}

namespace {

// Index of the first element outside [lo, hi] (NaN is inside: TFLite's min/max clamp passes it through), or
// size. Blocks without an early exit inside, so the compare loop vectorizes; every float output of an arithmetic
// builtin goes through this.
template <typename T>
size_t FirstOutside(absl::Span<const T> v, T lo, T hi) {
  constexpr size_t kBlock = 512;
  for (size_t i = 0; i < v.size(); i += kBlock) {
    const size_t end = std::min(v.size(), i + kBlock);
    bool outside = false;
    for (size_t j = i; j < end; ++j) outside |= (v[j] < lo) | (v[j] > hi);
    if (!outside) continue;
    for (size_t j = i; j < end; ++j) {
      if (v[j] < lo || v[j] > hi) return j;
    }
  }
  return v.size();
}

// The fused activation: values clamped to [lo, hi] (or tanh). `t` is returned as is when nothing changes;
// otherwise the result is a new tensor (inputs may share `t`'s storage), written in one pass.
template <typename T>
tf::Tensor ClampOrMap(tf::Tensor t, T lo, T hi, bool tanh_map) {
  auto in = static_cast<const tf::Tensor&>(t).flat<T>();
  const size_t first = tanh_map ? 0 : FirstOutside(in, lo, hi);
  if (first == in.size()) return t;
  auto created = tf::Tensor::CreateUninitialized(t.dtype(), t.shape());  // same shape as a valid tensor: cannot fail
  if (!created.ok()) return t;
  tf::Tensor out = std::move(*created);
  auto o = out.flat<T>();
  std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(first), o.begin());
  for (size_t i = first; i < in.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (tanh_map) {
        o[i] = std::tanh(in[i]);
        continue;
      }
    }
    const T v = in[i];
    o[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

template <typename T>
absl::StatusOr<tf::Tensor> Activate(const BuiltinContext& ctx, tf::Tensor t, fb::ActivationFunctionType act) {
  constexpr T kLowest = std::numeric_limits<T>::lowest();
  constexpr T kMax = std::numeric_limits<T>::max();
  switch (act) {
    case fb::ActivationFunctionType::NONE:
      if constexpr (std::is_floating_point_v<T>) return ClampOrMap<T>(std::move(t), kLowest, kMax, false);
      return t;
    case fb::ActivationFunctionType::RELU: return ClampOrMap<T>(std::move(t), T(0), kMax, false);
    case fb::ActivationFunctionType::RELU_N1_TO_1: return ClampOrMap<T>(std::move(t), T(-1), T(1), false);
    case fb::ActivationFunctionType::RELU6: return ClampOrMap<T>(std::move(t), T(0), T(6), false);
    case fb::ActivationFunctionType::TANH:
      if constexpr (std::is_floating_point_v<T>) return ClampOrMap<T>(std::move(t), kLowest, kMax, true);
      return ctx.Error("TANH activation on an integer tensor");
    default:
      return ctx.Error(absl::StrCat("unsupported fused activation ", static_cast<int>(act)));
  }
}

}  // namespace

absl::StatusOr<tf::Tensor> ApplyActivation(const BuiltinContext& ctx, tf::Tensor t, fb::ActivationFunctionType act) {
  switch (t.dtype()) {
    case tf::DType::kFloat: return Activate<float>(ctx, std::move(t), act);
    case tf::DType::kDouble: return Activate<double>(ctx, std::move(t), act);
    case tf::DType::kInt32: return Activate<int32_t>(ctx, std::move(t), act);
    case tf::DType::kInt64: return Activate<int64_t>(ctx, std::move(t), act);
    default:
      if (act == fb::ActivationFunctionType::NONE) return t;
      return ctx.Error(absl::StrCat("fused activation on a ", t.DebugType(), " tensor"));
  }
}

std::vector<int32_t> BuiltinTable::Codes() const {
  std::vector<int32_t> codes;
  for (int i = 0; i < kMaxCode; ++i) {
    if (fns_[i] != nullptr) codes.push_back(i);
  }
  return codes;
}

const BuiltinTable& BuiltinTable::Get() {
  static const BuiltinTable* table = [] {
    auto* t = new BuiltinTable();
    RegisterElementwiseBuiltins(*t);
    RegisterUnaryBuiltins(*t);
    RegisterReductionBuiltins(*t);
    RegisterMatmulBuiltins(*t);
    RegisterConvBuiltins(*t);
    RegisterShapeBuiltins(*t);
    RegisterSliceBuiltins(*t);
    RegisterSelectBuiltins(*t);
    return t;
  }();
  return *table;
}

}  // namespace tb::runtime::tflite
