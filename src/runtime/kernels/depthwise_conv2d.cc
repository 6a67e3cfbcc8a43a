// DepthwiseConv2dNative and its backprops, float and double, NHWC (NCHW transposed in and out): each input
// channel c is convolved with filter[:, :, c, m] for m < multiplier, giving output channel c·multiplier + m.
#include "base/status_macros.h"
#include "graph/window.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

struct Geometry {
  int64_t n, h, w, c, kh, kw, m, oh, ow, pad_top, pad_left;
  graph::Window2D win;
};

absl::StatusOr<Geometry> MakeGeometry(KernelContext& ctx, const tf::Shape& in, const tf::Shape& f) {
  auto win = graph::ParseWindow2D(ctx.attrs(), /*pool=*/false);
  if (!win.ok()) return ctx.Annotate(win.status());
  if (in.size() != 4 || f.size() != 4) return ctx.Error("input and filter must be 4-D");
  if (f[2] != in[3]) return ctx.Error(absl::StrCat("input depth ", in[3], " must equal filter depth ", f[2]));
  auto hd = graph::ComputeWindow(in[1], f[0], win->stride_h, win->dilation_h, win->padding, win->pad_top, win->pad_bottom);
  if (!hd.ok()) return ctx.Annotate(hd.status());
  auto wd = graph::ComputeWindow(in[2], f[1], win->stride_w, win->dilation_w, win->padding, win->pad_left, win->pad_right);
  if (!wd.ok()) return ctx.Annotate(wd.status());
  return Geometry{in[0], in[1], in[2], in[3], f[0], f[1], f[3], hd->out, wd->out, hd->pad_before, wd->pad_before, *win};
}

// Visits every (batch, output position, window tap, channel) with the flat offsets of x, filter and y.
template <typename Fn>
void ForEachTap(const Geometry& g, Fn&& fn) {
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t y = 0; y < g.oh; ++y) {
      for (int64_t xw = 0; xw < g.ow; ++xw) {
        const int64_t yoff = ((b * g.oh + y) * g.ow + xw) * g.c * g.m;
        for (int64_t i = 0; i < g.kh; ++i) {
          const int64_t iy = y * g.win.stride_h + i * g.win.dilation_h - g.pad_top;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ix = xw * g.win.stride_w + j * g.win.dilation_w - g.pad_left;
            if (ix < 0 || ix >= g.w) continue;
            const int64_t xoff = ((b * g.h + iy) * g.w + ix) * g.c;
            const int64_t foff = (i * g.kw + j) * g.c * g.m;
            for (int64_t ch = 0; ch < g.c; ++ch) {
              for (int64_t k = 0; k < g.m; ++k) fn(xoff + ch, foff + ch * g.m + k, yoff + ch * g.m + k);
            }
          }
        }
      }
    }
  }
}

absl::StatusOr<bool> IsNchw(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(std::string f, ctx.GetString("data_format"));
  if (f != "NHWC" && f != "NCHW") return ctx.Error(absl::StrCat("unsupported data_format ", f));
  return f == "NCHW";
}
absl::StatusOr<tf::Tensor> In(KernelContext& ctx, const tf::Tensor& t, bool nchw) {
  if (!nchw) return t;
  return TransposeTensor(ctx, t, {0, 2, 3, 1});
}
absl::StatusOr<tf::Tensor> Out(KernelContext& ctx, const tf::Tensor& t, bool nchw) {
  if (!nchw) return t;
  return TransposeTensor(ctx, t, {0, 3, 1, 2});
}

absl::Status Forward(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, In(ctx, ctx.input(0), nchw));
  const tf::Tensor& f = ctx.input(1);
  TB_ASSIGN_OR_RETURN(Geometry g, MakeGeometry(ctx, x.shape(), f.shape()));
  return DispatchFloat(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor y, ctx.Allocate(x.dtype(), {g.n, g.oh, g.ow, g.c * g.m}));
    const T* px = x.flat<T>().data();
    const T* pf = f.flat<T>().data();
    T* py = y.flat<T>().data();
    ForEachTap(g, [&](int64_t xi, int64_t fi, int64_t yi) { py[yi] += px[xi] * pf[fi]; });
    TB_ASSIGN_OR_RETURN(tf::Tensor out, Out(ctx, y, nchw));
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status BackpropInput(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(1, 2));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Shape s, ReadShape(ctx, ctx.input(0), "input_sizes"));
  if (s.size() != 4) return ctx.Error("input_sizes must have 4 elements");
  if (nchw) s = {s[0], s[2], s[3], s[1]};
  const tf::Tensor& f = ctx.input(1);
  TB_ASSIGN_OR_RETURN(tf::Tensor dy, In(ctx, ctx.input(2), nchw));
  TB_ASSIGN_OR_RETURN(Geometry g, MakeGeometry(ctx, s, f.shape()));
  if (dy.shape() != tf::Shape{g.n, g.oh, g.ow, g.c * g.m}) return ctx.Error("out_backprop has the wrong shape");
  return DispatchFloat(ctx, f.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor dx, ctx.Allocate(f.dtype(), s));
    const T* pf = f.flat<T>().data();
    const T* pdy = dy.flat<T>().data();
    T* pdx = dx.flat<T>().data();
    ForEachTap(g, [&](int64_t xi, int64_t fi, int64_t yi) { pdx[xi] += pdy[yi] * pf[fi]; });
    TB_ASSIGN_OR_RETURN(tf::Tensor out, Out(ctx, dx, nchw));
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status BackpropFilter(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 2));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, In(ctx, ctx.input(0), nchw));
  TB_ASSIGN_OR_RETURN(tf::Shape fs, ReadShape(ctx, ctx.input(1), "filter_sizes"));
  TB_ASSIGN_OR_RETURN(tf::Tensor dy, In(ctx, ctx.input(2), nchw));
  TB_ASSIGN_OR_RETURN(Geometry g, MakeGeometry(ctx, x.shape(), fs));
  if (dy.shape() != tf::Shape{g.n, g.oh, g.ow, g.c * g.m}) return ctx.Error("out_backprop has the wrong shape");
  return DispatchFloat(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor df, ctx.Allocate(x.dtype(), fs));
    const T* px = x.flat<T>().data();
    const T* pdy = dy.flat<T>().data();
    T* pdf = df.flat<T>().data();
    ForEachTap(g, [&](int64_t xi, int64_t fi, int64_t yi) { pdf[fi] += px[xi] * pdy[yi]; });
    ctx.set_output(0, std::move(df));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("DepthwiseConv2dNative", Forward);
TB_REGISTER_KERNEL("DepthwiseConv2dNativeBackpropInput", BackpropInput);
TB_REGISTER_KERNEL("DepthwiseConv2dNativeBackpropFilter", BackpropFilter);

}  // namespace tb::runtime
