// Element-wise comparisons and logical connectives with broadcasting: Equal, NotEqual, Greater, GreaterEqual,
// Less, LessEqual (numeric and, for (Not)Equal, string and bool inputs), LogicalAnd, LogicalOr.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

struct Eq { template <typename T> static bool Apply(const T& a, const T& b) { return a == b; } };
struct Ne { template <typename T> static bool Apply(const T& a, const T& b) { return a != b; } };
struct Gt { template <typename T> static bool Apply(const T& a, const T& b) { return a > b; } };
struct Ge { template <typename T> static bool Apply(const T& a, const T& b) { return a >= b; } };
struct Lt { template <typename T> static bool Apply(const T& a, const T& b) { return a < b; } };
struct Le { template <typename T> static bool Apply(const T& a, const T& b) { return a <= b; } };
struct And { template <typename T> static bool Apply(const T& a, const T& b) { return a && b; } };
struct Or { template <typename T> static bool Apply(const T& a, const T& b) { return a || b; } };

template <typename Op, typename T>
absl::Status Loop(KernelContext& ctx) {
  const tf::Tensor& a = ctx.input(0);
  const tf::Tensor& b = ctx.input(1);
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, a.shape(), b.shape()));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(tf::DType::kBool, bc.output_shape()));
  auto pa = a.flat<T>();
  auto pb = b.flat<T>();
  bool* po = out.flat<bool>().data();
  const int64_t n = bc.row_len(), sa = bc.a_step(), sb = bc.b_step();
  bc.ForEachRow([&](int64_t o, int64_t ia, int64_t ib) {
    for (int64_t k = 0; k < n; ++k) po[o + k] = Op::Apply(pa[ia + k * sa], pb[ib + k * sb]);
  });
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <typename Op>
absl::Status Compare(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  return DispatchAllNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Loop<Op, T>(ctx);
  });
}

template <typename Op>
absl::Status Equality(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  if (ctx.input(0).dtype() == tf::DType::kString) return Loop<Op, std::string>(ctx);
  return Compare<Op>(ctx);
}

template <typename Op>
absl::Status Logical(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  TB_RETURN_IF_ERROR(ctx.CheckDType(1, tf::DType::kBool));
  return Loop<Op, bool>(ctx);
}

}  // namespace

TB_REGISTER_KERNEL("Equal", Equality<Eq>);
TB_REGISTER_KERNEL("NotEqual", Equality<Ne>);
TB_REGISTER_KERNEL("Greater", Compare<Gt>);
TB_REGISTER_KERNEL("GreaterEqual", Compare<Ge>);
TB_REGISTER_KERNEL("Less", Compare<Lt>);
TB_REGISTER_KERNEL("LessEqual", Compare<Le>);
TB_REGISTER_KERNEL("LogicalAnd", Logical<And>);
TB_REGISTER_KERNEL("LogicalOr", Logical<Or>);

}  // namespace tb::runtime
