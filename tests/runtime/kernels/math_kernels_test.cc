// Element-wise, comparison, reduction, matmul and cast kernels against hand-computed values, plus the registry's
// safety net and error messages.
#include <cmath>
#include <limits>

#include "tests/runtime/kernels/kernel_test_util.h"

namespace tb::runtime {
namespace {

using graph::AttrBool;
using graph::AttrInt;
using tf::DType;

TEST(BinaryKernelsTest, BroadcastingArithmetic) {
  auto a = F({1, 2, 3, 4, 5, 6}, {2, 3});
  auto row = F({10, 20, 30}, {3});
  auto col = F({100, 200}, {2, 1});
  ExpectNear<float>(Out("AddV2", {}, {a, row}), {11, 22, 33, 14, 25, 36}, {2, 3});
  ExpectNear<float>(Out("Sub", {}, {a, col}), {-99, -98, -97, -196, -195, -194}, {2, 3});
  ExpectNear<float>(Out("Mul", {}, {col, row}), {1000, 2000, 3000, 2000, 4000, 6000}, {2, 3});
  ExpectNear<float>(Out("RealDiv", {}, {a, F({2}, {})}), {0.5, 1, 1.5, 2, 2.5, 3}, {2, 3});
  ExpectNear<float>(Out("DivNoNan", {}, {F({1, 2}, {2}), F({0, 4}, {2})}), {0, 0.5}, {2});
  ExpectNear<float>(Out("Maximum", {}, {a, F({3.5}, {})}), {3.5, 3.5, 3.5, 4, 5, 6}, {2, 3});
  ExpectNear<float>(Out("Minimum", {}, {F({1, NAN}, {2}), F({0, 0}, {2})}), {0, NAN}, {2});
  ExpectNear<float>(Out("SquaredDifference", {}, {F({1, 5}, {2}), F({3}, {})}), {4, 4}, {2});
  ExpectNear<int32_t>(Out("FloorMod", {}, {I32({7, -7, 7, -7}), I32({3, 3, -3, -3})}), {1, 2, -2, -1}, {4});
  ExpectNear<int32_t>(Out("RealDiv", {}, {I32({7, -7}), I32({2, 2})}), {3, -3}, {2});
  ExpectNear<double>(Out("AddV2", {}, {D({1.5}, {}), D({2.25}, {})}), {3.75}, {});
  // Three-dim broadcast with a middle 1.
  ExpectNear<float>(Out("AddV2", {}, {F({1, 2}, {2, 1, 1}), F({10, 20, 30}, {1, 3, 1})}), {11, 21, 31, 12, 22, 32},
                    {2, 3, 1});
}

TEST(BinaryKernelsTest, Errors) {
  auto r = RunOp("AddV2", {}, {F({1, 2, 3}, {3}), F({1, 2}, {2})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("AddV2 node 'test_node'"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("Incompatible shapes"), std::string::npos);
  r = RunOp("Mul", {}, {F({1}, {1}), I32({1})});
  EXPECT_NE(r.status().message().find("same dtype"), std::string::npos) << r.status();
  r = RunOp("RealDiv", {}, {I32({1}), I32({0})});
  EXPECT_NE(r.status().message().find("division by zero"), std::string::npos) << r.status();
  r = RunOp("NoSuchOp", {}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  r = RunOp("AddV2", {}, {F({1}, {1})});
  EXPECT_NE(r.status().message().find("expects 2 inputs"), std::string::npos) << r.status();
}

TEST(ComparisonKernelsTest, ComparesAndCombines) {
  auto a = F({1, 2, 3}, {3});
  auto b = F({2}, {});
  ExpectNear<bool>(Out("Greater", {}, {a, b}), {false, false, true}, {3});
  ExpectNear<bool>(Out("GreaterEqual", {}, {a, b}), {false, true, true}, {3});
  ExpectNear<bool>(Out("Less", {}, {a, b}), {true, false, false}, {3});
  ExpectNear<bool>(Out("LessEqual", {}, {a, b}), {true, true, false}, {3});
  ExpectNear<bool>(Out("Equal", {}, {a, b}), {false, true, false}, {3});
  ExpectNear<bool>(Out("NotEqual", {}, {a, b}), {true, false, true}, {3});
  tf::Tensor s1(DType::kString, {2}), s2 = tf::Tensor::StringScalar("x");
  s1.flat<std::string>()[0] = "x";
  s1.flat<std::string>()[1] = "y";
  ExpectNear<bool>(Out("Equal", {}, {s1, s2}), {true, false}, {2});
  auto t = V<bool>({true, true, false, false}, {4});
  auto u = V<bool>({true, false, true, false}, {4});
  ExpectNear<bool>(Out("LogicalAnd", {}, {t, u}), {true, false, false, false}, {4});
  ExpectNear<bool>(Out("LogicalOr", {}, {t, u}), {true, true, true, false}, {4});
  ExpectNear<bool>(Out("LogicalNot", {}, {t}), {false, false, true, true}, {4});
  ExpectNear<bool>(Out("IsFinite", {}, {F({1, INFINITY, NAN}, {3})}), {true, false, false}, {3});
}

TEST(UnaryKernelsTest, MathAndActivations) {
  auto x = D({-2, -0.5, 0, 0.5, 2}, {5});
  auto apply = [&](const char* op, double (*f)(double)) {
    std::vector<double> want;
    for (double v : x.flat<double>()) want.push_back(f(v));
    ExpectNear<double>(Out(op, {}, {x}), want, {5}, 1e-12);
  };
  apply("Neg", [](double v) { return -v; });
  apply("Square", [](double v) { return v * v; });
  apply("Abs", [](double v) { return std::abs(v); });
  apply("Sign", [](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); });
  apply("Exp", [](double v) { return std::exp(v); });
  apply("Sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); });
  apply("Tanh", [](double v) { return std::tanh(v); });
  apply("Relu", [](double v) { return std::max(v, 0.0); });
  apply("Relu6", [](double v) { return std::min(std::max(v, 0.0), 6.0); });
  apply("Elu", [](double v) { return v < 0 ? std::exp(v) - 1 : v; });
  apply("Selu", [](double v) {
    return v < 0 ? 1.0507009873554805 * 1.6732632423543772 * (std::exp(v) - 1) : 1.0507009873554805 * v;
  });
  apply("Softplus", [](double v) { return std::log(1 + std::exp(v)); });
  auto p = D({0.25, 1, 4}, {3});
  ExpectNear<double>(Out("Sqrt", {}, {p}), {0.5, 1, 2}, {3});
  ExpectNear<double>(Out("Rsqrt", {}, {p}), {2, 1, 0.5}, {3});
  ExpectNear<double>(Out("Log", {}, {p}), {std::log(0.25), 0, std::log(4)}, {3});
  ExpectNear<double>(Out("Log1p", {}, {p}), {std::log1p(0.25), std::log(2), std::log(5)}, {3});
  ExpectNear<double>(Out("Reciprocal", {}, {p}), {4, 1, 0.25}, {3});
  ExpectNear<float>(Out("LeakyRelu", {{"alpha", graph::AttrFloat(0.1f)}}, {F({-2, 3}, {2})}), {-0.2f, 3}, {2});
  // LeakyRelu's alpha defaults to 0.2 when the node omits it.
  ExpectNear<float>(Out("LeakyRelu", {}, {F({-2, 3}, {2})}), {-0.4f, 3}, {2});
  ExpectNear<float>(Out("Relu", {}, {F({NAN}, {1})}), {NAN}, {1});
}

TEST(UnaryKernelsTest, ActivationGradients) {
  auto g = F({1, 2, 3, NAN}, {4});
  auto f = F({-1, 0, 2, -1}, {4});
  ExpectNear<float>(Out("ReluGrad", {}, {g, f}), {0, 0, 3, NAN}, {4});
  ExpectNear<float>(Out("Relu6Grad", {}, {F({1, 1, 1}, {3}), F({-1, 3, 7}, {3})}), {0, 1, 0}, {3});
  ExpectNear<float>(Out("SigmoidGrad", {}, {F({0.5}, {1}), F({2}, {1})}), {0.5}, {1});
  ExpectNear<float>(Out("TanhGrad", {}, {F({0.5}, {1}), F({2}, {1})}), {1.5}, {1});
  ExpectNear<float>(Out("SqrtGrad", {}, {F({2}, {1}), F({2}, {1})}), {0.5}, {1});
  ExpectNear<float>(Out("RsqrtGrad", {}, {F({2}, {1}), F({1}, {1})}), {-4}, {1});
  ExpectNear<float>(Out("EluGrad", {}, {F({2, 2}, {2}), F({-0.5, 1}, {2})}), {1, 2}, {2});
  ExpectNear<float>(Out("LeakyReluGrad", {{"alpha", graph::AttrFloat(0.5f)}}, {F({2, 2}, {2}), F({-1, 1}, {2})}),
                    {1, 2}, {2});
  auto r = RunOp("ReluGrad", {}, {F({1}, {1}), F({1, 2}, {2})});
  EXPECT_NE(r.status().message().find("same shape"), std::string::npos);
}

TEST(ReductionKernelsTest, AxesKeepDimsAndIdentities) {
  auto x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectNear<float>(Out("Sum", {}, {x, I32({1})}), {6, 15}, {2});
  ExpectNear<float>(Out("Sum", {{"keep_dims", AttrBool(true)}}, {x, I32({0})}), {5, 7, 9}, {1, 3});
  ExpectNear<float>(Out("Sum", {}, {x, I32({0, -1})}), {21}, {});
  ExpectNear<float>(Out("Sum", {}, {x, I32({})}), {1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectNear<float>(Out("Mean", {}, {x, tf::Tensor::Scalar<int32_t>(1)}), {2, 5}, {2});
  ExpectNear<float>(Out("Prod", {}, {x, I32({0})}), {4, 10, 18}, {3});
  ExpectNear<float>(Out("Max", {}, {x, I32({1})}), {3, 6}, {2});
  ExpectNear<float>(Out("Min", {}, {x, I32({0})}), {1, 2, 3}, {3});
  ExpectNear<int32_t>(Out("Mean", {}, {I32({1, 2, 4}), I32({0})}), {2}, {});
  auto empty = F({}, {0, 3});
  ExpectNear<float>(Out("Sum", {}, {empty, I32({0})}), {0, 0, 0}, {3});
  ExpectNear<float>(Out("Max", {}, {empty, I32({0})}), {-INFINITY, -INFINITY, -INFINITY}, {3});
  ExpectNear<float>(Out("Mean", {}, {empty, I32({0})}), {NAN, NAN, NAN}, {3});
  ExpectNear<bool>(Out("All", {}, {V<bool>({true, false, true, true}, {2, 2}), I32({1})}), {false, true}, {2});
  ExpectNear<bool>(Out("Any", {}, {V<bool>({false, false, true, false}, {2, 2}), I32({0})}), {true, false}, {2});
  // Non-contiguous axes (transpose path) on a rank-3 tensor.
  auto y = F({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  ExpectNear<float>(Out("Sum", {}, {y, I32({0, 2})}), {1 + 2 + 5 + 6, 3 + 4 + 7 + 8}, {2});
  auto r = RunOp("Sum", {}, {x, I32({2})});
  EXPECT_NE(r.status().message().find("Invalid reduction dimension 2"), std::string::npos) << r.status();
  ExpectNear<int64_t>(Out("ArgMax", {}, {F({1, 5, 5, 2, 0, 9}, {2, 3}), tf::Tensor::Scalar<int32_t>(1)}), {1, 2}, {2});
  ExpectNear<int32_t>(Out("ArgMax", {{"output_type", T(DType::kInt32)}}, {F({1, 5, 5, 2, 0, 9}, {2, 3}), tf::Tensor::Scalar<int32_t>(0)}),
                      {1, 0, 1}, {3});
}

TEST(MatMulKernelsTest, TransposesAndBatches) {
  auto a = F({1, 2, 3, 4, 5, 6}, {2, 3});
  auto b = F({1, 0, 0, 1, 1, 1}, {3, 2});
  ExpectNear<float>(Out("MatMul", {}, {a, b}), {4, 5, 10, 11}, {2, 2});
  ExpectNear<float>(Out("MatMul", {{"transpose_a", AttrBool(true)}, {"transpose_b", AttrBool(true)}}, {b, a}),
                    {4, 10, 5, 11}, {2, 2});
  ExpectNear<float>(Out("MatMul", {{"transpose_b", AttrBool(true)}}, {a, a}), {14, 32, 32, 77}, {2, 2});
  ExpectNear<int32_t>(Out("MatMul", {}, {I32({1, 2, 3, 4}, {2, 2}), I32({1, 1, 1, 1}, {2, 2})}), {3, 3, 7, 7}, {2, 2});
  // [2,2,3] x [3,2] broadcast over the batch.
  auto batch = F({1, 2, 3, 4, 5, 6, 1, 1, 1, 0, 0, 0}, {2, 2, 3});
  ExpectNear<float>(Out("BatchMatMulV2", {}, {batch, b}), {4, 5, 10, 11, 2, 2, 0, 0}, {2, 2, 2});
  ExpectNear<float>(Out("BatchMatMulV2", {{"adj_x", AttrBool(true)}}, {F({1, 2, 3, 4}, {1, 2, 2}), F({1, 0, 0, 1}, {2, 2})}),
                    {1, 3, 2, 4}, {1, 2, 2});
  auto r = RunOp("MatMul", {}, {a, a});
  EXPECT_NE(r.status().message().find("Matrix size-incompatible"), std::string::npos);
}

TEST(CastKernelsTest, ConversionsAndSaturation) {
  ExpectNear<int32_t>(Out("Cast", {{"SrcT", T(DType::kFloat)}, {"DstT", T(DType::kInt32)}}, {F({1.7f, -1.7f, 3e10f, NAN}, {4})}),
                      {1, -1, INT32_MAX, 0}, {4});
  ExpectNear<bool>(Out("Cast", {{"SrcT", T(DType::kFloat)}, {"DstT", T(DType::kBool)}}, {F({0, 2}, {2})}), {false, true}, {2});
  ExpectNear<float>(Out("Cast", {{"SrcT", T(DType::kInt64)}, {"DstT", T(DType::kFloat)}}, {V<int64_t>({3, -2}, {2})}),
                    {3, -2}, {2});
  auto r = RunOp("Cast", {{"SrcT", T(DType::kInt32)}, {"DstT", T(DType::kFloat)}}, {F({1}, {1})});
  EXPECT_FALSE(r.ok());
}

// A kernel for an op the graph registry does not know, which forgets an output: RunKernel must catch it.
absl::Status ForgetfulKernel(KernelContext& ctx) {
  ctx.set_output(1, tf::Tensor::Scalar<float>(1));
  return absl::OkStatus();
}
TB_REGISTER_KERNEL("_TestForgetful", ForgetfulKernel);

TEST(KernelRegistryTest, SafetyNetAndListing) {
  auto r = RunOp("_TestForgetful", {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("left output 0 unset"), std::string::npos) << r.status();
  auto ops = KernelRegistry::Global().Ops();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_NE(std::find(ops.begin(), ops.end(), "MatMul"), ops.end());
}

}  // namespace
}  // namespace tb::runtime
