// Softmax and LogSoftmax over the last axis, max-shifted for stability.
#include <cmath>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

template <bool kLog>
absl::Status Compute(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  const tf::Tensor& x = ctx.input(0);
  if (x.rank() < 1) return ctx.Error(absl::StrCat("logits must have >= 1 dimension, got ", x.DebugType()));
  return DispatchFloat(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(x.dtype(), x.shape()));
    const int64_t n = x.dim(x.rank() - 1);
    const int64_t rows = n == 0 ? 0 : x.num_elements() / n;
    const T* in = x.flat<T>().data();
    T* o = out.flat<T>().data();
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = in + r * n;
      T* dst = o + r * n;
      T m = row[0];
      for (int64_t i = 1; i < n; ++i) m = row[i] > m ? row[i] : m;
      T sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += std::exp(row[i] - m);
      if constexpr (kLog) {
        const T log_sum = std::log(sum);
        for (int64_t i = 0; i < n; ++i) dst[i] = row[i] - m - log_sum;
      } else {
        for (int64_t i = 0; i < n; ++i) dst[i] = std::exp(row[i] - m) / sum;
      }
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("Softmax", Compute<false>);
TB_REGISTER_KERNEL("LogSoftmax", Compute<true>);

}  // namespace tb::runtime
