#include "graph/shape_inference.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"

namespace tb::graph {
namespace {

std::optional<std::vector<int64_t>> IntsOf(const tf::Tensor& t) {
  if (t.rank() > 1) return std::nullopt;
  std::vector<int64_t> out;
  if (t.dtype() == tf::DType::kInt32) {
    for (int32_t v : t.flat<int32_t>()) out.push_back(v);
  } else if (t.dtype() == tf::DType::kInt64) {
    for (int64_t v : t.flat<int64_t>()) out.push_back(v);
  } else {
    return std::nullopt;
  }
  return out;
}

std::optional<tf::Tensor> ConstOf(const Output& o) {
  if (!o.valid() || !o.node->IsConst()) return std::nullopt;
  auto v = o.node->ConstValue();
  if (!v.ok()) return std::nullopt;
  return *v;
}

// A scalar int known at build time: a Const, or Shape(x)[i] (StridedSlice with shrink_axis_mask 1) of a known dim,
// or Size/Rank of a known shape. -1 when unknown.
int64_t ScalarDim(const Output& o, int depth) {
  if (depth > 8 || !o.valid()) return -1;
  if (auto c = ConstOf(o)) {
    auto ints = IntsOf(*c);
    if (ints && c->rank() == 0) return (*ints)[0] < 0 ? -1 : (*ints)[0];
    if (ints && ints->size() == 1) return (*ints)[0] < 0 ? -1 : (*ints)[0];
    return -1;
  }
  const Node* n = o.node;
  if (n->op() == "StridedSlice" && n->num_inputs() == 4 && n->input(0).node->op() == "Shape") {
    const auto* shrink = n->attr("shrink_axis_mask");
    auto begin = ConstOf(n->input(1));
    const PartialShape& src = n->input(0).node->input(0).shape();
    if (shrink && shrink->i() == 1 && begin && src.rank_known()) {
      auto b = IntsOf(*begin);
      if (b && b->size() == 1) {
        int64_t i = (*b)[0] < 0 ? (*b)[0] + src.rank() : (*b)[0];
        if (i >= 0 && i < src.rank()) return src.dim(static_cast<int>(i));
      }
    }
    return -1;
  }
  if (n->op() == "Cast" || n->op() == "Identity") return ScalarDim(n->input(0), depth + 1);
  if (n->op() == "Rank") {
    const PartialShape& s = n->input(0).shape();
    return s.rank_known() ? s.rank() : -1;
  }
  if (n->op() == "Size") {
    auto e = n->input(0).shape().NumElements();
    return e ? *e : -1;
  }
  return -1;
}

PartialShape ShapeValue(const Output& o, int depth) {
  if (depth > 8 || !o.valid()) return PartialShape();
  const PartialShape& own = o.shape();
  auto fallback = [&]() {
    if (own.rank_known() && own.rank() == 1 && own.dim(0) >= 0 && own.dim(0) <= kMaxRank) {
      return PartialShape::UnknownDims(static_cast<int>(own.dim(0)));
    }
    return PartialShape();
  };
  if (auto c = ConstOf(o)) {
    auto ints = IntsOf(*c);
    if (!ints) return fallback();
    if (c->rank() == 0) return PartialShape();  // a scalar is not a shape vector
    std::vector<int64_t> dims;
    for (int64_t v : *ints) dims.push_back(v < 0 ? -1 : v);
    auto s = PartialShape::FromDims(dims);
    return s.ok() ? *s : fallback();
  }
  const Node* n = o.node;
  if (n->op() == "Shape" && o.index == 0) return n->input(0).shape();
  if ((n->op() == "Cast" || n->op() == "Identity") && o.index == 0) return ShapeValue(n->input(0), depth + 1);
  if (n->op() == "Pack" && n->num_inputs() <= kMaxRank) {
    std::vector<int64_t> dims;
    for (const Output& in : n->inputs()) dims.push_back(ScalarDim(in, depth + 1));
    return PartialShape(dims);
  }
  if (n->op() == "ConcatV2" && n->num_inputs() >= 2) {
    std::vector<int64_t> dims;
    for (int i = 0; i + 1 < n->num_inputs(); ++i) {
      PartialShape part = ShapeValue(n->input(i), depth + 1);
      if (!part.rank_known()) return fallback();
      dims.insert(dims.end(), part.dims().begin(), part.dims().end());
      if (dims.size() > static_cast<size_t>(kMaxRank)) return fallback();
    }
    return PartialShape(dims);
  }
  return fallback();
}

}  // namespace

InferenceContext::InferenceContext(const Node& node, const std::vector<tf::DType>& output_dtypes)
    : node_(node),
      output_dtypes_(output_dtypes),
      output_shapes_(output_dtypes.size()),
      input_values_(node.num_inputs()),
      input_values_loaded_(node.num_inputs(), false) {}

const std::string& InferenceContext::op() const { return node_.op(); }
AttrView InferenceContext::attrs() const { return AttrView(node_.attrs()); }
const FunctionLibrary* InferenceContext::library() const { return node_.graph()->library(); }
int InferenceContext::num_inputs() const { return node_.num_inputs(); }
const TensorType& InferenceContext::input_type(int i) const { return node_.input(i).type(); }

const tf::Tensor* InferenceContext::input_tensor(int i) {
  if (!input_values_loaded_[i]) {
    input_values_loaded_[i] = true;
    input_values_[i] = ConstOf(node_.input(i));
  }
  return input_values_[i] ? &*input_values_[i] : nullptr;
}

absl::StatusOr<PartialShape> InferenceContext::InputAsShape(int i) {
  if (const tf::Tensor* t = input_tensor(i)) {
    auto ints = IntsOf(*t);
    if (ints && t->rank() == 1) {
      auto s = PartialShape::FromDims(*ints);
      if (!s.ok()) return Error(absl::StrCat("input ", i, " is not a valid shape: ", s.status().message()));
    }
  }
  return ShapeValue(node_.input(i), 0);
}

std::optional<std::vector<int64_t>> InferenceContext::InputAsInts(int i) {
  // An empty vector is known whatever produces it (e.g. Range(0, 0, 1)).
  const PartialShape& s = input_shape(i);
  if (s.rank_known() && s.rank() == 1 && s.dim(0) == 0) return std::vector<int64_t>{};
  const tf::Tensor* t = input_tensor(i);
  if (t == nullptr) return std::nullopt;
  return IntsOf(*t);
}

const tensorflow::AttrValue& InferenceContext::Attr(std::string_view name) const {
  static const tensorflow::AttrValue kEmpty;
  const tensorflow::AttrValue* v = node_.attr(name);
  return v ? *v : kEmpty;
}

#define TB_CTX_GETTER(Type, Name, Fn)                                                 \
  absl::StatusOr<Type> InferenceContext::Name(std::string_view name) const {          \
    auto v = Fn(Attr(name), name);                                                   \
    if (!v.ok()) return Error(v.status().message());                                 \
    return v;                                                                        \
  }
TB_CTX_GETTER(int64_t, GetInt, AttrAsInt)
TB_CTX_GETTER(bool, GetBool, AttrAsBool)
TB_CTX_GETTER(float, GetFloat, AttrAsFloat)
TB_CTX_GETTER(std::string, GetString, AttrAsString)
TB_CTX_GETTER(tf::DType, GetType, AttrAsType)
TB_CTX_GETTER(std::vector<int64_t>, GetIntList, AttrAsIntList)
TB_CTX_GETTER(std::vector<PartialShape>, GetShapeList, AttrAsShapeList)
TB_CTX_GETTER(PartialShape, GetShape, AttrAsShape)
#undef TB_CTX_GETTER

absl::Status InferenceContext::Error(std::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(node_.DebugName(), ": ", ToAbsl(message)));
}

absl::Status InferenceContext::CheckRank(int i, int rank) const {
  const PartialShape& s = input_shape(i);
  if (s.rank_known() && s.rank() != rank) {
    return Error(absl::StrCat("input ", i, " must have rank ", rank, " but has shape ", s.ToString()));
  }
  return absl::OkStatus();
}

absl::Status InferenceContext::CheckRankAtLeast(int i, int rank) const {
  const PartialShape& s = input_shape(i);
  if (s.rank_known() && s.rank() < rank) {
    return Error(absl::StrCat("input ", i, " must have rank >= ", rank, " but has shape ", s.ToString()));
  }
  return absl::OkStatus();
}

namespace shape_fns {

absl::Status Unknown(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, PartialShape());
  return absl::OkStatus();
}

absl::Status Unchanged(InferenceContext& c) {
  c.set_output(0, c.input_shape(0));
  return absl::OkStatus();
}

absl::Status Scalar(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, PartialShape::Scalar());
  return absl::OkStatus();
}

absl::Status NoOutputs(InferenceContext& c) { return absl::OkStatus(); }

absl::Status BroadcastBinary(InferenceContext& c) {
  auto s = BroadcastShapes(c.input_shape(0), c.input_shape(1));
  if (!s.ok()) return c.Error(s.status().message());
  c.set_output(0, *s);
  return absl::OkStatus();
}

absl::Status AllInputsSameShape(InferenceContext& c) {
  PartialShape merged;
  for (int i = 0; i < c.num_inputs(); ++i) {
    auto m = merged.Merge(c.input_shape(i));
    if (!m.ok()) return c.Error(absl::StrCat("inputs must have the same shape: ", m.status().message()));
    merged = *m;
  }
  c.set_output(0, merged);
  return absl::OkStatus();
}

absl::StatusOr<int> CanonicalAxis(InferenceContext& c, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return c.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::Status Reduction(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(bool keep_dims, c.GetBool("keep_dims"));
  const PartialShape& in = c.input_shape(0);
  auto axes = c.InputAsInts(1);
  if (!in.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  if (!axes) {
    // Unknown axes: with keep_dims the rank survives, otherwise nothing is known.
    c.set_output(0, keep_dims ? PartialShape::UnknownDims(in.rank()) : PartialShape());
    return absl::OkStatus();
  }
  std::vector<bool> reduced(in.rank(), false);
  for (int64_t a : *axes) {
    TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(c, a, in.rank()));
    reduced[axis] = true;
  }
  std::vector<int64_t> dims;
  for (int i = 0; i < in.rank(); ++i) {
    if (!reduced[i]) dims.push_back(in.dim(i));
    else if (keep_dims) dims.push_back(1);
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

}  // namespace shape_fns
}  // namespace tb::graph
