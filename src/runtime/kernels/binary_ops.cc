// Element-wise binary arithmetic with numpy broadcasting: AddV2, Add, Sub, Mul, RealDiv, DivNoNan, Maximum,
// Minimum, FloorMod, SquaredDifference. Prepare: both inputs one dtype, shapes broadcastable, integer divisors
// non-zero. Compute: row-wise loops over the broadcast layout (kernel_util.h).
#include <cmath>
#include <limits>
#include <type_traits>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

struct AddOp {
  template <typename T> static T Apply(T a, T b) { return a + b; }
};
struct SubOp {
  template <typename T> static T Apply(T a, T b) { return a - b; }
};
struct MulOp {
  template <typename T> static T Apply(T a, T b) { return a * b; }
};
struct DivOp {
  static constexpr bool kDivides = true;
  template <typename T> static T Apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      if (b == -1 && a == std::numeric_limits<T>::min()) return a;  // avoid the overflow trap
    }
    return a / b;
  }
};
struct DivNoNanOp {
  template <typename T> static T Apply(T a, T b) { return b == T(0) ? T(0) : a / b; }
};
struct MaximumOp {
  template <typename T> static T Apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    }
    return a > b ? a : b;
  }
};
struct MinimumOp {
  template <typename T> static T Apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    }
    return a < b ? a : b;
  }
};
struct FloorModOp {
  static constexpr bool kDivides = true;
  template <typename T> static T Apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      if (b == -1) return 0;
      T r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else {
      T r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    }
  }
};
struct SquaredDifferenceOp {
  template <typename T> static T Apply(T a, T b) { return (a - b) * (a - b); }
};

template <typename Op, typename = void>
struct Divides : std::false_type {};
template <typename Op>
struct Divides<Op, std::void_t<decltype(Op::kDivides)>> : std::true_type {};

template <typename Op, typename T>
absl::Status Loop(KernelContext& ctx) {
  const tf::Tensor& a = ctx.input(0);
  const tf::Tensor& b = ctx.input(1);
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, a.shape(), b.shape()));
  if constexpr (std::is_integral_v<T> && Divides<Op>::value) {
    for (T v : b.flat<T>()) {
      if (v == 0) return ctx.Error("Integer division by zero");
    }
  }
  // Every element is written below (one row at a time).
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.AllocateUninitialized(tf::DTypeOf<T>(), bc.output_shape()));
  const T* pa = a.flat<T>().data();
  const T* pb = b.flat<T>().data();
  T* po = out.flat<T>().data();
  const int64_t n = bc.row_len();
  const bool sa = bc.a_step() == 1, sb = bc.b_step() == 1;
  bc.ForEachRow([&](int64_t o, int64_t ia, int64_t ib) {
    T* dst = po + o;
    const T* x = pa + ia;
    const T* y = pb + ib;
    if (sa && sb) {
      for (int64_t k = 0; k < n; ++k) dst[k] = Op::Apply(x[k], y[k]);
    } else if (sa) {
      const T yv = *y;
      for (int64_t k = 0; k < n; ++k) dst[k] = Op::Apply(x[k], yv);
    } else if (sb) {
      const T xv = *x;
      for (int64_t k = 0; k < n; ++k) dst[k] = Op::Apply(xv, y[k]);
    } else {
      const T v = Op::Apply(*x, *y);
      for (int64_t k = 0; k < n; ++k) dst[k] = v;
    }
  });
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <typename Op>
absl::Status Compute(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Loop<Op, T>(ctx);
  });
}

template <typename Op>
absl::Status ComputeFloat(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  return DispatchFloat(ctx, ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Loop<Op, T>(ctx);
  });
}

}  // namespace

TB_REGISTER_KERNEL("AddV2", Compute<AddOp>);
TB_REGISTER_KERNEL("Add", Compute<AddOp>);
TB_REGISTER_KERNEL("Sub", Compute<SubOp>);
TB_REGISTER_KERNEL("Mul", Compute<MulOp>);
TB_REGISTER_KERNEL("RealDiv", Compute<DivOp>);
TB_REGISTER_KERNEL("DivNoNan", ComputeFloat<DivNoNanOp>);
TB_REGISTER_KERNEL("Maximum", Compute<MaximumOp>);
TB_REGISTER_KERNEL("Minimum", Compute<MinimumOp>);
TB_REGISTER_KERNEL("FloorMod", Compute<FloorModOp>);
TB_REGISTER_KERNEL("SquaredDifference", Compute<SquaredDifferenceOp>);

}  // namespace tb::runtime
