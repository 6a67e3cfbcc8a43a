// ArgMax along one axis: the index of the first maximum (strict > scan, as TF and TFLite do; NaN is never chosen
// over a number).
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status ArgMax(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& in = ctx.input(0);
  if (in.rank() == 0) return ctx.Error("input must have rank >= 1");
  TB_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(ctx, ctx.input(1), "dimension"));
  TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, axis_v, in.rank()));
  TB_ASSIGN_OR_RETURN(tf::DType out_type, ctx.GetType("output_type"));
  if (out_type != tf::DType::kInt32 && out_type != tf::DType::kInt64) return ctx.Error("output_type must be int32/int64");
  if (in.dim(axis) == 0) return ctx.Error("Reduction axis is empty");
  int64_t outer = 1, n = in.dim(axis), inner = 1;
  tf::Shape out_shape;
  for (int i = 0; i < in.rank(); ++i) {
    if (i < axis) outer *= in.dim(i);
    if (i > axis) inner *= in.dim(i);
    if (i != axis) out_shape.push_back(in.dim(i));
  }
  return DispatchNumeric(ctx, in.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(out_type, out_shape));
    const T* p = in.flat<T>().data();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        int64_t best = 0;
        T best_v = p[o * n * inner + i];
        for (int64_t j = 1; j < n; ++j) {
          const T v = p[(o * n + j) * inner + i];
          if (v > best_v) {
            best_v = v;
            best = j;
          }
        }
        if (out_type == tf::DType::kInt32) out.flat<int32_t>()[o * inner + i] = static_cast<int32_t>(best);
        else out.flat<int64_t>()[o * inner + i] = best;
      }
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("ArgMax", ArgMax);

}  // namespace tb::runtime
