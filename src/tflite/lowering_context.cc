#include "tflite/lowering_context.h"

#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/attrs.h"
#include "tflite/model_reader.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
constexpr char kNotBuiltinPayload[] = "tb.tflite/not_builtin";

bool IsForwarding(const graph::Node& n) {
  const std::string& op = n.op();
  return op == "Identity" || op == "StopGradient" || op == "Snapshot" || op == "PreventGradient" ||
         op == "IdentityN";
}

// Follows Identity-like nodes back to the value they forward.
graph::Output Forwarded(graph::Output o) {
  for (int guard = 0; guard < 1000 && o.valid() && IsForwarding(*o.node); ++guard) {
    o = o.node->input(o.node->op() == "IdentityN" ? o.index : 0);
  }
  return o;
}

tf::Tensor ShapeTensor(const std::vector<int64_t>& dims, tf::DType dtype) {
  tf::Tensor t(dtype, {static_cast<int64_t>(dims.size())});
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dtype == tf::DType::kInt32) {
      t.flat<int32_t>()[i] = static_cast<int32_t>(dims[i]);
    } else {
      t.flat<int64_t>()[i] = dims[i];
    }
  }
  return t;
}

std::optional<tf::DType> OutType(const graph::Node& n, std::string_view attr) {
  const tensorflow::AttrValue* v = n.attr(attr);
  if (v == nullptr) return tf::DType::kInt32;
  auto t = graph::AttrAsType(*v, attr);
  if (!t.ok()) return std::nullopt;
  return *t;
}

std::optional<tf::Tensor> StaticValue(graph::Output o) {
  o = Forwarded(o);
  if (!o.valid()) return std::nullopt;
  const graph::Node& n = *o.node;
  if (n.IsConst()) {
    auto v = n.ConstValue();
    if (!v.ok()) return std::nullopt;
    return *v;
  }
  if (n.op() == "Shape" || n.op() == "ShapeN" || n.op() == "Size" || n.op() == "Rank") {
    const graph::PartialShape& s = n.input(n.op() == "ShapeN" ? o.index : 0).shape();
    if (n.op() == "Rank") {
      if (!s.rank_known()) return std::nullopt;
      return tf::Tensor::Scalar<int32_t>(s.rank());
    }
    if (!s.IsFullyDefined()) return std::nullopt;
    std::optional<tf::DType> type = OutType(n, "out_type");
    if (!type.has_value() || (*type != tf::DType::kInt32 && *type != tf::DType::kInt64)) return std::nullopt;
    if (n.op() == "Size") {
      std::optional<int64_t> count = s.NumElements();
      if (!count.has_value()) return std::nullopt;
      return *type == tf::DType::kInt32 ? tf::Tensor::Scalar<int32_t>(static_cast<int32_t>(*count))
                                        : tf::Tensor::Scalar<int64_t>(*count);
    }
    return ShapeTensor(s.dims(), *type);
  }
  return std::nullopt;
}

}  // namespace

std::string TensorNamer::Unique(std::string_view base) {
  auto it = used_.find(base);
  if (it == used_.end()) {
    used_.emplace(std::string(base), 0);
    return std::string(base);
  }
  for (;;) {
    std::string candidate = absl::StrCat(ToAbsl(base), "_", ++it->second);
    if (used_.find(candidate) == used_.end()) {
      used_.emplace(candidate, 0);
      return candidate;
    }
  }
}

absl::StatusOr<std::string> ConstantBytes(const tf::Tensor& value) {
  if (value.dtype() == tf::DType::kString) {
    auto flat = value.flat<std::string>();
    return EncodeStringBuffer(std::vector<std::string>(flat.begin(), flat.end()));
  }
  if (tf::DTypeSize(value.dtype()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("a ", ToAbsl(tf::DTypeName(value.dtype())),
                                                   " value cannot be a TFLite constant"));
  }
  return std::string(value.bytes());
}

bool IsNotBuiltin(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kNotBuiltinPayload).has_value();
}

int LookupValue(const graph::Output& o, LoweringScope& scope, SubgraphDef& subgraph, TensorNamer& namer) {
  auto it = scope.values.find(o);
  if (it != scope.values.end()) return it->second;
  if (!o.valid() || !o.node->IsConst()) return -1;
  auto value = o.node->ConstValue();
  if (!value.ok()) return -1;
  auto bytes = ConstantBytes(*value);
  if (!bytes.ok()) return -1;
  TensorDef t;
  t.name = namer.Unique(absl::StrCat(scope.name_prefix, o.ToString()));
  t.dtype = value->dtype();
  t.shape = graph::PartialShape(value->shape());
  t.data = std::move(*bytes);
  const int index = subgraph.AddTensor(std::move(t));
  scope.values.emplace(o, index);
  return index;
}

NodeContext::NodeContext(const graph::Node& node, LoweringScope& scope, SubgraphDef& subgraph, TensorNamer& namer)
    : node_(node), scope_(scope), subgraph_(subgraph), namer_(namer) {}

void NodeContext::Fail(std::string_view message) {
  if (status_.ok()) {
    status_ = absl::InvalidArgumentError(absl::StrCat(node_.DebugName(), ": ", ToAbsl(message)));
  }
}

absl::Status NodeContext::NotBuiltin(std::string_view reason) {
  absl::Status s = absl::UnimplementedError(std::string(reason));
  s.SetPayload(kNotBuiltinPayload, absl::Cord(std::string(reason)));
  return s;
}

std::string NodeContext::TensorName(std::string_view suffix) const {
  return namer_.Unique(absl::StrCat(scope_.name_prefix, node_.name(), suffix.empty() ? "" : "/", ToAbsl(suffix)));
}

const graph::PartialShape& NodeContext::shape(int t) const {
  static const graph::PartialShape* unknown = new graph::PartialShape();
  return t >= 0 ? subgraph_.tensors[t].shape : *unknown;
}

int NodeContext::In(int i) {
  if (!ok()) return -1;
  if (i < 0 || i >= num_inputs()) {
    Fail(absl::StrCat("input ", i, " out of range"));
    return -1;
  }
  const int t = LookupValue(node_.input(i), scope_, subgraph_, namer_);
  if (t < 0) Fail(absl::StrCat("input ", i, " (", node_.input(i).ToString(), ") has no TFLite tensor"));
  return t;
}

std::optional<tf::Tensor> NodeContext::ConstInput(int i) const { return StaticValue(node_.input(i)); }

std::optional<std::vector<int64_t>> NodeContext::ShapeVectorInput(int i) const {
  graph::Output o = Forwarded(node_.input(i));
  if (!o.valid()) return std::nullopt;
  if (std::optional<tf::Tensor> v = StaticValue(o); v.has_value()) {
    if (v->rank() != 1) return std::nullopt;
    std::vector<int64_t> dims;
    if (v->dtype() == tf::DType::kInt32) {
      for (int32_t d : v->flat<int32_t>()) dims.push_back(d);
    } else if (v->dtype() == tf::DType::kInt64) {
      for (int64_t d : v->flat<int64_t>()) dims.push_back(d);
    } else {
      return std::nullopt;
    }
    return dims;
  }
  const graph::Node& n = *o.node;
  if (n.op() == "Shape" || n.op() == "ShapeN") {
    const graph::PartialShape& s = n.input(n.op() == "ShapeN" ? o.index : 0).shape();
    if (s.rank_known()) return s.dims();
  }
  return std::nullopt;
}

namespace {
template <typename T>
absl::StatusOr<T> Read(const graph::Node& node, std::string_view name,
                       absl::StatusOr<T> (*reader)(const tensorflow::AttrValue&, std::string_view)) {
  const tensorflow::AttrValue* v = node.attr(name);
  if (v == nullptr) return absl::InvalidArgumentError(absl::StrCat("missing attr '", ToAbsl(name), "'"));
  return reader(*v, name);
}
}  // namespace

#define TB_ATTR_READER(Method, Type, Reader, Default)   \
  Type NodeContext::Method(std::string_view name) {      \
    auto v = Read<Type>(node_, name, &graph::Reader);    \
    if (!v.ok()) {                                       \
      Fail(FromAbsl(v.status().message()));              \
      return Default;                                    \
    }                                                    \
    return *v;                                           \
  }
TB_ATTR_READER(AttrInt, int64_t, AttrAsInt, 0)
TB_ATTR_READER(AttrBool, bool, AttrAsBool, false)
TB_ATTR_READER(AttrFloat, float, AttrAsFloat, 0.0f)
TB_ATTR_READER(AttrString, std::string, AttrAsString, std::string())
TB_ATTR_READER(AttrType, tf::DType, AttrAsType, tf::DType::kInvalid)
TB_ATTR_READER(AttrInts, std::vector<int64_t>, AttrAsIntList, std::vector<int64_t>())
#undef TB_ATTR_READER

int NodeContext::Const(const tf::Tensor& value, std::string_view suffix) {
  if (!ok()) return -1;
  auto bytes = ConstantBytes(value);
  if (!bytes.ok()) {
    Fail(FromAbsl(bytes.status().message()));
    return -1;
  }
  TensorDef t;
  t.name = TensorName(suffix);
  t.dtype = value.dtype();
  t.shape = graph::PartialShape(value.shape());
  t.data = std::move(*bytes);
  return subgraph_.AddTensor(std::move(t));
}

int NodeContext::Int32s(const std::vector<int32_t>& values, std::string_view suffix) {
  return Const(tf::Tensor::FromVector<int32_t>(values), suffix);
}

int NodeContext::Int32Scalar(int32_t value, std::string_view suffix) {
  return Const(tf::Tensor::Scalar<int32_t>(value), suffix);
}

int NodeContext::Scalar(tf::DType dtype, double value, std::string_view suffix) {
  switch (dtype) {
    case tf::DType::kFloat: return Const(tf::Tensor::Scalar<float>(static_cast<float>(value)), suffix);
    case tf::DType::kDouble: return Const(tf::Tensor::Scalar<double>(value), suffix);
    case tf::DType::kInt32: return Const(tf::Tensor::Scalar<int32_t>(static_cast<int32_t>(value)), suffix);
    case tf::DType::kInt64: return Const(tf::Tensor::Scalar<int64_t>(static_cast<int64_t>(value)), suffix);
    case tf::DType::kBool: return Const(tf::Tensor::Scalar<bool>(value != 0), suffix);
    default:
      Fail(absl::StrCat("no scalar constant of dtype ", ToAbsl(tf::DTypeName(dtype))));
      return -1;
  }
}

int NodeContext::Temp(tf::DType dtype, graph::PartialShape shape, std::string_view suffix) {
  if (!ok()) return -1;
  TensorDef t;
  t.name = TensorName(suffix);
  t.dtype = dtype;
  t.shape = std::move(shape);
  return subgraph_.AddTensor(std::move(t));
}

int NodeContext::Out(int i) {
  if (!ok()) return -1;
  auto it = scope_.values.find(graph::Output(const_cast<graph::Node*>(&node_), i));
  if (it != scope_.values.end()) return it->second;
  TensorDef t;
  t.name = namer_.Unique(absl::StrCat(scope_.name_prefix, node_.name(), ":", i));
  t.dtype = out_type(i).dtype;
  t.shape = out_type(i).shape;
  const int index = subgraph_.AddTensor(std::move(t));
  scope_.values[graph::Output(const_cast<graph::Node*>(&node_), i)] = index;
  return index;
}

void NodeContext::Bind(int i, int t) {
  if (!ok()) return;
  if (t < 0) {
    Fail(absl::StrCat("output ", i, " bound to no tensor"));
    return;
  }
  if (dtype(t) != out_type(i).dtype) {
    Fail(absl::StrCat("output ", i, " is ", ToAbsl(tf::DTypeName(out_type(i).dtype)), " but its lowering yields ",
                      ToAbsl(tf::DTypeName(dtype(t)))));
    return;
  }
  scope_.values[graph::Output(const_cast<graph::Node*>(&node_), i)] = t;
}

void NodeContext::Emit(fb::BuiltinOperator code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                       OpOptions options) {
  if (!ok()) return;
  for (int32_t t : outputs) {
    if (t < 0) {
      Fail(absl::StrCat("operator ", fb::EnumNameBuiltinOperator(code), " without an output tensor"));
      return;
    }
  }
  for (int32_t t : inputs) {
    if (t < -1) {
      Fail(absl::StrCat("operator ", fb::EnumNameBuiltinOperator(code), " with an invalid input"));
      return;
    }
  }
  OperatorDef op;
  op.code = code;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options_type = options.type;
  op.options = std::move(options.writer);
  op.flags = options.flags;
  subgraph_.operators.push_back(std::move(op));
}

void NodeContext::EmitTo(int output, fb::BuiltinOperator code, std::vector<int32_t> inputs, OpOptions options) {
  if (!ok()) return;
  const int out = Out(output);
  Emit(code, std::move(inputs), {out}, std::move(options));
}

int NodeContext::Op(fb::BuiltinOperator code, std::vector<int32_t> inputs, tf::DType dtype, graph::PartialShape shape,
                    OpOptions options, std::string_view suffix) {
  if (!ok()) return -1;
  std::string name = suffix.empty() ? absl::AsciiStrToLower(fb::EnumNameBuiltinOperator(code)) : std::string(suffix);
  const int out = Temp(dtype, std::move(shape), name);
  Emit(code, std::move(inputs), {out}, std::move(options));
  return ok() ? out : -1;
}

namespace {
OpOptions DefaultOptions(fb::BuiltinOperator code) {
  switch (code) {
    case Op::ADD: return options::Add();
    case Op::SUB: return options::Sub();
    case Op::MUL: return options::Mul();
    case Op::DIV: return options::Div();
    default: return options::None();
  }
}

bool IsComparison(fb::BuiltinOperator code) {
  switch (code) {
    case Op::EQUAL:
    case Op::NOT_EQUAL:
    case Op::LESS:
    case Op::LESS_EQUAL:
    case Op::GREATER:
    case Op::GREATER_EQUAL:
      return true;
    default:
      return false;
  }
}
}  // namespace

int NodeContext::Binary(fb::BuiltinOperator code, int a, int b, tf::DType result) {
  if (!ok() || a < 0 || b < 0) {
    Fail("binary operator on a missing operand");
    return -1;
  }
  if (result == tf::DType::kInvalid) result = IsComparison(code) ? tf::DType::kBool : dtype(a);
  auto broadcast = graph::BroadcastShapes(shape(a), shape(b));
  return Op(code, {a, b}, result, broadcast.ok() ? *broadcast : graph::PartialShape(), DefaultOptions(code));
}

int NodeContext::Unary(fb::BuiltinOperator code, int a) {
  if (!ok() || a < 0) return -1;
  const tf::DType result = code == Op::LOGICAL_NOT ? tf::DType::kBool : dtype(a);
  return Op(code, {a}, result, shape(a));
}

int NodeContext::Cast(int t, tf::DType to) {
  if (!ok() || t < 0) return -1;
  if (dtype(t) == to) return t;
  return Op(Op::CAST, {t}, to, shape(t), options::Cast(dtype(t), to));
}

int NodeContext::ToInt32(int t) {
  if (!ok() || t < 0) return -1;
  if (dtype(t) == tf::DType::kInt32) return t;
  if (dtype(t) != tf::DType::kInt64) {
    Fail(absl::StrCat("expected an int32 or int64 operand, got ", ToAbsl(tf::DTypeName(dtype(t)))));
    return -1;
  }
  // A constant is converted while building rather than at run time.
  const TensorDef& def = tensor(t);
  if (def.data.has_value() && def.shape.IsFullyDefined()) {
    const size_t n = def.data->size() / sizeof(int64_t);
    std::vector<int32_t> values(n);
    for (size_t k = 0; k < n; ++k) {
      int64_t v;
      std::memcpy(&v, def.data->data() + k * sizeof(int64_t), sizeof(v));
      if (v < INT32_MIN || v > INT32_MAX) return Cast(t, tf::DType::kInt32);
      values[k] = static_cast<int32_t>(v);
    }
    tf::Tensor converted = tf::Tensor::FromVector<int32_t>(values, def.shape.dims());
    return Const(converted, "int32");
  }
  return Cast(t, tf::DType::kInt32);
}

int NodeContext::ShapeOf(int t, tf::DType out_type) {
  if (!ok() || t < 0) return -1;
  const graph::PartialShape& s = shape(t);
  if (s.IsFullyDefined()) return Const(ShapeTensor(s.dims(), out_type), "shape");
  graph::PartialShape result = s.rank_known() ? graph::PartialShape({s.rank()}) : graph::PartialShape({-1});
  return Op(Op::SHAPE, {t}, out_type, result, options::Shape(out_type));
}

int NodeContext::Reshape(int t, const std::vector<int64_t>& dims) {
  std::vector<int32_t> d32(dims.begin(), dims.end());
  return ReshapeTo(t, Int32s(d32, "shape"), graph::PartialShape(dims));
}

int NodeContext::ReshapeTo(int t, int shape_tensor, graph::PartialShape result) {
  if (!ok() || t < 0 || shape_tensor < 0) return -1;
  return Op(Op::RESHAPE, {t, shape_tensor}, dtype(t), std::move(result));
}

int NodeContext::Transpose(int t, const std::vector<int32_t>& perm) {
  if (!ok() || t < 0) return -1;
  graph::PartialShape result;
  const graph::PartialShape& s = shape(t);
  if (s.rank_known() && s.rank() == static_cast<int>(perm.size())) {
    std::vector<int64_t> dims;
    for (int32_t p : perm) dims.push_back(s.dim(p));
    result = graph::PartialShape(dims);
  } else {
    result = graph::PartialShape::UnknownDims(static_cast<int>(perm.size()));
  }
  return Op(Op::TRANSPOSE, {t, Int32s(perm, "perm")}, dtype(t), result);
}

namespace {
graph::PartialShape Reduced(const graph::PartialShape& s, const std::vector<int32_t>& axes, bool keep_dims) {
  if (!s.rank_known()) return graph::PartialShape();
  std::vector<bool> reduce(s.rank(), false);
  for (int32_t a : axes) {
    const int k = a < 0 ? a + s.rank() : a;
    if (k >= 0 && k < s.rank()) reduce[k] = true;
  }
  std::vector<int64_t> dims;
  for (int k = 0; k < s.rank(); ++k) {
    if (!reduce[k]) {
      dims.push_back(s.dim(k));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  return graph::PartialShape(dims);
}
}  // namespace

int NodeContext::Sum(int t, const std::vector<int32_t>& axes, bool keep_dims) {
  if (!ok() || t < 0) return -1;
  return Op(Op::SUM, {t, Int32s(axes, "axes")}, dtype(t), Reduced(shape(t), axes, keep_dims),
            options::Reducer(keep_dims));
}

int NodeContext::ReduceMax(int t, const std::vector<int32_t>& axes, bool keep_dims) {
  if (!ok() || t < 0) return -1;
  return Op(Op::REDUCE_MAX, {t, Int32s(axes, "axes")}, dtype(t), Reduced(shape(t), axes, keep_dims),
            options::Reducer(keep_dims));
}

int NodeContext::ExpandDims(int t, int32_t axis) {
  if (!ok() || t < 0) return -1;
  graph::PartialShape result;
  const graph::PartialShape& s = shape(t);
  if (s.rank_known()) {
    std::vector<int64_t> dims = s.dims();
    const int k = axis < 0 ? axis + s.rank() + 1 : axis;
    if (k >= 0 && k <= s.rank()) {
      dims.insert(dims.begin() + k, 1);
      result = graph::PartialShape(dims);
    }
  }
  return Op(Op::EXPAND_DIMS, {t, Int32Scalar(axis, "axis")}, dtype(t), result);
}

}  // namespace tb::tflite
