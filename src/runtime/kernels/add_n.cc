// AddN: the sum of N tensors of one dtype and shape (no broadcasting), accumulated left to right.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status AddN(KernelContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Error("needs at least one input");
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, i));
    if (ctx.input(i).shape() != ctx.input(0).shape()) {
      return ctx.Error(absl::StrCat("inputs must have the same shape, got ", ctx.input(0).DebugType(), " and ",
                                    ctx.input(i).DebugType()));
    }
  }
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    tf::Tensor out = ctx.input(0).Clone();
    auto o = out.flat<T>();
    for (int i = 1; i < ctx.num_inputs(); ++i) {
      auto in = ctx.input(i).flat<T>();
      for (size_t j = 0; j < o.size(); ++j) o[j] += in[j];
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("AddN", AddN);

}  // namespace tb::runtime
