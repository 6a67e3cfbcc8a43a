// Element-wise arithmetic, comparisons, logic, reductions and matrix products (TF core/ops/math_ops.cc facts as of
// TF 2.14, tf-ops.md §7.1, §7.2, §7.4, §7.7, §7.9). tests/graph/op_tables_test.cc checks them against tf/op_defs.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"
#include "graph/ops/op_sets.h"
#include "graph/shape_inference.h"

namespace tb::graph {
namespace {

using namespace op_sets;  // NOLINT: spec constants read better unqualified here

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

void Binary(OpRegistry& r, const char* name, const std::string& types, bool commutative = false) {
  OpBuilder b(name);
  b.Input("x: T").Input("y: T").Output("z: T").Attr(types).SetShapeFn(shape_fns::BroadcastBinary);
  if (commutative) b.SetIsCommutative();
  r.Register(b);
}

void Unary(OpRegistry& r, const char* name, const std::string& types) {
  r.Register(OpBuilder(name).Input("x: T").Output("y: T").Attr(types).SetShapeFn(shape_fns::Unchanged));
}

void UnaryGrad(OpRegistry& r, const char* name, const std::string& types) {
  r.Register(OpBuilder(name).Input("y: T").Input("dy: T").Output("z: T").Attr(types).SetShapeFn(SameShapeBinary));
}

void Comparison(OpRegistry& r, const char* name) {
  r.Register(OpBuilder(name).Input("x: T").Input("y: T").Output("z: bool").Attr(T(kReal))
                 .SetShapeFn(shape_fns::BroadcastBinary));
}

void Reduction(OpRegistry& r, const char* name, const std::string& types) {
  r.Register(OpBuilder(name)
                 .Input("input: T").Input("reduction_indices: Tidx").Output("output: T")
                 .Attr("keep_dims: bool = false").Attr(types).Attr("Tidx: {int32, int64} = int32")
                 .SetShapeFn(shape_fns::Reduction));
}

}  // namespace

void RegisterMathOps(OpRegistry& r) {
  const std::string kAddTypes =
      "T: {bfloat16, half, float, double, uint8, int8, uint16, int16, int32, int64, complex64, complex128}";
  const std::string kArith =
      "T: {bfloat16, half, float, double, uint8, int8, uint16, int16, int32, int64, complex64, complex128}";
  {
    OpBuilder b("AddV2");
    b.Input("x: T").Input("y: T").Output("z: T").Attr(kAddTypes).SetIsCommutative().SetIsAggregate()
        .SetShapeFn(shape_fns::BroadcastBinary);
    r.Register(b);
  }
  Binary(r, "Add", "T: {bfloat16, half, float, double, uint8, int8, int16, int32, int64, complex64, complex128, string}");
  Binary(r, "Sub", kArith);
  Binary(r, "Mul", kArith, /*commutative=*/true);
  Binary(r, "RealDiv", kArith);
  Binary(r, "DivNoNan", "T: {half, float, bfloat16, double, complex64, complex128}");
  Binary(r, "Maximum", "T: {bfloat16, half, float, double, int16, int32, int64}");
  Binary(r, "Minimum", "T: {bfloat16, half, float, double, int16, int32, int64}");
  Binary(r, "FloorMod",
         "T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64, bfloat16, half, float, double}");
  Binary(r, "Pow", "T: {bfloat16, float, half, double, int8, int16, int32, int64, complex64, complex128}");
  Binary(r, "SquaredDifference", "T: {bfloat16, half, float, double, int32, int64, complex64, complex128}", true);
  r.Register(OpBuilder("AddN").Input("inputs: N * T").Output("sum: T").Attr("N: int >= 1")
                 .Attr(absl::StrCat("T: {float, double, int32, uint8, int16, int8, complex64, int64, qint8, quint8, "
                                    "qint32, bfloat16, qint16, quint16, uint16, complex128, half, uint32, uint64, variant}"))
                 .SetIsCommutative().SetIsAggregate().SetShapeFn(shape_fns::AllInputsSameShape));

  Unary(r, "Neg", "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}");
  Unary(r, "Square", "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}");
  Unary(r, "Reciprocal", "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}");
  Unary(r, "Abs", "T: {bfloat16, half, float, double, int8, int16, int32, int64}");
  Unary(r, "Sign", "T: {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}");
  for (const char* name : {"Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Sigmoid", "Tanh"}) Unary(r, name, T(kFC));
  for (const char* name : {"SigmoidGrad", "TanhGrad", "SqrtGrad", "RsqrtGrad"}) UnaryGrad(r, name, T(kFC));

  r.Register(OpBuilder("MatMul").Input("a: T").Input("b: T").Output("product: T")
                 .Attr("transpose_a: bool = false").Attr("transpose_b: bool = false")
                 .Attr("T: {bfloat16, half, float, double, int32, int64, complex64, complex128}")
                 .SetShapeFn(MatMulShape));
  r.Register(OpBuilder("BatchMatMulV2").Input("x: T").Input("y: T").Output("output: T")
                 .Attr("T: {bfloat16, half, float, double, int16, int32, int64, complex64, complex128}")
                 .Attr("adj_x: bool = false").Attr("adj_y: bool = false").SetShapeFn(BatchMatMulShape));

  Reduction(r, "Sum", T(kNum));
  Reduction(r, "Mean", T(kNum));
  Reduction(r, "Prod", T(kNum));
  const std::string kMinMax =
      "T: {float, double, int32, uint8, int16, int8, int64, qint8, quint8, qint32, bfloat16, uint16, half, uint32, "
      "uint64}";
  Reduction(r, "Max", kMinMax);
  Reduction(r, "Min", kMinMax);
  for (const char* name : {"All", "Any"}) {
    r.Register(OpBuilder(name).Input("input: bool").Input("reduction_indices: Tidx").Output("output: bool")
                   .Attr("keep_dims: bool = false").Attr("Tidx: {int32, int64} = int32")
                   .SetShapeFn(shape_fns::Reduction));
  }
  r.Register(OpBuilder("ArgMax").Input("input: T").Input("dimension: Tidx").Output("output: output_type")
                 .Attr(T(kNum)).Attr("Tidx: {int32, int64} = int32").Attr("output_type: {int32, int64} = int64")
                 .SetShapeFn(ArgMaxShape));

  r.Register(OpBuilder("Cast").Input("x: SrcT").Output("y: DstT").Attr("SrcT: type").Attr("DstT: type")
                 .Attr("Truncate: bool = false").SetShapeFn(shape_fns::Unchanged));
  r.Register(OpBuilder("Range").Input("start: Tidx").Input("limit: Tidx").Input("delta: Tidx").Output("output: Tidx")
                 .Attr("Tidx: {bfloat16, half, float, double, int32, int64} = int32").SetShapeFn(RangeShape));

  const std::string kEqualTypes =
      "T: {bfloat16, half, float, double, uint8, int8, int16, int32, int64, complex64, quint8, qint8, qint32, string, "
      "bool, complex128}";
  for (const char* name : {"Equal", "NotEqual"}) {
    r.Register(OpBuilder(name).Input("x: T").Input("y: T").Output("z: bool").Attr(kEqualTypes)
                   .Attr("incompatible_shape_error: bool = true").SetIsCommutative()
                   .SetShapeFn(shape_fns::BroadcastBinary));
  }
  for (const char* name : {"Greater", "GreaterEqual", "Less", "LessEqual"}) Comparison(r, name);
  for (const char* name : {"LogicalAnd", "LogicalOr"}) {
    r.Register(OpBuilder(name).Input("x: bool").Input("y: bool").Output("z: bool").SetIsCommutative()
                   .SetShapeFn(shape_fns::BroadcastBinary));
  }
  r.Register(OpBuilder("LogicalNot").Input("x: bool").Output("y: bool").SetShapeFn(shape_fns::Unchanged));
  r.Register(OpBuilder("IsFinite").Input("x: T").Output("y: bool").Attr(T(kF4)).SetShapeFn(shape_fns::Unchanged));
  r.Register(OpBuilder("Select").Input("condition: bool").Input("t: T").Input("e: T").Output("output: T")
                 .Attr("T: type").SetShapeFn(SelectShape));
  r.Register(OpBuilder("SelectV2").Input("condition: bool").Input("t: T").Input("e: T").Output("output: T")
                 .Attr("T: type").SetShapeFn(SelectV2Shape));
  r.Register(OpBuilder("UnsortedSegmentSum").Input("data: T").Input("segment_ids: Tindices")
                 .Input("num_segments: Tnumsegments").Output("output: T")
                 .Attr(T(kNum))
                 .Attr("Tindices: {int32, int64}").Attr("Tnumsegments: {int32, int64} = int32")
                 .SetShapeFn(UnsortedSegmentSumShape));
}

}  // namespace tb::graph
