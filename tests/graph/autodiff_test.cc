// Finite-difference checks (float64) of every differentiable op's gradient, on static shapes and on shapes
// declared unknown (so the dynamic fallbacks run too), plus driver behaviour: fan-in, unconnected inputs,
// non-differentiable paths, errors.
#include "gtest/gtest.h"
#include "graph/autodiff/gradients.h"
#include "graph/builder.h"
#include "tests/graph/gradient_check.h"

namespace tb::graph {
namespace {

using testing::CheckGradients;
using testing::GradCheckOptions;
using testing::RandomDoubles;
using tf::DType;
using In = std::vector<Output>;

void Check(const std::string& name, const testing::BuildFn& fn, const std::vector<tf::Tensor>& inputs,
           GradCheckOptions options = {}) {
  for (bool dynamic : {false, true}) {
    options.dynamic_shapes = dynamic;
    absl::Status s = CheckGradients(fn, inputs, options);
    EXPECT_TRUE(s.ok()) << name << (dynamic ? " (dynamic shapes)" : " (static shapes)") << ": " << s;
  }
}

tf::Tensor R(tf::Shape shape, double lo = -1, double hi = 1, uint64_t seed = 1) {
  return RandomDoubles(shape, lo, hi, seed);
}

// Values with |v| in [0.2, 1.2] and random signs: away from the kinks of Relu, Abs, Max.
tf::Tensor AwayFromZero(tf::Shape shape, uint64_t seed) {
  tf::Tensor t = R(shape, 0.2, 1.2, seed);
  tf::Tensor s = R(shape, -1, 1, seed + 100);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (s.flat<double>()[i] < 0) t.flat<double>()[i] *= -1;
  }
  return t;
}

TEST(GradientTest, BinaryOpsWithBroadcasting) {
  const std::vector<std::pair<tf::Shape, tf::Shape>> shapes = {
      {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{2, 3}, {}}, {{4, 1, 3}, {2, 1}}};
  for (const auto& [sa, sb] : shapes) {
    const std::string suffix = tf::ShapeToString(sa) + "x" + tf::ShapeToString(sb);
    std::vector<tf::Tensor> in = {R(sa, -1, 1, 1), R(sb, -1, 1, 2)};
    std::vector<tf::Tensor> pos = {R(sa, 0.5, 2, 3), R(sb, 0.5, 2, 4)};
    Check("AddV2" + suffix, [](const Builder& b, const In& x) { return b.Add(x[0], x[1]); }, in);
    Check("Add" + suffix, [](const Builder& b, const In& x) { return b.Op("Add", {x[0], x[1]}); }, in);
    Check("Sub" + suffix, [](const Builder& b, const In& x) { return b.Sub(x[0], x[1]); }, in);
    Check("Mul" + suffix, [](const Builder& b, const In& x) { return b.Mul(x[0], x[1]); }, in);
    Check("RealDiv" + suffix, [](const Builder& b, const In& x) { return b.Div(x[0], x[1]); }, pos);
    Check("DivNoNan" + suffix, [](const Builder& b, const In& x) { return b.DivNoNan(x[0], x[1]); }, pos);
    Check("Maximum" + suffix, [](const Builder& b, const In& x) { return b.Maximum(x[0], x[1]); }, in);
    Check("Minimum" + suffix, [](const Builder& b, const In& x) { return b.Minimum(x[0], x[1]); }, in);
    Check("SquaredDifference" + suffix,
          [](const Builder& b, const In& x) { return b.Op("SquaredDifference", {x[0], x[1]}); }, in);
  }
  Check("AddN", [](const Builder& b, const In& x) { return b.AddN({x[0], x[1], x[0]}); }, {R({2, 3}), R({2, 3}, -1, 1, 5)});
}

TEST(GradientTest, UnaryMath) {
  const tf::Tensor any = R({2, 3}, -1, 1, 3), pos = R({2, 3}, 0.5, 2, 4), nz = AwayFromZero({2, 3}, 5);
  auto unary = [](const char* op) {
    return [op](const Builder& b, const In& x) { return b.Op(op, {x[0]}); };
  };
  for (const char* op : {"Neg", "Square", "Exp", "Sigmoid", "Tanh", "Softplus", "Elu", "Selu"}) Check(op, unary(op), {any});
  for (const char* op : {"Sqrt", "Rsqrt", "Log", "Log1p", "Reciprocal"}) Check(op, unary(op), {pos});
  for (const char* op : {"Abs", "Relu", "Relu6"}) Check(op, unary(op), {nz});
  Check("LeakyRelu",
        [](const Builder& b, const In& x) { return b.Op("LeakyRelu", {x[0]}, {{"alpha", AttrFloat(0.3f)}}); }, {nz});
  Check("Softmax", unary("Softmax"), {R({3, 4})});
  Check("LogSoftmax", unary("LogSoftmax"), {R({3, 4})});
}

TEST(GradientTest, ActivationGradientOps) {
  const tf::Tensor y = R({2, 3}, 0.1, 0.9, 6), dy = R({2, 3}, -1, 1, 7), nz = AwayFromZero({2, 3}, 8);
  for (const char* op : {"SigmoidGrad", "TanhGrad", "SqrtGrad", "RsqrtGrad"}) {
    Check(op, [op](const Builder& b, const In& x) { return b.Op(op, {x[0], x[1]}); }, {y, dy});
  }
  Check("ReluGrad", [](const Builder& b, const In& x) { return b.Op("ReluGrad", {x[0], x[1]}); }, {dy, nz});
}

TEST(GradientTest, MatrixProducts) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      tf::Tensor a = R(ta ? tf::Shape{4, 3} : tf::Shape{3, 4}, -1, 1, 1);
      tf::Tensor w = R(tb ? tf::Shape{5, 4} : tf::Shape{4, 5}, -1, 1, 2);
      Check(absl::StrCat("MatMul ta=", ta, " tb=", tb),
            [ta, tb](const Builder& b, const In& x) { return b.MatMul(x[0], x[1], ta, tb); }, {a, w});
    }
  }
  Check("BatchMatMulV2", [](const Builder& b, const In& x) { return b.BatchMatMul(x[0], x[1]); },
        {R({2, 3, 4}), R({4, 5}, -1, 1, 2)});
  Check("BatchMatMulV2 broadcast adj_y",
        [](const Builder& b, const In& x) { return b.BatchMatMul(x[0], x[1], false, true); },
        {R({2, 1, 3, 4}), R({3, 5, 4}, -1, 1, 2)});
  Check("BiasAdd", [](const Builder& b, const In& x) { return b.BiasAdd(x[0], x[1]); }, {R({2, 3, 4}), R({4})});
  Check("BiasAdd NCHW",
        [](const Builder& b, const In& x) {
          return b.Op("BiasAdd", {x[0], x[1]}, {{"data_format", AttrString("NCHW")}});
        },
        {R({2, 3, 2, 2}), R({3})});
}

TEST(GradientTest, Reductions) {
  const tf::Tensor x = R({2, 3, 4}, -1, 1, 9);
  for (const char* op : {"Sum", "Mean", "Max", "Min"}) {
    for (bool keep : {false, true}) {
      for (const std::vector<int32_t>& axes : std::vector<std::vector<int32_t>>{{1}, {0, 2}, {-1}, {0, 1, 2}, {}}) {
        Check(absl::StrCat(op, " axes ", axes.size(), " keep ", keep),
              [op, keep, axes](const Builder& b, const In& in) {
                return b.Op(op, {in[0], b.Int32s(axes)}, {{"keep_dims", AttrBool(keep)}});
              },
              {x});
      }
    }
  }
  Check("L2Loss", [](const Builder& b, const In& x) { return b.Op("L2Loss", {x[0]}); }, {x});
}

TEST(GradientTest, SelectionAndSegments) {
  tf::Tensor cond(DType::kBool, {2, 3});
  for (int i = 0; i < 6; ++i) cond.flat<bool>()[i] = i % 3 == 0;
  tf::Tensor row_cond = tf::Tensor::FromVector<bool>({true, false});
  Check("Select", [cond](const Builder& b, const In& x) { return b.Select(b.Const(cond), x[0], x[1]); },
        {R({2, 3}), R({2, 3}, -1, 1, 2)});
  Check("Select rows", [row_cond](const Builder& b, const In& x) { return b.Select(b.Const(row_cond), x[0], x[1]); },
        {R({2, 3}), R({2, 3}, -1, 1, 2)});
  Check("SelectV2 broadcast", [cond](const Builder& b, const In& x) { return b.SelectV2(b.Const(cond), x[0], x[1]); },
        {R({3}), R({2, 1}, -1, 1, 2)});
  tf::Tensor ids = tf::Tensor::FromVector<int32_t>({0, 2, 0, 1});
  Check("UnsortedSegmentSum",
        [ids](const Builder& b, const In& x) {
          return b.Op("UnsortedSegmentSum", {x[0], b.Const(ids), b.Scalar<int32_t>(3)});
        },
        {R({4, 2})});
}

TEST(GradientTest, ConvolutionPoolingNormalization) {
  auto conv = [](std::vector<int64_t> strides, const char* padding, std::vector<int64_t> dilations,
                 const char* format = "NHWC") {
    return [=](const Builder& b, const In& x) {
      return b.Op("Conv2D", {x[0], x[1]},
                  {{"strides", AttrIntList(strides)}, {"padding", AttrString(padding)},
                   {"dilations", AttrIntList(dilations)}, {"data_format", AttrString(format)}});
    };
  };
  const tf::Tensor img = R({2, 5, 5, 2}, -1, 1, 11), filt = R({3, 3, 2, 3}, -1, 1, 12);
  Check("Conv2D SAME", conv({1, 1, 1, 1}, "SAME", {1, 1, 1, 1}), {img, filt});
  Check("Conv2D VALID stride 2", conv({1, 2, 2, 1}, "VALID", {1, 1, 1, 1}), {img, filt});
  Check("Conv2D dilated", conv({1, 1, 1, 1}, "SAME", {1, 2, 2, 1}), {img, filt});
  Check("Conv2D NCHW", conv({1, 1, 1, 1}, "VALID", {1, 1, 1, 1}, "NCHW"), {R({1, 2, 5, 5}), filt});
  Check("DepthwiseConv2dNative",
        [](const Builder& b, const In& x) {
          return b.Op("DepthwiseConv2dNative", {x[0], x[1]},
                      {{"strides", AttrIntList({1, 1, 1, 1})}, {"padding", AttrString("SAME")}});
        },
        {img, R({3, 3, 2, 2})});
  Check("MaxPool VALID", [](const Builder& b, const In& x) { return b.MaxPool(x[0], {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"); },
        {R({1, 4, 4, 2})});
  Check("MaxPool SAME", [](const Builder& b, const In& x) { return b.MaxPool(x[0], {1, 3, 3, 1}, {1, 1, 1, 1}, "SAME"); },
        {R({1, 4, 4, 2})});
  Check("AvgPool SAME", [](const Builder& b, const In& x) { return b.AvgPool(x[0], {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME"); },
        {R({1, 5, 5, 2})});
  // FusedBatchNormV3 exists for float only: a float32 check with a coarser step and tolerance.
  GradCheckOptions f32;
  f32.step = 1e-2;
  f32.rtol = 2e-2;
  f32.atol = 2e-3;
  auto to_float = [](const tf::Tensor& t) {
    tf::Tensor f(DType::kFloat, t.shape());
    for (int64_t i = 0; i < t.num_elements(); ++i) f.flat<float>()[i] = static_cast<float>(t.flat<double>()[i]);
    return f;
  };
  Check("FusedBatchNormV3 inference",
        [&](const Builder& b, const In& x) {
          Output mean = b.Const(to_float(R({2}, -0.5, 0.5, 21)));
          Output var = b.Const(to_float(R({2}, 0.5, 1.5, 22)));
          return b.Ops("FusedBatchNormV3", {x[0], x[1], x[2], mean, var}, {{"is_training", AttrBool(false)}})[0];
        },
        {to_float(R({2, 3, 3, 2})), to_float(R({2}, 0.5, 1.5, 23)), to_float(R({2}, -1, 1, 24))}, f32);
}

TEST(GradientTest, Losses) {
  tf::Tensor labels = tf::Tensor::FromVector<int64_t>({2, 0, 1});
  Check("SparseSoftmaxCrossEntropyWithLogits loss",
        [labels](const Builder& b, const In& x) {
          return b.Ops("SparseSoftmaxCrossEntropyWithLogits", {x[0], b.Const(labels)})[0];
        },
        {R({3, 4})});
  Check("SparseSoftmaxCrossEntropyWithLogits backprop",
        [labels](const Builder& b, const In& x) {
          return b.Ops("SparseSoftmaxCrossEntropyWithLogits", {x[0], b.Const(labels)})[1];
        },
        {R({3, 4})});
  Check("SoftmaxCrossEntropyWithLogits",
        [](const Builder& b, const In& x) { return b.Ops("SoftmaxCrossEntropyWithLogits", {x[0], b.Softmax(x[1])})[0]; },
        {R({3, 4}), R({3, 4}, -1, 1, 2)});
}

TEST(GradientTest, ShapeAndIndexingOps) {
  const tf::Tensor x = R({2, 3, 4}, -1, 1, 31);
  Check("Identity", [](const Builder& b, const In& in) { return b.Identity(in[0]); }, {x});
  Check("IdentityN",
        [](const Builder& b, const In& in) {
          auto outs = b.Ops("IdentityN", {OpInput(In{in[0], in[1]})});
          return b.Add(outs[0], outs[1]);
        },
        {x, R({4})});
  Check("Reshape", [](const Builder& b, const In& in) { return b.Reshape(in[0], std::vector<int32_t>{4, -1}); }, {x});
  Check("Squeeze", [](const Builder& b, const In& in) { return b.Squeeze(in[0], {1}); }, {R({2, 1, 3})});
  Check("ExpandDims", [](const Builder& b, const In& in) { return b.ExpandDims(in[0], -1); }, {x});
  Check("Transpose", [](const Builder& b, const In& in) { return b.Transpose(in[0], {2, 0, 1}); }, {x});
  Check("ConcatV2", [](const Builder& b, const In& in) { return b.ConcatV2({in[0], in[1], in[0]}, 1); },
        {x, R({2, 2, 4})});
  Check("Pack", [](const Builder& b, const In& in) { return b.Pack({in[0], in[1]}, 1); }, {R({2, 3}), R({2, 3}, -1, 1, 3)});
  Check("Unpack one output",
        [](const Builder& b, const In& in) { return b.Ops("Unpack", {in[0]}, {{"num", AttrInt(3)}, {"axis", AttrInt(1)}})[1]; },
        {x});
  Check("StridedSlice",
        [](const Builder& b, const In& in) {
          return b.Op("StridedSlice", {in[0], b.Int32s({0, 2, 1}), b.Int32s({0, 0, 4}), b.Int32s({1, -1, 2})},
                      {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}});
        },
        {x});
  Check("StridedSlice shrink",
        [](const Builder& b, const In& in) {
          return b.Op("StridedSlice", {in[0], b.Int32s({0, 1}), b.Int32s({0, 2}), b.Int32s({1, 1})},
                      {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}, {"shrink_axis_mask", AttrInt(2)}});
        },
        {x});
  Check("Slice", [](const Builder& b, const In& in) { return b.Op("Slice", {in[0], b.Int32s({0, 1, 1}), b.Int32s({2, -1, 2})}); },
        {x});
  tf::Tensor ids = tf::Tensor::FromVector<int32_t>({3, 0, 3, 1}, {2, 2});
  Check("GatherV2", [ids](const Builder& b, const In& in) { return b.Op("GatherV2", {in[0], b.Const(ids), b.Scalar<int32_t>(0)}); },
        {R({5, 3})});
  Check("Tile", [](const Builder& b, const In& in) { return b.Tile(in[0], b.Int32s({2, 1, 3})); }, {R({2, 3, 1})});
  Check("BroadcastTo", [](const Builder& b, const In& in) { return b.Op("BroadcastTo", {in[0], b.Int32s({4, 2, 3})}); },
        {R({2, 1})});
  Check("Fill", [](const Builder& b, const In& in) { return b.Fill(b.Int32s({2, 3}), in[0]); }, {R({})});
  Check("Pad", [](const Builder& b, const In& in) {
          return b.Op("Pad", {in[0], b.Reshape(b.Int32s({1, 0, 2, 1}), std::vector<int32_t>{2, 2})});
        },
        {R({2, 3})});
}

TEST(GradientDriverTest, FanInUnconnectedAndErrors) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kDouble, PartialShape({3}), "x");
  Output z = b.Placeholder(DType::kDouble, PartialShape({3}), "z");
  Output y = b.ReduceAllAxes("Sum", b.Add(b.Mul(x, x), b.Exp(x)));
  ASSERT_TRUE(b.ok());
  auto grads = AddGradients(g, {y}, {x, z});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_TRUE((*grads)[0].valid());
  EXPECT_FALSE((*grads)[1].valid());  // z does not influence y
  EXPECT_EQ((*grads)[0].node->op(), "AddN");  // x reaches y along three paths
  GradientOptions zeros;
  zeros.zeros_for_unconnected = true;
  auto grads2 = AddGradients(g, {y}, {z}, {}, zeros);
  ASSERT_TRUE(grads2.ok());
  EXPECT_EQ((*grads2)[0].node->op(), "ZerosLike");
  // Integer paths carry no gradient: Cast to int cuts the path.
  Output cut = b.ReduceAllAxes("Sum", b.Cast(b.Cast(x, DType::kInt32), DType::kDouble));
  auto grads3 = AddGradients(g, {cut}, {x});
  ASSERT_TRUE(grads3.ok());
  EXPECT_FALSE((*grads3)[0].valid());
  // StopGradient blocks.
  auto grads4 = AddGradients(g, {b.ReduceAllAxes("Sum", b.StopGradient(x))}, {x});
  ASSERT_TRUE(grads4.ok());
  EXPECT_FALSE((*grads4)[0].valid());
  // An op without a gradient on the path is an error naming it.
  Output fm = b.ReduceAllAxes("Sum", b.Op("Prod", {x, b.Int32s({0})}));
  auto bad = AddGradients(g, {fm}, {x});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Prod node"), std::string::npos) << bad.status();
  // Gradient nodes are named under the gradients scope after the forward node.
  bool found = false;
  for (Node* n : g.nodes()) found |= n->name().rfind("gradients/Exp_grad/", 0) == 0;
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace tb::graph
