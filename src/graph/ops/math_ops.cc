// Element-wise arithmetic, comparisons, logic, reductions and matrix products (TF core/ops/math_ops.cc facts as of
// TF 2.14, tf-ops.md §7.1, §7.2, §7.4, §7.7, §7.9): their shape functions. The OpDefs are tf/op_defs'.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"
#include "graph/shape_inference.h"

namespace tb::graph {
namespace {

absl::Status SameShapeBinary(InferenceContext& c) {
  auto m = c.input_shape(0).Merge(c.input_shape(1));
  if (!m.ok()) return c.Error(m.status().message());
  c.set_output(0, *m);
  return absl::OkStatus();
}

absl::Status MatMulShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 2));
  TB_RETURN_IF_ERROR(c.CheckRank(1, 2));
  TB_ASSIGN_OR_RETURN(bool ta, c.GetBool("transpose_a"));
  TB_ASSIGN_OR_RETURN(bool tb, c.GetBool("transpose_b"));
  PartialShape a = c.input_shape(0).rank_known() ? c.input_shape(0) : PartialShape::UnknownDims(2);
  PartialShape b = c.input_shape(1).rank_known() ? c.input_shape(1) : PartialShape::UnknownDims(2);
  const int64_t m = a.dim(ta ? 1 : 0), ka = a.dim(ta ? 0 : 1);
  const int64_t kb = b.dim(tb ? 1 : 0), n = b.dim(tb ? 0 : 1);
  if (ka >= 0 && kb >= 0 && ka != kb) {
    return c.Error(absl::StrCat("matrix size-incompatible: In[0]: ", c.input_shape(0).ToString(),
                                ", In[1]: ", c.input_shape(1).ToString()));
  }
  c.set_output(0, PartialShape({m, n}));
  return absl::OkStatus();
}

absl::Status BatchMatMulShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRankAtLeast(0, 2));
  TB_RETURN_IF_ERROR(c.CheckRankAtLeast(1, 2));
  const PartialShape& x = c.input_shape(0);
  const PartialShape& y = c.input_shape(1);
  if (!x.rank_known() || !y.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(bool adj_x, c.GetBool("adj_x"));
  TB_ASSIGN_OR_RETURN(bool adj_y, c.GetBool("adj_y"));
  const int rx = x.rank(), ry = y.rank();
  const int64_t m = x.dim(rx - (adj_x ? 1 : 2)), kx = x.dim(rx - (adj_x ? 2 : 1));
  const int64_t ky = y.dim(ry - (adj_y ? 1 : 2)), n = y.dim(ry - (adj_y ? 2 : 1));
  if (kx >= 0 && ky >= 0 && kx != ky) {
    return c.Error(absl::StrCat("matrix size-incompatible: In[0]: ", x.ToString(), ", In[1]: ", y.ToString()));
  }
  std::vector<int64_t> bx(x.dims().begin(), x.dims().end() - 2), by(y.dims().begin(), y.dims().end() - 2);
  auto batch = BroadcastShapes(PartialShape(bx), PartialShape(by));
  if (!batch.ok()) return c.Error(batch.status().message());
  std::vector<int64_t> out = batch->dims();
  out.push_back(m);
  out.push_back(n);
  c.set_output(0, PartialShape(out));
  return absl::OkStatus();
}

absl::Status ArgMaxShape(InferenceContext& c) {
  const PartialShape& in = c.input_shape(0);
  auto axis = c.InputAsInts(1);
  if (!in.rank_known() || !axis || axis->size() != 1) {
    c.set_output(0, in.rank_known() && in.rank() > 0 ? PartialShape::UnknownDims(in.rank() - 1) : PartialShape());
    return absl::OkStatus();
  }
  TB_ASSIGN_OR_RETURN(int a, shape_fns::CanonicalAxis(c, (*axis)[0], in.rank()));
  std::vector<int64_t> dims;
  for (int i = 0; i < in.rank(); ++i) {
    if (i != a) dims.push_back(in.dim(i));
  }
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status RangeShape(InferenceContext& c) {
  for (int i = 0; i < 3; ++i) TB_RETURN_IF_ERROR(c.CheckRank(i, 0));
  const tf::Tensor* s = c.input_tensor(0);
  const tf::Tensor* l = c.input_tensor(1);
  const tf::Tensor* d = c.input_tensor(2);
  if (s && l && d && s->num_elements() == 1 && l->num_elements() == 1 && d->num_elements() == 1) {
    auto as_double = [](const tf::Tensor& t) -> double {
      switch (t.dtype()) {
        case tf::DType::kInt32: return t.flat<int32_t>()[0];
        case tf::DType::kInt64: return static_cast<double>(t.flat<int64_t>()[0]);
        case tf::DType::kFloat: return t.flat<float>()[0];
        case tf::DType::kDouble: return t.flat<double>()[0];
        default: return 0;
      }
    };
    const double start = as_double(*s), limit = as_double(*l), delta = as_double(*d);
    if (delta == 0) return c.Error("Requires delta != 0");
    if ((delta > 0 && start > limit) || (delta < 0 && start < limit)) {
      return c.Error("Requires start <= limit when delta > 0 (or start >= limit when delta < 0)");
    }
    const bool integral = s->dtype() == tf::DType::kInt32 || s->dtype() == tf::DType::kInt64;
    const double n = integral ? std::ceil(std::abs((limit - start) / delta)) : std::ceil(std::abs((limit - start) / delta));
    if (n > static_cast<double>(kMaxDim)) return c.Error("Range has too many elements");
    c.set_output(0, PartialShape({static_cast<int64_t>(n)}));
    return absl::OkStatus();
  }
  c.set_output(0, PartialShape({-1}));
  return absl::OkStatus();
}

absl::Status SelectShape(InferenceContext& c) {
  auto m = c.input_shape(1).Merge(c.input_shape(2));
  if (!m.ok()) return c.Error(m.status().message());
  const PartialShape& cond = c.input_shape(0);
  if (cond.rank_known() && m->rank_known() && cond.rank() != 0 &&
      !(cond.rank() == 1 && m->rank() >= 1) && cond.rank() != m->rank()) {
    return c.Error(absl::StrCat("condition ", cond.ToString(), " must be a scalar, a vector or shaped like ",
                                m->ToString()));
  }
  c.set_output(0, *m);
  return absl::OkStatus();
}

absl::Status SelectV2Shape(InferenceContext& c) {
  auto a = BroadcastShapes(c.input_shape(1), c.input_shape(2));
  if (!a.ok()) return c.Error(a.status().message());
  auto b = BroadcastShapes(c.input_shape(0), *a);
  if (!b.ok()) return c.Error(b.status().message());
  c.set_output(0, *b);
  return absl::OkStatus();
}

absl::Status UnsortedSegmentSumShape(InferenceContext& c) {
  const PartialShape& data = c.input_shape(0);
  const PartialShape& ids = c.input_shape(1);
  auto n = c.InputAsInts(2);
  int64_t segments = (n && n->size() == 1) ? (*n)[0] : -1;
  if (segments < -1) return c.Error("num_segments must be non-negative");
  if (!data.rank_known() || !ids.rank_known()) {
    c.set_output(0, PartialShape());
    return absl::OkStatus();
  }
  if (ids.rank() > data.rank()) return c.Error("segment_ids has a higher rank than data");
  std::vector<int64_t> dims = {segments};
  for (int i = ids.rank(); i < data.rank(); ++i) dims.push_back(data.dim(i));
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

}  // namespace

void RegisterMathOps(OpRegistry& r) {
  for (const char* op : {"AddV2", "Add", "Sub", "Mul", "RealDiv", "DivNoNan", "Maximum", "Minimum", "FloorMod", "Pow",
                         "SquaredDifference", "Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual",
                         "LogicalAnd", "LogicalOr"}) {
    r.Register(op, shape_fns::BroadcastBinary);
  }
  r.Register("AddN", shape_fns::AllInputsSameShape);
  for (const char* op : {"Neg", "Square", "Reciprocal", "Abs", "Sign", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p",
                         "Sigmoid", "Tanh", "Cast", "LogicalNot", "IsFinite"}) {
    r.Register(op, shape_fns::Unchanged);
  }
  for (const char* op : {"SigmoidGrad", "TanhGrad", "SqrtGrad", "RsqrtGrad"}) r.Register(op, SameShapeBinary);
  r.Register("MatMul", MatMulShape);
  r.Register("BatchMatMulV2", BatchMatMulShape);
  for (const char* op : {"Sum", "Mean", "Prod", "Max", "Min", "All", "Any"}) r.Register(op, shape_fns::Reduction);
  r.Register("ArgMax", ArgMaxShape);
  r.Register("Range", RangeShape);
  r.Register("Select", SelectShape);
  r.Register("SelectV2", SelectV2Shape);
  r.Register("UnsortedSegmentSum", UnsortedSegmentSumShape);
}

}  // namespace tb::graph
