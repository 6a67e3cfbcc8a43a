// Joining and splitting along an axis: ConcatV2, ConcatOffset (the gradient helper), Pack, Unpack.
#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

// Concatenates `parts` (all rank r, same dtype, equal except along `axis`) along `axis`.
absl::StatusOr<tf::Tensor> Concat(KernelContext& ctx, absl::Span<const tf::Tensor> parts, int axis) {
  const tf::Tensor& first = parts[0];
  tf::Shape shape = first.shape();
  shape[axis] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const tf::Tensor& p = parts[i];
    if (p.dtype() != first.dtype()) return ctx.Error("all inputs must have the same dtype");
    if (p.rank() != first.rank()) {
      return ctx.Error(absl::StrCat("ConcatOp : Ranks of all input tensors should match: shape[0] = ",
                                    tf::ShapeToString(first.shape()), " vs. shape[", i, "] = ", tf::ShapeToString(p.shape())));
    }
    for (int d = 0; d < p.rank(); ++d) {
      if (d != axis && p.dim(d) != first.dim(d)) {
        return ctx.Error(absl::StrCat("ConcatOp : Dimension ", d, " in both shapes must be equal: shape[0] = ",
                                      tf::ShapeToString(first.shape()), " vs. shape[", i, "] = ", tf::ShapeToString(p.shape())));
      }
    }
    shape[axis] += p.dim(axis);
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(first.dtype(), shape));
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  int64_t out_row = 1;
  for (int d = axis; d < static_cast<int>(shape.size()); ++d) out_row *= shape[d];
  int64_t col = 0;
  for (const tf::Tensor& p : parts) {
    const int64_t row = outer == 0 ? 0 : p.num_elements() / outer;
    for (int64_t o = 0; o < outer; ++o) CopyElements(p, o * row, out, o * out_row + col, row);
    col += row;
  }
  return out;
}

absl::Status ConcatV2(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  if (n < 1) return ctx.Error("needs at least one value and an axis");
  if (!IsMovable(ctx.input(0).dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", ctx.input(0).DebugType()));
  TB_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(ctx, ctx.input(n), "axis"));
  if (ctx.input(0).rank() == 0) return ctx.Error("can't concatenate scalars (use Pack instead)");
  TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, axis_v, ctx.input(0).rank()));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, Concat(ctx, ctx.inputs().subspan(0, n), axis));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ConcatOffset(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  if (n < 1) return ctx.Error("needs a concat_dim and shapes");
  TB_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(ctx, ctx.input(0), "concat_dim"));
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> first, ReadInts(ctx, ctx.input(1), "shape"));
  TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, axis_v, static_cast<int>(first.size())));
  int64_t offset = 0;
  for (int i = 0; i < n; ++i) {
    TB_ASSIGN_OR_RETURN(std::vector<int64_t> s, ReadInts(ctx, ctx.input(i + 1), "shape"));
    if (s.size() != first.size()) return ctx.Error("input shapes must have the same rank");
    for (size_t d = 0; d < s.size(); ++d) {
      if (static_cast<int>(d) != axis && s[d] != first[d]) return ctx.Error("input shapes differ outside concat_dim");
    }
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(ctx.input(i + 1).dtype(), {static_cast<int64_t>(s.size())}));
    for (size_t d = 0; d < s.size(); ++d) {
      const int64_t v = static_cast<int>(d) == axis ? offset : 0;
      if (out.dtype() == tf::DType::kInt32) out.flat<int32_t>()[d] = static_cast<int32_t>(v);
      else out.flat<int64_t>()[d] = v;
    }
    offset += s[axis];
    ctx.set_output(i, std::move(out));
  }
  return absl::OkStatus();
}

absl::Status Pack(KernelContext& ctx) {
  const int n = ctx.num_inputs();
  if (n < 1) return ctx.Error("needs at least one value");
  const tf::Tensor& first = ctx.input(0);
  if (!IsMovable(first.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", first.DebugType()));
  TB_ASSIGN_OR_RETURN(int64_t axis_v, ctx.GetInt("axis"));
  const int rank = first.rank() + 1;
  if (rank > graph::kMaxRank) return ctx.Error("rank too large");
  TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, axis_v, rank));
  std::vector<tf::Tensor> parts;
  tf::Shape expanded = first.shape();
  expanded.insert(expanded.begin() + axis, 1);
  for (int i = 0; i < n; ++i) {
    if (ctx.input(i).shape() != first.shape() || ctx.input(i).dtype() != first.dtype()) {
      return ctx.Error(absl::StrCat("Shapes of all inputs must match: values[0].shape = ", tf::ShapeToString(first.shape()),
                                    " != values[", i, "].shape = ", tf::ShapeToString(ctx.input(i).shape())));
    }
    TB_ASSIGN_OR_RETURN(tf::Tensor p, ctx.input(i).Reshaped(expanded));
    parts.push_back(std::move(p));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, Concat(ctx, parts, axis));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Unpack(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  const tf::Tensor& in = ctx.input(0);
  if (!IsMovable(in.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", in.DebugType()));
  TB_ASSIGN_OR_RETURN(int64_t num, ctx.GetInt("num"));
  TB_ASSIGN_OR_RETURN(int64_t axis_v, ctx.GetInt("axis"));
  if (in.rank() == 0) return ctx.Error("input must have rank >= 1");
  TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, axis_v, in.rank()));
  if (in.dim(axis) != num) return ctx.Error(absl::StrCat("Input shape axis ", axis, " must equal ", num, ", got ", in.dim(axis)));
  tf::Shape part_shape = in.shape();
  part_shape.erase(part_shape.begin() + axis);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= in.dim(d);
  for (int d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
  for (int64_t i = 0; i < num; ++i) {
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), part_shape));
    for (int64_t o = 0; o < outer; ++o) CopyElements(in, (o * num + i) * inner, out, o * inner, inner);
    ctx.set_output(static_cast<int>(i), std::move(out));
  }
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("ConcatV2", ConcatV2);
TB_REGISTER_KERNEL("ConcatOffset", ConcatOffset);
TB_REGISTER_KERNEL("Pack", Pack);
TB_REGISTER_KERNEL("Unpack", Unpack);

}  // namespace tb::runtime
