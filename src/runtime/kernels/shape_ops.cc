// Shape metadata as tensors: Shape, ShapeN, Size, Rank (out_type int32 or int64; int32 overflow is an error).
#include <limits>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::StatusOr<tf::Tensor> IntVector(KernelContext& ctx, tf::DType type, const std::vector<int64_t>& v, bool scalar) {
  tf::Shape shape = scalar ? tf::Shape{} : tf::Shape{static_cast<int64_t>(v.size())};
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(type, shape));
  for (size_t i = 0; i < v.size(); ++i) {
    if (type == tf::DType::kInt32) {
      if (v[i] > std::numeric_limits<int32_t>::max()) return ctx.Error("value does not fit in int32 (use out_type int64)");
      out.flat<int32_t>()[i] = static_cast<int32_t>(v[i]);
    } else if (type == tf::DType::kInt64) {
      out.flat<int64_t>()[i] = v[i];
    } else {
      return ctx.Error("out_type must be int32 or int64");
    }
  }
  return out;
}

absl::Status Shape(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(tf::DType type, ctx.GetType("out_type"));
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    TB_ASSIGN_OR_RETURN(tf::Tensor out, IntVector(ctx, type, ctx.input(i).shape(), false));
    ctx.set_output(i, std::move(out));
  }
  if (ctx.num_inputs() == 0) return ctx.Error("needs an input");
  return absl::OkStatus();
}

absl::Status Size(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(tf::DType type, ctx.GetType("out_type"));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, IntVector(ctx, type, {ctx.input(0).num_elements()}, true));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Rank(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  ctx.set_output(0, tf::Tensor::Scalar<int32_t>(ctx.input(0).rank()));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Shape", Shape);
TB_REGISTER_KERNEL("ShapeN", Shape);
TB_REGISTER_KERNEL("Size", Size);
TB_REGISTER_KERNEL("Rank", Rank);

}  // namespace tb::runtime
