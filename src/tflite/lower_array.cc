// Shape, indexing and layout ops as builtins (tflite-lowering.md §2.2): Reshape, Squeeze, ExpandDims, Transpose,
// ConcatV2, Pack/Unpack, StridedSlice, Slice, GatherV2, Tile, Fill, Shape/ShapeN/Size/Rank, Range, Pad,
// BroadcastTo, InvertPermutation of a constant. Shape facts known while building become constants, so phones do
// not recompute them every step.
#include <numeric>

#include "absl/strings/str_cat.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

bool Numeric(DType t) { return t == DType::kFloat || t == DType::kInt32 || t == DType::kInt64; }
bool NumericOrBool(DType t) { return Numeric(t) || t == DType::kBool; }

absl::Status BadType(NodeContext& c, int input) {
  return c.NotBuiltin(absl::StrCat("no exact builtin for dtype ", ToAbsl(tf::DTypeName(c.in_dtype(input)))));
}

absl::Status LowerReshape(NodeContext& c) {
  if (c.in_shape(1).rank_known() && c.in_shape(1).rank() != 1) return c.NotBuiltin("shape operand is not 1-D");
  const int x = c.In(0);
  const int shape = c.ToInt32(c.In(1));
  c.EmitTo(0, Op::RESHAPE, {x, shape});
  return c.status();
}

absl::Status LowerSqueeze(NodeContext& c) {
  std::vector<int32_t> dims;
  for (int64_t d : c.AttrInts("squeeze_dims")) dims.push_back(static_cast<int32_t>(d));
  const int x = c.In(0);
  c.EmitTo(0, Op::SQUEEZE, {x}, options::Squeeze(dims));
  return c.status();
}

absl::Status LowerExpandDims(NodeContext& c) {
  const int x = c.In(0), axis = c.In(1);
  c.EmitTo(0, Op::EXPAND_DIMS, {x, axis});
  return c.status();
}

absl::Status LowerTranspose(NodeContext& c) {
  if (c.in_shape(0).rank_known() && c.in_shape(0).rank() > 6) return c.NotBuiltin("rank above 6");
  const int x = c.In(0);
  const int perm = c.ToInt32(c.In(1));
  c.EmitTo(0, Op::TRANSPOSE, {x, perm});
  return c.status();
}

absl::Status LowerConcatV2(NodeContext& c) {
  const int n = c.num_inputs() - 1;
  if (!NumericOrBool(c.in_dtype(0))) return BadType(c, 0);
  std::optional<tf::Tensor> axis = c.ConstInput(n);
  if (!axis.has_value()) return c.NotBuiltin("the axis is not a constant");
  const int64_t a = axis->dtype() == DType::kInt64 ? axis->scalar<int64_t>() : axis->scalar<int32_t>();
  std::vector<int32_t> values;
  for (int i = 0; i < n; ++i) values.push_back(c.In(i));
  if (n == 1) {
    c.Bind(0, values[0]);
  } else {
    c.EmitTo(0, Op::CONCATENATION, values, options::Concatenation(static_cast<int>(a)));
  }
  return c.status();
}

absl::Status LowerPack(NodeContext& c) {
  if (!Numeric(c.in_dtype(0))) return BadType(c, 0);
  const int64_t axis = c.AttrInt("axis");
  std::vector<int32_t> values;
  for (int i = 0; i < c.num_inputs(); ++i) values.push_back(c.In(i));
  c.EmitTo(0, Op::PACK, values, options::Pack(static_cast<int>(values.size()), static_cast<int>(axis)));
  return c.status();
}

absl::Status LowerUnpack(NodeContext& c) {
  if (!Numeric(c.in_dtype(0))) return BadType(c, 0);
  const int64_t num = c.AttrInt("num"), axis = c.AttrInt("axis");
  const int x = c.In(0);
  std::vector<int32_t> outs;
  for (int i = 0; i < c.node().num_outputs(); ++i) outs.push_back(c.Out(i));
  c.Emit(Op::UNPACK, {x}, outs, options::Unpack(static_cast<int>(num), static_cast<int>(axis)));
  return c.status();
}

absl::Status LowerStridedSlice(NodeContext& c) {
  if (!NumericOrBool(c.in_dtype(0))) return BadType(c, 0);
  int64_t begin_mask = c.AttrInt("begin_mask"), end_mask = c.AttrInt("end_mask");
  const int64_t ellipsis = c.AttrInt("ellipsis_mask"), new_axis = c.AttrInt("new_axis_mask");
  const int64_t shrink = c.AttrInt("shrink_axis_mask");
  const int x = c.In(0);
  int begin = c.ToInt32(c.In(1)), end = c.ToInt32(c.In(2)), strides = c.ToInt32(c.In(3));
  // TF takes the dimensions after the given ones whole; TFLite kernels before 2.x need one entry per
  // dimension, so constant specs are padded the way the converter pads them.
  std::optional<tf::Tensor> b = c.ConstInput(1), e = c.ConstInput(2), s = c.ConstInput(3);
  const graph::PartialShape& xs = c.in_shape(0);
  if (ellipsis == 0 && new_axis == 0 && b && e && s && xs.rank_known() && b->num_elements() < xs.rank()) {
    auto values = [](const tf::Tensor& t) {
      std::vector<int32_t> v;
      for (int64_t i = 0; i < t.num_elements(); ++i) {
        v.push_back(t.dtype() == DType::kInt64 ? static_cast<int32_t>(t.flat<int64_t>()[i]) : t.flat<int32_t>()[i]);
      }
      return v;
    };
    std::vector<int32_t> bv = values(*b), ev = values(*e), sv = values(*s);
    for (int k = static_cast<int>(bv.size()); k < xs.rank(); ++k) {
      bv.push_back(0);
      ev.push_back(0);
      sv.push_back(1);
      begin_mask |= int64_t{1} << k;
      end_mask |= int64_t{1} << k;
    }
    begin = c.Int32s(bv, "begin");
    end = c.Int32s(ev, "end");
    strides = c.Int32s(sv, "strides");
  }
  c.EmitTo(0, Op::STRIDED_SLICE, {x, begin, end, strides},
           options::StridedSlice(static_cast<int>(begin_mask), static_cast<int>(end_mask), static_cast<int>(ellipsis),
                                 static_cast<int>(new_axis), static_cast<int>(shrink)));
  return c.status();
}

absl::Status LowerSlice(NodeContext& c) {
  if (!NumericOrBool(c.in_dtype(0))) return BadType(c, 0);
  const int x = c.In(0);
  int begin = c.In(1), size = c.In(2);
  if (c.dtype(begin) != c.dtype(size)) {
    begin = c.ToInt32(begin);
    size = c.ToInt32(size);
  }
  c.EmitTo(0, Op::SLICE, {x, begin, size});
  return c.status();
}

absl::Status LowerGatherV2(NodeContext& c) {
  if (!NumericOrBool(c.in_dtype(0))) return BadType(c, 0);
  std::optional<tf::Tensor> axis = c.ConstInput(2);
  if (!axis.has_value()) return c.NotBuiltin("the axis is not a constant");
  const int64_t a = axis->dtype() == DType::kInt64 ? axis->scalar<int64_t>() : axis->scalar<int32_t>();
  const int64_t batch_dims = c.AttrInt("batch_dims");
  const int params = c.In(0), indices = c.In(1);
  c.EmitTo(0, Op::GATHER, {params, indices}, options::Gather(static_cast<int>(a), static_cast<int>(batch_dims)));
  return c.status();
}

absl::Status LowerTile(NodeContext& c) {
  if (!NumericOrBool(c.in_dtype(0))) return BadType(c, 0);
  const int x = c.In(0), multiples = c.In(1);
  c.EmitTo(0, Op::TILE, {x, multiples});
  return c.status();
}

absl::Status LowerFill(NodeContext& c) {
  if (!NumericOrBool(c.in_dtype(1))) return BadType(c, 1);
  const int dims = c.In(0), value = c.In(1);
  c.EmitTo(0, Op::FILL, {dims, value});
  return c.status();
}

absl::Status LowerShape(NodeContext& c) {
  const DType out = c.out_type(0).dtype;
  // Static when x's shape is.
  const graph::PartialShape& s = c.in_shape(0);
  if (s.IsFullyDefined()) {
    tf::Tensor t(out, {static_cast<int64_t>(s.rank())});
    for (int k = 0; k < s.rank(); ++k) {
      if (out == DType::kInt32) {
        t.flat<int32_t>()[k] = static_cast<int32_t>(s.dim(k));
      } else {
        t.flat<int64_t>()[k] = s.dim(k);
      }
    }
    c.Bind(0, c.Const(t, "shape"));
    return c.status();
  }
  const int x = c.In(0);
  c.EmitTo(0, Op::SHAPE, {x}, options::Shape(out));
  return c.status();
}

absl::Status LowerShapeN(NodeContext& c) {
  const DType out = c.AttrType("out_type");
  for (int i = 0; i < c.num_inputs(); ++i) {
    const graph::PartialShape& s = c.in_shape(i);
    if (s.IsFullyDefined()) {
      tf::Tensor t(out, {static_cast<int64_t>(s.rank())});
      for (int k = 0; k < s.rank(); ++k) {
        if (out == DType::kInt32) {
          t.flat<int32_t>()[k] = static_cast<int32_t>(s.dim(k));
        } else {
          t.flat<int64_t>()[k] = s.dim(k);
        }
      }
      c.Bind(i, c.Const(t, "shape"));
    } else {
      const int x = c.In(i);
      c.EmitTo(i, Op::SHAPE, {x}, options::Shape(out));
    }
  }
  return c.status();
}

absl::Status LowerSize(NodeContext& c) {
  const DType out = c.out_type(0).dtype;
  if (c.in_shape(0).IsFullyDefined()) {
    const int64_t n = c.in_shape(0).NumElements().value_or(0);
    c.Bind(0, out == DType::kInt32 ? c.Const(tf::Tensor::Scalar<int32_t>(static_cast<int32_t>(n)), "size")
                                   : c.Const(tf::Tensor::Scalar<int64_t>(n), "size"));
    return c.status();
  }
  // The product of the shape; a scalar's empty shape gives 1.
  const int x = c.In(0);
  const int shape = c.Op(Op::SHAPE, {x}, out, graph::PartialShape({-1}), options::Shape(out));
  c.EmitTo(0, Op::REDUCE_PROD, {shape, c.Int32s({0}, "axis")}, options::Reducer(false));
  return c.status();
}

absl::Status LowerRank(NodeContext& c) {
  if (c.in_shape(0).rank_known()) {
    c.Bind(0, c.Const(tf::Tensor::Scalar<int32_t>(c.in_shape(0).rank()), "rank"));
    return c.status();
  }
  const int x = c.In(0);
  c.EmitTo(0, Op::RANK, {x});
  return c.status();
}

// Integer ranges only: TFLite accumulates value += delta, which for floats drifts from TF's start + i·delta.
absl::Status LowerRange(NodeContext& c) {
  const DType t = c.in_dtype(0);
  if (t != DType::kInt32 && t != DType::kInt64) return BadType(c, 0);
  const int start = c.In(0), limit = c.In(1), delta = c.In(2);
  c.EmitTo(0, Op::RANGE, {start, limit, delta});
  return c.status();
}

absl::Status LowerPad(NodeContext& c) {
  if (!Numeric(c.in_dtype(0))) return BadType(c, 0);
  const int x = c.In(0), paddings = c.In(1);
  c.EmitTo(0, Op::PAD, {x, paddings});
  return c.status();
}

absl::Status LowerBroadcastTo(NodeContext& c) {
  if (!NumericOrBool(c.in_dtype(0))) return BadType(c, 0);
  const int x = c.In(0), shape = c.In(1);
  c.EmitTo(0, Op::BROADCAST_TO, {x, shape});
  return c.status();
}

// InvertPermutation of a constant permutation is a constant.
absl::Status LowerInvertPermutation(NodeContext& c) {
  std::optional<tf::Tensor> p = c.ConstInput(0);
  if (!p.has_value()) return c.NotBuiltin("the permutation is not a constant");
  const int64_t n = p->num_elements();
  tf::Tensor inv(p->dtype(), {n});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = p->dtype() == DType::kInt64 ? p->flat<int64_t>()[i] : p->flat<int32_t>()[i];
    if (v < 0 || v >= n) return c.NotBuiltin("not a permutation");
    if (p->dtype() == DType::kInt64) {
      inv.flat<int64_t>()[v] = i;
    } else {
      inv.flat<int32_t>()[v] = static_cast<int32_t>(i);
    }
  }
  c.Bind(0, c.Const(inv, "inverse"));
  return c.status();
}

}  // namespace

void RegisterArrayLowerings(LoweringRegistry& r) {
  r.Add("Reshape", LowerReshape);
  r.Add("Squeeze", LowerSqueeze);
  r.Add("ExpandDims", LowerExpandDims);
  r.Add("Transpose", LowerTranspose);
  r.Add("ConcatV2", LowerConcatV2);
  r.Add("Pack", LowerPack);
  r.Add("Unpack", LowerUnpack);
  r.Add("StridedSlice", LowerStridedSlice);
  r.Add("Slice", LowerSlice);
  r.Add("GatherV2", LowerGatherV2);
  r.Add("Tile", LowerTile);
  r.Add("Fill", LowerFill);
  r.Add("Shape", LowerShape);
  r.Add("ShapeN", LowerShapeN);
  r.Add("Size", LowerSize);
  r.Add("Rank", LowerRank);
  r.Add("Range", LowerRange);
  r.Add("Pad", LowerPad);
  r.Add("BroadcastTo", LowerBroadcastTo);
  r.Add("InvertPermutation", LowerInvertPermutation);
}

}  // namespace tb::tflite
