// Reductions (Sum, Mean, Max, Min, Prod, All, Any, UnsortedSegmentSum), ArgMax/ArgMin, and the two reductions the
// gradients and the DP clip use — BiasAddGrad and L2Loss — as builtins (tflite-lowering.md §2.2, §3.3, §3.9). TFLite
// reducers need int32 axes; int64 axes are converted (at build time when constant). Sums may differ from TF's in
// summation order only.
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

template <Op kCode>
absl::Status LowerReduce(NodeContext& c) {
  const DType t = c.in_dtype(0);
  bool ok_type = false;
  switch (kCode) {
    case Op::MEAN: ok_type = t == DType::kFloat; break;
    case Op::REDUCE_ALL:
    case Op::REDUCE_ANY: ok_type = t == DType::kBool; break;
    default: ok_type = t == DType::kFloat || t == DType::kInt32 || t == DType::kInt64; break;
  }
  if (!ok_type) return c.NotBuiltin(absl::StrCat("no exact builtin for dtype ", ToAbsl(tf::DTypeName(t))));
  const bool keep_dims = c.AttrBool("keep_dims");
  const int x = c.In(0);
  const int axes = c.ToInt32(c.In(1));
  c.EmitTo(0, kCode, {x, axes}, options::Reducer(keep_dims));
  return c.status();
}

template <bool kMax>
absl::Status LowerArgMinMax(NodeContext& c) {
  const DType t = c.in_dtype(0);
  if (t != DType::kFloat && t != DType::kInt32 && t != DType::kInt64) {
    return c.NotBuiltin(absl::StrCat("no exact builtin for dtype ", ToAbsl(tf::DTypeName(t))));
  }
  const DType out = c.out_type(0).dtype;
  if (out != DType::kInt32 && out != DType::kInt64) return c.NotBuiltin("output_type is neither int32 nor int64");
  const int x = c.In(0), axis = c.In(1);
  c.EmitTo(0, kMax ? Op::ARG_MAX : Op::ARG_MIN, {x, axis}, kMax ? options::ArgMax(out) : options::ArgMin(out));
  return c.status();
}

// L2Loss(t) = Σ t² · 0.5. SQUARE and SUM do not clamp, so an overflow still yields +inf before the final MUL
// (which, like every TFLite arithmetic builtin, turns ±inf into ±FLT_MAX).
absl::Status LowerL2Loss(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  const int t = c.In(0);
  const int squares = c.Unary(Op::SQUARE, t);
  int axes;
  if (c.in_shape(0).rank_known()) {
    std::vector<int32_t> all(c.in_shape(0).rank());
    for (int k = 0; k < c.in_shape(0).rank(); ++k) all[k] = k;
    axes = c.Int32s(all, "axes");
  } else {
    const int rank = c.Op(Op::RANK, {t}, DType::kInt32, graph::PartialShape::Scalar());
    axes = c.Op(Op::RANGE, {c.Int32Scalar(0, "zero"), rank, c.Int32Scalar(1, "one")}, DType::kInt32,
                graph::PartialShape({-1}), options::None(), "axes");
  }
  const int sum = c.Op(Op::SUM, {squares, axes}, DType::kFloat, graph::PartialShape::Scalar(),
                       options::Reducer(false));
  c.EmitTo(0, Op::MUL, {sum, c.Scalar(DType::kFloat, 0.5, "half")}, options::Mul());
  return c.status();
}

// BiasAddGrad(dy): the sum over every axis but the channel axis (last for NHWC, 1 for NCHW).
absl::Status LowerBiasAddGrad(NodeContext& c) {
  const DType t = c.in_dtype(0);
  if (t != DType::kFloat && t != DType::kInt32 && t != DType::kInt64) return c.NotBuiltin("dtype without SUM");
  if (!c.in_shape(0).rank_known()) return c.NotBuiltin("needs the gradient's rank");
  const int rank = c.in_shape(0).rank();
  const bool nchw = c.AttrString("data_format") == "NCHW";
  const int channel = nchw ? 1 : rank - 1;
  std::vector<int32_t> axes;
  for (int k = 0; k < rank; ++k) {
    if (k != channel) axes.push_back(k);
  }
  const int dy = c.In(0);
  const int axes_t = c.Int32s(axes, "axes");
  c.EmitTo(0, Op::SUM, {dy, axes_t}, options::Reducer(false));
  return c.status();
}

// UnsortedSegmentSum(data [N, ...], ids [N], num_segments) (AUC's bucket counts). The builtin
// UNSORTED_SEGMENT_SUM needs a 2.10 runtime, so it is composed of ops every runtime has: a [N, S] one-hot of the
// ids selects each row into its segment's column (0 elsewhere) and SUM over axis 0 adds them. Adding the extra
// zeros is exact, so each segment gets TF's terms in TF's order (rows ascending) when the reducer runs in order.
// A negative id is dropped, as in TF; an id >= num_segments, which TF rejects, is dropped too. Needs S known while
// building (the one-hot is N·S elements, so S is capped).
absl::Status LowerUnsortedSegmentSum(NodeContext& c) {
  constexpr int64_t kMaxSegments = 1 << 16;
  const DType t = c.in_dtype(0);
  if (t != DType::kFloat && t != DType::kInt32) return c.NotBuiltin("only float32 and int32 have a builtin form");
  const graph::PartialShape& ds = c.in_shape(0);
  const graph::PartialShape& is = c.in_shape(1);
  if (!is.rank_known() || is.rank() != 1) return c.NotBuiltin("needs rank-1 segment ids");
  if (!ds.rank_known() || ds.rank() < 1 || ds.rank() > 3) return c.NotBuiltin("needs data of rank 1 to 3");
  const std::optional<tf::Tensor> n = c.ConstInput(2);
  if (!n.has_value() || n->num_elements() != 1) return c.NotBuiltin("num_segments is not known while building");
  const int64_t segments =
      n->dtype() == DType::kInt64 ? n->flat<int64_t>()[0] : static_cast<int64_t>(n->flat<int32_t>()[0]);
  if (segments < 1 || segments > kMaxSegments) {
    return c.NotBuiltin(absl::StrCat("num_segments ", segments, " is outside [1, ", kMaxSegments, "]"));
  }
  const int data = c.In(0);
  const int ids = c.ToInt32(c.In(1));
  std::vector<int32_t> iota(segments);
  for (int64_t k = 0; k < segments; ++k) iota[k] = static_cast<int32_t>(k);
  int onehot = c.Binary(Op::EQUAL, c.ExpandDims(ids, -1), c.Int32s(iota, "segment_ids"));  // [N, S]
  for (int k = 1; k < ds.rank(); ++k) onehot = c.ExpandDims(onehot, -1);                  // [N, S, 1...]
  const int rows = c.ExpandDims(data, 1);                                                 // [N, 1, ...]
  std::vector<int64_t> spread_dims = {ds.dim(0), segments};
  for (int k = 1; k < ds.rank(); ++k) spread_dims.push_back(ds.dim(k));
  const int spread = c.Op(Op::SELECT_V2, {onehot, rows, c.Scalar(t, 0, "zero")}, t, graph::PartialShape(spread_dims));
  c.EmitTo(0, Op::SUM, {spread, c.Int32s({0}, "rows_axis")}, options::Reducer(false));
  return c.status();
}

}  // namespace

void RegisterReductionLowerings(LoweringRegistry& r) {
  r.Add("Sum", LowerReduce<Op::SUM>);
  r.Add("Mean", LowerReduce<Op::MEAN>);
  r.Add("Max", LowerReduce<Op::REDUCE_MAX>);
  r.Add("Min", LowerReduce<Op::REDUCE_MIN>);
  r.Add("Prod", LowerReduce<Op::REDUCE_PROD>);
  r.Add("All", LowerReduce<Op::REDUCE_ALL>);
  r.Add("Any", LowerReduce<Op::REDUCE_ANY>);
  r.Add("ArgMax", LowerArgMinMax<true>);
  r.Add("L2Loss", LowerL2Loss);
  r.Add("BiasAddGrad", LowerBiasAddGrad);
  r.Add("UnsortedSegmentSum", LowerUnsortedSegmentSum);
}

}  // namespace tb::tflite
