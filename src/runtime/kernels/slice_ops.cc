// Slicing: StridedSlice, StridedSliceGrad (scatter into zeros of the original shape) and Slice. The index
// arithmetic is graph::PlanStridedSlice, the same code the shape function uses.
#include "base/status_macros.h"
#include "graph/strided_slice.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

// Walks a box of `count[k]` positions per dim starting at begin[k] with step stride[k] in a tensor of `shape`,
// calling fn(flat_offset_in_tensor, position_index) for each position in row-major box order.
template <typename Fn>
void WalkBox(const tf::Shape& shape, const std::vector<int64_t>& begin, const std::vector<int64_t>& stride,
             const std::vector<int64_t>& count, Fn&& fn) {
  const int r = static_cast<int>(shape.size());
  int64_t total = 1;
  for (int64_t c : count) total *= c;
  if (total == 0) return;
  std::vector<int64_t> strides(r);
  int64_t s = 1;
  for (int k = r - 1; k >= 0; --k) {
    strides[k] = s;
    s *= shape[k];
  }
  int64_t off = 0;
  for (int k = 0; k < r; ++k) off += begin[k] * strides[k];
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0; i < total; ++i) {
    fn(off, i);
    for (int k = r - 1; k >= 0; --k) {
      off += stride[k] * strides[k];
      if (++idx[k] < count[k]) break;
      off -= stride[k] * strides[k] * count[k];
      idx[k] = 0;
    }
  }
}

absl::StatusOr<graph::StridedSlicePlan> Plan(KernelContext& ctx, const tf::Shape& shape, int first_index_input) {
  graph::StridedSliceMasks m;
  TB_ASSIGN_OR_RETURN(m.begin, ctx.GetInt("begin_mask"));
  TB_ASSIGN_OR_RETURN(m.end, ctx.GetInt("end_mask"));
  TB_ASSIGN_OR_RETURN(m.ellipsis, ctx.GetInt("ellipsis_mask"));
  TB_ASSIGN_OR_RETURN(m.new_axis, ctx.GetInt("new_axis_mask"));
  TB_ASSIGN_OR_RETURN(m.shrink_axis, ctx.GetInt("shrink_axis_mask"));
  for (int i = 0; i < 3; ++i) TB_RETURN_IF_ERROR(ctx.CheckRank(first_index_input + i, 1));
  TB_ASSIGN_OR_RETURN(auto b, ReadInts(ctx, ctx.input(first_index_input), "begin"));
  TB_ASSIGN_OR_RETURN(auto e, ReadInts(ctx, ctx.input(first_index_input + 1), "end"));
  TB_ASSIGN_OR_RETURN(auto s, ReadInts(ctx, ctx.input(first_index_input + 2), "strides"));
  auto plan = graph::PlanStridedSlice(shape, b, e, s, m);
  if (!plan.ok()) return ctx.Annotate(plan.status());
  return plan;
}

absl::Status StridedSlice(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(4));
  const tf::Tensor& in = ctx.input(0);
  if (!IsMovable(in.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", in.DebugType()));
  TB_ASSIGN_OR_RETURN(graph::StridedSlicePlan plan, Plan(ctx, in.shape(), 1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), plan.output_shape));
  WalkBox(in.shape(), plan.begin, plan.stride, plan.size,
          [&](int64_t src, int64_t dst) { CopyElements(in, src, out, dst, 1); });
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status StridedSliceGrad(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(5));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, ReadShape(ctx, ctx.input(0), "shape"));
  const tf::Tensor& dy = ctx.input(4);
  if (!IsMovable(dy.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", dy.DebugType()));
  TB_ASSIGN_OR_RETURN(graph::StridedSlicePlan plan, Plan(ctx, shape, 1));
  if (plan.output_shape != dy.shape()) {
    return ctx.Error(absl::StrCat("dy has shape ", tf::ShapeToString(dy.shape()), " but the slice has shape ",
                                  tf::ShapeToString(plan.output_shape)));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(dy.dtype(), shape));
  WalkBox(shape, plan.begin, plan.stride, plan.size,
          [&](int64_t dst, int64_t src) { CopyElements(dy, src, out, dst, 1); });
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Slice(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  const tf::Tensor& in = ctx.input(0);
  if (!IsMovable(in.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", in.DebugType()));
  TB_ASSIGN_OR_RETURN(auto begin, ReadInts(ctx, ctx.input(1), "begin"));
  TB_ASSIGN_OR_RETURN(auto size, ReadInts(ctx, ctx.input(2), "size"));
  if (static_cast<int>(begin.size()) != in.rank() || static_cast<int>(size.size()) != in.rank()) {
    return ctx.Error(absl::StrCat("Expected begin and size arguments to be 1-D tensors of size ", in.rank()));
  }
  for (int k = 0; k < in.rank(); ++k) {
    if (size[k] == -1) size[k] = in.dim(k) - begin[k];
    if (begin[k] < 0 || size[k] < 0 || begin[k] + size[k] > in.dim(k)) {
      return ctx.Error(absl::StrCat("Expected begin[", k, "] in [0, ", in.dim(k), "] and size[", k, "] in [0, ",
                                    in.dim(k) - begin[k], "], got ", begin[k], " and ", size[k]));
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), size));
  WalkBox(in.shape(), begin, std::vector<int64_t>(in.rank(), 1), size,
          [&](int64_t src, int64_t dst) { CopyElements(in, src, out, dst, 1); });
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("StridedSlice", StridedSlice);
TB_REGISTER_KERNEL("StridedSliceGrad", StridedSliceGrad);
TB_REGISTER_KERNEL("Slice", Slice);

}  // namespace tb::runtime
