// Conv2D and its two backprops (Conv2DBackpropInput, Conv2DBackpropFilter), float and double, SAME/VALID/EXPLICIT
// padding, strides and dilations. Computed per image as im2col + Eigen GEMM in NHWC; NCHW data is transposed in
// and out. Window geometry is graph::ComputeWindow, the same code as the shape function.
#include <Eigen/Core>

#include "base/status_macros.h"
#include "graph/window.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct ConvGeometry {
  int64_t n, h, w, c;       // input (NHWC)
  int64_t kh, kw, o;        // filter [kh, kw, c, o]
  int64_t oh, ow;           // output
  int64_t pad_top, pad_left;
  graph::Window2D win;
  int64_t patch() const { return kh * kw * c; }
};

absl::StatusOr<ConvGeometry> Geometry(KernelContext& ctx, const tf::Shape& in_nhwc, const tf::Shape& filter) {
  auto win = graph::ParseWindow2D(ctx.attrs(), /*pool=*/false);
  if (!win.ok()) return ctx.Annotate(win.status());
  if (in_nhwc.size() != 4 || filter.size() != 4) return ctx.Error("input and filter must be 4-D");
  ConvGeometry g{in_nhwc[0], in_nhwc[1], in_nhwc[2], in_nhwc[3], filter[0], filter[1], filter[3], 0, 0, 0, 0, *win};
  if (filter[2] != g.c) {
    return ctx.Error(absl::StrCat("input depth must be equal to filter depth: ", g.c, " vs ", filter[2],
                                  " (grouped convolution is not supported)"));
  }
  // Explicit paddings were parsed relative to the original layout; in NHWC space they are the same values.
  auto hd = graph::ComputeWindow(g.h, g.kh, win->stride_h, win->dilation_h, win->padding, win->pad_top, win->pad_bottom);
  if (!hd.ok()) return ctx.Annotate(hd.status());
  auto wd = graph::ComputeWindow(g.w, g.kw, win->stride_w, win->dilation_w, win->padding, win->pad_left, win->pad_right);
  if (!wd.ok()) return ctx.Annotate(wd.status());
  g.oh = hd->out;
  g.ow = wd->out;
  g.pad_top = hd->pad_before;
  g.pad_left = wd->pad_before;
  // The per-image patch matrix is the kernel's only scratch buffer; refuse absurd ones instead of allocating.
  constexpr int64_t kMaxScratchElements = int64_t{1} << 28;
  if (g.patch() > 0 && g.oh * g.ow > kMaxScratchElements / g.patch()) {
    return ctx.Error("convolution is too large for the reference kernel (patch matrix over 2^28 elements)");
  }
  return g;
}

// cols[p, (i*kw + j)*c + ch] = x[n, oh*sh + i*dh - pt, ow*sw + j*dw - pl, ch] (0 outside).
template <typename T>
void Im2Col(const ConvGeometry& g, const T* x, T* cols) {
  const int64_t patch = g.patch();
  for (int64_t y = 0; y < g.oh; ++y) {
    for (int64_t xw = 0; xw < g.ow; ++xw) {
      T* dst = cols + (y * g.ow + xw) * patch;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t iy = y * g.win.stride_h + i * g.win.dilation_h - g.pad_top;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t ix = xw * g.win.stride_w + j * g.win.dilation_w - g.pad_left;
          T* d = dst + (i * g.kw + j) * g.c;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
            for (int64_t ch = 0; ch < g.c; ++ch) d[ch] = T(0);
          } else {
            const T* s = x + (iy * g.w + ix) * g.c;
            for (int64_t ch = 0; ch < g.c; ++ch) d[ch] = s[ch];
          }
        }
      }
    }
  }
}

// The adjoint of Im2Col: dx[...] += cols[...].
template <typename T>
void Col2Im(const ConvGeometry& g, const T* cols, T* dx) {
  const int64_t patch = g.patch();
  for (int64_t y = 0; y < g.oh; ++y) {
    for (int64_t xw = 0; xw < g.ow; ++xw) {
      const T* src = cols + (y * g.ow + xw) * patch;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t iy = y * g.win.stride_h + i * g.win.dilation_h - g.pad_top;
        if (iy < 0 || iy >= g.h) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t ix = xw * g.win.stride_w + j * g.win.dilation_w - g.pad_left;
          if (ix < 0 || ix >= g.w) continue;
          const T* s = src + (i * g.kw + j) * g.c;
          T* d = dx + (iy * g.w + ix) * g.c;
          for (int64_t ch = 0; ch < g.c; ++ch) d[ch] += s[ch];
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

absl::StatusOr<tf::Tensor> ToNhwc(KernelContext& ctx, const tf::Tensor& t, bool nchw) {
  if (!nchw) return t;
  return TransposeTensor(ctx, t, {0, 2, 3, 1});
}
absl::StatusOr<tf::Tensor> FromNhwc(KernelContext& ctx, const tf::Tensor& t, bool nchw) {
  if (!nchw) return t;
  return TransposeTensor(ctx, t, {0, 3, 1, 2});
}
tf::Shape NhwcShape(const tf::Shape& s, bool nchw) {
  if (!nchw || s.size() != 4) return s;
  return {s[0], s[2], s[3], s[1]};
}

absl::Status Conv2D(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  TB_RETURN_IF_ERROR(ctx.CheckRank(0, 4));
  TB_RETURN_IF_ERROR(ctx.CheckRank(1, 4));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, ToNhwc(ctx, ctx.input(0), nchw));
  const tf::Tensor& f = ctx.input(1);
  TB_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(ctx, x.shape(), f.shape()));
  return DispatchFloat(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    // Each image's rows are assigned by the GEMM below.
    TB_ASSIGN_OR_RETURN(tf::Tensor y, ctx.AllocateUninitialized(x.dtype(), {g.n, g.oh, g.ow, g.o}));
    std::vector<T> cols(static_cast<size_t>(g.oh * g.ow * g.patch()));
    Eigen::Map<const Mat<T>> W(f.flat<T>().data(), g.patch(), g.o);
    for (int64_t b = 0; b < g.n && g.oh * g.ow > 0; ++b) {
      Im2Col<T>(g, x.flat<T>().data() + b * g.h * g.w * g.c, cols.data());
      Eigen::Map<const Mat<T>> C(cols.data(), g.oh * g.ow, g.patch());
      Eigen::Map<Mat<T>> Y(y.flat<T>().data() + b * g.oh * g.ow * g.o, g.oh * g.ow, g.o);
      Y.noalias() = C * W;
    }
    TB_ASSIGN_OR_RETURN(tf::Tensor out, FromNhwc(ctx, y, nchw));
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status Conv2DBackpropInput(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(1, 2));
  TB_RETURN_IF_ERROR(ctx.CheckRank(1, 4));
  TB_RETURN_IF_ERROR(ctx.CheckRank(2, 4));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Shape in_shape, ReadShape(ctx, ctx.input(0), "input_sizes"));
  if (in_shape.size() != 4) return ctx.Error("input_sizes must have 4 elements");
  const tf::Tensor& f = ctx.input(1);
  TB_ASSIGN_OR_RETURN(tf::Tensor dy, ToNhwc(ctx, ctx.input(2), nchw));
  TB_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(ctx, NhwcShape(in_shape, nchw), f.shape()));
  if (dy.shape() != tf::Shape{g.n, g.oh, g.ow, g.o}) {
    return ctx.Error(absl::StrCat("out_backprop has shape ", tf::ShapeToString(dy.shape()), ", expected ",
                                  tf::ShapeToString({g.n, g.oh, g.ow, g.o})));
  }
  return DispatchFloat(ctx, f.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor dx, ctx.Allocate(f.dtype(), {g.n, g.h, g.w, g.c}));
    std::vector<T> cols(static_cast<size_t>(g.oh * g.ow * g.patch()));
    Eigen::Map<const Mat<T>> W(f.flat<T>().data(), g.patch(), g.o);
    for (int64_t b = 0; b < g.n && g.oh * g.ow > 0; ++b) {
      Eigen::Map<const Mat<T>> DY(dy.flat<T>().data() + b * g.oh * g.ow * g.o, g.oh * g.ow, g.o);
      Eigen::Map<Mat<T>> C(cols.data(), g.oh * g.ow, g.patch());
      C.noalias() = DY * W.transpose();
      Col2Im<T>(g, cols.data(), dx.flat<T>().data() + b * g.h * g.w * g.c);
    }
    TB_ASSIGN_OR_RETURN(tf::Tensor out, FromNhwc(ctx, dx, nchw));
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status Conv2DBackpropFilter(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 2));
  TB_RETURN_IF_ERROR(ctx.CheckRank(0, 4));
  TB_RETURN_IF_ERROR(ctx.CheckRank(2, 4));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor x, ToNhwc(ctx, ctx.input(0), nchw));
  TB_ASSIGN_OR_RETURN(tf::Shape f_shape, ReadShape(ctx, ctx.input(1), "filter_sizes"));
  if (f_shape.size() != 4) return ctx.Error("filter_sizes must have 4 elements");
  TB_ASSIGN_OR_RETURN(tf::Tensor dy, ToNhwc(ctx, ctx.input(2), nchw));
  TB_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(ctx, x.shape(), f_shape));
  if (dy.shape() != tf::Shape{g.n, g.oh, g.ow, g.o}) {
    return ctx.Error(absl::StrCat("out_backprop has shape ", tf::ShapeToString(dy.shape()), ", expected ",
                                  tf::ShapeToString({g.n, g.oh, g.ow, g.o})));
  }
  return DispatchFloat(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor df, ctx.Allocate(x.dtype(), f_shape));
    std::vector<T> cols(static_cast<size_t>(g.oh * g.ow * g.patch()));
    Eigen::Map<Mat<T>> DF(df.flat<T>().data(), g.patch(), g.o);
    for (int64_t b = 0; b < g.n && g.oh * g.ow > 0; ++b) {
      Im2Col<T>(g, x.flat<T>().data() + b * g.h * g.w * g.c, cols.data());
      Eigen::Map<const Mat<T>> C(cols.data(), g.oh * g.ow, g.patch());
      Eigen::Map<const Mat<T>> DY(dy.flat<T>().data() + b * g.oh * g.ow * g.o, g.oh * g.ow, g.o);
      DF.noalias() += C.transpose() * DY;
    }
    ctx.set_output(0, std::move(df));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("Conv2D", Conv2D);
TB_REGISTER_KERNEL("Conv2DBackpropInput", Conv2DBackpropInput);
TB_REGISTER_KERNEL("Conv2DBackpropFilter", Conv2DBackpropFilter);

}  // namespace tb::runtime
