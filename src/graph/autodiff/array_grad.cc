// Gradients of shape manipulation, slicing, gathering, tiling and value plumbing (tf-ops.md §7.8, §7.10).
// Static shapes become Consts (Slice sizes, Pad amounts, Tile multiples) so the common case needs no Shape ops.
#include <numeric>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/autodiff/grad_registry.h"

namespace tb::graph {
namespace {

using C = GradContext;

absl::Status IdentityGrad(C& c) {
  c.SetGI(0, c.GO(0));
  return absl::OkStatus();
}

absl::Status IdentityNGrad(C& c) {
  for (int i = 0; i < c.node().num_inputs(); ++i) {
    if (c.HasGO(i)) c.SetGI(i, c.GO(i));
  }
  return absl::OkStatus();
}

// Reshape, Squeeze and ExpandDims: the gradient takes the input's shape back.
absl::Status ReshapeLikeInputGrad(C& c) {
  Output g = c.GO(0), x = c.I(0);
  if (x.shape().IsFullyDefined() && g.shape() == x.shape()) {
    c.SetGI(0, g);
  } else {
    c.SetGI(0, c.b().Reshape(g, c.ShapeOf(x)));
  }
  return absl::OkStatus();
}

absl::Status TransposeGrad(C& c) {
  const Node* perm_node = c.I(1).node;
  if (perm_node->IsConst()) {
    TB_ASSIGN_OR_RETURN(tf::Tensor perm, perm_node->ConstValue());
    std::vector<int64_t> p;
    if (perm.dtype() == tf::DType::kInt32) {
      for (int32_t v : perm.flat<int32_t>()) p.push_back(v);
    } else {
      for (int64_t v : perm.flat<int64_t>()) p.push_back(v);
    }
    std::vector<int32_t> inv(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] < 0 || p[i] >= static_cast<int64_t>(p.size())) return c.Error("perm is not a permutation");
      inv[p[i]] = static_cast<int32_t>(i);
    }
    c.SetGI(0, c.b().Transpose(c.GO(0), inv));
  } else {
    c.SetGI(0, c.b().Op("Transpose", {c.GO(0), c.b().Op("InvertPermutation", {c.I(1)})}));
  }
  return absl::OkStatus();
}

// Input i of the concat gets Slice(g, [0..offset_i..0], [-1..size_i..-1]); offsets are constants when every
// input's size along the axis is known, else ConcatOffset of the runtime shapes.
absl::Status ConcatV2Grad(C& c) {
  const Builder& b = c.b();
  const int n = c.node().num_inputs() - 1;
  Output g = c.GO(0);
  const Node* axis_node = c.I(n).node;
  const PartialShape& s0 = c.I(0).shape();
  if (!axis_node->IsConst() || !s0.rank_known()) return c.Error("needs a constant axis and known ranks");
  TB_ASSIGN_OR_RETURN(tf::Tensor axis_t, axis_node->ConstValue());
  const int64_t axis_v = axis_t.dtype() == tf::DType::kInt32 ? axis_t.flat<int32_t>()[0] : axis_t.flat<int64_t>()[0];
  const int rank = s0.rank();
  if (axis_v < -rank || axis_v >= rank) return c.Error("axis out of range");
  const int axis = static_cast<int>(axis_v < 0 ? axis_v + rank : axis_v);
  bool static_sizes = true;
  for (int i = 0; i < n; ++i) static_sizes &= c.I(i).shape().rank_known() && c.I(i).shape().dim(axis) >= 0;
  if (static_sizes) {
    int32_t offset = 0;
    for (int i = 0; i < n; ++i) {
      const int32_t len = static_cast<int32_t>(c.I(i).shape().dim(axis));
      std::vector<int32_t> begin(rank, 0), size(rank, -1);
      begin[axis] = offset;
      size[axis] = len;
      offset += len;
      if (c.NeedsGI(i)) c.SetGI(i, b.Op("Slice", {g, b.Int32s(begin), b.Int32s(size)}));
    }
    return absl::OkStatus();
  }
  std::vector<Output> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(b.Op("Shape", {c.I(i)}));
  std::vector<Output> offsets = b.Ops("ConcatOffset", {b.Scalar<int32_t>(axis), OpInput(shapes)});
  for (int i = 0; i < n && i < static_cast<int>(offsets.size()); ++i) {
    if (c.NeedsGI(i)) c.SetGI(i, b.Op("Slice", {g, offsets[i], shapes[i]}));
  }
  return absl::OkStatus();
}

absl::Status PackGrad(C& c) {
  TB_ASSIGN_OR_RETURN(int64_t axis, c.GetInt("axis"));
  const int n = c.node().num_inputs();
  std::vector<Output> parts = c.b().Ops("Unpack", {c.GO(0)}, {{"num", AttrInt(n)}, {"axis", AttrInt(axis)}});
  for (int i = 0; i < n && i < static_cast<int>(parts.size()); ++i) c.SetGI(i, parts[i]);
  return absl::OkStatus();
}

absl::Status UnpackGrad(C& c) {
  TB_ASSIGN_OR_RETURN(int64_t axis, c.GetInt("axis"));
  std::vector<Output> grads;
  for (int i = 0; i < c.node().num_outputs(); ++i) grads.push_back(c.GO(i));
  c.SetGI(0, c.b().Pack(grads, axis));
  return absl::OkStatus();
}

absl::Status StridedSliceGrad(C& c) {
  const tf::DType index = c.I(1).dtype();
  AttrMap attrs = c.CopyAttrs({"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask", "Index"});
  c.SetGI(0, c.b().Op("StridedSliceGrad", {c.ShapeOf(c.I(0), index), c.I(1), c.I(2), c.I(3), c.GO(0)}, attrs));
  return absl::OkStatus();
}

// Slice: pad the gradient back to the input's shape; constant paddings when everything is known.
absl::Status SliceGrad(C& c) {
  const Builder& b = c.b();
  Output x = c.I(0), g = c.GO(0);
  const PartialShape& xs = x.shape();
  const PartialShape& ys = c.O(0).shape();
  const Node* begin_node = c.I(1).node;
  if (xs.IsFullyDefined() && ys.IsFullyDefined() && begin_node->IsConst()) {
    TB_ASSIGN_OR_RETURN(tf::Tensor begin, begin_node->ConstValue());
    std::vector<int32_t> pads;
    for (int k = 0; k < xs.rank(); ++k) {
      const int64_t bk = begin.dtype() == tf::DType::kInt32 ? begin.flat<int32_t>()[k] : begin.flat<int64_t>()[k];
      pads.push_back(static_cast<int32_t>(bk));
      pads.push_back(static_cast<int32_t>(xs.dim(k) - ys.dim(k) - bk));
    }
    c.SetGI(0, b.Op("Pad", {g, b.Reshape(b.Int32s(pads), std::vector<int32_t>{xs.rank(), 2})}));
    return absl::OkStatus();
  }
  const tf::DType index = c.I(1).dtype();
  Output begin = c.I(1);
  Output after = b.Sub(b.Sub(b.Op("Shape", {x}, {{"out_type", AttrType(index)}}),
                             b.Op("Shape", {c.O(0)}, {{"out_type", AttrType(index)}})),
                       begin);
  c.SetGI(0, b.Op("Pad", {g, b.Pack({begin, after}, 1)}));
  return absl::OkStatus();
}

// GatherV2 on axis 0 (embedding lookups): rows hit several times are summed, via UnsortedSegmentSum.
absl::Status GatherV2Grad(C& c) {
  const Builder& b = c.b();
  TB_ASSIGN_OR_RETURN(int64_t batch_dims, c.GetInt("batch_dims"));
  const Node* axis_node = c.I(2).node;
  if (!axis_node->IsConst() || batch_dims != 0) return c.Error("only axis 0 with batch_dims 0 is supported");
  TB_ASSIGN_OR_RETURN(tf::Tensor axis, axis_node->ConstValue());
  const int64_t a = axis.dtype() == tf::DType::kInt32 ? axis.flat<int32_t>()[0] : axis.flat<int64_t>()[0];
  if (a != 0) return c.Error("only axis 0 is supported");
  Output params = c.I(0), indices = c.I(1), g = c.GO(0);
  const PartialShape& ps = params.shape();
  if (!ps.rank_known() || ps.rank() < 1) return c.Error("needs the params' rank");
  std::vector<int32_t> values_shape = {-1};
  bool static_inner = true;
  for (int k = 1; k < ps.rank(); ++k) {
    static_inner &= ps.dim(k) >= 0;
    values_shape.push_back(static_cast<int32_t>(ps.dim(k)));
  }
  Output values;
  if (static_inner) {
    values = b.Reshape(g, values_shape);
  } else {
    Output inner = b.Op("StridedSlice", {b.Op("Shape", {params}), b.Int32s({1}), b.Int32s({0}), b.Int32s({1})},
                        {{"end_mask", AttrInt(1)}});
    values = b.Reshape(g, b.ConcatV2({b.Int32s({-1}), inner}, 0));
  }
  Output ids = b.Reshape(indices, std::vector<int32_t>{-1});
  Output rows = ps.dim(0) >= 0 ? b.Scalar<int32_t>(static_cast<int32_t>(ps.dim(0)))
                               : b.Op("StridedSlice", {b.Op("Shape", {params}), b.Int32s({0}), b.Int32s({1}), b.Int32s({1})},
                                      {{"shrink_axis_mask", AttrInt(1)}});
  c.SetGI(0, b.Op("UnsortedSegmentSum", {values, ids, rows}));
  return absl::OkStatus();
}

// Tile: view g as [m0, d0, m1, d1, ...] and sum the multiple axes.
absl::Status TileGrad(C& c) {
  const Builder& b = c.b();
  Output x = c.I(0), g = c.GO(0);
  const PartialShape& xs = x.shape();
  const Node* m_node = c.I(1).node;
  if (xs.IsFullyDefined() && m_node->IsConst()) {
    TB_ASSIGN_OR_RETURN(tf::Tensor m, m_node->ConstValue());
    std::vector<int32_t> split;
    std::vector<int32_t> axes;
    for (int k = 0; k < xs.rank(); ++k) {
      const int64_t mk = m.dtype() == tf::DType::kInt32 ? m.flat<int32_t>()[k] : m.flat<int64_t>()[k];
      split.push_back(static_cast<int32_t>(mk));
      split.push_back(static_cast<int32_t>(xs.dim(k)));
      axes.push_back(2 * k);
    }
    c.SetGI(0, b.Sum(b.Reshape(g, split), axes));
    return absl::OkStatus();
  }
  Output multiples = b.Cast(c.I(1), tf::DType::kInt32);
  Output split = b.Reshape(b.Transpose(b.Pack({multiples, b.Op("Shape", {x})}), {1, 0}), std::vector<int32_t>{-1});
  Output axes = b.Op("Range", {b.Scalar<int32_t>(0), b.Op("Size", {split}), b.Scalar<int32_t>(2)});
  c.SetGI(0, b.Sum(b.Reshape(g, split), axes));
  return absl::OkStatus();
}

absl::Status BroadcastToGrad(C& c) {
  c.SetGI(0, c.ReduceToShapeOf(c.GO(0), c.I(0), c.O(0)));
  return absl::OkStatus();
}

absl::Status FillGrad(C& c) {
  if (c.NeedsGI(1)) c.SetGI(1, c.b().ReduceAllAxes("Sum", c.GO(0)));
  return absl::OkStatus();
}

absl::Status PadGrad(C& c) {
  const Builder& b = c.b();
  Output x = c.I(0);
  Output begin = b.Op("StridedSlice", {c.I(1), b.Int32s({0, 0}), b.Int32s({0, 1}), b.Int32s({1, 1})},
                      {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}, {"shrink_axis_mask", AttrInt(2)}});
  c.SetGI(0, b.Op("Slice", {c.GO(0), begin, c.ShapeOf(x, c.I(1).dtype())}));
  return absl::OkStatus();
}

}  // namespace

void RegisterArrayGradients(GradRegistry& r) {
  r.Register("Identity", IdentityGrad);
  r.Register("PlaceholderWithDefault", IdentityGrad);
  r.Register("IdentityN", IdentityNGrad);
  r.Register("Reshape", ReshapeLikeInputGrad);
  r.Register("Squeeze", ReshapeLikeInputGrad);
  r.Register("ExpandDims", ReshapeLikeInputGrad);
  r.Register("Transpose", TransposeGrad);
  r.Register("ConcatV2", ConcatV2Grad);
  r.Register("Pack", PackGrad);
  r.Register("Unpack", UnpackGrad);
  r.Register("StridedSlice", StridedSliceGrad);
  r.Register("Slice", SliceGrad);
  r.Register("GatherV2", GatherV2Grad);
  r.Register("Tile", TileGrad);
  r.Register("BroadcastTo", BroadcastToGrad);
  r.Register("Fill", FillGrad);
  r.Register("Pad", PadGrad);
  for (const char* op : {"StopGradient", "Shape", "ShapeN", "Size", "Rank", "ZerosLike", "OnesLike", "Const",
                         "Placeholder", "BroadcastGradientArgs", "ConcatOffset", "InvertPermutation",
                         "RandomStandardNormal", "StatelessRandomNormalV2"}) {
    r.Register(op, nullptr);
  }
}

}  // namespace tb::graph
