// Broadcasting helpers as ops: Tile, BroadcastTo, BroadcastGradientArgs (tf-ops.md §6.1: axes each side was
// broadcast along, in the padded rank; an axis of 1 on both sides goes to both lists).
#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status Tile(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& in = ctx.input(0);
  if (!IsMovable(in.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", in.DebugType()));
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> m, ReadInts(ctx, ctx.input(1), "multiples"));
  if (static_cast<int>(m.size()) != in.rank()) {
    return ctx.Error(absl::StrCat("Expected multiples argument to be a vector of length ", in.rank(), " but got length ",
                                  m.size()));
  }
  tf::Shape out_shape(in.rank());
  for (int k = 0; k < in.rank(); ++k) {
    if (m[k] < 0) return ctx.Error(absl::StrCat("Expected multiples[", k, "] >= 0, but got ", m[k]));
    if (m[k] != 0 && in.dim(k) > graph::kMaxDim / m[k]) return ctx.Error("tiled shape is too large");
    out_shape[k] = in.dim(k) * m[k];
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), out_shape));
  const int r = in.rank();
  if (out.num_elements() == 0) {
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  std::vector<int64_t> in_strides(r);
  int64_t s = 1;
  for (int k = r - 1; k >= 0; --k) {
    in_strides[k] = s;
    s *= in.dim(k);
  }
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    int64_t off = 0;
    for (int k = 0; k < r; ++k) off += (idx[k] % in.dim(k)) * in_strides[k];
    CopyElements(in, off, out, i, 1);
    for (int k = r - 1; k >= 0; --k) {
      if (++idx[k] < out_shape[k]) break;
      idx[k] = 0;
    }
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status BroadcastTo(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& in = ctx.input(0);
  if (!IsMovable(in.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", in.DebugType()));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, ReadShape(ctx, ctx.input(1), "shape"));
  if (in.rank() > static_cast<int>(shape.size())) return ctx.Error("input has a higher rank than the target shape");
  const size_t off = shape.size() - in.rank();
  for (int k = 0; k < in.rank(); ++k) {
    if (in.dim(k) != 1 && in.dim(k) != shape[off + k]) {
      return ctx.Error(absl::StrCat("Unable to broadcast tensor of shape ", tf::ShapeToString(in.shape()),
                                    " to tensor of shape ", tf::ShapeToString(shape)));
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), shape));
  const std::vector<int64_t> offsets = BroadcastOffsets(in.shape(), shape);
  for (size_t i = 0; i < offsets.size(); ++i) CopyElements(in, offsets[i], out, static_cast<int64_t>(i), 1);
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status BroadcastGradientArgs(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  TB_ASSIGN_OR_RETURN(tf::Shape s0, ReadShape(ctx, ctx.input(0), "s0"));
  TB_ASSIGN_OR_RETURN(tf::Shape s1, ReadShape(ctx, ctx.input(1), "s1"));
  std::vector<int64_t> r0, r1;
  if (s0 != s1) {
    const size_t r = std::max(s0.size(), s1.size());
    for (size_t k = 0; k < r; ++k) {
      const int64_t a = k < r - s0.size() ? 1 : s0[k - (r - s0.size())];
      const int64_t b = k < r - s1.size() ? 1 : s1[k - (r - s1.size())];
      if (a == 1 && b == 1) {
        r0.push_back(static_cast<int64_t>(k));
        r1.push_back(static_cast<int64_t>(k));
      } else if (a == 1) {
        r0.push_back(static_cast<int64_t>(k));
      } else if (b == 1) {
        r1.push_back(static_cast<int64_t>(k));
      } else if (a != b) {
        return ctx.Error(absl::StrCat("Incompatible shapes: ", tf::ShapeToString(s0), " vs. ", tf::ShapeToString(s1)));
      }
    }
  }
  const tf::DType t = ctx.input(0).dtype();
  for (int out = 0; out < 2; ++out) {
    const std::vector<int64_t>& v = out == 0 ? r0 : r1;
    TB_ASSIGN_OR_RETURN(tf::Tensor o, ctx.Allocate(t, {static_cast<int64_t>(v.size())}));
    for (size_t i = 0; i < v.size(); ++i) {
      if (t == tf::DType::kInt32) o.flat<int32_t>()[i] = static_cast<int32_t>(v[i]);
      else o.flat<int64_t>()[i] = v[i];
    }
    ctx.set_output(out, std::move(o));
  }
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Tile", Tile);
TB_REGISTER_KERNEL("BroadcastTo", BroadcastTo);
TB_REGISTER_KERNEL("BroadcastGradientArgs", BroadcastGradientArgs);

}  // namespace tb::runtime
