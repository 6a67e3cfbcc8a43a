// Convolution, pooling, batch norm, softmax and loss kernels, checked against direct (naive) formulas written
// here independently of the kernels' im2col/GEMM implementation.
#include <cmath>
#include <random>

#include "tests/runtime/kernels/kernel_test_util.h"

namespace tb::runtime {
namespace {

using graph::AttrBool;
using graph::AttrIntList;
using graph::AttrString;
using tf::DType;

tf::Tensor Random(tf::Shape shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(-1, 1);
  tf::Tensor t(DType::kDouble, shape);
  for (double& v : t.flat<double>()) v = d(rng);
  return t;
}

// out[n,y,x,o] = Σ in[n, y*s - pad + i*dil, x*s - pad + j*dil, c] · f[i,j,c,o]
tf::Tensor NaiveConv(const tf::Tensor& in, const tf::Tensor& f, int64_t stride, int64_t dil, bool same) {
  const int64_t N = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3), KH = f.dim(0), KW = f.dim(1), O = f.dim(3);
  const int64_t ekh = (KH - 1) * dil + 1, ekw = (KW - 1) * dil + 1;
  int64_t OH, OW, pt = 0, pl = 0;
  if (same) {
    OH = (H + stride - 1) / stride;
    OW = (W + stride - 1) / stride;
    pt = std::max<int64_t>((OH - 1) * stride + ekh - H, 0) / 2;
    pl = std::max<int64_t>((OW - 1) * stride + ekw - W, 0) / 2;
  } else {
    OH = (H - ekh) / stride + 1;
    OW = (W - ekw) / stride + 1;
  }
  tf::Tensor out(DType::kDouble, {N, OH, OW, O});
  auto pi = in.flat<double>();
  auto pf = f.flat<double>();
  auto po = out.flat<double>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t y = 0; y < OH; ++y)
      for (int64_t x = 0; x < OW; ++x)
        for (int64_t o = 0; o < O; ++o) {
          double acc = 0;
          for (int64_t i = 0; i < KH; ++i)
            for (int64_t j = 0; j < KW; ++j) {
              const int64_t iy = y * stride - pt + i * dil, ix = x * stride - pl + j * dil;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (int64_t c = 0; c < C; ++c) acc += pi[((n * H + iy) * W + ix) * C + c] * pf[((i * KW + j) * C + c) * O + o];
            }
          po[((n * OH + y) * OW + x) * O + o] = acc;
        }
  return out;
}

void ExpectClose(const tf::Tensor& got, const tf::Tensor& want, double tol = 1e-10) {
  ASSERT_TRUE(got.valid());
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < want.num_elements(); ++i) EXPECT_NEAR(got.flat<double>()[i], want.flat<double>()[i], tol) << i;
}

TEST(ConvKernelsTest, MatchesNaiveConvolution) {
  auto in = Random({2, 7, 6, 3}, 1);
  auto f = Random({3, 2, 3, 4}, 2);
  for (int64_t stride : {1, 2}) {
    for (int64_t dil : {1, 2}) {
      for (bool same : {true, false}) {
        graph::AttrMap attrs = {{"strides", AttrIntList({1, stride, stride, 1})},
                                {"dilations", AttrIntList({1, dil, dil, 1})},
                                {"padding", AttrString(same ? "SAME" : "VALID")}};
        ExpectClose(Out("Conv2D", attrs, {in, f}), NaiveConv(in, f, stride, dil, same));
      }
    }
  }
  // NCHW gives the same numbers, transposed.
  graph::AttrMap nchw = {{"strides", AttrIntList({1, 1, 1, 1})}, {"padding", AttrString("SAME")},
                         {"data_format", AttrString("NCHW")}};
  auto in_nchw = Out("Transpose", {}, {in, I32({0, 3, 1, 2})});
  auto out_nchw = Out("Conv2D", nchw, {in_nchw, f});
  ExpectClose(Out("Transpose", {}, {out_nchw, I32({0, 2, 3, 1})}), NaiveConv(in, f, 1, 1, true));
  auto bad = RunOp("Conv2D", {{"strides", AttrIntList({1, 1, 1, 1})}, {"padding", AttrString("VALID")}},
                 {in, Random({3, 3, 2, 4}, 3)});
  EXPECT_NE(bad.status().message().find("depth"), std::string::npos) << bad.status();
  auto tiny = RunOp("Conv2D", {{"strides", AttrIntList({1, 1, 1, 1})}, {"padding", AttrString("VALID")}},
                  {Random({1, 2, 2, 3}, 4), f});
  EXPECT_FALSE(tiny.ok());  // the 3x2 window does not fit a 2x2 image
}

TEST(ConvKernelsTest, BackpropsAreAdjointsOfTheForward) {
  // ⟨conv(x, f), g⟩ = ⟨x, backprop_input(g)⟩ = ⟨f, backprop_filter(g)⟩.
  auto x = Random({2, 6, 5, 3}, 5);
  auto f = Random({3, 3, 3, 2}, 6);
  graph::AttrMap attrs = {{"strides", AttrIntList({1, 2, 1, 1})}, {"padding", AttrString("SAME")}};
  auto y = Out("Conv2D", attrs, {x, f});
  auto g = Random(y.shape(), 7);
  auto dx = Out("Conv2DBackpropInput", attrs, {I32({2, 6, 5, 3}), f, g});
  auto df = Out("Conv2DBackpropFilter", attrs, {x, I32({3, 3, 3, 2}), g});
  auto dot = [](const tf::Tensor& a, const tf::Tensor& b) {
    double s = 0;
    for (int64_t i = 0; i < a.num_elements(); ++i) s += a.flat<double>()[i] * b.flat<double>()[i];
    return s;
  };
  EXPECT_NEAR(dot(y, g), dot(x, dx), 1e-9);
  EXPECT_NEAR(dot(y, g), dot(f, df), 1e-9);
  // Depthwise: the same identity.
  graph::AttrMap dw = {{"strides", AttrIntList({1, 1, 1, 1})}, {"padding", AttrString("VALID")}};
  auto fw = Random({2, 2, 3, 2}, 8);
  auto yw = Out("DepthwiseConv2dNative", dw, {x, fw});
  ASSERT_EQ(yw.shape(), (tf::Shape{2, 5, 4, 6}));
  auto gw = Random(yw.shape(), 9);
  EXPECT_NEAR(dot(yw, gw), dot(x, Out("DepthwiseConv2dNativeBackpropInput", dw, {I32({2, 6, 5, 3}), fw, gw})), 1e-9);
  EXPECT_NEAR(dot(yw, gw), dot(fw, Out("DepthwiseConv2dNativeBackpropFilter", dw, {x, I32({2, 2, 3, 2}), gw})), 1e-9);
}

TEST(PoolKernelsTest, MaxAndAveragePooling) {
  auto x = F({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {1, 4, 4, 1});
  graph::AttrMap p2 = {{"ksize", AttrIntList({1, 2, 2, 1})}, {"strides", AttrIntList({1, 2, 2, 1})}, {"padding", AttrString("VALID")}};
  ExpectNear<float>(Out("MaxPool", p2, {x}), {6, 8, 14, 16}, {1, 2, 2, 1});
  ExpectNear<float>(Out("AvgPool", p2, {x}), {3.5, 5.5, 11.5, 13.5}, {1, 2, 2, 1});
  graph::AttrMap same = {{"ksize", AttrIntList({1, 3, 3, 1})}, {"strides", AttrIntList({1, 2, 2, 1})}, {"padding", AttrString("SAME")}};
  // SAME 3x3 stride 2 on 4x4: one padded row/column at the end; windows cover rows/cols {0,1,2} and {2,3};
  // padded cells are excluded from averages.
  ExpectNear<float>(Out("AvgPool", same, {x}), {6, 7.5, 12, 13.5}, {1, 2, 2, 1});
  ExpectNear<float>(Out("MaxPool", same, {x}), {11, 12, 15, 16}, {1, 2, 2, 1});
  auto y = Out("MaxPool", p2, {x});
  auto g = Out("MaxPoolGrad", p2, {x, y, F({1, 2, 3, 4}, {1, 2, 2, 1})});
  ExpectNear<float>(g, {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4}, {1, 4, 4, 1});
  // Ties go to the first maximum in window order.
  auto ties = F({1, 1, 1, 1}, {1, 2, 2, 1});
  ExpectNear<float>(Out("MaxPoolGrad", p2, {ties, F({1}, {1, 1, 1, 1}), F({5}, {1, 1, 1, 1})}), {5, 0, 0, 0}, {1, 2, 2, 1});
  ExpectNear<float>(Out("AvgPoolGrad", p2, {I32({1, 2, 2, 1}), F({4}, {1, 1, 1, 1})}), {1, 1, 1, 1}, {1, 2, 2, 1});
}

TEST(NnKernelsTest, BiasSoftmaxLossesBatchNorm) {
  ExpectNear<float>(Out("BiasAdd", {}, {F({1, 2, 3, 4}, {2, 2}), F({10, 20}, {2})}), {11, 22, 13, 24}, {2, 2});
  ExpectNear<float>(Out("BiasAdd", {{"data_format", AttrString("NCHW")}}, {F({1, 2, 3, 4}, {1, 2, 2}), F({10, 20}, {2})}),
                    {11, 12, 23, 24}, {1, 2, 2});
  ExpectNear<float>(Out("BiasAddGrad", {}, {F({1, 2, 3, 4}, {2, 2})}), {4, 6}, {2});
  auto logits = D({1, 2, 3, 1, 1, 1}, {2, 3});
  const double z = std::exp(1) + std::exp(2) + std::exp(3);
  ExpectNear<double>(Out("Softmax", {}, {logits}),
                     {std::exp(1) / z, std::exp(2) / z, std::exp(3) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3}, {2, 3}, 1e-12);
  ExpectNear<double>(Out("LogSoftmax", {}, {logits}), {1 - std::log(z), 2 - std::log(z), 3 - std::log(z), -std::log(3.0),
                                                       -std::log(3.0), -std::log(3.0)},
                     {2, 3}, 1e-12);
  auto sparse = RunOp("SparseSoftmaxCrossEntropyWithLogits", {}, {logits, V<int64_t>({2, 0}, {2})});
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  ExpectNear<double>((*sparse)[0], {std::log(z) - 3, std::log(3.0)}, {2}, 1e-12);
  ExpectNear<double>((*sparse)[1], {std::exp(1) / z, std::exp(2) / z, std::exp(3) / z - 1, 1.0 / 3 - 1, 1.0 / 3, 1.0 / 3},
                     {2, 3}, 1e-12);
  auto bad = RunOp("SparseSoftmaxCrossEntropyWithLogits", {}, {logits, V<int64_t>({3, 0}, {2})});
  EXPECT_NE(bad.status().message().find("label value of 3"), std::string::npos) << bad.status();
  auto dense = RunOp("SoftmaxCrossEntropyWithLogits", {}, {logits, D({0, 0, 1, 1, 0, 0}, {2, 3})});
  ASSERT_TRUE(dense.ok());
  ExpectNear<double>((*dense)[0], {std::log(z) - 3, std::log(3.0)}, {2}, 1e-12);
  ExpectNear<float>(Out("L2Loss", {}, {F({1, 2, 3}, {3})}), {7}, {});
  auto bn = RunOp("FusedBatchNormV3", {{"is_training", AttrBool(false)}, {"epsilon", graph::AttrFloat(0)}},
                {F({1, 2, 3, 4}, {1, 1, 2, 2}), F({2, 1}, {2}), F({0, 1}, {2}), F({1, 2}, {2}), F({4, 1}, {2})});
  ASSERT_TRUE(bn.ok()) << bn.status();
  // channel 0: 2·(x−1)/2 = x−1; channel 1: (x−2)/1 + 1.
  ExpectNear<float>((*bn)[0], {0, 1, 2, 3}, {1, 1, 2, 2});
  auto train = RunOp("FusedBatchNormV3", {{"epsilon", graph::AttrFloat(0)}},
                   {F({1, 2, 3, 4}, {1, 1, 2, 2}), F({1, 1}, {2}), F({0, 0}, {2}), F({}, {0}), F({}, {0})});
  ASSERT_TRUE(train.ok()) << train.status();
  ExpectNear<float>((*train)[0], {-1, -1, 1, 1}, {1, 1, 2, 2});
  ExpectNear<float>((*train)[1], {2, 3}, {2});
  ExpectNear<float>((*train)[2], {2, 2}, {2});  // Bessel-corrected
}

}  // namespace
}  // namespace tb::runtime
