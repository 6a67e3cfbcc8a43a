// Gradient and loss ops of convolutional and classification models as builtins (tflite-lowering.md §3.4–§3.6,
// §3.10, §3.11): Conv2DBackpropInput (TRANSPOSE_CONV), Conv2DBackpropFilter (one CONV_2D over transposed
// operands), MaxPoolGrad for non-overlapping windows (ARG_MAX over each window), and the softmax cross-entropies
// in TF's kernel order. None of these is on the ODP Flex list, so a CNN only runs on phones through these forms.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tflite/lower_window.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

// Conv2DBackpropInput(input_sizes, filter [kh,kw,Ci,Co], dy) = TRANSPOSE_CONV(input_sizes, filter as
// [Ci,kh,kw,Co], dy). TRANSPOSE_CONV derives its padding from input_sizes exactly as TF does.
absl::Status LowerConv2DBackpropInput(NodeContext& c) {
  if (c.out_type(0).dtype != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  TB_ASSIGN_OR_RETURN(graph::Window2D w, BuiltinWindow(c, false));
  if (w.dilation_h != 1 || w.dilation_w != 1) return c.NotBuiltin("TRANSPOSE_CONV has no dilation");
  const int sizes = c.ToInt32(c.In(0));
  const int filter = c.Transpose(c.In(1), {2, 0, 1, 3});
  const int dy = c.In(2);
  c.EmitTo(0, Op::TRANSPOSE_CONV, {sizes, filter, dy},
           options::TransposeConv(PaddingOf(w), static_cast<int>(w.stride_h), static_cast<int>(w.stride_w)));
  return c.status();
}

// Conv2DBackpropFilter as one convolution (§3.5 formulation A):
//   dW[i,j,ci,co] = Σ_{n,oh,ow} xp[n, oh·sh + i·dh, ow·sw + j·dw, ci] · dy[n,oh,ow,co]
// is a VALID convolution of xp viewed as [Ci, H, W, N] (batch as channels) with dy viewed as [Co, Ho, Wo, N]
// (an OHWI filter), striding by the forward dilation and dilating by the forward stride.
absl::Status LowerConv2DBackpropFilter(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  TB_ASSIGN_OR_RETURN(graph::Window2D w, BuiltinWindow(c, false));
  const graph::PartialShape& xs = c.in_shape(0);
  std::optional<std::vector<int64_t>> fs = c.ShapeVectorInput(1);
  if (!xs.rank_known() || xs.rank() != 4 || xs.dim(1) < 0 || xs.dim(2) < 0) {
    return c.NotBuiltin("needs the input's height and width");
  }
  if (!fs.has_value() || fs->size() != 4 || (*fs)[0] < 0 || (*fs)[1] < 0 || (*fs)[2] < 0 || (*fs)[3] < 0) {
    return c.NotBuiltin("needs the filter's static shape");
  }
  const int64_t h = xs.dim(1), wd = xs.dim(2), kh = (*fs)[0], kw = (*fs)[1], ci = (*fs)[2], co = (*fs)[3];
  TB_ASSIGN_OR_RETURN(graph::WindowDim rows, graph::ComputeWindow(h, kh, w.stride_h, w.dilation_h, w.padding));
  TB_ASSIGN_OR_RETURN(graph::WindowDim cols, graph::ComputeWindow(wd, kw, w.stride_w, w.dilation_w, w.padding));
  if (rows.out < 1 || cols.out < 1) return c.NotBuiltin("empty output");
  const int64_t hn = (rows.out - 1) * w.stride_h + (kh - 1) * w.dilation_h + 1;
  const int64_t wn = (cols.out - 1) * w.stride_w + (kw - 1) * w.dilation_w + 1;
  const int64_t pad_bottom = hn - h - rows.pad_before, pad_right = wn - wd - cols.pad_before;

  int x = c.In(0);
  if (pad_bottom < 0 || pad_right < 0) {
    // VALID: rows/cols past the last window never contribute; crop them.
    x = c.Op(Op::SLICE, {x, c.Int32s({0, 0, 0, 0}, "begin"),
                         c.Int32s({-1, static_cast<int32_t>(std::min(hn, h)), static_cast<int32_t>(std::min(wn, wd)), -1},
                                  "size")},
             DType::kFloat, graph::PartialShape({xs.dim(0), std::min(hn, h), std::min(wn, wd), xs.dim(3)}));
  }
  const int64_t pt = rows.pad_before, pl = cols.pad_before;
  const int64_t pb = std::max<int64_t>(pad_bottom, 0), pr = std::max<int64_t>(pad_right, 0);
  if (pt > 0 || pl > 0 || pb > 0 || pr > 0) {
    tf::Tensor paddings(DType::kInt32, {4, 2});
    auto p = paddings.flat<int32_t>();
    const int32_t values[8] = {0, 0, static_cast<int32_t>(pt), static_cast<int32_t>(pb),
                               static_cast<int32_t>(pl), static_cast<int32_t>(pr), 0, 0};
    for (int k = 0; k < 8; ++k) p[k] = values[k];
    x = c.Op(Op::PAD, {x, c.Const(paddings, "paddings")}, DType::kFloat, graph::PartialShape({xs.dim(0), hn, wn, xs.dim(3)}));
  }
  const int xt = c.Transpose(x, {3, 1, 2, 0});          // [Ci, Hn, Wn, N]
  const int dyt = c.Transpose(c.In(2), {3, 1, 2, 0});   // [Co, Ho, Wo, N]
  const int bias = [&] {
    tf::Tensor zeros(DType::kFloat, {co});
    for (float& v : zeros.flat<float>()) v = 0.0f;
    return c.Const(zeros, "zero_bias");
  }();
  const int y = c.Op(Op::CONV_2D, {xt, dyt, bias}, DType::kFloat, graph::PartialShape({ci, kh, kw, co}),
                     options::Conv2D(fb::Padding::VALID, static_cast<int>(w.dilation_h), static_cast<int>(w.dilation_w),
                                     static_cast<int>(w.stride_h), static_cast<int>(w.stride_w)));
  c.EmitTo(0, Op::TRANSPOSE, {y, c.Int32s({1, 2, 0, 3}, "perm")});
  return c.status();
}

// MaxPoolGrad for windows that tile the input (ksize == strides), §3.6: each window's cells become the last axis,
// ARG_MAX picks the first maximum in row-major window order (TF's scan order and tie rule), and the window's
// gradient is routed to that cell.
absl::Status LowerMaxPoolGrad(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  TB_ASSIGN_OR_RETURN(graph::Window2D w, BuiltinWindow(c, true));
  if (w.ksize_h != w.stride_h || w.ksize_w != w.stride_w) {
    return c.NotBuiltin(absl::StrCat("overlapping or gapped windows (ksize ", w.ksize_h, "x", w.ksize_w, ", strides ",
                                     w.stride_h, "x", w.stride_w, ")"));
  }
  const graph::PartialShape& xs = c.in_shape(0);
  if (!xs.rank_known() || xs.rank() != 4 || xs.dim(1) < 0 || xs.dim(2) < 0 || xs.dim(3) < 0) {
    return c.NotBuiltin("needs the input's height, width and depth");
  }
  const int64_t h = xs.dim(1), wd = xs.dim(2), ch = xs.dim(3), kh = w.ksize_h, kw = w.ksize_w;
  TB_ASSIGN_OR_RETURN(graph::WindowDim rows, graph::ComputeWindow(h, kh, kh, 1, w.padding));
  TB_ASSIGN_OR_RETURN(graph::WindowDim cols, graph::ComputeWindow(wd, kw, kw, 1, w.padding));
  const int64_t ho = rows.out, wo = cols.out, hp = ho * kh, wp = wo * kw;
  if (ho < 1 || wo < 1) return c.NotBuiltin("empty output");
  const int64_t pt = rows.pad_before, pl = cols.pad_before;
  const bool same = w.padding == graph::Padding::kSame;

  int x = c.In(0);
  if (same && (hp != h || wp != wd)) {
    tf::Tensor paddings(DType::kInt32, {4, 2});
    auto p = paddings.flat<int32_t>();
    const int32_t values[8] = {0, 0, static_cast<int32_t>(pt), static_cast<int32_t>(hp - h - pt),
                               static_cast<int32_t>(pl), static_cast<int32_t>(wp - wd - pl), 0, 0};
    for (int k = 0; k < 8; ++k) p[k] = values[k];
    // Padding cells hold -inf so they never win against a valid cell.
    x = c.Op(Op::PADV2,
             {x, c.Const(paddings, "paddings"),
              c.Scalar(DType::kFloat, -std::numeric_limits<float>::infinity(), "minus_inf")},
             DType::kFloat, graph::PartialShape({xs.dim(0), hp, wp, ch}));
  } else if (!same && (hp != h || wp != wd)) {
    x = c.Op(Op::SLICE, {x, c.Int32s({0, 0, 0, 0}, "begin"),
                         c.Int32s({-1, static_cast<int32_t>(hp), static_cast<int32_t>(wp), -1}, "size")},
             DType::kFloat, graph::PartialShape({xs.dim(0), hp, wp, ch}));
  }
  const int64_t window = kh * kw;
  int t = c.Reshape(x, {-1, kh, wo, kw, ch});          // [N·Ho, kh, Wo, kw, C]
  t = c.Transpose(t, {0, 2, 4, 1, 3});                 // [N·Ho, Wo, C, kh, kw]
  t = c.Reshape(t, {-1, wo, ch, window});              // [N·Ho, Wo, C, kh·kw]
  const int idx = c.Op(Op::ARG_MAX, {t, c.Int32Scalar(3, "axis")}, DType::kInt32, graph::PartialShape({-1, wo, ch}),
                       options::ArgMax(DType::kInt32));
  std::vector<int32_t> iota(window);
  for (int64_t k = 0; k < window; ++k) iota[k] = static_cast<int32_t>(k);
  const int mask = c.Binary(Op::EQUAL, c.Int32s(iota, "iota"), c.ExpandDims(idx, -1));
  const int dy = c.Reshape(c.In(2), {-1, wo, ch, 1});
  int g = c.Op(Op::SELECT_V2, {mask, dy, c.Scalar(DType::kFloat, 0.0, "zero")}, DType::kFloat,
               graph::PartialShape({-1, wo, ch, window}));
  g = c.Reshape(g, {-1, wo, ch, kh, kw});
  g = c.Transpose(g, {0, 3, 1, 4, 2});                 // [N·Ho, kh, Wo, kw, C]
  g = c.Reshape(g, {-1, hp, wp, ch});                  // [N, Hp, Wp, C]
  if (same && (hp != h || wp != wd)) {
    c.EmitTo(0, Op::SLICE,
             {g, c.Int32s({0, static_cast<int32_t>(pt), static_cast<int32_t>(pl), 0}, "begin"),
              c.Int32s({-1, static_cast<int32_t>(h), static_cast<int32_t>(wd), -1}, "size")});
  } else if (!same && (hp != h || wp != wd)) {
    // Cells outside every window get 0, as in TF.
    tf::Tensor paddings(DType::kInt32, {4, 2});
    auto p = paddings.flat<int32_t>();
    const int32_t values[8] = {0, 0, 0, static_cast<int32_t>(h - hp), 0, static_cast<int32_t>(wd - wp), 0, 0};
    for (int k = 0; k < 8; ++k) p[k] = values[k];
    c.EmitTo(0, Op::PAD, {g, c.Const(paddings, "paddings")});
  } else {
    c.Bind(0, g);
  }
  return c.status();
}

// The shared start of both cross-entropies: z = f − max_row(f), e = exp(z), s = Σ_row e, log s.
struct SoftmaxParts {
  int z, e, s, log_s;
};

SoftmaxParts Softmax(NodeContext& c, int features) {
  SoftmaxParts p;
  const int m = c.ReduceMax(features, {1}, true);
  p.z = c.Binary(Op::SUB, features, m);
  p.e = c.Unary(Op::EXP, p.z);
  p.s = c.Sum(p.e, {1}, true);
  p.log_s = c.Unary(Op::LOG, p.s);
  return p;
}

// SparseSoftmaxCrossEntropyWithLogits(f [B,C], labels [B]) → loss [B] = log s − z[label],
// backprop [B,C] = e/s − onehot(label); a label outside [0, C) gives NaN in its row (TF's CPU kernel fails).
// The class count may be known only at run time (a metric's Reshape(logits, [-1, Shape(logits)[-1]])): then the
// class ids come from RANGE(0, SHAPE(f)[1], 1) instead of a constant.
absl::Status LowerSparseXent(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  const graph::PartialShape& fs = c.in_shape(0);
  if (!fs.rank_known() || fs.rank() != 2) return c.NotBuiltin("needs [batch, classes] features");
  const int64_t known_classes = fs.dim(1);
  const int f = c.In(0);
  const int labels = c.ToInt32(c.In(1));
  const SoftmaxParts p = Softmax(c, f);
  int iota = -1, classes = -1;
  if (known_classes >= 0) {
    std::vector<int32_t> ids(known_classes);
    for (int64_t k = 0; k < known_classes; ++k) ids[k] = static_cast<int32_t>(k);
    iota = c.Int32s(ids, "iota");
    classes = c.Int32Scalar(static_cast<int32_t>(known_classes), "classes");
  } else {
    classes = c.Op(Op::GATHER, {c.ShapeOf(f), c.Int32Scalar(1, "class_axis")}, DType::kInt32,
                   graph::PartialShape::Scalar(), options::Gather(0, 0), "classes");
    iota = c.Op(Op::RANGE, {c.Int32Scalar(0, "zero_class"), classes, c.Int32Scalar(1, "one")}, DType::kInt32,
                graph::PartialShape({-1}), options::None(), "iota");
  }
  const int onehot = c.Binary(Op::EQUAL, iota, c.ExpandDims(labels, -1));
  const int zero = c.Scalar(DType::kFloat, 0.0, "zero");
  const int terms = c.Op(Op::SELECT_V2, {onehot, c.Binary(Op::SUB, p.log_s, p.z), zero}, DType::kFloat, fs);
  const int loss = c.Sum(terms, {1}, false);
  const int backprop = c.Binary(Op::SUB, c.Binary(Op::DIV, p.e, p.s), c.Cast(onehot, DType::kFloat));
  const int valid = c.Binary(Op::LOGICAL_AND, c.Binary(Op::GREATER_EQUAL, labels, c.Int32Scalar(0, "zero_label")),
                             c.Binary(Op::LESS, labels, classes));
  const int nan = c.Scalar(DType::kFloat, std::numeric_limits<float>::quiet_NaN(), "nan");
  c.EmitTo(0, Op::SELECT_V2, {valid, loss, nan});
  const int valid_rows = c.ExpandDims(valid, -1);
  c.EmitTo(1, Op::SELECT_V2, {valid_rows, backprop, nan});
  return c.status();
}

// SoftmaxCrossEntropyWithLogits(f, labels): loss = Σ labels·(log s − z), backprop = e/s − labels. TF broadcasts
// labels against features (e.g. labels [B] or [1, C] with features [B, C]) and requires a matrix result; MUL and SUB
// broadcast the same way, so any labels of rank <= 2 take the builtin form with rank-2 features.
absl::Status LowerXent(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  if (!c.in_shape(0).rank_known() || c.in_shape(0).rank() != 2) return c.NotBuiltin("needs rank-2 features");
  if (!c.in_shape(1).rank_known() || c.in_shape(1).rank() > 2) return c.NotBuiltin("needs labels of rank <= 2");
  const int f = c.In(0), labels = c.In(1);
  const SoftmaxParts p = Softmax(c, f);
  const int terms = c.Binary(Op::MUL, labels, c.Binary(Op::SUB, p.log_s, p.z));
  const int loss = c.Sum(terms, {1}, false);
  c.Bind(0, loss);
  const int softmax = c.Binary(Op::DIV, p.e, p.s);
  c.EmitTo(1, Op::SUB, {softmax, labels}, options::Sub());
  return c.status();
}

}  // namespace

void RegisterNnGradLowerings(LoweringRegistry& r) {
  r.Add("Conv2DBackpropInput", LowerConv2DBackpropInput);
  r.Add("Conv2DBackpropFilter", LowerConv2DBackpropFilter);
  r.Add("MaxPoolGrad", LowerMaxPoolGrad);
  r.Add("SparseSoftmaxCrossEntropyWithLogits", LowerSparseXent);
  r.Add("SoftmaxCrossEntropyWithLogits", LowerXent);
}

}  // namespace tb::tflite
