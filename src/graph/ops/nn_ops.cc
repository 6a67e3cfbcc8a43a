// Activations, softmax, bias, convolution, pooling, batch norm and losses (TF core/ops/nn_ops.cc facts as of TF
// 2.14, tf-ops.md §7.3, §7.5, §7.6), with shape functions built on graph/window.h.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"
#include "graph/shape_inference.h"
#include "graph/window.h"

namespace tb::graph {
namespace {


absl::Status SameShapeBinary(InferenceContext& c) {
  auto m = c.input_shape(0).Merge(c.input_shape(1));
  if (!m.ok()) return c.Error(m.status().message());
  c.set_output(0, *m);
  return absl::OkStatus();
}

absl::Status SoftmaxShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRankAtLeast(0, 1));
  c.set_output(0, c.input_shape(0));
  return absl::OkStatus();
}

absl::StatusOr<bool> IsNchw(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(std::string f, c.GetString("data_format"));
  return f == "NCHW" || f == "NCDHW";
}

absl::Status BiasAddShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRankAtLeast(0, 2));
  TB_RETURN_IF_ERROR(c.CheckRank(1, 1));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(c));
  PartialShape value = c.input_shape(0);
  const PartialShape& bias = c.input_shape(1);
  if (value.rank_known() && bias.rank_known()) {
    std::vector<int64_t> dims = value.dims();
    const int axis = nchw ? 1 : value.rank() - 1;
    auto merged = PartialShape({dims[axis]}).Merge(bias);
    if (!merged.ok()) {
      return c.Error(absl::StrCat("Must provide as many biases as the channel dimension of the input tensor: ",
                                  bias.ToString(), " vs. ", value.ToString()));
    }
    dims[axis] = merged->dim(0);
    value = PartialShape(dims);
  }
  c.set_output(0, value);
  return absl::OkStatus();
}

absl::Status BiasAddGradShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRankAtLeast(0, 2));
  TB_ASSIGN_OR_RETURN(bool nchw, IsNchw(c));
  const PartialShape& g = c.input_shape(0);
  c.set_output(0, g.rank_known() ? PartialShape({g.dim(nchw ? 1 : g.rank() - 1)}) : PartialShape::UnknownDims(1));
  return absl::OkStatus();
}

// Output shape of a 2-D windowed op on an input of rank 4 with `out_channels` channels.
absl::Status Window2DShape(InferenceContext& c, const PartialShape& in, const Window2D& w, int64_t kh, int64_t kw,
                           int64_t out_channels) {
  if (!in.rank_known()) {
    c.set_output(0, PartialShape::UnknownDims(4));
    return absl::OkStatus();
  }
  auto h = ComputeWindow(in.dim(w.h_axis()), kh, w.stride_h, w.dilation_h, w.padding, w.pad_top, w.pad_bottom);
  if (!h.ok()) return c.Error(h.status().message());
  auto wd = ComputeWindow(in.dim(w.w_axis()), kw, w.stride_w, w.dilation_w, w.padding, w.pad_left, w.pad_right);
  if (!wd.ok()) return c.Error(wd.status().message());
  std::vector<int64_t> dims(4);
  dims[0] = in.dim(0);
  dims[w.h_axis()] = h->out;
  dims[w.w_axis()] = wd->out;
  dims[w.c_axis()] = out_channels;
  c.set_output(0, PartialShape(dims));
  return absl::OkStatus();
}

absl::Status ConvShape(InferenceContext& c, bool depthwise) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 4));
  TB_RETURN_IF_ERROR(c.CheckRank(1, 4));
  auto w = ParseWindow2D(c.attrs(), /*pool=*/false);
  if (!w.ok()) return c.Error(w.status().message());
  const PartialShape& in = c.input_shape(0);
  PartialShape f = c.input_shape(1).rank_known() ? c.input_shape(1) : PartialShape::UnknownDims(4);
  const int64_t in_c = in.rank_known() ? in.dim(w->c_axis()) : -1;
  if (in_c >= 0 && f.dim(2) >= 0) {
    if (depthwise ? in_c != f.dim(2) : (f.dim(2) == 0 || in_c % f.dim(2) != 0)) {
      return c.Error(absl::StrCat("input depth ", in_c, " does not match filter ", f.ToString()));
    }
  }
  int64_t out_c = f.dim(3);
  if (depthwise) out_c = (f.dim(2) >= 0 && f.dim(3) >= 0) ? f.dim(2) * f.dim(3) : -1;
  const int64_t kh = f.dim(0) >= 0 ? f.dim(0) : 1, kw = f.dim(1) >= 0 ? f.dim(1) : 1;
  TB_RETURN_IF_ERROR(Window2DShape(c, in, *w, kh, kw, out_c));
  if (f.dim(0) < 0 || f.dim(1) < 0) {
    // Unknown window: spatial output dims are unknown.
    std::vector<int64_t> dims = c.output_shapes()[0].dims();
    dims[w->h_axis()] = dims[w->w_axis()] = -1;
    c.set_output(0, PartialShape(dims));
  }
  return absl::OkStatus();
}
absl::Status Conv2DShape(InferenceContext& c) { return ConvShape(c, false); }
absl::Status DepthwiseShape(InferenceContext& c) { return ConvShape(c, true); }

absl::Status ShapeFromInput0(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape s, c.InputAsShape(0));
  c.set_output(0, s.rank_known() ? s : PartialShape::UnknownDims(4));
  return absl::OkStatus();
}
absl::Status ShapeFromInput1(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(PartialShape s, c.InputAsShape(1));
  c.set_output(0, s.rank_known() ? s : PartialShape::UnknownDims(4));
  return absl::OkStatus();
}

absl::Status PoolShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 4));
  auto w = ParseWindow2D(c.attrs(), /*pool=*/true);
  if (!w.ok()) return c.Error(w.status().message());
  const PartialShape& in = c.input_shape(0);
  return Window2DShape(c, in, *w, w->ksize_h, w->ksize_w, in.rank_known() ? in.dim(w->c_axis()) : -1);
}

absl::Status MaxPoolGradShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 4));
  c.set_output(0, c.input_shape(0).rank_known() ? c.input_shape(0) : PartialShape::UnknownDims(4));
  return absl::OkStatus();
}

absl::Status FusedBatchNormShape(InferenceContext& c) {
  const PartialShape& x = c.input_shape(0);
  TB_ASSIGN_OR_RETURN(std::string format, c.GetString("data_format"));
  const int rank = (format == "NDHWC" || format == "NCDHW") ? 5 : 4;
  TB_RETURN_IF_ERROR(c.CheckRank(0, rank));
  for (int i = 1; i < 5; ++i) TB_RETURN_IF_ERROR(c.CheckRank(i, 1));
  int64_t channels = -1;
  if (x.rank_known()) channels = x.dim(format[1] == 'C' ? 1 : rank - 1);
  PartialShape cs({channels});
  for (int i = 1; i < 5; ++i) {
    auto m = cs.Merge(c.input_shape(i));
    if (!m.ok()) return c.Error(absl::StrCat("input ", i, " must have one entry per channel: ", m.status().message()));
    cs = *m;
  }
  c.set_output(0, x.rank_known() ? x : PartialShape::UnknownDims(rank));
  for (int i = 1; i < 5; ++i) c.set_output(i, cs);
  c.set_output(5, PartialShape());
  return absl::OkStatus();
}

absl::Status SparseXentShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 2));
  TB_RETURN_IF_ERROR(c.CheckRank(1, 1));
  PartialShape f = c.input_shape(0).rank_known() ? c.input_shape(0) : PartialShape::UnknownDims(2);
  PartialShape l = c.input_shape(1).rank_known() ? c.input_shape(1) : PartialShape::UnknownDims(1);
  auto batch = PartialShape({f.dim(0)}).Merge(l);
  if (!batch.ok()) {
    return c.Error(absl::StrCat("logits and labels must have the same first dimension, got logits shape ",
                                f.ToString(), " and labels shape ", l.ToString()));
  }
  c.set_output(0, *batch);
  c.set_output(1, PartialShape({batch->dim(0), f.dim(1)}));
  return absl::OkStatus();
}

absl::Status XentShape(InferenceContext& c) {
  auto b = BroadcastShapes(c.input_shape(0), c.input_shape(1));
  if (!b.ok()) return c.Error(b.status().message());
  PartialShape s = b->rank_known() ? *b : PartialShape::UnknownDims(2);
  if (s.rank() != 2) return c.Error(absl::StrCat("logits and labels must be 2-D, got ", s.ToString()));
  c.set_output(0, PartialShape({s.dim(0)}));
  c.set_output(1, s);
  return absl::OkStatus();
}

}  // namespace

void RegisterNnOps(OpRegistry& r) {
  for (const char* op : {"Relu", "Relu6", "Elu", "Selu", "Softplus", "LeakyRelu"}) r.Register(op, shape_fns::Unchanged);
  for (const char* op : {"ReluGrad", "Relu6Grad", "EluGrad", "SeluGrad", "LeakyReluGrad"}) {
    r.Register(op, SameShapeBinary);
  }
  r.Register("Softmax", SoftmaxShape);
  r.Register("LogSoftmax", SoftmaxShape);
  r.Register("BiasAdd", BiasAddShape);
  r.Register("BiasAddGrad", BiasAddGradShape);
  r.Register("Conv2D", Conv2DShape);
  r.Register("Conv2DBackpropInput", ShapeFromInput0);
  r.Register("Conv2DBackpropFilter", ShapeFromInput1);
  r.Register("DepthwiseConv2dNative", DepthwiseShape);
  r.Register("DepthwiseConv2dNativeBackpropInput", ShapeFromInput0);
  r.Register("DepthwiseConv2dNativeBackpropFilter", ShapeFromInput1);
  r.Register("MaxPool", PoolShape);
  r.Register("MaxPoolGrad", MaxPoolGradShape);
  r.Register("AvgPool", PoolShape);
  r.Register("AvgPoolGrad", ShapeFromInput0);
  r.Register("FusedBatchNormV3", FusedBatchNormShape);
  r.Register("L2Loss", shape_fns::Scalar);
  r.Register("SparseSoftmaxCrossEntropyWithLogits", SparseXentShape);
  r.Register("SoftmaxCrossEntropyWithLogits", XentShape);
}

}  // namespace tb::graph
