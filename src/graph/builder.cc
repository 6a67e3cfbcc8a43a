#include "graph/builder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"

namespace tb::graph {

Builder::Builder(Graph* graph) : state_(std::make_shared<State>(State{graph, absl::OkStatus()})) {}
Builder::Builder(Function* function) : Builder(&function->body()) {}

Builder Builder::WithScope(std::string_view scope) const {
  Builder b = *this;
  b.scope_ = scope_.empty() ? std::string(scope) : absl::StrCat(scope_, "/", ToAbsl(scope));
  b.name_.clear();
  return b;
}

Builder Builder::WithName(std::string_view name) const {
  Builder b = *this;
  b.name_ = std::string(name);
  return b;
}

Builder Builder::WithControlDependencies(std::vector<Node*> deps) const {
  Builder b = *this;
  b.control_deps_.insert(b.control_deps_.end(), deps.begin(), deps.end());
  return b;
}

Builder Builder::WithDevice(std::string_view device) const {
  Builder b = *this;
  b.device_ = std::string(device);
  return b;
}

void Builder::SetError(absl::Status s) const {
  if (state_->status.ok() && !s.ok()) state_->status = std::move(s);
}

std::string Builder::NodeName(std::string_view op) const {
  const std::string base = name_.empty() ? std::string(op) : name_;
  return graph().UniqueName(scope_.empty() ? base : absl::StrCat(scope_, "/", base));
}

Node* Builder::AddOp(std::string_view op, std::vector<OpInput> inputs, AttrMap attrs) const {
  if (!ok()) return nullptr;
  for (const OpInput& in : inputs) {
    for (const Output& v : in.values) {
      if (!v.valid()) {
        SetError(absl::InvalidArgumentError(absl::StrCat("building ", ToAbsl(op), ": an input is invalid")));
        return nullptr;
      }
    }
  }
  NodeSpec spec;
  spec.op = std::string(op);
  const OpRegistration* reg = graph().registry().Find(op);
  if (reg != nullptr) {
    if (static_cast<int>(inputs.size()) != reg->def.input_arg_size()) {
      SetError(absl::InvalidArgumentError(absl::StrCat("building ", ToAbsl(op), ": expects ",
                                                       reg->def.input_arg_size(), " arguments, got ", inputs.size())));
      return nullptr;
    }
    for (int i = 0; i < reg->def.input_arg_size(); ++i) {
      const auto& arg = reg->def.input_arg(i);
      const OpInput& in = inputs[i];
      const bool list_arg = !arg.number_attr().empty() || !arg.type_list_attr().empty();
      if (in.is_list && !list_arg) {
        SetError(absl::InvalidArgumentError(
            absl::StrCat("building ", ToAbsl(op), ": argument '", arg.name(), "' takes one value, got a list")));
        return nullptr;
      }
      if (!arg.number_attr().empty() && !attrs.count(arg.number_attr())) {
        attrs[arg.number_attr()] = AttrInt(static_cast<int64_t>(in.values.size()));
      }
      if (!arg.type_attr().empty() && !attrs.count(arg.type_attr()) && !in.values.empty()) {
        attrs[arg.type_attr()] = AttrType(in.values[0].dtype());
      }
      if (!arg.type_list_attr().empty() && !attrs.count(arg.type_list_attr())) {
        std::vector<tf::DType> types;
        for (const Output& v : in.values) types.push_back(v.dtype());
        attrs[arg.type_list_attr()] = AttrTypeList(types);
      }
      spec.inputs.insert(spec.inputs.end(), in.values.begin(), in.values.end());
    }
  } else {
    for (const OpInput& in : inputs) spec.inputs.insert(spec.inputs.end(), in.values.begin(), in.values.end());
  }
  spec.attrs = std::move(attrs);
  spec.control_inputs = control_deps_;
  spec.device = device_;
  spec.name = NodeName(op);
  auto node = graph().AddNode(std::move(spec));
  if (!node.ok()) {
    SetError(node.status());
    return nullptr;
  }
  return *node;
}

Output Builder::Op(std::string_view op, std::vector<OpInput> inputs, AttrMap attrs) const {
  Node* n = AddOp(op, std::move(inputs), std::move(attrs));
  if (n == nullptr || n->num_outputs() == 0) return Output();
  return Output(n, 0);
}

std::vector<Output> Builder::Ops(std::string_view op, std::vector<OpInput> inputs, AttrMap attrs) const {
  Node* n = AddOp(op, std::move(inputs), std::move(attrs));
  std::vector<Output> out;
  if (n == nullptr) return out;
  for (int i = 0; i < n->num_outputs(); ++i) out.emplace_back(n, i);
  return out;
}

Output Builder::Placeholder(tf::DType dtype, const PartialShape& shape, std::string_view name) const {
  return WithName(name).Op("Placeholder", {}, {{"dtype", AttrType(dtype)}, {"shape", AttrShape(shape)}});
}

Output Builder::Const(const tf::Tensor& value) const {
  if (!value.valid()) {
    SetError(absl::InvalidArgumentError("building Const: invalid tensor"));
    return Output();
  }
  return Op("Const", {}, {{"value", AttrTensor(value)}, {"dtype", AttrType(value.dtype())}});
}

Output Builder::ScalarOf(tf::DType dtype, double v) const {
  switch (dtype) {
    case tf::DType::kFloat: return Scalar<float>(static_cast<float>(v));
    case tf::DType::kDouble: return Scalar<double>(v);
    case tf::DType::kInt32: return Scalar<int32_t>(static_cast<int32_t>(v));
    case tf::DType::kInt64: return Scalar<int64_t>(static_cast<int64_t>(v));
    case tf::DType::kBool: return Scalar<bool>(v != 0);
    default:
      SetError(absl::UnimplementedError(absl::StrCat("no scalar constant of dtype ", ToAbsl(tf::DTypeName(dtype)))));
      return Output();
  }
}

Output Builder::Int32s(const std::vector<int32_t>& v) const { return Const(tf::Tensor::FromVector<int32_t>(v)); }
Output Builder::Int64s(const std::vector<int64_t>& v) const { return Const(tf::Tensor::FromVector<int64_t>(v)); }

Output Builder::ZerosOf(tf::DType dtype, const tf::Shape& shape) const {
  auto t = tf::Tensor::Create(dtype, shape);
  if (!t.ok()) {
    SetError(t.status());
    return Output();
  }
  return Const(*t);
}

Output Builder::Cast(Output x, tf::DType to) const {
  if (x.valid() && x.dtype() == to) return x;
  return Op("Cast", {x}, {{"DstT", AttrType(to)}});
}

Output Builder::MatMul(Output a, Output b, bool transpose_a, bool transpose_b) const {
  return Op("MatMul", {a, b}, {{"transpose_a", AttrBool(transpose_a)}, {"transpose_b", AttrBool(transpose_b)}});
}

Output Builder::BatchMatMul(Output x, Output y, bool adj_x, bool adj_y) const {
  return Op("BatchMatMulV2", {x, y}, {{"adj_x", AttrBool(adj_x)}, {"adj_y", AttrBool(adj_y)}});
}

Output Builder::Conv2D(Output input, Output filter, const std::vector<int64_t>& strides,
                       std::string_view padding) const {
  return Op("Conv2D", {input, filter}, {{"strides", AttrIntList(strides)}, {"padding", AttrString(padding)}});
}

Output Builder::MaxPool(Output input, const std::vector<int64_t>& ksize, const std::vector<int64_t>& strides,
                        std::string_view padding) const {
  return Op("MaxPool", {input},
            {{"ksize", AttrIntList(ksize)}, {"strides", AttrIntList(strides)}, {"padding", AttrString(padding)}});
}

Output Builder::AvgPool(Output input, const std::vector<int64_t>& ksize, const std::vector<int64_t>& strides,
                        std::string_view padding) const {
  return Op("AvgPool", {input},
            {{"ksize", AttrIntList(ksize)}, {"strides", AttrIntList(strides)}, {"padding", AttrString(padding)}});
}

Output Builder::Sum(Output x, const std::vector<int32_t>& axes, bool keep_dims) const {
  return Sum(x, Int32s(axes), keep_dims);
}

Output Builder::Sum(Output x, Output axes, bool keep_dims) const {
  return Op("Sum", {x, axes}, {{"keep_dims", AttrBool(keep_dims)}});
}

Output Builder::Mean(Output x, const std::vector<int32_t>& axes, bool keep_dims) const {
  return Op("Mean", {x, Int32s(axes)}, {{"keep_dims", AttrBool(keep_dims)}});
}

Output Builder::Max(Output x, const std::vector<int32_t>& axes, bool keep_dims) const {
  return Op("Max", {x, Int32s(axes)}, {{"keep_dims", AttrBool(keep_dims)}});
}

Output Builder::ReduceAllAxes(std::string_view op, Output x, bool keep_dims) const {
  if (!x.valid()) return Output();
  Output axes;
  if (x.shape().rank_known()) {
    std::vector<int32_t> all(x.shape().rank());
    for (int i = 0; i < x.shape().rank(); ++i) all[i] = i;
    axes = Int32s(all);
  } else {
    axes = Op("Range", {Scalar<int32_t>(0), Op("Rank", {x}), Scalar<int32_t>(1)});
  }
  return Op(op, {x, axes}, {{"keep_dims", AttrBool(keep_dims)}});
}

Output Builder::ShapeOf(Output x, tf::DType out_type) const {
  if (!x.valid()) return Output();
  if (x.shape().IsFullyDefined()) {
    const auto& d = x.shape().dims();
    if (out_type == tf::DType::kInt64) return Int64s(d);
    std::vector<int32_t> v(d.begin(), d.end());
    return Int32s(v);
  }
  return Op("Shape", {x}, {{"out_type", AttrType(out_type)}});
}

Output Builder::Squeeze(Output x, const std::vector<int64_t>& axes) const {
  return Op("Squeeze", {x}, {{"squeeze_dims", AttrIntList(axes)}});
}

Output Builder::ConcatV2(std::vector<Output> values, int32_t axis) const {
  return Op("ConcatV2", {OpInput(std::move(values)), Scalar<int32_t>(axis)});
}

Output Builder::Pack(std::vector<Output> values, int64_t axis) const {
  return Op("Pack", {OpInput(std::move(values))}, {{"axis", AttrInt(axis)}});
}

}  // namespace tb::graph
