// BiasAdd (bias along the channel axis: last for NHWC, 1 for NCHW) and BiasAddGrad (the sum over every other axis).
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

// (outer, channels, inner) view of a tensor with channel axis `axis`.
struct ChannelLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

absl::StatusOr<ChannelLayout> Layout(KernelContext& ctx, const tf::Tensor& t) {
  if (t.rank() < 2) return ctx.Error(absl::StrCat("input must be at least 2-D, got ", t.DebugType()));
  TB_ASSIGN_OR_RETURN(std::string format, ctx.GetString("data_format"));
  int axis;
  if (format == "NHWC") axis = t.rank() - 1;
  else if (format == "NCHW") axis = 1;
  else return ctx.Error(absl::StrCat("unsupported data_format ", format));
  ChannelLayout l;
  for (int i = 0; i < t.rank(); ++i) {
    if (i < axis) l.outer *= t.dim(i);
    else if (i == axis) l.channels = t.dim(i);
    else l.inner *= t.dim(i);
  }
  return l;
}

absl::Status BiasAdd(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  TB_RETURN_IF_ERROR(ctx.CheckRank(1, 1));
  const tf::Tensor& v = ctx.input(0);
  const tf::Tensor& b = ctx.input(1);
  TB_ASSIGN_OR_RETURN(ChannelLayout l, Layout(ctx, v));
  if (b.dim(0) != l.channels) {
    return ctx.Error(absl::StrCat("Must provide as many biases as the channel dimension of the input tensor: ",
                                  b.DebugType(), " vs. ", v.DebugType()));
  }
  return DispatchNumeric(ctx, v.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(v.dtype(), v.shape()));
    const T* pv = v.flat<T>().data();
    const T* pb = b.flat<T>().data();
    T* po = out.flat<T>().data();
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int64_t c = 0; c < l.channels; ++c) {
        const T bias = pb[c];
        const int64_t base = (o * l.channels + c) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) po[base + i] = pv[base + i] + bias;
      }
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status BiasAddGrad(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  const tf::Tensor& g = ctx.input(0);
  TB_ASSIGN_OR_RETURN(ChannelLayout l, Layout(ctx, g));
  return DispatchNumeric(ctx, g.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(g.dtype(), {l.channels}));
    const T* pg = g.flat<T>().data();
    T* po = out.flat<T>().data();
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int64_t c = 0; c < l.channels; ++c) {
        const int64_t base = (o * l.channels + c) * l.inner;
        T acc = 0;
        for (int64_t i = 0; i < l.inner; ++i) acc += pg[base + i];
        po[c] += acc;
      }
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("BiasAdd", BiasAdd);
TB_REGISTER_KERNEL("BiasAddGrad", BiasAddGrad);

}  // namespace tb::runtime
