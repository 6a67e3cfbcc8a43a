// 2-D pooling and its gradients in NHWC (NCHW transposed in and out): MaxPool, MaxPoolGrad (each window's gradient
// goes to the first maximum in row-major window order, as TF's CPU kernel does), AvgPool and AvgPoolGrad (padded
// cells are excluded from the average).
#include <limits>

#include "base/status_macros.h"
#include "graph/window.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

struct PoolGeometry {
  int64_t n, h, w, c, oh, ow, pad_top, pad_left;
  graph::Window2D win;
};

absl::StatusOr<PoolGeometry> Geometry(KernelContext& ctx, const tf::Shape& in) {
  auto win = graph::ParseWindow2D(ctx.attrs(), /*pool=*/true);
  if (!win.ok()) return ctx.Annotate(win.status());
  if (in.size() != 4) return ctx.Error("input must be 4-D");
  auto hd = graph::ComputeWindow(in[1], win->ksize_h, win->stride_h, 1, win->padding, win->pad_top, win->pad_bottom);
  if (!hd.ok()) return ctx.Annotate(hd.status());
  auto wd = graph::ComputeWindow(in[2], win->ksize_w, win->stride_w, 1, win->padding, win->pad_left, win->pad_right);
  if (!wd.ok()) return ctx.Annotate(wd.status());
  return PoolGeometry{in[0], in[1], in[2], in[3], hd->out, wd->out, hd->pad_before, wd->pad_before, *win};
}

// Calls fn(output offset, first input offset of each valid window cell...) via a per-window cell visitor.
template <typename Fn>
void ForEachWindow(const PoolGeometry& g, Fn&& fn) {
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t y = 0; y < g.oh; ++y) {
      const int64_t y0 = y * g.win.stride_h - g.pad_top;
      const int64_t ys = std::max<int64_t>(y0, 0), ye = std::min<int64_t>(y0 + g.win.ksize_h, g.h);
      for (int64_t x = 0; x < g.ow; ++x) {
        const int64_t x0 = x * g.win.stride_w - g.pad_left;
        const int64_t xs = std::max<int64_t>(x0, 0), xe = std::min<int64_t>(x0 + g.win.ksize_w, g.w);
        fn(b, ((b * g.oh + y) * g.ow + x) * g.c, ys, ye, xs, xe);
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

absl::Status MaxPool(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, In(ctx, ctx.input(0), nchw));
  TB_ASSIGN_OR_RETURN(PoolGeometry g, Geometry(ctx, x.shape()));
  return DispatchNumeric(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor y, ctx.Allocate(x.dtype(), {g.n, g.oh, g.ow, g.c}));
    const T* px = x.flat<T>().data();
    T* py = y.flat<T>().data();
    ForEachWindow(g, [&](int64_t b, int64_t out, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
      for (int64_t ch = 0; ch < g.c; ++ch) {
        T m = std::numeric_limits<T>::lowest();
        for (int64_t iy = ys; iy < ye; ++iy) {
          for (int64_t ix = xs; ix < xe; ++ix) {
            const T v = px[((b * g.h + iy) * g.w + ix) * g.c + ch];
            if (v > m) m = v;
          }
        }
        py[out + ch] = m;
      }
    });
    TB_ASSIGN_OR_RETURN(tf::Tensor o, Out(ctx, y, nchw));
    ctx.set_output(0, std::move(o));
    return absl::OkStatus();
  });
}

absl::Status MaxPoolGrad(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 2));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, In(ctx, ctx.input(0), nchw));
  TB_ASSIGN_OR_RETURN(tf::Tensor grad, In(ctx, ctx.input(2), nchw));
  TB_ASSIGN_OR_RETURN(PoolGeometry g, Geometry(ctx, x.shape()));
  if (grad.shape() != tf::Shape{g.n, g.oh, g.ow, g.c}) {
    return ctx.Error(absl::StrCat("grad has shape ", tf::ShapeToString(grad.shape()), ", expected ",
                                  tf::ShapeToString({g.n, g.oh, g.ow, g.c})));
  }
  return DispatchNumeric(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor dx, ctx.Allocate(x.dtype(), x.shape()));
    const T* px = x.flat<T>().data();
    const T* pg = grad.flat<T>().data();
    T* pdx = dx.flat<T>().data();
    ForEachWindow(g, [&](int64_t b, int64_t out, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
      for (int64_t ch = 0; ch < g.c; ++ch) {
        int64_t best = -1;
        T m = std::numeric_limits<T>::lowest();
        for (int64_t iy = ys; iy < ye; ++iy) {
          for (int64_t ix = xs; ix < xe; ++ix) {
            const int64_t off = ((b * g.h + iy) * g.w + ix) * g.c + ch;
            if (best < 0 || px[off] > m) {
              m = px[off];
              best = off;
            }
          }
        }
        if (best >= 0) pdx[best] += pg[out + ch];
      }
    });
    TB_ASSIGN_OR_RETURN(tf::Tensor o, Out(ctx, dx, nchw));
    ctx.set_output(0, std::move(o));
    return absl::OkStatus();
  });
}

absl::Status AvgPool(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, In(ctx, ctx.input(0), nchw));
  TB_ASSIGN_OR_RETURN(PoolGeometry g, Geometry(ctx, x.shape()));
  return DispatchFloat(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor y, ctx.Allocate(x.dtype(), {g.n, g.oh, g.ow, g.c}));
    const T* px = x.flat<T>().data();
    T* py = y.flat<T>().data();
    ForEachWindow(g, [&](int64_t b, int64_t out, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
      const T count = static_cast<T>((ye - ys) * (xe - xs));
      for (int64_t ch = 0; ch < g.c; ++ch) {
        T sum = 0;
        for (int64_t iy = ys; iy < ye; ++iy) {
          for (int64_t ix = xs; ix < xe; ++ix) sum += px[((b * g.h + iy) * g.w + ix) * g.c + ch];
        }
        py[out + ch] = sum / count;
      }
    });
    TB_ASSIGN_OR_RETURN(tf::Tensor o, Out(ctx, y, nchw));
    ctx.set_output(0, std::move(o));
    return absl::OkStatus();
  });
}

absl::Status AvgPoolGrad(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, ReadShape(ctx, ctx.input(0), "orig_input_shape"));
  if (shape.size() != 4) return ctx.Error("orig_input_shape must have 4 elements");
  if (nchw) shape = {shape[0], shape[2], shape[3], shape[1]};
  TB_ASSIGN_OR_RETURN(tf::Tensor grad, In(ctx, ctx.input(1), nchw));
  TB_ASSIGN_OR_RETURN(PoolGeometry g, Geometry(ctx, shape));
  if (grad.shape() != tf::Shape{g.n, g.oh, g.ow, g.c}) {
    return ctx.Error(absl::StrCat("grad has shape ", tf::ShapeToString(grad.shape()), ", expected ",
                                  tf::ShapeToString({g.n, g.oh, g.ow, g.c})));
  }
  return DispatchFloat(ctx, grad.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor dx, ctx.Allocate(grad.dtype(), shape));
    const T* pg = grad.flat<T>().data();
    T* pdx = dx.flat<T>().data();
    ForEachWindow(g, [&](int64_t b, int64_t out, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
      const T count = static_cast<T>((ye - ys) * (xe - xs));
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const T share = pg[out + ch] / count;
        for (int64_t iy = ys; iy < ye; ++iy) {
          for (int64_t ix = xs; ix < xe; ++ix) pdx[((b * g.h + iy) * g.w + ix) * g.c + ch] += share;
        }
      }
    });
    TB_ASSIGN_OR_RETURN(tf::Tensor o, Out(ctx, dx, nchw));
    ctx.set_output(0, std::move(o));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("MaxPool", MaxPool);
TB_REGISTER_KERNEL("MaxPoolGrad", MaxPoolGrad);
TB_REGISTER_KERNEL("AvgPool", AvgPool);
TB_REGISTER_KERNEL("AvgPoolGrad", AvgPoolGrad);

}  // namespace tb::runtime
