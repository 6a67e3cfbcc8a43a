#include "tf/function_builder.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tf/op_defs.h"
#include "tf/tensor_proto.h"

namespace tb::tf {

tensorflow::AttrValue TypeAttr(DType dtype) {
  tensorflow::AttrValue v;
  v.set_type(ToProto(dtype));
  return v;
}
tensorflow::AttrValue IntAttr(int64_t i) {
  tensorflow::AttrValue v;
  v.set_i(i);
  return v;
}
tensorflow::AttrValue BoolAttr(bool b) {
  tensorflow::AttrValue v;
  v.set_b(b);
  return v;
}
tensorflow::AttrValue FloatAttr(float f) {
  tensorflow::AttrValue v;
  v.set_f(f);
  return v;
}
tensorflow::AttrValue StringAttr(const std::string& s) {
  tensorflow::AttrValue v;
  v.set_s(s);
  return v;
}
tensorflow::AttrValue IntListAttr(const std::vector<int64_t>& values) {
  tensorflow::AttrValue v;
  auto* list = v.mutable_list();
  for (int64_t i : values) list->add_i(i);
  return v;
}
tensorflow::AttrValue TypeListAttr(const std::vector<DType>& types) {
  tensorflow::AttrValue v;
  auto* list = v.mutable_list();
  for (DType t : types) list->add_type(ToProto(t));
  return v;
}
tensorflow::AttrValue ShapeAttr(const TensorSpec& spec) {
  tensorflow::AttrValue v;
  *v.mutable_shape() = TensorSpecToProto(spec).shape();
  return v;
}
tensorflow::AttrValue ShapeListAttr(const std::vector<TensorSpec>& specs) {
  tensorflow::AttrValue v;
  auto* list = v.mutable_list();
  for (const TensorSpec& s : specs) *list->add_shape() = TensorSpecToProto(s).shape();
  return v;
}
tensorflow::AttrValue FuncAttr(const std::string& function_name) {
  tensorflow::AttrValue v;
  v.mutable_func()->set_name(function_name);
  return v;
}

std::string FunctionBuilder::AddInput(const TensorSpec& spec) {
  auto* arg = def_.mutable_signature()->add_input_arg();
  arg->set_name(spec.name);
  arg->set_type(ToProto(spec.dtype));
  inputs_.push_back(spec);
  SetAttr("_input_shapes", ShapeListAttr(inputs_));
  return spec.name;
}

std::string FunctionBuilder::Output(const std::string& node, const std::string& arg, int index) {
  return absl::StrCat(node, ":", arg, ":", index);
}

std::string FunctionBuilder::AddNode(const std::string& name, const std::string& op,
                                     const std::vector<std::string>& inputs,
                                     std::map<std::string, tensorflow::AttrValue> attrs) {
  auto* node = def_.add_node_def();
  node->set_name(name);
  node->set_op(op);
  for (const std::string& in : inputs) node->add_input(in);
  for (auto& [k, v] : attrs) (*node->mutable_attr())[k] = std::move(v);
  const tensorflow::OpDef* op_def = FindOpDef(op);
  if (op_def == nullptr) return Output(name, "output");  // Build() reports the unknown op.
  AddDefaultAttrs(*op_def, node);
  return Output(name, op_def->output_arg_size() > 0 ? op_def->output_arg(0).name() : "output");
}

std::string FunctionBuilder::AddConst(const std::string& name, const Tensor& value) {
  tensorflow::AttrValue tensor;
  // A TF-written Const: compact encoding, dtype and shape present.
  (void)TensorToProto(value, tensor.mutable_tensor());
  return AddNode(name, "Const", {}, {{"value", std::move(tensor)}, {"dtype", TypeAttr(value.dtype())}});
}

void FunctionBuilder::AddOutput(const std::string& name, DType dtype, const std::string& ref) {
  auto* arg = def_.mutable_signature()->add_output_arg();
  arg->set_name(name);
  arg->set_type(ToProto(dtype));
  (*def_.mutable_ret())[name] = ref;
}

absl::StatusOr<tensorflow::FunctionDef> FunctionBuilder::Build(const tensorflow::FunctionDefLibrary& library) {
  tensorflow::FunctionDefLibrary with_self = library;
  *with_self.add_function() = def_;
  TB_RETURN_IF_ERROR(ValidateFunctionDef(def_, with_self));
  return def_;
}

}  // namespace tb::tf
