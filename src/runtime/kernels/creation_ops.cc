// Tensors made from scratch: Range, Fill, ZerosLike, OnesLike.
#include <cmath>

#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status Range(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 2));
  for (int i = 0; i < 3; ++i) {
    if (ctx.input(i).num_elements() != 1 || ctx.input(i).rank() > 1) {
      return ctx.Error(absl::StrCat("input ", i, " must be a scalar, got ", ctx.input(i).DebugType()));
    }
  }
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    const T start = ctx.input(0).flat<T>()[0], limit = ctx.input(1).flat<T>()[0], delta = ctx.input(2).flat<T>()[0];
    if (delta == T(0)) return ctx.Error("Requires delta != 0");
    if ((delta > 0 && start > limit) || (delta < 0 && start < limit)) {
      return ctx.Error("Requires start <= limit when delta > 0 (or start >= limit when delta < 0)");
    }
    double n;
    if constexpr (std::is_integral_v<T>) {
      n = static_cast<double>((std::abs(static_cast<long double>(limit) - start) + std::abs(static_cast<long double>(delta)) - 1) /
                              std::abs(static_cast<long double>(delta)));
      n = std::floor(n);
    } else {
      n = std::ceil(std::abs((static_cast<double>(limit) - start) / delta));
    }
    if (!(n >= 0) || n > static_cast<double>(graph::kMaxDim)) return ctx.Error("Range has too many elements");
    const int64_t count = static_cast<int64_t>(n);
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(ctx.input(0).dtype(), {count}));
    auto o = out.flat<T>();
    T v = start;
    for (int64_t i = 0; i < count; ++i) {
      o[i] = v;
      v += delta;
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status Fill(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, ReadShape(ctx, ctx.input(0), "dims"));
  const tf::Tensor& value = ctx.input(1);
  if (value.num_elements() != 1 || value.rank() != 0) return ctx.Error(absl::StrCat("value must be a scalar, got ", value.DebugType()));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(value.dtype(), shape));
  if (value.dtype() == tf::DType::kString) {
    for (auto& s : out.flat<std::string>()) s = value.flat<std::string>()[0];
  } else {
    TB_RETURN_IF_ERROR(DispatchAllNumeric(ctx, value.dtype(), [&](auto tag) -> absl::Status {
      using T = typename decltype(tag)::type;
      const T v = value.flat<T>()[0];
      for (auto& x : out.flat<T>()) x = v;
      return absl::OkStatus();
    }));
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ZerosLike(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(ctx.input(0).dtype(), ctx.input(0).shape()));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status OnesLike(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(ctx.input(0).dtype(), ctx.input(0).shape()));
  TB_RETURN_IF_ERROR(DispatchAllNumeric(ctx, out.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    for (auto& x : out.flat<T>()) x = T(1);
    return absl::OkStatus();
  }));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Range", Range);
TB_REGISTER_KERNEL("Fill", Fill);
TB_REGISTER_KERNEL("ZerosLike", ZerosLike);
TB_REGISTER_KERNEL("OnesLike", OnesLike);

}  // namespace tb::runtime
