// Gradients of the element-wise activations, as TF defines them (both operands have one shape):
// ReluGrad(g, f) = g·[f>0], Relu6Grad(g, f) = g·[0<f<6], EluGrad(g, y), SeluGrad(g, y), LeakyReluGrad(g, f; α),
// SigmoidGrad(y, dy) = dy·y(1−y), TanhGrad(y, dy) = dy(1−y²), SqrtGrad(y, dy) = dy·0.5/y,
// RsqrtGrad(y, dy) = dy·(−0.5)·y³.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

// Each op computes out = F(a, b) with a, b the two inputs in OpDef order.
// Multiplying (not selecting) keeps a NaN gradient NaN where f <= 0, as TF does.
struct ReluGradOp { template <typename T> static T Apply(T g, T f, float) { return g * T(f > T(0)); } };
struct Relu6GradOp {
  template <typename T> static T Apply(T g, T f, float) { return g * T(f > T(0) && f < T(6)); }
};
struct EluGradOp { template <typename T> static T Apply(T g, T y, float) { return y < T(0) ? g * (y + T(1)) : g; } };
struct SeluGradOp {
  template <typename T> static T Apply(T g, T y, float) {
    return y < T(0) ? g * (y + T(kSeluScale * kSeluAlpha)) : g * T(kSeluScale);
  }
};
struct LeakyReluGradOp { template <typename T> static T Apply(T g, T f, float a) { return f > T(0) ? g : g * T(a); } };
struct SigmoidGradOp { template <typename T> static T Apply(T y, T dy, float) { return dy * (y * (T(1) - y)); } };
struct TanhGradOp { template <typename T> static T Apply(T y, T dy, float) { return dy * (T(1) - y * y); } };
struct SqrtGradOp { template <typename T> static T Apply(T y, T dy, float) { return dy * T(0.5) / y; } };
struct RsqrtGradOp { template <typename T> static T Apply(T y, T dy, float) { return dy * T(-0.5) * y * y * y; } };

template <typename Op, typename T>
absl::Status Loop(KernelContext& ctx, float param) {
  const tf::Tensor& a = ctx.input(0);
  const tf::Tensor& b = ctx.input(1);
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(a.dtype(), a.shape()));
  auto pa = a.flat<T>();
  auto pb = b.flat<T>();
  auto o = out.flat<T>();
  for (size_t i = 0; i < o.size(); ++i) o[i] = Op::template Apply<T>(pa[i], pb[i], param);
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Prepare(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  if (ctx.input(0).shape() != ctx.input(1).shape()) {
    return ctx.Error(absl::StrCat("inputs must have the same shape, got ", ctx.input(0).DebugType(), " and ",
                                  ctx.input(1).DebugType()));
  }
  return absl::OkStatus();
}

template <typename Op>
absl::Status Numeric(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(Prepare(ctx));
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) {
    return Loop<Op, typename decltype(tag)::type>(ctx, 0.0f);
  });
}

template <typename Op>
absl::Status Float(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(Prepare(ctx));
  float param = 0;
  if constexpr (std::is_same_v<Op, LeakyReluGradOp>) {
    TB_ASSIGN_OR_RETURN(param, ctx.GetFloat("alpha"));
  }
  return DispatchFloat(ctx, ctx.input(0).dtype(), [&](auto tag) {
    return Loop<Op, typename decltype(tag)::type>(ctx, param);
  });
}

}  // namespace

TB_REGISTER_KERNEL("ReluGrad", Numeric<ReluGradOp>);
TB_REGISTER_KERNEL("Relu6Grad", Numeric<Relu6GradOp>);
TB_REGISTER_KERNEL("EluGrad", Float<EluGradOp>);
TB_REGISTER_KERNEL("SeluGrad", Float<SeluGradOp>);
TB_REGISTER_KERNEL("LeakyReluGrad", Float<LeakyReluGradOp>);
TB_REGISTER_KERNEL("SigmoidGrad", Float<SigmoidGradOp>);
TB_REGISTER_KERNEL("TanhGrad", Float<TanhGradOp>);
TB_REGISTER_KERNEL("SqrtGrad", Float<SqrtGradOp>);
TB_REGISTER_KERNEL("RsqrtGrad", Float<RsqrtGradOp>);

}  // namespace tb::runtime
