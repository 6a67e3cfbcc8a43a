// Reductions over a set of axes (reduction_indices: scalar or vector, negative allowed, keep_dims): Sum, Mean,
// Prod, Max, Min for numbers, All/Any for bools. Reduced axes are moved last (one transpose when needed), then
// each output element reduces one contiguous row. Empty reductions give TF's identities (0, 1, lowest, highest;
// Mean of nothing is NaN for floats).
#include <cmath>
#include <limits>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

struct SumR {
  template <typename T> static T Init() { return T(0); }
  template <typename T> static T Step(T acc, T x) { return acc + x; }
  template <typename T> static T Finish(T acc, int64_t) { return acc; }
};
struct MeanR {
  template <typename T> static T Init() { return T(0); }
  template <typename T> static T Step(T acc, T x) { return acc + x; }
  template <typename T> static T Finish(T acc, int64_t n) {
    if constexpr (std::is_integral_v<T>) {
      return n == 0 ? T(0) : static_cast<T>(acc / static_cast<T>(n));
    } else {
      return acc / static_cast<T>(n);
    }
  }
};
struct ProdR {
  template <typename T> static T Init() { return T(1); }
  template <typename T> static T Step(T acc, T x) { return acc * x; }
  template <typename T> static T Finish(T acc, int64_t) { return acc; }
};
struct MaxR {
  template <typename T> static T Init() {
    if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  template <typename T> static T Step(T acc, T x) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x) || std::isnan(acc)) return std::numeric_limits<T>::quiet_NaN();
    }
    return x > acc ? x : acc;
  }
  template <typename T> static T Finish(T acc, int64_t) { return acc; }
};
struct MinR {
  template <typename T> static T Init() {
    if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  template <typename T> static T Step(T acc, T x) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x) || std::isnan(acc)) return std::numeric_limits<T>::quiet_NaN();
    }
    return x < acc ? x : acc;
  }
  template <typename T> static T Finish(T acc, int64_t) { return acc; }
};
struct AllR {
  template <typename T> static T Init() { return true; }
  template <typename T> static T Step(T acc, T x) { return acc && x; }
  template <typename T> static T Finish(T acc, int64_t) { return acc; }
};
struct AnyR {
  template <typename T> static T Init() { return false; }
  template <typename T> static T Step(T acc, T x) { return acc || x; }
  template <typename T> static T Finish(T acc, int64_t) { return acc; }
};

template <typename R, typename T>
absl::Status Reduce(KernelContext& ctx) {
  const tf::Tensor& in = ctx.input(0);
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReadInts(ctx, ctx.input(1), "reduction_indices"));
  TB_ASSIGN_OR_RETURN(bool keep_dims, ctx.GetBool("keep_dims"));
  TB_ASSIGN_OR_RETURN(ReductionLayout l, MakeReductionLayout(ctx, in.shape(), axes, keep_dims));
  tf::Tensor data = in;
  if (l.needs_transpose) {
    TB_ASSIGN_OR_RETURN(data, TransposeTensor(ctx, in, l.perm));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), l.output_shape));
  const T* src = data.flat<T>().data();
  T* dst = out.flat<T>().data();
  for (int64_t o = 0; o < l.outer; ++o) {
    T acc = R::template Init<T>();
    const T* row = src + o * l.inner;
    for (int64_t i = 0; i < l.inner; ++i) acc = R::template Step<T>(acc, row[i]);
    dst[o] = R::template Finish<T>(acc, l.inner);
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <typename R>
absl::Status Numeric(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  return DispatchNumeric(ctx, ctx.input(0).dtype(), [&](auto tag) {
    return Reduce<R, typename decltype(tag)::type>(ctx);
  });
}

template <typename R>
absl::Status Logical(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  return Reduce<R, bool>(ctx);
}

}  // namespace

TB_REGISTER_KERNEL("Sum", Numeric<SumR>);
TB_REGISTER_KERNEL("Mean", Numeric<MeanR>);
TB_REGISTER_KERNEL("Prod", Numeric<ProdR>);
TB_REGISTER_KERNEL("Max", Numeric<MaxR>);
TB_REGISTER_KERNEL("Min", Numeric<MinR>);
TB_REGISTER_KERNEL("All", Logical<AllR>);
TB_REGISTER_KERNEL("Any", Logical<AnyR>);

}  // namespace tb::runtime
