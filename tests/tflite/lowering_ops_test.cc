// Every builtin lowering against the reference kernels: each case builds one TF op (with shapes partly unknown
// while building, as in client programs), lowers it, checks that no Flex op remains and that the builtins we
// expect carry it, then runs the IR (reference kernels) and the TFLite program and compares the values —
// bitwise where TFLite computes the same arithmetic, with a tolerance where summation order may differ.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/attrs.h"
#include "runtime/tflite/interpreter.h"
#include "tests/tflite/lowering_harness.h"
#include "tflite/model_reader.h"

namespace tb::tflite::testing {
namespace {

using graph::AttrBool;
using graph::AttrFloat;
using graph::AttrInt;
using graph::AttrIntList;
using graph::AttrString;
using graph::AttrType;
using graph::Builder;
using graph::Output;
using graph::PartialShape;
using tf::DType;
using tf::Tensor;

struct OpCase {
  std::string name;
  std::vector<InputSpec> inputs;
  BodyFn body;
  double rtol = 0.0;
  std::vector<std::string> expect_ops;  // builtins that must carry the op
};

InputSpec F(PartialShape declared, tf::Shape actual, uint64_t seed, bool ties = false) {
  return {DType::kFloat, std::move(declared), RandomFloats(actual, seed, -2.0f, 2.0f, ties)};
}
InputSpec Fv(PartialShape declared, Tensor value) { return {DType::kFloat, std::move(declared), std::move(value)}; }
InputSpec I32(PartialShape declared, Tensor value) { return {DType::kInt32, std::move(declared), std::move(value)}; }
InputSpec I64(PartialShape declared, Tensor value) { return {DType::kInt64, std::move(declared), std::move(value)}; }
InputSpec Bv(PartialShape declared, Tensor value) { return {DType::kBool, std::move(declared), std::move(value)}; }

Tensor Bools(const std::vector<bool>& v, tf::Shape shape) {
  Tensor t(DType::kBool, shape);
  for (size_t i = 0; i < v.size(); ++i) t.flat<bool>()[i] = v[i];
  return t;
}

BodyFn Unary(std::string op, graph::AttrMap attrs = {}) {
  return [op, attrs](const Builder& b, const std::vector<Output>& in) {
    return std::vector<Output>{b.Op(op, {in[0]}, attrs)};
  };
}
BodyFn Binary(std::string op, graph::AttrMap attrs = {}) {
  return [op, attrs](const Builder& b, const std::vector<Output>& in) {
    return std::vector<Output>{b.Op(op, {in[0], in[1]}, attrs)};
  };
}
BodyFn Nary(std::string op, graph::AttrMap attrs = {}) {
  return [op, attrs](const Builder& b, const std::vector<Output>& in) {
    std::vector<graph::OpInput> args(in.begin(), in.end());
    return b.Ops(op, args, attrs);
  };
}

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<OpCase> Cases() {
  std::vector<OpCase> c;
  const PartialShape b3({-1, 3});
  // Element-wise arithmetic and comparisons, with a broadcast operand.
  for (const char* op : {"AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "SquaredDifference"}) {
    c.push_back({std::string(op) + "_broadcast", {F(b3, {4, 3}, 1), F(PartialShape({3}), {3}, 2)}, Binary(op)});
  }
  c.push_back({"AddV2_int64", {I64({-1}, RandomInts({5}, 3, -9, 9, DType::kInt64)), I64({}, Tensor::Scalar<int64_t>(7))},
               Binary("AddV2"), 0, {"ADD"}});
  c.push_back({"Mul_int32", {I32({-1}, RandomInts({5}, 4, -9, 9)), I32({-1}, RandomInts({5}, 5, -9, 9))}, Binary("Mul")});
  c.push_back({"FloorMod_int32",
               {I32({6}, Tensor::FromVector<int32_t>({7, -7, 7, -7, 0, 5})),
                I32({6}, Tensor::FromVector<int32_t>({3, 3, -3, -3, 2, 5}))},
               Binary("FloorMod")});
  c.push_back({"DivNoNan",
               {Fv({4}, Tensor::FromVector<float>({1, kNaN, -3, 4})), Fv({4}, Tensor::FromVector<float>({0, 0, 2, -0.0f}))},
               Binary("DivNoNan"), 0, {"SELECT_V2", "EQUAL", "DIV"}});
  for (const char* op : {"Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual"}) {
    c.push_back({op, {F(b3, {2, 3}, 6, true), F(PartialShape({3}), {3}, 7, true)}, Binary(op)});
  }
  c.push_back({"LogicalAnd", {Bv({4}, Bools({1, 0, 1, 0}, {4})), Bv({4}, Bools({1, 1, 0, 0}, {4}))}, Binary("LogicalAnd")});
  c.push_back({"LogicalOr", {Bv({4}, Bools({1, 0, 1, 0}, {4})), Bv({4}, Bools({1, 1, 0, 0}, {4}))}, Binary("LogicalOr")});
  c.push_back({"LogicalNot", {Bv({4}, Bools({1, 0, 1, 0}, {4}))}, Unary("LogicalNot")});
  // Unary math and activations.
  for (const char* op : {"Neg", "Abs", "Square", "Relu", "Relu6", "Sign"}) {
    c.push_back({op, {F(b3, {4, 3}, 8)}, Unary(op)});
  }
  for (const char* op : {"Sqrt", "Rsqrt", "Log"}) {
    c.push_back({op, {{DType::kFloat, b3, RandomFloats({4, 3}, 9, 0.1f, 3.0f)}}, Unary(op), 1e-6});
  }
  for (const char* op : {"Exp", "Sigmoid", "Tanh", "Elu"}) c.push_back({op, {F(b3, {4, 3}, 10)}, Unary(op), 1e-6});
  c.push_back({"Relu_int32", {I32({-1}, RandomInts({6}, 11, -5, 5))}, Unary("Relu"), 0, {"MAXIMUM"}});
  c.push_back({"LeakyRelu", {F(b3, {4, 3}, 12)}, Unary("LeakyRelu", {{"alpha", AttrFloat(0.3f)}}), 0, {"LEAKY_RELU"}});
  c.push_back({"Reciprocal", {F(b3, {4, 3}, 13)}, Unary("Reciprocal"), 0, {"DIV"}});
  c.push_back({"IsFinite", {Fv({5}, Tensor::FromVector<float>({1, kInf, -kInf, kNaN, 3e38f}))}, Unary("IsFinite"), 0,
               {"ABS", "LESS_EQUAL"}});
  c.push_back({"Cast_float_int32", {Fv({4}, Tensor::FromVector<float>({1.7f, -1.7f, 0.2f, 5}))},
               Unary("Cast", {{"DstT", AttrType(DType::kInt32)}})});
  c.push_back({"Cast_int64_float", {I64({3}, Tensor::FromVector<int64_t>({1, -2, 3}))},
               Unary("Cast", {{"DstT", AttrType(DType::kFloat)}})});
  c.push_back({"Cast_float_bool", {Fv({4}, Tensor::FromVector<float>({0, -0.0f, 2, kNaN}))},
               Unary("Cast", {{"DstT", AttrType(DType::kBool)}})});
  c.push_back({"Cast_bool_float", {Bv({3}, Bools({1, 0, 1}, {3}))}, Unary("Cast", {{"DstT", AttrType(DType::kFloat)}})});
  c.push_back({"Select_same_shape", {Bv({2, 2}, Bools({1, 0, 0, 1}, {2, 2})), F({2, 2}, {2, 2}, 14), F({2, 2}, {2, 2}, 15)},
               Nary("Select"), 0, {"SELECT"}});
  c.push_back({"Select_rows", {Bv({-1}, Bools({1, 0, 1}, {3})), F(b3, {3, 3}, 16), F(b3, {3, 3}, 17)}, Nary("Select")});
  c.push_back({"SelectV2_broadcast", {Bv({3}, Bools({1, 0, 1}, {3})), F(b3, {2, 3}, 18), F({}, {}, 19)}, Nary("SelectV2")});
  c.push_back({"AddN", {F(b3, {2, 3}, 20), F(b3, {2, 3}, 21), F(b3, {2, 3}, 22)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.AddN(in)}; }, 0,
               {"ADD_N"}});
  c.push_back({"ZerosLike", {F(b3, {2, 3}, 23)}, Unary("ZerosLike")});
  c.push_back({"OnesLike", {F(b3, {2, 3}, 24)}, Unary("OnesLike"), 0, {"FILL"}});
  // Activation gradients (bit-exact forms of §3.2), including a NaN gradient that ReluGrad must keep.
  {
    Tensor g = RandomFloats({4, 3}, 25);
    g.flat<float>()[0] = kNaN;
    Tensor f = RandomFloats({4, 3}, 26, -7.0f, 7.0f);
    f.flat<float>()[1] = 0.0f;
    f.flat<float>()[2] = 6.0f;
    for (const char* op : {"ReluGrad", "Relu6Grad", "EluGrad", "SeluGrad"}) {
      c.push_back({op, {Fv(b3, g), Fv(b3, f)}, Binary(op)});
    }
    c.push_back({"LeakyReluGrad", {Fv(b3, g), Fv(b3, f)}, Binary("LeakyReluGrad", {{"alpha", AttrFloat(0.2f)}})});
    Tensor y = RandomFloats({4, 3}, 27, 0.1f, 0.9f);
    for (const char* op : {"SigmoidGrad", "TanhGrad"}) c.push_back({op, {Fv(b3, y), Fv(b3, g)}, Binary(op)});
    // The reference kernels associate these products differently from TF's (and ours): last-bit differences.
    for (const char* op : {"SqrtGrad", "RsqrtGrad"}) c.push_back({op, {Fv(b3, y), Fv(b3, g)}, Binary(op), 1e-6});
  }
  // Reductions.
  auto reduce = [](std::string op, std::vector<int32_t> axes, bool keep) -> BodyFn {
    return [=](const Builder& b, const std::vector<Output>& in) {
      return std::vector<Output>{b.Op(op, {in[0], b.Int32s(axes)}, {{"keep_dims", AttrBool(keep)}})};
    };
  };
  const PartialShape b34({-1, 3, 4});
  c.push_back({"Sum_axes_0_2", {F(b34, {2, 3, 4}, 30)}, reduce("Sum", {0, 2}, false), 1e-6});
  c.push_back({"Sum_keep", {F(b34, {2, 3, 4}, 31)}, reduce("Sum", {-1}, true), 1e-6});
  c.push_back({"Sum_no_axes", {F(b34, {2, 3, 4}, 32)}, reduce("Sum", {}, false)});
  c.push_back({"Mean", {F(b34, {2, 3, 4}, 33)}, reduce("Mean", {1}, false), 1e-6});
  c.push_back({"Max", {F(b34, {2, 3, 4}, 34)}, reduce("Max", {1, 2}, false)});
  c.push_back({"Min", {F(b34, {2, 3, 4}, 35)}, reduce("Min", {0}, true)});
  c.push_back({"Prod", {F(b34, {2, 3, 4}, 36)}, reduce("Prod", {2}, false), 1e-6});
  c.push_back({"Sum_dynamic_int64_axes",
               {F(b34, {2, 3, 4}, 37), I64({-1}, Tensor::FromVector<int64_t>({0, 2}))},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Op("Sum", {in[0], in[1]})};
               },
               1e-6, {"CAST", "SUM"}});
  c.push_back({"All", {Bv({2, 2}, Bools({1, 1, 0, 1}, {2, 2}))}, reduce("All", {1}, false)});
  c.push_back({"Any", {Bv({2, 2}, Bools({0, 0, 0, 1}, {2, 2}))}, reduce("Any", {0}, false)});
  auto argm = [](std::string op) -> BodyFn {
    return [op](const Builder& b, const std::vector<Output>& in) {
      return std::vector<Output>{
          b.Op(op, {in[0], b.Scalar<int32_t>(1)}, {{"output_type", AttrType(DType::kInt64)}})};
    };
  };
  c.push_back({"ArgMax_ties", {F(b3, {5, 3}, 38, true)}, argm("ArgMax")});
  c.push_back({"L2Loss", {F(PartialShape({3, 4}), {3, 4}, 40)}, Unary("L2Loss"), 1e-6, {"SQUARE", "SUM", "MUL"}});
  c.push_back({"L2Loss_unranked", {F(PartialShape(), {2, 5}, 41)}, Unary("L2Loss"), 1e-6, {"RANK", "RANGE"}});
  c.push_back({"BiasAddGrad", {F(PartialShape({-1, 2, 2, 3}), {2, 2, 2, 3}, 42)}, Unary("BiasAddGrad"), 1e-6, {"SUM"}});
  // Shapes and indexing.
  c.push_back({"Reshape_minus_one", {F(b34, {2, 3, 4}, 50)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.Reshape(in[0], {-1, 12})}; }});
  c.push_back({"Reshape_dynamic_shape", {F(b34, {2, 3, 4}, 51), F(PartialShape({-1, 12}), {2, 12}, 52)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Reshape(in[1], b.Op("Shape", {in[0]}))};
               },
               0, {"SHAPE", "RESHAPE"}});
  c.push_back({"Squeeze", {F(PartialShape({-1, 1, 3}), {2, 1, 3}, 53)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.Squeeze(in[0], {1})}; }});
  c.push_back({"ExpandDims", {F(b3, {2, 3}, 54)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.ExpandDims(in[0], -1)}; }});
  c.push_back({"Transpose", {F(b34, {2, 3, 4}, 55)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Transpose(in[0], {2, 0, 1})};
               }});
  c.push_back({"ConcatV2", {F(b3, {2, 3}, 56), F(b3, {1, 3}, 57)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.ConcatV2(in, 0)}; }});
  c.push_back({"Pack", {F(b3, {2, 3}, 58), F(b3, {2, 3}, 59)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.Pack(in, 1)}; }});
  c.push_back({"Unpack", {F(PartialShape({-1, 3}), {2, 3}, 60)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return b.Ops("Unpack", {in[0]}, {{"num", AttrInt(3)}, {"axis", AttrInt(1)}});
               }});
  auto strided = [](std::vector<int32_t> begin, std::vector<int32_t> end, std::vector<int32_t> strides, int bm, int em,
                    int shrink) -> BodyFn {
    return [=](const Builder& b, const std::vector<Output>& in) {
      return std::vector<Output>{b.Op("StridedSlice", {in[0], b.Int32s(begin), b.Int32s(end), b.Int32s(strides)},
                                      {{"begin_mask", AttrInt(bm)}, {"end_mask", AttrInt(em)},
                                       {"shrink_axis_mask", AttrInt(shrink)}})};
    };
  };
  c.push_back({"StridedSlice_column", {F(PartialShape({-1, 2}), {3, 2}, 61)}, strided({0, 0}, {0, 1}, {1, 1}, 1, 1, 2)});
  c.push_back({"StridedSlice_short_spec", {F(b34, {2, 3, 4}, 62)}, strided({1}, {2}, {1}, 0, 0, 0)});
  c.push_back({"StridedSlice_negative_stride", {F(PartialShape({6}), {6}, 63)}, strided({-1}, {0}, {-2}, 0, 0, 0)});
  c.push_back({"Slice", {F(b34, {2, 3, 4}, 64)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Op("Slice", {in[0], b.Int32s({0, 1, 1}), b.Int32s({-1, 2, 2})})};
               }});
  c.push_back({"GatherV2", {F(PartialShape({4, 3}), {4, 3}, 65), I32({-1}, Tensor::FromVector<int32_t>({3, 0, 3}))},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Op("GatherV2", {in[0], in[1], b.Scalar<int32_t>(0)})};
               }});
  c.push_back({"Tile", {F(b3, {2, 3}, 66)},
               [](const Builder& b, const std::vector<Output>& in) { return std::vector<Output>{b.Tile(in[0], b.Int32s({2, 1}))}; }});
  c.push_back({"Fill_int64_dims", {I64({2}, Tensor::FromVector<int64_t>({2, 3})), Fv({}, Tensor::Scalar<float>(1.5f))},
               Binary("Fill")});
  c.push_back({"Shape_dynamic", {F(b34, {2, 3, 4}, 67)}, Unary("Shape", {{"out_type", AttrType(DType::kInt64)}}), 0,
               {"SHAPE"}});
  c.push_back({"Size_dynamic", {F(b34, {2, 3, 4}, 68)}, Unary("Size", {{"out_type", AttrType(DType::kInt32)}}), 0,
               {"REDUCE_PROD"}});
  c.push_back({"Rank", {F(PartialShape(), {2, 3}, 69)}, Unary("Rank"), 0, {"RANK"}});
  c.push_back({"Range_int32",
               {I32({}, Tensor::Scalar<int32_t>(1)), I32({}, Tensor::Scalar<int32_t>(10)), I32({}, Tensor::Scalar<int32_t>(3))},
               Nary("Range")});
  c.push_back({"Pad", {F(b3, {2, 3}, 70)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{
                     b.Op("Pad", {in[0], b.Const(Tensor::FromVector<int32_t>({1, 0, 0, 2}, {2, 2}))})};
               }});
  c.push_back({"BroadcastTo", {F(PartialShape({3}), {3}, 72)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Op("BroadcastTo", {in[0], b.Int32s({2, 3})})};
               }});
  // Matrix products and NN forward ops.
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      tf::Shape sa = ta ? tf::Shape{4, 3} : tf::Shape{3, 4}, sb = tb ? tf::Shape{5, 4} : tf::Shape{4, 5};
      c.push_back({absl::StrCat("MatMul_", ta, tb),
                   {F(PartialShape::UnknownDims(2), sa, 80 + ta), F(PartialShape(sb), sb, 82 + tb)},
                   [ta, tb](const Builder& b, const std::vector<Output>& in) {
                     return std::vector<Output>{b.MatMul(in[0], in[1], ta, tb)};
                   },
                   1e-5, {ta == 0 && tb == 1 ? "FULLY_CONNECTED" : "BATCH_MATMUL"}});
    }
  }
  c.push_back({"BatchMatMulV2", {F(PartialShape({-1, 2, 3}), {2, 2, 3}, 84), F(PartialShape({3, 4}), {3, 4}, 85)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.BatchMatMul(in[0], in[1])};
               },
               1e-5});
  c.push_back({"BiasAdd", {F(PartialShape({-1, 2, 2, 3}), {2, 2, 2, 3}, 86), F(PartialShape({3}), {3}, 87)},
               Binary("BiasAdd"), 0, {"ADD"}});
  auto conv = [](std::vector<int64_t> strides, std::string padding, std::vector<int64_t> dilations) -> BodyFn {
    return [=](const Builder& b, const std::vector<Output>& in) {
      return std::vector<Output>{b.Op("Conv2D", {in[0], in[1]},
                                      {{"strides", AttrIntList(strides)}, {"padding", AttrString(padding)},
                                       {"dilations", AttrIntList(dilations)}})};
    };
  };
  const PartialShape nhwc({-1, 7, 6, 2});
  const PartialShape hwio({3, 3, 2, 4});
  c.push_back({"Conv2D_same", {F(nhwc, {2, 7, 6, 2}, 88), F(hwio, {3, 3, 2, 4}, 89)}, conv({1, 1, 1, 1}, "SAME", {1, 1, 1, 1}),
               1e-5, {"CONV_2D", "TRANSPOSE"}});
  c.push_back({"Conv2D_valid_strided", {F(nhwc, {2, 7, 6, 2}, 90), F(hwio, {3, 3, 2, 4}, 91)},
               conv({1, 2, 2, 1}, "VALID", {1, 1, 1, 1}), 1e-5});
  c.push_back({"Conv2D_dilated", {F(nhwc, {2, 7, 6, 2}, 92), F(hwio, {3, 3, 2, 4}, 93)},
               conv({1, 1, 1, 1}, "SAME", {1, 2, 2, 1}), 1e-5});
  c.push_back({"DepthwiseConv2dNative", {F(nhwc, {2, 7, 6, 2}, 94), F(PartialShape({3, 3, 2, 2}), {3, 3, 2, 2}, 95)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.Op("DepthwiseConv2dNative", {in[0], in[1]},
                                                 {{"strides", AttrIntList({1, 1, 1, 1})}, {"padding", AttrString("SAME")}})};
               },
               1e-5, {"DEPTHWISE_CONV_2D"}});
  c.push_back({"MaxPool_same", {F(nhwc, {2, 7, 6, 2}, 96)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.MaxPool(in[0], {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME")};
               },
               0, {"MAX_POOL_2D"}});
  c.push_back({"AvgPool_same", {F(nhwc, {2, 7, 6, 2}, 97)},
               [](const Builder& b, const std::vector<Output>& in) {
                 return std::vector<Output>{b.AvgPool(in[0], {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME")};
               },
               1e-6, {"AVERAGE_POOL_2D"}});
  c.push_back({"Softmax", {F(b3, {4, 3}, 98)}, Unary("Softmax"), 1e-6, {"SOFTMAX"}});
  c.push_back({"LogSoftmax", {F(b3, {4, 3}, 99)}, Unary("LogSoftmax"), 1e-6, {"LOG_SOFTMAX"}});
  return c;
}

class LoweringOpsTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(LoweringOpsTest, BuiltinsAgreeWithReferenceKernels) {
  const OpCase& c = GetParam();
  auto runs = RunBoth(c.inputs, c.body);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_TRUE(runs->program.flex_ops.empty())
      << "became Flex: " << runs->program.flex_ops[0].op << " (" << runs->program.flex_ops[0].reason << ")";
  for (const std::string& op : c.expect_ops) EXPECT_GT(CountOps(runs->program.flatbuffer, op), 0) << op;
  ASSERT_EQ(runs->ir.size(), runs->tflite.size());
  for (size_t i = 0; i < runs->ir.size(); ++i) {
    EXPECT_EQ(Compare(runs->ir[i], runs->tflite[i], c.rtol), "") << "output " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, LoweringOpsTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; });

// Ops without an exact builtin form stay Flex ops, with the reason recorded.
TEST(LoweringFallbackTest, FloatRangeStaysFlexBecauseTfliteAccumulates) {
  auto runs = RunBoth({{DType::kFloat, PartialShape::Scalar(), Tensor::Scalar<float>(0.5f)}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        return std::vector<Output>{b.Op("Range", {in[0], b.Scalar<float>(3.0f), b.Scalar<float>(0.7f)})};
                      });
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->program.flex_ops.size(), 1u);
  EXPECT_EQ(runs->program.flex_ops[0].op, "Range");
  EXPECT_THAT(runs->program.flex_ops[0].reason, ::testing::HasSubstr("float"));
  EXPECT_EQ(Compare(runs->ir[0], runs->tflite[0]), "");
}

}  // namespace
}  // namespace tb::tflite::testing

namespace tb::tflite::testing {
namespace {

// TF 2.14 multiplies "no NaN" in SqrtGrad/RsqrtGrad: a zero gradient stays zero where y is 0 or inf.
TEST(LoweringNoNanGradTest, ZeroGradientStaysZero) {
  for (const char* op : {"SqrtGrad", "RsqrtGrad"}) {
    graph::Graph g;
    Builder b(&g);
    Output y = b.Placeholder(DType::kFloat, PartialShape({3}), "y");
    Output dy = b.Placeholder(DType::kFloat, PartialShape({3}), "dy");
    LoweringOptions options;
    options.outputs = {b.Op(op, {y, dy})};
    ASSERT_TRUE(b.ok());
    auto lowered = LowerToTfLite(g, options);
    ASSERT_TRUE(lowered.ok()) << lowered.status();
    auto model = Model::Parse(lowered->flatbuffer);
    ASSERT_TRUE(model.ok());
    auto interp = runtime::tflite::Interpreter::Create(std::make_shared<const Model>(std::move(*model)));
    ASSERT_TRUE(interp.ok());
    auto out = (*interp)->Invoke(0, {Tensor::FromVector<float>({0.0f, kInf, 4.0f}),
                                     Tensor::FromVector<float>({0.0f, 0.0f, 2.0f})});
    ASSERT_TRUE(out.ok()) << out.status();
    auto v = (*out)[0].flat<float>();
    EXPECT_EQ(v[0], 0.0f) << op;
    EXPECT_EQ(v[1], 0.0f) << op;
    EXPECT_FLOAT_EQ(v[2], std::string(op) == "SqrtGrad" ? 0.25f : -0.5f * 4 * 4 * 4 * 2) << op;
  }
}

}  // namespace
}  // namespace tb::tflite::testing
