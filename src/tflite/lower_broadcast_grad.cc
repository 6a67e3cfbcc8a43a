// The shape plumbing of reverse-mode gradients as builtins: BroadcastGradientArgs (tflite-lowering.md §3.8; TF's
// exact rule, computed while building when both shapes are known and with EQUAL/WHERE at run time otherwise) and
// StridedSliceGrad for unit strides (§3.7: reshape back the shrunk axes, then pad with zeros). Both are on the
// ODP Flex list; the builtin forms keep the training step free of Flex partitions.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/strided_slice.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

tf::Tensor IndexVector(const std::vector<int64_t>& v, DType dtype) {
  tf::Tensor t(dtype, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) {
    if (dtype == DType::kInt32) {
      t.flat<int32_t>()[i] = static_cast<int32_t>(v[i]);
    } else {
      t.flat<int64_t>()[i] = v[i];
    }
  }
  return t;
}

// TF's BCast reduction indices for two fully known shapes; nullopt when they do not broadcast.
std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>> StaticArgs(const std::vector<int64_t>& s0,
                                                                               const std::vector<int64_t>& s1) {
  std::vector<int64_t> r0, r1;
  if (s0 == s1) return std::make_pair(r0, r1);
  const size_t n = std::max(s0.size(), s1.size());
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = i < n - s0.size() ? 1 : s0[i - (n - s0.size())];
    const int64_t b = i < n - s1.size() ? 1 : s1[i - (n - s1.size())];
    if (a != b && a != 1 && b != 1) return std::nullopt;
    if (a == 1) r0.push_back(static_cast<int64_t>(i));
    if (b == 1) r1.push_back(static_cast<int64_t>(i));
  }
  return std::make_pair(r0, r1);
}

absl::Status LowerBroadcastGradientArgs(NodeContext& c) {
  const DType t = c.out_type(0).dtype;
  std::optional<std::vector<int64_t>> v0 = c.ShapeVectorInput(0), v1 = c.ShapeVectorInput(1);
  auto known = [](const std::optional<std::vector<int64_t>>& v) {
    return v.has_value() && std::all_of(v->begin(), v->end(), [](int64_t d) { return d >= 0; });
  };
  if (known(v0) && known(v1)) {
    if (auto args = StaticArgs(*v0, *v1); args.has_value()) {
      c.Bind(0, c.Const(IndexVector(args->first, t), "r0"));
      c.Bind(1, c.Const(IndexVector(args->second, t), "r1"));
      return c.status();
    }
  }
  const graph::PartialShape& a = c.in_shape(0);
  const graph::PartialShape& b = c.in_shape(1);
  if (!a.rank_known() || !b.rank_known() || a.rank() != 1 || b.rank() != 1 || a.dim(0) < 0 || b.dim(0) < 0) {
    return c.NotBuiltin("needs both shapes' lengths (the operands' ranks)");
  }
  const int64_t n0 = a.dim(0), n1 = b.dim(0), n = std::max(n0, n1);
  const int s0 = c.In(0), s1 = c.In(1);
  // diff: the shapes are not identical (identical shapes reduce nothing at all).
  int diff;
  if (n0 == n1) {
    const int same = c.Op(Op::REDUCE_ALL, {c.Binary(Op::EQUAL, s0, s1), c.Int32s({0}, "axis")}, DType::kBool,
                          graph::PartialShape::Scalar(), options::Reducer(false));
    diff = c.Unary(Op::LOGICAL_NOT, same);
  } else {
    diff = c.Scalar(DType::kBool, 1, "different_ranks");
  }
  const int one = c.Scalar(t, 1, "one");
  for (int k = 0; k < 2; ++k) {
    const int s = k == 0 ? s0 : s1;
    const int64_t nk = k == 0 ? n0 : n1;
    int padded = s;
    if (nk < n) {
      tf::Tensor ones(t, {n - nk});
      for (int64_t i = 0; i < n - nk; ++i) {
        if (t == DType::kInt32) {
          ones.flat<int32_t>()[i] = 1;
        } else {
          ones.flat<int64_t>()[i] = 1;
        }
      }
      padded = c.Op(Op::CONCATENATION, {c.Const(ones, "ones"), s}, t, graph::PartialShape({n}),
                    options::Concatenation(0));
    }
    const int mask = c.Binary(Op::LOGICAL_AND, c.Binary(Op::EQUAL, padded, one), diff);
    const int where = c.Op(Op::WHERE, {mask}, DType::kInt64, graph::PartialShape({-1, 1}));
    const int flat = c.Reshape(where, {-1});
    if (t == DType::kInt64) {
      c.Bind(k, flat);
    } else {
      c.EmitTo(k, Op::CAST, {flat}, options::Cast(DType::kInt64, t));
    }
  }
  return c.status();
}

std::optional<std::vector<int64_t>> IntValues(const std::optional<tf::Tensor>& t) {
  if (!t.has_value() || t->rank() != 1) return std::nullopt;
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t->num_elements(); ++i) {
    if (t->dtype() == DType::kInt32) {
      v.push_back(t->flat<int32_t>()[i]);
    } else if (t->dtype() == DType::kInt64) {
      v.push_back(t->flat<int64_t>()[i]);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

// StridedSliceGrad(shape, begin, end, strides, dy) for unit strides without ellipsis/new axes: zeros of `shape`
// with dy written into the sliced region = PAD(RESHAPE(dy, region), [[b_i, dim_i − e_i]]).
absl::Status LowerStridedSliceGrad(NodeContext& c) {
  const DType t = c.in_dtype(4);
  if (t != DType::kFloat && t != DType::kInt32 && t != DType::kInt64) return c.NotBuiltin("dtype without PAD");
  if (c.AttrInt("ellipsis_mask") != 0 || c.AttrInt("new_axis_mask") != 0) {
    return c.NotBuiltin("ellipsis or new-axis masks");
  }
  const int64_t begin_mask = c.AttrInt("begin_mask"), end_mask = c.AttrInt("end_mask");
  const int64_t shrink = c.AttrInt("shrink_axis_mask");
  std::optional<std::vector<int64_t>> dims = c.ShapeVectorInput(0);
  std::optional<std::vector<int64_t>> begin = IntValues(c.ConstInput(1)), end = IntValues(c.ConstInput(2)),
                                      strides = IntValues(c.ConstInput(3));
  if (!dims || !begin || !end || !strides) return c.NotBuiltin("needs constant begin/end/strides and a known rank");
  if (begin->size() != end->size() || begin->size() != strides->size() || begin->size() > dims->size()) {
    return c.NotBuiltin("slice spec does not match the rank");
  }
  if (std::any_of(strides->begin(), strides->end(), [](int64_t v) { return v < 0; })) {
    return c.NotBuiltin("negative strides");
  }
  graph::StridedSliceMasks masks;
  masks.begin = begin_mask;
  masks.end = end_mask;
  masks.shrink_axis = shrink;
  auto plan = graph::PlanStridedSlice(*dims, *begin, *end, *strides, masks);
  if (!plan.ok()) return c.NotBuiltin(FromAbsl(plan.status().message()));
  std::vector<int64_t> region, pad_before, pad_after;
  int unknown = 0;
  for (size_t i = 0; i < dims->size(); ++i) {
    const int64_t d = (*dims)[i];
    const bool specified = i < begin->size();
    const bool shrink_i = specified && ((shrink >> i) & 1);
    if (d < 0) {
      // Unknown while building (the batch): only a dimension taken whole keeps the paddings at [0, 0].
      const bool full_begin = !specified || ((begin_mask >> i) & 1) || (*begin)[i] == 0;
      const bool full_end = !specified || ((end_mask >> i) & 1);
      if (shrink_i || !full_begin || !full_end || (specified && (*strides)[i] != 1)) {
        return c.NotBuiltin("a dimension unknown while building is sliced");
      }
      region.push_back(-1);
      pad_before.push_back(0);
      pad_after.push_back(0);
      ++unknown;
      continue;
    }
    const int64_t b = plan->begin[i], size = plan->size[i];
    if (size > 1 && plan->stride[i] != 1) return c.NotBuiltin("strides other than 1");
    region.push_back(size);
    pad_before.push_back(size == 0 ? 0 : b);
    pad_after.push_back(d - (size == 0 ? 0 : b) - size);
  }
  if (unknown > 1) return c.NotBuiltin("more than one dimension unknown while building");
  int g = c.In(4);
  const graph::PartialShape& gs = c.in_shape(4);
  const bool reshape_needed = shrink != 0 || !gs.rank_known() || gs.rank() != static_cast<int>(region.size());
  if (reshape_needed) g = c.Reshape(g, region);
  bool any_pad = false;
  for (size_t i = 0; i < region.size(); ++i) any_pad = any_pad || pad_before[i] != 0 || pad_after[i] != 0;
  if (!any_pad) {
    c.Bind(0, g);
    return c.status();
  }
  tf::Tensor paddings(DType::kInt32, {static_cast<int64_t>(region.size()), 2});
  for (size_t i = 0; i < region.size(); ++i) {
    paddings.flat<int32_t>()[2 * i] = static_cast<int32_t>(pad_before[i]);
    paddings.flat<int32_t>()[2 * i + 1] = static_cast<int32_t>(pad_after[i]);
  }
  c.EmitTo(0, Op::PAD, {g, c.Const(paddings, "paddings")});
  return c.status();
}

}  // namespace

void RegisterBroadcastGradLowerings(LoweringRegistry& r) {
  r.Add("BroadcastGradientArgs", LowerBroadcastGradientArgs);
  r.Add("StridedSliceGrad", LowerStridedSliceGrad);
}

}  // namespace tb::tflite
