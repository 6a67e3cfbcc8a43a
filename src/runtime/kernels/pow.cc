// Pow(x, y) element-wise with numpy broadcasting, as std::pow for floats (TF's CPU kernel) and exact repeated
// squaring for integers (negative integer exponents are an error, as in TF). Used by tff.learning's Adam
// (beta^t) in client and server programs.
#include <cmath>
#include <type_traits>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

template <typename T>
T IntPow(T base, T exp) {
  T result = 1;
  while (exp > 0) {
    if (exp & 1) result = static_cast<T>(result * base);
    base = static_cast<T>(base * base);
    exp >>= 1;
  }
  return result;
}

template <typename T>
absl::Status Loop(KernelContext& ctx) {
  const tf::Tensor& a = ctx.input(0);
  const tf::Tensor& b = ctx.input(1);
  if constexpr (std::is_integral_v<T>) {
    for (T v : b.flat<T>()) {
      if (v < 0) return ctx.Error("Integers to negative integer powers are not allowed");
    }
  }
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, a.shape(), b.shape()));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(tf::DTypeOf<T>(), bc.output_shape()));
  const T* pa = a.flat<T>().data();
  const T* pb = b.flat<T>().data();
  T* po = out.flat<T>().data();
  const int64_t n = bc.row_len();
  const int64_t sa = bc.a_step(), sb = bc.b_step();
  bc.ForEachRow([&](int64_t o, int64_t ia, int64_t ib) {
    for (int64_t k = 0; k < n; ++k) {
      const T x = pa[ia + k * sa], y = pb[ib + k * sb];
      if constexpr (std::is_integral_v<T>) {
        po[o + k] = IntPow(x, y);
      } else {
        po[o + k] = std::pow(x, y);
      }
    }
  });
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Pow(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      return ctx.Error("Pow does not take bool");
    } else {
      return Loop<T>(ctx);
    }
  });
}

}  // namespace

TB_REGISTER_KERNEL("Pow", Pow);

}  // namespace tb::runtime
