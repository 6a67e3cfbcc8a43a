// Gradients of activations, softmax, bias, convolution, pooling, batch norm (inference) and the losses
// (tf-ops.md §7.3, §7.5, §7.6). Geometry attrs are copied from the forward op; shapes are Consts when known.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/autodiff/grad_registry.h"

namespace tb::graph {
namespace {

using C = GradContext;

absl::Status ReluGrad(C& c) {
  c.SetGI(0, c.b().Op("ReluGrad", {c.GO(0), c.O(0)}));
  return absl::OkStatus();
}
absl::Status Relu6Grad(C& c) {
  c.SetGI(0, c.b().Op("Relu6Grad", {c.GO(0), c.O(0)}));
  return absl::OkStatus();
}
absl::Status EluGrad(C& c) {
  c.SetGI(0, c.b().Op("EluGrad", {c.GO(0), c.O(0)}));
  return absl::OkStatus();
}
absl::Status SeluGrad(C& c) {
  c.SetGI(0, c.b().Op("SeluGrad", {c.GO(0), c.O(0)}));
  return absl::OkStatus();
}
absl::Status LeakyReluGrad(C& c) {
  c.SetGI(0, c.b().Op("LeakyReluGrad", {c.GO(0), c.I(0)}, c.CopyAttrs({"alpha"})));
  return absl::OkStatus();
}
absl::Status SoftplusGrad(C& c) {
  c.SetGI(0, c.b().Mul(c.GO(0), c.b().Sigmoid(c.I(0))));
  return absl::OkStatus();
}
// ReluGrad(g, f) is linear in g: d/dg = ReluGrad(G, f); f gets zeros (TF registers the same).
template <const char* kOp>
absl::Status ActivationGradGrad(C& c) {
  if (c.NeedsGI(0)) c.SetGI(0, c.b().Op(kOp, {c.GO(0), c.I(1)}));
  if (c.NeedsGI(1)) c.SetGI(1, c.b().ZerosLike(c.I(1)));
  return absl::OkStatus();
}
constexpr char kReluGrad[] = "ReluGrad";
constexpr char kRelu6Grad[] = "Relu6Grad";

absl::Status SoftmaxGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0), s = c.O(0);
  c.SetGI(0, b.Mul(b.Sub(g, b.Sum(b.Mul(g, s), std::vector<int32_t>{-1}, true)), s));
  return absl::OkStatus();
}

absl::Status LogSoftmaxGrad(C& c) {
  const Builder& b = c.b();
  Output g = c.GO(0);
  c.SetGI(0, b.Sub(g, b.Mul(b.Sum(g, std::vector<int32_t>{-1}, true), b.Exp(c.O(0)))));
  return absl::OkStatus();
}

absl::Status BiasAddGrad(C& c) {
  c.SetGI(0, c.GO(0));
  if (c.NeedsGI(1)) c.SetGI(1, c.b().Op("BiasAddGrad", {c.GO(0)}, c.CopyAttrs({"data_format"})));
  return absl::OkStatus();
}

absl::Status Conv2DGrad(C& c) {
  const Builder& b = c.b();
  AttrMap attrs = c.CopyAttrs({"strides", "use_cudnn_on_gpu", "padding", "explicit_paddings", "data_format", "dilations"});
  Output g = c.GO(0), x = c.I(0), f = c.I(1);
  if (c.NeedsGI(0)) c.SetGI(0, b.Op("Conv2DBackpropInput", {c.ShapeOf(x), f, g}, attrs));
  if (c.NeedsGI(1)) c.SetGI(1, b.Op("Conv2DBackpropFilter", {x, c.ShapeOf(f), g}, attrs));
  return absl::OkStatus();
}

absl::Status DepthwiseConv2dGrad(C& c) {
  const Builder& b = c.b();
  AttrMap attrs = c.CopyAttrs({"strides", "padding", "explicit_paddings", "data_format", "dilations"});
  Output g = c.GO(0), x = c.I(0), f = c.I(1);
  if (c.NeedsGI(0)) c.SetGI(0, b.Op("DepthwiseConv2dNativeBackpropInput", {c.ShapeOf(x), f, g}, attrs));
  if (c.NeedsGI(1)) c.SetGI(1, b.Op("DepthwiseConv2dNativeBackpropFilter", {x, c.ShapeOf(f), g}, attrs));
  return absl::OkStatus();
}

absl::Status MaxPoolGrad(C& c) {
  AttrMap attrs = c.CopyAttrs({"ksize", "strides", "padding", "explicit_paddings", "data_format"});
  c.SetGI(0, c.b().Op("MaxPoolGrad", {c.I(0), c.O(0), c.GO(0)}, attrs));
  return absl::OkStatus();
}

absl::Status AvgPoolGrad(C& c) {
  AttrMap attrs = c.CopyAttrs({"ksize", "strides", "padding", "data_format"});
  c.SetGI(0, c.b().Op("AvgPoolGrad", {c.ShapeOf(c.I(0)), c.GO(0)}, attrs));
  return absl::OkStatus();
}

// Inference-mode batch norm, y = scale·(x − mean)·rsqrt(var + ε) + offset, differentiated in element-wise ops:
// dx = g·scale·rsqrt(var+ε); dscale = Σ g·(x − mean)·rsqrt(var+ε); doffset = Σ g (sums over non-channel axes).
absl::Status FusedBatchNormGrad(C& c) {
  TB_ASSIGN_OR_RETURN(bool training, c.GetBool("is_training"));
  if (training) return c.Error("training-mode batch normalisation is not differentiable here (use is_training=false)");
  TB_ASSIGN_OR_RETURN(float epsilon, c.GetFloat("epsilon"));
  TB_ASSIGN_OR_RETURN(std::string format, c.GetString("data_format"));
  const Builder& b = c.b();
  Output x = c.I(0), g = c.GO(0);
  if (!x.shape().rank_known()) return c.Error("needs x's rank");
  const int rank = x.shape().rank();
  const bool channel_first = format == "NCHW" || format == "NCDHW";
  // Per-channel vectors broadcast against x: last axis as is, channel-first reshaped to [C, 1, ...].
  auto per_channel = [&](Output v) {
    if (!channel_first) return v;
    std::vector<int32_t> shape(rank - 1, 1);
    shape[0] = -1;
    return b.Reshape(v, shape);
  };
  std::vector<int32_t> axes;
  for (int k = 0; k < rank; ++k) {
    if (k != (channel_first ? 1 : rank - 1)) axes.push_back(k);
  }
  Output inv = b.Rsqrt(b.Add(c.I(4), b.ScalarLike(c.I(4), epsilon)));
  if (c.NeedsGI(0)) c.SetGI(0, b.Mul(g, per_channel(b.Mul(c.I(1), inv))));
  if (c.NeedsGI(1)) {
    Output centered = b.Sub(x, per_channel(c.I(3)));
    c.SetGI(1, b.Mul(b.Sum(b.Mul(g, centered), axes), inv));
  }
  if (c.NeedsGI(2)) c.SetGI(2, b.Sum(g, axes));
  return absl::OkStatus();
}

absl::Status L2LossGrad(C& c) {
  c.SetGI(0, c.b().Mul(c.I(0), c.GO(0)));
  return absl::OkStatus();
}

// The softmax-family cross-entropies return backprop = softmax − labels; the loss gradient scales it per row.
// A gradient arriving on `backprop` itself adds (g_bp − Σ(g_bp·softmax))·softmax.
Output XentFeaturesGrad(C& c) {
  const Builder& b = c.b();
  Output d = b.Mul(b.ExpandDims(c.GO(0), -1), c.O(1));
  if (c.HasGO(1)) {
    Output gbp = c.GO(1);
    Output s = b.Softmax(c.I(0));
    d = b.Add(d, b.Mul(b.Sub(gbp, b.Sum(b.Mul(gbp, s), std::vector<int32_t>{-1}, true)), s));
  }
  return d;
}

absl::Status SparseXentGrad(C& c) {
  if (c.NeedsGI(0)) c.SetGI(0, XentFeaturesGrad(c));
  return absl::OkStatus();
}

absl::Status XentGrad(C& c) {
  const Builder& b = c.b();
  if (c.NeedsGI(0)) c.SetGI(0, c.ReduceToShapeOf(XentFeaturesGrad(c), c.I(0), c.I(1)));
  if (c.NeedsGI(1)) {
    Output d = b.Mul(b.ExpandDims(c.GO(0), -1), b.Neg(b.LogSoftmax(c.I(0))));
    c.SetGI(1, c.ReduceToShapeOf(d, c.I(1), c.I(0)));
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterNnGradients(GradRegistry& r) {
  r.Register("Relu", ReluGrad);
  r.Register("Relu6", Relu6Grad);
  r.Register("Elu", EluGrad);
  r.Register("Selu", SeluGrad);
  r.Register("LeakyRelu", LeakyReluGrad);
  r.Register("Softplus", SoftplusGrad);
  r.Register("ReluGrad", ActivationGradGrad<kReluGrad>);
  r.Register("Relu6Grad", ActivationGradGrad<kRelu6Grad>);
  r.Register("Softmax", SoftmaxGrad);
  r.Register("LogSoftmax", LogSoftmaxGrad);
  r.Register("BiasAdd", BiasAddGrad);
  r.Register("Conv2D", Conv2DGrad);
  r.Register("DepthwiseConv2dNative", DepthwiseConv2dGrad);
  r.Register("MaxPool", MaxPoolGrad);
  r.Register("AvgPool", AvgPoolGrad);
  r.Register("FusedBatchNormV3", FusedBatchNormGrad);
  r.Register("L2Loss", L2LossGrad);
  r.Register("SparseSoftmaxCrossEntropyWithLogits", SparseXentGrad);
  r.Register("SoftmaxCrossEntropyWithLogits", XentGrad);
}

}  // namespace tb::graph
