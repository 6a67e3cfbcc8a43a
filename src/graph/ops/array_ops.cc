// Graph plumbing, shape manipulation, indexing and tensor creation ops (TF core/ops/array_ops.cc facts as of TF
// 2.14, tf-ops.md §7.8, §7.10), plus the IR-internal `_Arg` op of function bodies.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"
#include "graph/shape_inference.h"
#include "graph/strided_slice.h"

namespace tb::graph {
namespace {


absl::Status ConstShape(InferenceContext& c) {
  const tensorflow::AttrValue* v = c.node().attr("value");
  if (v == nullptr || v->value_case() != tensorflow::AttrValue::kTensor) return c.Error("value must be a tensor");
  auto shape = PartialShape::FromProto(v->tensor().tensor_shape());
  if (!shape.ok()) return c.Error(shape.status().message());
  TB_ASSIGN_OR_RETURN(tf::DType dtype, c.GetType("dtype"));
  if (static_cast<int>(dtype) != v->tensor().dtype()) return c.Error("dtype attr differs from the value's dtype");
  if (!shape->IsFullyDefined()) return c.Error("value shape must be fully defined");
  c.set_output(0, *shape);
  return absl::OkStatus();
}

absl::Status PlaceholderShape(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape s, c.GetShape("shape"));
  c.set_output(0, s);
  return absl::OkStatus();
}

absl::Status PlaceholderWithDefaultShape(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape s, c.GetShape("shape"));
  if (!s.IsCompatibleWith(c.input_shape(0))) {
    return c.Error(absl::StrCat("default value ", c.input_shape(0).ToString(), " is not compatible with shape ",
                                s.ToString()));
  }
  c.set_output(0, s);
  return absl::OkStatus();
}

absl::Status IdentityNShape(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, c.input_shape(i));
  return absl::OkStatus();
}

absl::Status ReshapeShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_RETURN_IF_ERROR(c.CheckRank(1, 1));
  auto ints = c.InputAsInts(1);
  if (ints) {
    std::vector<int64_t> dims = *ints;
    int infer = -1;
    int64_t known = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == -1) {
        if (infer >= 0) return c.Error("only one input size may be -1");
        infer = static_cast<int>(i);
      } else if (dims[i] < 0) {
        return c.Error(absl::StrCat("size ", i, " must be non-negative, not ", dims[i]));
      } else {
        if (dims[i] > kMaxDim || (dims[i] != 0 && known > kMaxDim / dims[i])) return c.Error("shape is absurdly large");
        known *= dims[i];
      }
    }
    auto in_n = in.NumElements();
    if (infer >= 0) {
      if (in_n && known > 0) {
        if (*in_n % known != 0) {
          return c.Error(absl::StrCat("cannot reshape a tensor of shape ", in.ToString(), " to ",
                                      PartialShape(dims).ToString()));
        }
        dims[infer] = *in_n / known;
      }
    } else if (in_n && *in_n != known) {
      return c.Error(absl::StrCat("cannot reshape a tensor with ", *in_n, " elements to shape [",
                                  absl::StrJoin(dims, ","), "] (", known, " elements)"));
    }
    auto s = PartialShape::FromDims(dims);
    if (!s.ok()) return c.Error(s.status().message());
    c.set_output(0, *s);
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(PartialShape target, c.InputAsShape(1));
  // A partially known target with exactly one unknown dim can be completed from a fully known input.
  if (target.rank_known()) {
    auto in_n = in.NumElements();
    int unknown = 0, pos = -1;
    int64_t known = 1;
    for (int i = 0; i < target.rank(); ++i) {
      if (target.dim(i) < 0) {
        ++unknown;
        pos = i;
      } else {
        known *= std::max<int64_t>(target.dim(i), 1);
      }
    }
    if (unknown == 1 && in_n && known > 0 && *in_n % known == 0) {
      std::vector<int64_t> dims = target.dims();
      dims[pos] = *in_n / known;
      target = PartialShape(dims);
    }
  }
  c.set_output(0, target);
  return absl::OkStatus();
}

absl::Status SqueezeShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> axes, c.GetIntList("squeeze_dims"));
  if (!in.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  std::vector<bool> drop(in.rank(), false);
  for (int64_t a : axes) {
    TB_ASSIGN_OR_RETURN(int axis, shape_fns::CanonicalAxis(c, a, in.rank()));
    if (in.dim(axis) >= 0 && in.dim(axis) != 1) {
      return c.Error(absl::StrCat("can not squeeze dim[", axis, "], expected a dimension of 1, got ", in.dim(axis)));
    }
    drop[axis] = true;
  }
  std::vector<int64_t> dims;
  for (int i = 0; i < in.rank(); ++i) {
    if (axes.empty()) {
      if (in.dim(i) < 0) {
        c.set_output(0, PartialShape());  // cannot tell whether it will be squeezed
        return absl::OkStatus();
      }
      if (in.dim(i) == 1) continue;
    } else if (drop[i]) {
      continue;
    }
    dims.push_back(in.dim(i));
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status ExpandDimsShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  auto axis = c.InputAsInts(1);
  if (!in.rank_known() || !axis || axis->size() != 1) {
    c.set_output(0, in.rank_known() ? PartialShape::UnknownDims(in.rank() + 1) : PartialShape());
    return absl::OkStatus();
  }
  const int rank = in.rank() + 1;
  int64_t a = (*axis)[0];
  if (a < -rank || a >= rank) return c.Error(absl::StrCat("dim ", a, " is out of range for rank ", in.rank()));
  if (a < 0) a += rank;
  std::vector<int64_t> dims = in.dims();
  dims.insert(dims.begin() + a, 1);
  if (dims.size() > static_cast<size_t>(kMaxRank)) return c.Error("rank too large");
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status TransposeShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_RETURN_IF_ERROR(c.CheckRank(1, 1));
  auto perm = c.InputAsInts(1);
  if (!perm) {
    c.set_output(0, in.rank_known() ? PartialShape::UnknownDims(in.rank()) : PartialShape());
    return absl::OkStatus();
  }
  const int rank = static_cast<int>(perm->size());
  if (in.rank_known() && in.rank() != rank) {
    return c.Error(absl::StrCat("transpose expects a permutation of length ", in.rank(), ", got ", rank));
  }
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> dims(rank, -1);
  for (int i = 0; i < rank; ++i) {
    int64_t p = (*perm)[i];
    if (p < 0 || p >= rank || seen[p]) return c.Error("perm is not a permutation");
    seen[p] = true;
    if (in.rank_known()) dims[i] = in.dim(static_cast<int>(p));
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status ConcatV2Shape(InferenceContext& c) {
  const int n = c.num_inputs() - 1;
  auto axis_v = c.InputAsInts(n);
  int rank = -1;
  for (int i = 0; i < n; ++i) {
    if (c.input_shape(i).rank_known()) {
      if (rank >= 0 && rank != c.input_shape(i).rank()) return c.Error("inputs must have the same rank");
      rank = c.input_shape(i).rank();
    }
  }
  if (rank < 0) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  if (rank == 0) return c.Error("can't concatenate scalars (use Pack instead)");
  if (!axis_v || axis_v->size() != 1) {
    c.set_output(0, PartialShape::UnknownDims(rank));
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(int axis, shape_fns::CanonicalAxis(c, (*axis_v)[0], rank));
  std::vector<int64_t> dims(rank, -1);
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    const PartialShape& s = c.input_shape(i);
    if (!s.rank_known()) {
      total = -1;
      continue;
    }
    for (int d = 0; d < rank; ++d) {
      if (d == axis) continue;
      if (dims[d] >= 0 && s.dim(d) >= 0 && dims[d] != s.dim(d)) {
        return c.Error(absl::StrCat("dimension ", d, " of input ", i, " is ", s.dim(d), ", expected ", dims[d]));
      }
      if (dims[d] < 0) dims[d] = s.dim(d);
    }
    if (total >= 0) total = s.dim(axis) >= 0 ? total + s.dim(axis) : -1;
  }
  dims[axis] = total;
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status ConcatOffsetShape(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, c.input_shape(i + 1));
  return absl::OkStatus();
}

absl::Status PackShape(InferenceContext& c) {
  PartialShape merged;
  for (int i = 0; i < c.num_inputs(); ++i) {
    auto m = merged.Merge(c.input_shape(i));
    if (!m.ok()) return c.Error(absl::StrCat("shapes of all inputs must match: ", m.status().message()));
    merged = *m;
  }
  if (!merged.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(int64_t axis, c.GetInt("axis"));
  const int rank = merged.rank() + 1;
  if (axis < -rank || axis >= rank) return c.Error(absl::StrCat("axis ", axis, " out of range for rank ", rank));
  if (axis < 0) axis += rank;
  std::vector<int64_t> dims = merged.dims();
  dims.insert(dims.begin() + axis, c.num_inputs());
  if (dims.size() > static_cast<size_t>(kMaxRank)) return c.Error("rank too large");
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status UnpackShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_ASSIGN_OR_RETURN(int64_t axis, c.GetInt("axis"));
  if (!in.rank_known()) return shape_fns::Unknown(c);
  TB_ASSIGN_OR_RETURN(int a, shape_fns::CanonicalAxis(c, axis, in.rank()));
  if (in.dim(a) >= 0 && in.dim(a) != c.num_outputs()) {
    return c.Error(absl::StrCat("cannot unpack ", in.dim(a), " values into ", c.num_outputs(), " outputs"));
  }
  std::vector<int64_t> dims = in.dims();
  dims.erase(dims.begin() + a);
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status StridedSliceShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  for (int i = 1; i < 4; ++i) TB_RETURN_IF_ERROR(c.CheckRank(i, 1));
  StridedSliceMasks m;
  TB_ASSIGN_OR_RETURN(m.begin, c.GetInt("begin_mask"));
  TB_ASSIGN_OR_RETURN(m.end, c.GetInt("end_mask"));
  TB_ASSIGN_OR_RETURN(m.ellipsis, c.GetInt("ellipsis_mask"));
  TB_ASSIGN_OR_RETURN(m.new_axis, c.GetInt("new_axis_mask"));
  TB_ASSIGN_OR_RETURN(m.shrink_axis, c.GetInt("shrink_axis_mask"));
  auto b = c.InputAsInts(1), e = c.InputAsInts(2), s = c.InputAsInts(3);
  if (!in.rank_known() || !b || !e || !s) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  auto plan = PlanStridedSlice(in.dims(), *b, *e, *s, m);
  if (!plan.ok()) return c.Error(plan.status().message());
  c.set_output(0, PartialShape(plan->output_shape));
  return absl::OkStatus();
}

absl::Status ShapeOfInput0Value(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape s0, c.InputAsShape(0));
  c.set_output(0, s0);
  return absl::OkStatus();
}

absl::Status SliceShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_RETURN_IF_ERROR(c.CheckRank(1, 1));
  TB_RETURN_IF_ERROR(c.CheckRank(2, 1));
  auto begin = c.InputAsInts(1);
  auto size = c.InputAsInts(2);
  if (!in.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  if (!size) {
    c.set_output(0, PartialShape::UnknownDims(in.rank()));
    return absl::OkStatus();
  }
  if (static_cast<int>(size->size()) != in.rank() || (begin && static_cast<int>(begin->size()) != in.rank())) {
    return c.Error(absl::StrCat("begin and size must have length ", in.rank()));
  }
  std::vector<int64_t> dims(in.rank());
  for (int i = 0; i < in.rank(); ++i) {
    const int64_t sz = (*size)[i];
    const int64_t b = begin ? (*begin)[i] : -1;
    if (sz >= 0) {
      if (begin && in.dim(i) >= 0 && (b < 0 || b + sz > in.dim(i))) {
        return c.Error(absl::StrCat("slice of dimension ", i, " [", b, ", ", b + sz, ") exceeds size ", in.dim(i)));
      }
      dims[i] = sz;
    } else if (sz == -1) {
      dims[i] = (begin && in.dim(i) >= 0) ? in.dim(i) - b : -1;
    } else {
      return c.Error(absl::StrCat("size ", i, " must be -1 or non-negative, got ", sz));
    }
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status GatherV2Shape(InferenceContext& c) {
  const PartialShape& params = c.input_shape(0);
  const PartialShape& indices = c.input_shape(1);
  TB_ASSIGN_OR_RETURN(int64_t batch_dims, c.GetInt("batch_dims"));
  auto axis_v = c.InputAsInts(2);
  if (!params.rank_known() || !indices.rank_known() || !axis_v || axis_v->size() != 1) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(int axis, shape_fns::CanonicalAxis(c, (*axis_v)[0], params.rank()));
  if (batch_dims < 0) batch_dims += indices.rank();
  if (batch_dims < 0 || batch_dims > axis || batch_dims > indices.rank()) {
    return c.Error(absl::StrCat("batch_dims ", batch_dims, " is out of range"));
  }
  std::vector<int64_t> dims(params.dims().begin(), params.dims().begin() + axis);
  dims.insert(dims.end(), indices.dims().begin() + batch_dims, indices.dims().end());
  dims.insert(dims.end(), params.dims().begin() + axis + 1, params.dims().end());
  if (dims.size() > static_cast<size_t>(kMaxRank)) return c.Error("rank too large");
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status TileShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_RETURN_IF_ERROR(c.CheckRank(1, 1));
  auto m = c.InputAsInts(1);
  if (!in.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  if (!m) {
    c.set_output(0, PartialShape::UnknownDims(in.rank()));
    return absl::OkStatus();
  }
  if (static_cast<int>(m->size()) != in.rank()) {
    return c.Error(absl::StrCat("multiples must have length ", in.rank(), ", got ", m->size()));
  }
  std::vector<int64_t> dims(in.rank());
  for (int i = 0; i < in.rank(); ++i) {
    const int64_t k = (*m)[i];
    if (k < 0) return c.Error("multiples must be non-negative");
    if (in.dim(i) < 0) {
      dims[i] = k == 0 ? 0 : -1;
    } else {
      if (k != 0 && in.dim(i) > kMaxDim / k) return c.Error("tiled shape is absurdly large");
      dims[i] = in.dim(i) * k;
    }
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status BroadcastToShape(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape target, c.InputAsShape(1));
  auto b = BroadcastShapes(c.input_shape(0), target);
  if (!b.ok()) return c.Error(b.status().message());
  if (target.rank_known() && b->rank_known() && b->rank() != target.rank()) {
    return c.Error(absl::StrCat("cannot broadcast ", c.input_shape(0).ToString(), " to ", target.ToString()));
  }
  auto m = target.Merge(*b);
  c.set_output(0, m.ok() ? *m : target);
  return absl::OkStatus();
}

absl::Status VectorOutputs(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, PartialShape({-1}));
  return absl::OkStatus();
}

absl::Status FillShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 1));
  TB_RETURN_IF_ERROR(c.CheckRank(1, 0));
  TB_ASSIGN_OR_RETURN(PartialShape s0, c.InputAsShape(0));
  c.set_output(0, s0);
  return absl::OkStatus();
}

absl::Status ShapeShape(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) {
    const PartialShape& s = c.input_shape(i);
    c.set_output(i, PartialShape({s.rank_known() ? s.rank() : -1}));
  }
  return absl::OkStatus();
}

absl::Status PadShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  TB_RETURN_IF_ERROR(c.CheckRank(1, 2));
  auto p = c.InputAsInts(1);
  if (!in.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  if (!p) {
    c.set_output(0, PartialShape::UnknownDims(in.rank()));
    return absl::OkStatus();
  }
  if (static_cast<int>(p->size()) != 2 * in.rank()) return c.Error("paddings must be [rank, 2]");
  std::vector<int64_t> dims(in.rank());
  for (int i = 0; i < in.rank(); ++i) {
    const int64_t a = (*p)[2 * i], b = (*p)[2 * i + 1];
    if (a < 0 || b < 0) return c.Error("paddings must be non-negative");
    if (a > kMaxDim || b > kMaxDim) return c.Error("paddings are absurdly large");
    dims[i] = in.dim(i) < 0 ? -1 : in.dim(i) + a + b;
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status ArgShape(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape s, c.GetShape("shape"));
  c.set_output(0, s);
  return absl::OkStatus();
}

}  // namespace

void RegisterArrayOps(OpRegistry& r) {
  r.Register("Const", ConstShape);
  r.Register("Placeholder", PlaceholderShape);
  r.Register("PlaceholderWithDefault", PlaceholderWithDefaultShape);
  for (const char* op : {"Identity", "StopGradient", "InvertPermutation", "ZerosLike", "OnesLike"}) {
    r.Register(op, shape_fns::Unchanged);
  }
  r.Register("IdentityN", IdentityNShape);
  r.Register("NoOp", shape_fns::NoOutputs);
  r.Register("_Arg", ArgShape);
  r.Register("Reshape", ReshapeShape);
  r.Register("Squeeze", SqueezeShape);
  r.Register("ExpandDims", ExpandDimsShape);
  r.Register("Transpose", TransposeShape);
  r.Register("ConcatV2", ConcatV2Shape);
  r.Register("ConcatOffset", ConcatOffsetShape);
  r.Register("Pack", PackShape);
  r.Register("Unpack", UnpackShape);
  r.Register("StridedSlice", StridedSliceShape);
  r.Register("StridedSliceGrad", ShapeOfInput0Value);
  r.Register("Slice", SliceShape);
  r.Register("GatherV2", GatherV2Shape);
  r.Register("Tile", TileShape);
  r.Register("BroadcastTo", BroadcastToShape);
  r.Register("BroadcastGradientArgs", VectorOutputs);
  r.Register("Fill", FillShape);
  r.Register("Shape", ShapeShape);
  r.Register("ShapeN", ShapeShape);
  r.Register("Size", shape_fns::Scalar);
  r.Register("Rank", shape_fns::Scalar);
  r.Register("Pad", PadShape);
}

}  // namespace tb::graph
