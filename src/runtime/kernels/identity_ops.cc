// Value plumbing: Const (decodes its `value`), Identity, IdentityN, StopGradient, PlaceholderWithDefault (the
// default; feeding is the interpreter's job), Placeholder (an error: it must be fed), NoOp.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"

namespace tb::runtime {
namespace {

absl::Status Const(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(0));
  TB_ASSIGN_OR_RETURN(tf::Tensor value, ctx.GetTensor("value"));
  TB_ASSIGN_OR_RETURN(tf::DType dtype, ctx.GetType("dtype"));
  if (value.dtype() != dtype) return ctx.Error("value's dtype differs from the dtype attr");
  ctx.set_output(0, std::move(value));
  return absl::OkStatus();
}

absl::Status Identity(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  ctx.set_output(0, ctx.input(0));
  return absl::OkStatus();
}

absl::Status IdentityN(KernelContext& ctx) {
  for (int i = 0; i < ctx.num_inputs(); ++i) ctx.set_output(i, ctx.input(i));
  return absl::OkStatus();
}

absl::Status Placeholder(KernelContext& ctx) {
  return absl::FailedPreconditionError(
      absl::StrCat("Placeholder node '", ctx.node_name(), "' must be fed a value"));
}

absl::Status NoOp(KernelContext& ctx) { return absl::OkStatus(); }

}  // namespace

TB_REGISTER_KERNEL("Const", Const);
TB_REGISTER_KERNEL("Identity", Identity);
TB_REGISTER_KERNEL("StopGradient", Identity);
TB_REGISTER_KERNEL("PlaceholderWithDefault", Identity);
TB_REGISTER_KERNEL("IdentityN", IdentityN);
TB_REGISTER_KERNEL("Placeholder", Placeholder);
TB_REGISTER_KERNEL("NoOp", NoOp);

}  // namespace tb::runtime
