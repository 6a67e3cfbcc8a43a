// Select (condition scalar, same shape as t/e, or a vector over t's first dimension; t and e equal shapes) and
// SelectV2 (all three operands broadcast numpy-style).
#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status Select(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(1, 2));
  const tf::Tensor& c = ctx.input(0);
  const tf::Tensor& t = ctx.input(1);
  const tf::Tensor& e = ctx.input(2);
  if (!IsMovable(t.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", t.DebugType()));
  if (t.shape() != e.shape()) {
    return ctx.Error(absl::StrCat("'t' and 'e' must have the same shape, got ", t.DebugType(), " and ", e.DebugType()));
  }
  int64_t block;  // elements per condition value
  if (c.rank() == 0) {
    block = t.num_elements();
  } else if (c.shape() == t.shape()) {
    block = 1;
  } else if (c.rank() == 1 && t.rank() >= 1 && c.dim(0) == t.dim(0)) {
    block = t.dim(0) == 0 ? 0 : t.num_elements() / t.dim(0);
  } else {
    return ctx.Error(absl::StrCat("'condition' ", c.DebugType(), " must be a scalar, a vector of size ",
                                  t.rank() ? t.dim(0) : 0, " or have the shape of 't' ", t.DebugType()));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(t.dtype(), t.shape()));
  auto cond = c.flat<bool>();
  for (size_t i = 0; i < cond.size() && block > 0; ++i) {
    CopyElements(cond[i] ? t : e, static_cast<int64_t>(i) * block, out, static_cast<int64_t>(i) * block, block);
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::StatusOr<tf::Shape> BroadcastShape(KernelContext& ctx, const tf::Shape& a, const tf::Shape& b) {
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, a, b));
  return bc.output_shape();
}

absl::Status SelectV2(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(1, 2));
  const tf::Tensor& c = ctx.input(0);
  const tf::Tensor& t = ctx.input(1);
  const tf::Tensor& e = ctx.input(2);
  if (!IsMovable(t.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", t.DebugType()));
  TB_ASSIGN_OR_RETURN(tf::Shape te, BroadcastShape(ctx, t.shape(), e.shape()));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, BroadcastShape(ctx, c.shape(), te));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(t.dtype(), shape));
  const auto oc = BroadcastOffsets(c.shape(), shape);
  const auto ot = BroadcastOffsets(t.shape(), shape);
  const auto oe = BroadcastOffsets(e.shape(), shape);
  auto cond = c.flat<bool>();
  for (size_t i = 0; i < oc.size(); ++i) {
    if (cond[oc[i]]) CopyElements(t, ot[i], out, static_cast<int64_t>(i), 1);
    else CopyElements(e, oe[i], out, static_cast<int64_t>(i), 1);
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Select", Select);
TB_REGISTER_KERNEL("SelectV2", SelectV2);

}  // namespace tb::runtime
