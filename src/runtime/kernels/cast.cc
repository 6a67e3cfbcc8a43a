// Cast between numeric and bool dtypes (float → int truncates toward zero; values outside the target range are
// clamped instead of being undefined behaviour; NaN → 0; any non-zero → true).
#include <cmath>
#include <limits>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

template <typename To, typename From>
To Convert(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(v)) return To(0);
    if (v <= static_cast<From>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (v >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

absl::Status Cast(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(tf::DType src, ctx.GetType("SrcT"));
  TB_ASSIGN_OR_RETURN(tf::DType dst, ctx.GetType("DstT"));
  const tf::Tensor& in = ctx.input(0);
  if (in.dtype() != src) return ctx.Error(absl::StrCat("input is ", in.DebugType(), " but SrcT is ", ToAbsl(tf::DTypeName(src))));
  if (src == dst) {
    ctx.set_output(0, in);
    return absl::OkStatus();
  }
  return DispatchAllNumeric(ctx, src, [&](auto from_tag) -> absl::Status {
    using From = typename decltype(from_tag)::type;
    return DispatchAllNumeric(ctx, dst, [&](auto to_tag) -> absl::Status {
      using To = typename decltype(to_tag)::type;
      TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(dst, in.shape()));
      auto s = in.flat<From>();
      auto d = out.flat<To>();
      for (size_t i = 0; i < s.size(); ++i) d[i] = Convert<To, From>(s[i]);
      ctx.set_output(0, std::move(out));
      return absl::OkStatus();
    });
  });
}

}  // namespace

TB_REGISTER_KERNEL("Cast", Cast);

}  // namespace tb::runtime
