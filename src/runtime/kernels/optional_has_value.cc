// OptionalHasValue(optional) -> bool scalar.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status OptionalHasValue(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  auto opt = data::OptionalFromTensor(ctx.input(0));
  if (!opt.ok()) return ctx.Error(absl::StrCat("input 0: ", opt.status().message()));
  ctx.set_output(0, tf::Tensor::Scalar<bool>((*opt)->has_value()));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("OptionalHasValue", OptionalHasValue);

}  // namespace tb::runtime
