// Gradients of element-wise arithmetic, unary math, matrix products, reductions, Cast and selection
// (tf-ops.md §7.1, §7.2, §7.4, §7.7, §7.9). Broadcast operands are reduced with ReduceToShapeOf.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/autodiff/grad_registry.h"

namespace tb::graph {
namespace {

using C = GradContext;

absl::Status AddGrad(C& c) {
  Output g = c.GO(0);
  c.SetGI(0, c.ReduceToShapeOf(g, c.I(0), c.I(1)));
  c.SetGI(1, c.ReduceToShapeOf(g, c.I(1), c.I(0)));
  return absl::OkStatus();
}

absl::Status SubGrad(C& c) {
  Output g = c.GO(0);
  if (c.NeedsGI(0)) c.SetGI(0, c.ReduceToShapeOf(g, c.I(0), c.I(1)));
  if (c.NeedsGI(1)) c.SetGI(1, c.ReduceToShapeOf(c.b().Neg(g), c.I(1), c.I(0)));
  return absl::OkStatus();
}

absl::Status MulGrad(C& c) {
  Output g = c.GO(0);
  if (c.NeedsGI(0)) c.SetGI(0, c.ReduceToShapeOf(c.b().Mul(g, c.I(1)), c.I(0), c.I(1)));
  if (c.NeedsGI(1)) c.SetGI(1, c.ReduceToShapeOf(c.b().Mul(c.I(0), g), c.I(1), c.I(0)));
  return absl::OkStatus();
}

// d(x/y) = g/y, -g·x/y²; DivNoNan uses DivNoNan throughout so both are 0 where y == 0.
template <bool kNoNan>
absl::Status DivGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), x = c.I(0), y = c.I(1);
  auto div = [&](Output a, Output d) { return kNoNan ? b.DivNoNan(a, d) : b.Div(a, d); };
  if (c.NeedsGI(0)) c.SetGI(0, c.ReduceToShapeOf(div(g, y), x, y));
  if (c.NeedsGI(1)) c.SetGI(1, c.ReduceToShapeOf(b.Mul(g, div(div(b.Neg(x), y), y)), y, x));
  return absl::OkStatus();
}

// Ties send the gradient to x (GreaterEqual / LessEqual), as TF does.
template <bool kMax>
absl::Status MinMaxGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), x = c.I(0), y = c.I(1);
  Output mask = kMax ? b.GreaterEqual(x, y) : b.LessEqual(x, y);
  Output zero = b.ScalarLike(g, 0);
  if (c.NeedsGI(0)) c.SetGI(0, c.ReduceToShapeOf(b.SelectV2(mask, g, zero), x, y));
  if (c.NeedsGI(1)) c.SetGI(1, c.ReduceToShapeOf(b.SelectV2(mask, zero, g), y, x));
  return absl::OkStatus();
}

absl::Status SquaredDifferenceGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), x = c.I(0), y = c.I(1);
  Output d = b.Mul(b.Mul(b.ScalarLike(g, 2), g), b.Sub(x, y));
  if (c.NeedsGI(0)) c.SetGI(0, c.ReduceToShapeOf(d, x, y));
  if (c.NeedsGI(1)) c.SetGI(1, c.ReduceToShapeOf(b.Neg(d), y, x));
  return absl::OkStatus();
}

absl::Status AddNGrad(C& c) {
  for (int i = 0; i < c.node().num_inputs(); ++i) c.SetGI(i, c.GO(0));
  return absl::OkStatus();
}

absl::Status NegGrad(C& c) {
  c.SetGI(0, c.b().Neg(c.GO(0)));
  return absl::OkStatus();
}
absl::Status SquareGrad(C& c) {
  c.SetGI(0, c.b().Mul(c.GO(0), c.b().Mul(c.I(0), c.b().ScalarLike(c.I(0), 2))));
  return absl::OkStatus();
}
absl::Status SqrtGrad(C& c) {
  c.SetGI(0, c.b().Op("SqrtGrad", {c.O(0), c.GO(0)}));
  return absl::OkStatus();
}
absl::Status RsqrtGrad(C& c) {
  c.SetGI(0, c.b().Op("RsqrtGrad", {c.O(0), c.GO(0)}));
  return absl::OkStatus();
}
absl::Status ExpGrad(C& c) {
  c.SetGI(0, c.b().Mul(c.GO(0), c.O(0)));
  return absl::OkStatus();
}
// g/x rather than TF's g·Reciprocal(x): one DIV instead of two ops on phones.
absl::Status LogGrad(C& c) {
  c.SetGI(0, c.b().Div(c.GO(0), c.I(0)));
  return absl::OkStatus();
}
absl::Status Log1pGrad(C& c) {
  c.SetGI(0, c.b().Div(c.GO(0), c.b().Add(c.b().ScalarLike(c.I(0), 1), c.I(0))));
  return absl::OkStatus();
}
absl::Status SigmoidGrad(C& c) {
  c.SetGI(0, c.b().Op("SigmoidGrad", {c.O(0), c.GO(0)}));
  return absl::OkStatus();
}
absl::Status TanhGrad(C& c) {
  c.SetGI(0, c.b().Op("TanhGrad", {c.O(0), c.GO(0)}));
  return absl::OkStatus();
}
// d(1/x) = -g·y².
absl::Status ReciprocalGrad(C& c) {
  c.SetGI(0, c.b().Neg(c.b().Mul(c.GO(0), c.b().Square(c.O(0)))));
  return absl::OkStatus();
}
absl::Status AbsGrad(C& c) {
  c.SetGI(0, c.b().Mul(c.GO(0), c.b().Op("Sign", {c.I(0)})));
  return absl::OkStatus();
}
absl::Status SignGrad(C& c) {
  c.SetGI(0, c.b().ZerosLike(c.I(0)));
  return absl::OkStatus();
}

// Second-order gradients of the activation-gradient ops (tf-ops.md §7.2): a = y, b = dy.
absl::Status SigmoidGradGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), a = c.I(0), dy = c.I(1);
  Output gb = b.Mul(g, dy);
  if (c.NeedsGI(0)) c.SetGI(0, b.Sub(gb, b.Mul(b.Mul(b.ScalarLike(g, 2), gb), a)));
  if (c.NeedsGI(1)) c.SetGI(1, b.Op("SigmoidGrad", {a, g}));
  return absl::OkStatus();
}
absl::Status TanhGradGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), a = c.I(0), dy = c.I(1);
  if (c.NeedsGI(0)) c.SetGI(0, b.Mul(b.Mul(b.Mul(g, b.ScalarLike(g, -2)), dy), a));
  if (c.NeedsGI(1)) c.SetGI(1, b.Op("TanhGrad", {a, g}));
  return absl::OkStatus();
}
absl::Status SqrtGradGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), a = c.I(0);
  Output ga = b.Div(g, a);
  if (c.NeedsGI(0)) c.SetGI(0, b.Mul(b.Neg(ga), c.O(0)));
  if (c.NeedsGI(1)) c.SetGI(1, b.Mul(b.ScalarLike(g, 0.5), ga));
  return absl::OkStatus();
}
absl::Status RsqrtGradGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), a = c.I(0), dy = c.I(1);
  if (c.NeedsGI(0)) c.SetGI(0, b.Mul(b.Mul(b.Mul(b.ScalarLike(g, -1.5), g), dy), b.Square(a)));
  if (c.NeedsGI(1)) c.SetGI(1, b.Op("RsqrtGrad", {a, g}));
  return absl::OkStatus();
}

// MatMul: the four transpose combinations of tf-ops.md §7.4.
absl::Status MatMulGrad(C& c) {
  TB_ASSIGN_OR_RETURN(bool ta, c.GetBool("transpose_a"));
  TB_ASSIGN_OR_RETURN(bool tb, c.GetBool("transpose_b"));
  const Builder& b = c.b();
  Output g = c.GO(0), a = c.I(0), w = c.I(1);
  if (!ta && !tb) {
    if (c.NeedsGI(0)) c.SetGI(0, b.MatMul(g, w, false, true));
    if (c.NeedsGI(1)) c.SetGI(1, b.MatMul(a, g, true, false));
  } else if (!ta && tb) {
    if (c.NeedsGI(0)) c.SetGI(0, b.MatMul(g, w, false, false));
    if (c.NeedsGI(1)) c.SetGI(1, b.MatMul(g, a, true, false));
  } else if (ta && !tb) {
    if (c.NeedsGI(0)) c.SetGI(0, b.MatMul(w, g, false, true));
    if (c.NeedsGI(1)) c.SetGI(1, b.MatMul(a, g, false, false));
  } else {
    if (c.NeedsGI(0)) c.SetGI(0, b.MatMul(w, g, true, true));
    if (c.NeedsGI(1)) c.SetGI(1, b.MatMul(g, a, true, true));
  }
  return absl::OkStatus();
}

// Sums a batch-matmul gradient over the batch dims the operand was broadcast along.
Output ReduceBatch(C& c, Output d, Output x, Output other) {
  const PartialShape& xs = x.shape();
  if (xs.IsFullyDefined() && d.shape() == xs) return d;
  const Builder& b = c.b();
  if (xs.rank_known() && other.shape().rank_known() && d.shape().rank_known()) {
    // Compare batch dims only (the trailing matrix dims never broadcast).
    std::vector<int64_t> xb(xs.dims().begin(), xs.dims().end() - 2);
    std::vector<int64_t> db(d.shape().dims().begin(), d.shape().dims().end() - 2);
    if (xb == db && std::all_of(xb.begin(), xb.end(), [](int64_t v) { return v >= 0; })) return d;
  }
  // General case: reduce over broadcast batch axes using BroadcastGradientArgs on the batch shapes.
  auto batch_shape = [&](Output v) {
    Output s = b.Op("Shape", {v});
    return b.Op("StridedSlice", {s, b.Int32s({0}), b.Int32s({-2}), b.Int32s({1})}, {{"begin_mask", AttrInt(1)}});
  };
  auto r = b.Ops("BroadcastGradientArgs", {batch_shape(x), batch_shape(other)});
  if (r.size() != 2) return Output();
  return b.Reshape(b.Sum(d, r[0], false), b.Op("Shape", {x}));
}

absl::Status BatchMatMulGrad(C& c) {
  TB_ASSIGN_OR_RETURN(bool ax, c.GetBool("adj_x"));
  TB_ASSIGN_OR_RETURN(bool ay, c.GetBool("adj_y"));
  const Builder& b = c.b();
  Output g = c.GO(0), x = c.I(0), y = c.I(1);
  Output dx, dy;
  if (!ax && !ay) {
    dx = b.BatchMatMul(g, y, false, true);
    dy = b.BatchMatMul(x, g, true, false);
  } else if (!ax && ay) {
    dx = b.BatchMatMul(g, y, false, false);
    dy = b.BatchMatMul(g, x, true, false);
  } else if (ax && !ay) {
    dx = b.BatchMatMul(y, g, false, true);
    dy = b.BatchMatMul(x, g, false, false);
  } else {
    dx = b.BatchMatMul(y, g, true, true);
    dy = b.BatchMatMul(g, x, true, true);
  }
  if (c.NeedsGI(0)) c.SetGI(0, ReduceBatch(c, dx, x, y));
  if (c.NeedsGI(1)) c.SetGI(1, ReduceBatch(c, dy, y, x));
  return absl::OkStatus();
}

// Broadcasts a reduction's gradient back over x: g re-expanded to kept dims, then tiled (constant multiples when
// the reduced dims are known) or BroadcastTo(Shape(x)).
absl::StatusOr<Output> BroadcastBack(C& c, Output g, Output x, const std::vector<int>& axes) {
  const Builder& b = c.b();
  TB_ASSIGN_OR_RETURN(Output kept, c.KeptDims(g, x, axes));
  const PartialShape& xs = x.shape();
  std::vector<int32_t> multiples(xs.rank(), 1);
  bool static_multiples = true;
  for (int a : axes) {
    if (xs.dim(a) < 0) static_multiples = false;
    multiples[a] = static_cast<int32_t>(xs.dim(a));
  }
  if (static_multiples) return b.Tile(kept, b.Int32s(multiples));
  return b.Op("BroadcastTo", {kept, b.Op("Shape", {x})});
}

absl::Status SumGrad(C& c) {
  Output x = c.I(0);
  TB_ASSIGN_OR_RETURN(std::vector<int> axes, c.ConstantAxes(1, x));
  if (axes.empty()) {
    c.SetGI(0, c.GO(0));
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(Output dx, BroadcastBack(c, c.GO(0), x, axes));
  c.SetGI(0, dx);
  return absl::OkStatus();
}

absl::Status MeanGrad(C& c) {
  const Builder& b = c.b();
  Output x = c.I(0);
  TB_ASSIGN_OR_RETURN(std::vector<int> axes, c.ConstantAxes(1, x));
  if (axes.empty()) {
    c.SetGI(0, c.GO(0));
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(Output dx, BroadcastBack(c, c.GO(0), x, axes));
  // The number of elements averaged: constant when the reduced dims are known.
  int64_t count = 1;
  bool known = true;
  for (int a : axes) {
    if (x.shape().dim(a) < 0) known = false;
    else count *= x.shape().dim(a);
  }
  Output factor;
  if (known) {
    factor = b.ScalarLike(dx, static_cast<double>(std::max<int64_t>(count, 1)));
  } else {
    std::vector<int32_t> ax(axes.begin(), axes.end());
    Output dims = b.Op("GatherV2", {b.Op("Shape", {x}), b.Int32s(ax), b.Scalar<int32_t>(0)});
    factor = b.Cast(b.Op("Prod", {dims, b.Int32s({0})}), dx.valid() ? dx.dtype() : tf::DType::kFloat);
  }
  c.SetGI(0, b.Div(dx, factor));
  return absl::OkStatus();
}

// Max/Min: the gradient is shared equally by the tied extrema.
absl::Status MinMaxReductionGrad(C& c) {
  const Builder& b = c.b();
  Output x = c.I(0);
  TB_ASSIGN_OR_RETURN(std::vector<int> axes, c.ConstantAxes(1, x));
  if (axes.empty()) {
    c.SetGI(0, c.GO(0));
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(Output y, c.KeptDims(c.O(0), x, axes));
  TB_ASSIGN_OR_RETURN(Output g, c.KeptDims(c.GO(0), x, axes));
  Output ind = b.Cast(b.Equal(y, x), x.dtype());
  std::vector<int32_t> ax(axes.begin(), axes.end());
  Output num = b.Sum(ind, ax, /*keep_dims=*/true);
  c.SetGI(0, b.Mul(b.Div(ind, num), g));
  return absl::OkStatus();
}

absl::Status CastGrad(C& c) {
  const tf::DType src = c.I(0).dtype(), dst = c.O(0).dtype();
  auto is_float = [](tf::DType t) {
    return t == tf::DType::kFloat || t == tf::DType::kDouble || t == tf::DType::kHalf;
  };
  if (is_float(src) && is_float(dst)) c.SetGI(0, c.b().Cast(c.GO(0), src));
  return absl::OkStatus();
}

absl::Status SelectGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0);
  Output zeros = b.ZerosLike(g);
  if (c.NeedsGI(1)) c.SetGI(1, b.Select(c.I(0), g, zeros));
  if (c.NeedsGI(2)) c.SetGI(2, b.Select(c.I(0), zeros, g));
  return absl::OkStatus();
}

absl::Status SelectV2Grad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0);
  Output zero = b.ScalarLike(g, 0);
  if (c.NeedsGI(1)) c.SetGI(1, c.ReduceToShapeOf(b.SelectV2(c.I(0), g, zero), c.I(1), c.O(0)));
  if (c.NeedsGI(2)) c.SetGI(2, c.ReduceToShapeOf(b.SelectV2(c.I(0), zero, g), c.I(2), c.O(0)));
  return absl::OkStatus();
}

// data gets the gradient rows of its segments (segment ids are assumed non-negative, as the GatherV2 gradient
// produces them).
absl::Status UnsortedSegmentSumGrad(C& c) {
  c.SetGI(0, c.b().Op("GatherV2", {c.GO(0), c.I(1), c.b().Scalar<int32_t>(0)}));
  return absl::OkStatus();
}

}  // namespace

void RegisterMathGradients(GradRegistry& r) {
  r.Register("AddV2", AddGrad);
  r.Register("Add", AddGrad);
  r.Register("Sub", SubGrad);
  r.Register("Mul", MulGrad);
  r.Register("RealDiv", DivGrad<false>);
  r.Register("DivNoNan", DivGrad<true>);
  r.Register("Maximum", MinMaxGrad<true>);
  r.Register("Minimum", MinMaxGrad<false>);
  r.Register("SquaredDifference", SquaredDifferenceGrad);
  r.Register("AddN", AddNGrad);
  r.Register("Neg", NegGrad);
  r.Register("Square", SquareGrad);
  r.Register("Sqrt", SqrtGrad);
  r.Register("Rsqrt", RsqrtGrad);
  r.Register("Exp", ExpGrad);
  r.Register("Log", LogGrad);
  r.Register("Log1p", Log1pGrad);
  r.Register("Sigmoid", SigmoidGrad);
  r.Register("Tanh", TanhGrad);
  r.Register("Reciprocal", ReciprocalGrad);
  r.Register("Abs", AbsGrad);
  r.Register("Sign", SignGrad);
  r.Register("SigmoidGrad", SigmoidGradGrad);
  r.Register("TanhGrad", TanhGradGrad);
  r.Register("SqrtGrad", SqrtGradGrad);
  r.Register("RsqrtGrad", RsqrtGradGrad);
  r.Register("MatMul", MatMulGrad);
  r.Register("BatchMatMulV2", BatchMatMulGrad);
  r.Register("Sum", SumGrad);
  r.Register("Mean", MeanGrad);
  r.Register("Max", MinMaxReductionGrad);
  r.Register("Min", MinMaxReductionGrad);
  r.Register("Cast", CastGrad);
  r.Register("Select", SelectGrad);
  r.Register("SelectV2", SelectV2Grad);
  r.Register("UnsortedSegmentSum", UnsortedSegmentSumGrad);
  // Registered as not differentiable (TF's NotDifferentiable / integer or bool results).
  for (const char* op : {"Range", "Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd",
                         "LogicalOr", "LogicalNot", "IsFinite", "ArgMax", "All", "Any", "FloorMod"}) {
    r.Register(op, nullptr);
  }
}

}  // namespace tb::graph
