// RandomStandardNormal: N(0, 1) samples of the requested shape from KernelEnv::rng (Box–Muller on 53-bit uniform
// doubles, so a seeded generator gives the same values on every platform). Without an rng the op fails rather
// than silently inventing a seed.
#include <cmath>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }

absl::Status RandomStandardNormal(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, ReadShape(ctx, ctx.input(0), "shape"));
  TB_ASSIGN_OR_RETURN(tf::DType dtype, ctx.GetType("dtype"));
  if (ctx.env().rng == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("RandomStandardNormal node '", ctx.node_name(),
                                                      "' needs a random generator (KernelEnv::rng)"));
  }
  std::mt19937_64& rng = *ctx.env().rng;
  return DispatchFloat(ctx, dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(dtype, shape));
    auto o = out.flat<T>();
    for (size_t i = 0; i < o.size(); i += 2) {
      double u1 = Uniform(rng);
      while (u1 <= 0.0) u1 = Uniform(rng);
      const double u2 = Uniform(rng);
      const double r = std::sqrt(-2.0 * std::log(u1));
      o[i] = static_cast<T>(r * std::cos(2.0 * M_PI * u2));
      if (i + 1 < o.size()) o[i + 1] = static_cast<T>(r * std::sin(2.0 * M_PI * u2));
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("RandomStandardNormal", RandomStandardNormal);

}  // namespace tb::runtime
