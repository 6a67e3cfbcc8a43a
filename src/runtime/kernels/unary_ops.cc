// Element-wise unary math and activations: Neg, Square, Abs, Sign, Reciprocal, Sqrt, Rsqrt, Exp, Log, Log1p,
// Sigmoid, Tanh, Relu, Relu6, Elu, Selu, Softplus, LeakyRelu, plus LogicalNot and IsFinite. The formulas follow
// TF's CPU kernels (e.g. Elu/Selu select on x < 0; Relu keeps NaN).
#include <cmath>
#include <limits>
#include <type_traits>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

struct NegOp { template <typename T> static T Apply(T x, float) { return -x; } };
struct SquareOp { template <typename T> static T Apply(T x, float) { return x * x; } };
struct AbsOp { template <typename T> static T Apply(T x, float) { return x < T(0) ? -x : x; } };
struct SignOp {
  template <typename T> static T Apply(T x, float) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
    }
    return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
  }
};
struct ReciprocalOp { template <typename T> static T Apply(T x, float) { return T(1) / x; } };
struct SqrtOp { template <typename T> static T Apply(T x, float) { return std::sqrt(x); } };
struct RsqrtOp { template <typename T> static T Apply(T x, float) { return T(1) / std::sqrt(x); } };
struct ExpOp { template <typename T> static T Apply(T x, float) { return std::exp(x); } };
struct LogOp { template <typename T> static T Apply(T x, float) { return std::log(x); } };
struct Log1pOp { template <typename T> static T Apply(T x, float) { return std::log1p(x); } };
struct SigmoidOp { template <typename T> static T Apply(T x, float) { return T(1) / (T(1) + std::exp(-x)); } };
struct TanhOp { template <typename T> static T Apply(T x, float) { return std::tanh(x); } };
struct ReluOp {
  template <typename T> static T Apply(T x, float) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
    }
    return x > T(0) ? x : T(0);
  }
};
struct Relu6Op {
  template <typename T> static T Apply(T x, float) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
    }
    return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
  }
};
struct EluOp { template <typename T> static T Apply(T x, float) { return x < T(0) ? std::expm1(x) : x; } };
struct SeluOp {
  template <typename T> static T Apply(T x, float) {
    return x < T(0) ? T(kSeluScale * kSeluAlpha) * std::expm1(x) : T(kSeluScale) * x;
  }
};
struct SoftplusOp {
  template <typename T> static T Apply(T x, float) {
    // log(1 + e^x) without overflow: x + log1p(e^-x) for positive x.
    return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
};
struct LeakyReluOp { template <typename T> static T Apply(T x, float alpha) { return x > T(0) ? x : x * T(alpha); } };

template <typename Op, typename T>
absl::Status Loop(KernelContext& ctx, float param) {
  const tf::Tensor& x = ctx.input(0);
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(x.dtype(), x.shape()));
  auto in = x.flat<T>();
  auto o = out.flat<T>();
  for (size_t i = 0; i < in.size(); ++i) o[i] = Op::template Apply<T>(in[i], param);
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <typename Op>
absl::Status Numeric(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) {
    return Loop<Op, typename decltype(tag)::type>(ctx, 0.0f);
  });
}

template <typename Op>
absl::Status Float(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  return DispatchFloat(ctx, ctx.input(0).dtype(), [&](auto tag) {
    return Loop<Op, typename decltype(tag)::type>(ctx, 0.0f);
  });
}

absl::Status LeakyRelu(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(float alpha, ctx.GetFloat("alpha"));
  return DispatchFloat(ctx, ctx.input(0).dtype(), [&](auto tag) {
    return Loop<LeakyReluOp, typename decltype(tag)::type>(ctx, alpha);
  });
}

absl::Status LogicalNot(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(tf::DType::kBool, ctx.input(0).shape()));
  auto in = ctx.input(0).flat<bool>();
  auto o = out.flat<bool>();
  for (size_t i = 0; i < in.size(); ++i) o[i] = !in[i];
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status IsFinite(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  return DispatchFloat(ctx, ctx.input(0).dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(tf::DType::kBool, ctx.input(0).shape()));
    auto in = ctx.input(0).flat<T>();
    auto o = out.flat<bool>();
    for (size_t i = 0; i < in.size(); ++i) o[i] = std::isfinite(in[i]);
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("Neg", Numeric<NegOp>);
TB_REGISTER_KERNEL("Square", Numeric<SquareOp>);
TB_REGISTER_KERNEL("Abs", Numeric<AbsOp>);
TB_REGISTER_KERNEL("Sign", Numeric<SignOp>);
TB_REGISTER_KERNEL("Relu", Numeric<ReluOp>);
TB_REGISTER_KERNEL("Relu6", Numeric<Relu6Op>);
TB_REGISTER_KERNEL("Reciprocal", Float<ReciprocalOp>);
TB_REGISTER_KERNEL("Sqrt", Float<SqrtOp>);
TB_REGISTER_KERNEL("Rsqrt", Float<RsqrtOp>);
TB_REGISTER_KERNEL("Exp", Float<ExpOp>);
TB_REGISTER_KERNEL("Log", Float<LogOp>);
TB_REGISTER_KERNEL("Log1p", Float<Log1pOp>);
TB_REGISTER_KERNEL("Sigmoid", Float<SigmoidOp>);
TB_REGISTER_KERNEL("Tanh", Float<TanhOp>);
TB_REGISTER_KERNEL("Elu", Float<EluOp>);
TB_REGISTER_KERNEL("Selu", Float<SeluOp>);
TB_REGISTER_KERNEL("Softplus", Float<SoftplusOp>);
TB_REGISTER_KERNEL("LeakyRelu", LeakyRelu);
TB_REGISTER_KERNEL("LogicalNot", LogicalNot);
TB_REGISTER_KERNEL("IsFinite", IsFinite);

}  // namespace tb::runtime
