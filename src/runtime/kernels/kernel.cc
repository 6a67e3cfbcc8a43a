#include "runtime/kernels/kernel.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_def_util.h"
#include "graph/op_registry.h"

namespace tb::runtime {

KernelContext::KernelContext(std::string_view op, std::string_view node_name, graph::AttrView attrs,
                             absl::Span<const tf::Tensor> inputs, KernelEnv* env)
    : op_(op),
      node_name_(node_name),
      attrs_(attrs),
      inputs_(inputs),
      env_(env),
      reg_(graph::OpRegistry::Global().Find(op)) {}

graph::AttrView KernelContext::attrs() const { return attrs_.WithDefaults(reg_ ? &reg_->def : nullptr); }

const tensorflow::AttrValue* KernelContext::FindAttr(std::string_view name) const {
  return attrs().Find(name);
}

#define TB_KERNEL_ATTR_GETTER(Type, Name, Fn)                                        \
  absl::StatusOr<Type> KernelContext::Name(std::string_view name) const {           \
    const tensorflow::AttrValue* v = FindAttr(name);                                \
    if (v == nullptr) return Error(absl::StrCat("missing attr '", ToAbsl(name), "'")); \
    auto r = graph::Fn(*v, name);                                                  \
    if (!r.ok()) return Annotate(r.status());                                      \
    return r;                                                                      \
  }
TB_KERNEL_ATTR_GETTER(int64_t, GetInt, AttrAsInt)
TB_KERNEL_ATTR_GETTER(float, GetFloat, AttrAsFloat)
TB_KERNEL_ATTR_GETTER(bool, GetBool, AttrAsBool)
TB_KERNEL_ATTR_GETTER(std::string, GetString, AttrAsString)
TB_KERNEL_ATTR_GETTER(tf::DType, GetType, AttrAsType)
TB_KERNEL_ATTR_GETTER(graph::PartialShape, GetShape, AttrAsShape)
TB_KERNEL_ATTR_GETTER(std::vector<int64_t>, GetIntList, AttrAsIntList)
TB_KERNEL_ATTR_GETTER(std::vector<tf::DType>, GetTypeList, AttrAsTypeList)
TB_KERNEL_ATTR_GETTER(std::vector<graph::PartialShape>, GetShapeList, AttrAsShapeList)
TB_KERNEL_ATTR_GETTER(tf::Tensor, GetTensor, AttrAsTensor)
TB_KERNEL_ATTR_GETTER(tensorflow::NameAttrList, GetFunc, AttrAsFunc)
#undef TB_KERNEL_ATTR_GETTER

absl::Status KernelContext::Error(std::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(op_, " node '", node_name_, "': ", ToAbsl(message)));
}

absl::Status KernelContext::Annotate(const absl::Status& status) const {
  return tb::Annotate(status, absl::StrCat(op_, " node '", node_name_, "'"));
}

absl::Status KernelContext::CheckNumInputs(int n) const {
  if (num_inputs() != n) return Error(absl::StrCat("expects ", n, " inputs, got ", num_inputs()));
  for (int i = 0; i < n; ++i) {
    if (!inputs_[i].valid()) return Error(absl::StrCat("input ", i, " is not a valid tensor"));
  }
  return absl::OkStatus();
}

absl::Status KernelContext::CheckDType(int input, tf::DType want) const {
  if (inputs_[input].dtype() != want) {
    return Error(absl::StrCat("input ", input, " must be ", ToAbsl(tf::DTypeName(want)), ", got ",
                              inputs_[input].DebugType()));
  }
  return absl::OkStatus();
}

absl::Status KernelContext::CheckSameDType(int a, int b) const {
  if (inputs_[a].dtype() != inputs_[b].dtype()) {
    return Error(absl::StrCat("inputs ", a, " and ", b, " must have the same dtype, got ", inputs_[a].DebugType(),
                              " and ", inputs_[b].DebugType()));
  }
  return absl::OkStatus();
}

absl::Status KernelContext::CheckRank(int input, int rank) const {
  if (inputs_[input].rank() != rank) {
    return Error(absl::StrCat("input ", input, " must have rank ", rank, ", got ", inputs_[input].DebugType()));
  }
  return absl::OkStatus();
}

absl::StatusOr<tf::Tensor> KernelContext::Allocate(tf::DType dtype, const tf::Shape& shape) const {
  auto t = tf::Tensor::Create(dtype, shape);
  if (!t.ok()) return Annotate(t.status());
  return t;
}

absl::StatusOr<tf::Tensor> KernelContext::AllocateUninitialized(tf::DType dtype, const tf::Shape& shape) const {
  auto t = tf::Tensor::CreateUninitialized(dtype, shape);
  if (!t.ok()) return Annotate(t.status());
  return t;
}

void KernelContext::set_output(int i, tf::Tensor t) {
  if (i < 0) return;
  if (static_cast<size_t>(i) >= outputs_.size()) outputs_.resize(i + 1);
  outputs_[i] = std::move(t);
}

KernelRegistry& KernelRegistry::Global() {
  static KernelRegistry* registry = new KernelRegistry();
  return *registry;
}

void KernelRegistry::Register(std::string_view op, KernelFn fn) {
  if (!kernels_.emplace(std::string(op), fn).second) {
    std::cerr << "KernelRegistry: kernel for op " << op << " registered twice\n";
    std::abort();
  }
}

KernelFn KernelRegistry::Find(std::string_view op) const {
  auto it = kernels_.find(op);
  return it == kernels_.end() ? nullptr : it->second;
}

std::vector<std::string> KernelRegistry::Ops() const {
  std::vector<std::string> ops;
  for (const auto& [op, fn] : kernels_) ops.push_back(op);
  return ops;
}

absl::StatusOr<std::vector<tf::Tensor>> RunKernel(std::string_view op, std::string_view node_name,
                                                  graph::AttrView attrs, absl::Span<const tf::Tensor> inputs,
                                                  KernelEnv* env) {
  KernelFn fn = KernelRegistry::Global().Find(op);
  if (fn == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat("no kernel for op '", ToAbsl(op), "' (node '", ToAbsl(node_name), "')"));
  }
  KernelEnv empty;
  KernelContext ctx(op, node_name, attrs, inputs, env ? env : &empty);
  TB_RETURN_IF_ERROR(fn(ctx));
  // Safety net: outputs must match the OpDef (count and dtypes) when the attrs say what it expects, so a kernel
  // bug cannot leak a malformed value; callers that pass partial attrs still get the "every output set" check.
  const graph::OpRegistration* reg = graph::OpRegistry::Global().Find(op);
  auto want = reg ? graph::ExpandArgTypes(reg->def, reg->def.output_arg(), attrs.WithDefaults(&reg->def))
                  : absl::StatusOr<std::vector<tensorflow::DataType>>(absl::NotFoundError(""));
  if (want.ok()) {
    if (ctx.outputs().size() != want->size()) {
      return absl::InternalError(absl::StrCat(ToAbsl(op), " node '", ToAbsl(node_name), "': kernel produced ",
                                              ctx.outputs().size(), " outputs, the op has ", want->size()));
    }
    for (size_t i = 0; i < want->size(); ++i) {
      if (static_cast<int>(ctx.outputs()[i].dtype()) != (*want)[i]) {
        return absl::InternalError(absl::StrCat(ToAbsl(op), " node '", ToAbsl(node_name), "': kernel output ", i,
                                                " is ", ctx.outputs()[i].DebugType(), ", the op declares ",
                                                graph::ProtoDTypeName((*want)[i])));
      }
    }
  } else {
    for (size_t i = 0; i < ctx.outputs().size(); ++i) {
      if (!ctx.outputs()[i].valid()) {
        return absl::InternalError(
            absl::StrCat(ToAbsl(op), " node '", ToAbsl(node_name), "': kernel left output ", i, " unset"));
      }
    }
  }
  return std::move(ctx.outputs());
}

}  // namespace tb::runtime
