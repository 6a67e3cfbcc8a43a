// Independent check of the builtins: builtin-only programs made here run in our interpreter and in the real TFLite
// runtime (tfjs-tflite's WebAssembly build, tests/js/tflite-wasm) on the same random inputs; the outputs agree.
// Skips when Node.js or the installed checker (scripts/install-js.sh) is missing.
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runtime/data/random.h"
#include "runtime/tflite/interpreter.h"
#include "tests/testing/testing.h"
#include "tests/tflite/test_model_builder.h"

namespace tb::runtime::tflite {
namespace {

namespace fb = ::tb::tflite::fb;
using ::tb::tflite::testing::OptionsFn;
using ::tb::tflite::testing::TestModelBuilder;

std::string Checker() { return tb::testing::SourceDir() + "/tests/js/tflite-wasm/run_tflite.js"; }

// Node.js from PATH (the test runner executes programs by path).
std::string NodePath() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/usr/local/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/node";
    std::error_code ec;
    if (!candidate.empty() && std::filesystem::exists(candidate, ec)) return candidate;
    start = end + 1;
  }
  return "";
}

bool CheckerAvailable() {
  std::error_code ec;
  return std::filesystem::exists(tb::testing::SourceDir() + "/tests/js/tflite-wasm/node_modules/@tensorflow/tfjs-tflite",
                                 ec) &&
         !NodePath().empty();
}

struct Case {
  std::string name;
  std::string model;
  std::vector<tf::Tensor> inputs;
};

nlohmann::json ToJson(const tf::Tensor& t) {
  nlohmann::json j;
  j["shape"] = t.shape();
  if (t.dtype() == tf::DType::kFloat) {
    j["dtype"] = "float32";
    j["data"] = std::vector<float>(t.flat<float>().begin(), t.flat<float>().end());
  } else {
    j["dtype"] = "int32";
    j["data"] = std::vector<int32_t>(t.flat<int32_t>().begin(), t.flat<int32_t>().end());
  }
  return j;
}

tf::Tensor Random(tf::Shape shape, data::Rng& rng, float scale = 1.0f) {
  tf::Tensor t(tf::DType::kFloat, shape);
  for (float& v : t.flat<float>()) v = static_cast<float>(rng.Normal()) * scale;
  return t;
}

template <typename T>
std::vector<T> RandomVector(int n, data::Rng& rng) {
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(rng.Normal() * 0.5);
  return v;
}

OptionsFn Opt(fb::BuiltinOptions type, std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)> make) {
  return [type, make](flatbuffers::FlatBufferBuilder& b) { return std::make_pair(type, make(b)); };
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  data::Rng rng(2024);
  using T = fb::TensorType;
  {  // A dense layer: FULLY_CONNECTED with bias and fused RELU, then SOFTMAX(beta 0.5).
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", T::FLOAT32, {4, 6});
    int w = b.AddConstant<float>(sg, "w", T::FLOAT32, {5, 6}, RandomVector<float>(30, rng));
    int bias = b.AddConstant<float>(sg, "bias", T::FLOAT32, {5}, RandomVector<float>(5, rng));
    int h = b.AddTensor(sg, "h", T::FLOAT32, {4, 5});
    int y = b.AddTensor(sg, "y", T::FLOAT32, {4, 5});
    b.SetInputs(sg, {x});
    b.SetOutputs(sg, {y});
    b.AddOperator(sg, fb::BuiltinOperator::FULLY_CONNECTED, {x, w, bias}, {h},
                  Opt(fb::BuiltinOptions::FullyConnectedOptions, [](auto& fbb) {
                    return fb::CreateFullyConnectedOptions(fbb, fb::ActivationFunctionType::RELU).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::SOFTMAX, {h}, {y}, Opt(fb::BuiltinOptions::SoftmaxOptions, [](auto& fbb) {
                    return fb::CreateSoftmaxOptions(fbb, 0.5f).Union();
                  }));
    cases.push_back({"fully_connected_softmax", b.Finish(), {Random({4, 6}, rng)}});
  }
  {  // CONV_2D SAME stride 2 + bias + RELU6, MAX_POOL_2D VALID, AVERAGE_POOL_2D SAME.
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", T::FLOAT32, {2, 9, 8, 3});
    int w = b.AddConstant<float>(sg, "w", T::FLOAT32, {4, 3, 3, 3}, RandomVector<float>(108, rng));
    int bias = b.AddConstant<float>(sg, "bias", T::FLOAT32, {4}, RandomVector<float>(4, rng));
    int c = b.AddTensor(sg, "c", T::FLOAT32, {2, 5, 4, 4});
    int p = b.AddTensor(sg, "p", T::FLOAT32, {2, 4, 3, 4});
    int a = b.AddTensor(sg, "a", T::FLOAT32, {2, 2, 2, 4});
    b.SetInputs(sg, {x});
    b.SetOutputs(sg, {c, p, a});
    b.AddOperator(sg, fb::BuiltinOperator::CONV_2D, {x, w, bias}, {c}, Opt(fb::BuiltinOptions::Conv2DOptions, [](auto& fbb) {
                    return fb::CreateConv2DOptions(fbb, fb::Padding::SAME, 2, 2, fb::ActivationFunctionType::RELU6).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::MAX_POOL_2D, {c}, {p}, Opt(fb::BuiltinOptions::Pool2DOptions, [](auto& fbb) {
                    return fb::CreatePool2DOptions(fbb, fb::Padding::VALID, 1, 1, 2, 2).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::AVERAGE_POOL_2D, {p}, {a}, Opt(fb::BuiltinOptions::Pool2DOptions, [](auto& fbb) {
                    return fb::CreatePool2DOptions(fbb, fb::Padding::SAME, 2, 2, 3, 3).Union();
                  }));
    cases.push_back({"conv_pool", b.Finish(), {Random({2, 9, 8, 3}, rng)}});
  }
  {  // DEPTHWISE_CONV_2D with multiplier 2 and dilation 2; TRANSPOSE_CONV.
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", T::FLOAT32, {1, 7, 7, 2});
    int w = b.AddConstant<float>(sg, "w", T::FLOAT32, {1, 3, 3, 4}, RandomVector<float>(36, rng));
    int bias = b.AddConstant<float>(sg, "bias", T::FLOAT32, {4}, RandomVector<float>(4, rng));
    int d = b.AddTensor(sg, "d", T::FLOAT32, {1, 7, 7, 4});
    int shape = b.AddConstant<int32_t>(sg, "out_shape", T::INT32, {4}, {1, 14, 14, 3});
    int tw = b.AddConstant<float>(sg, "tw", T::FLOAT32, {3, 3, 3, 4}, RandomVector<float>(108, rng));
    int t = b.AddTensor(sg, "t", T::FLOAT32, {1, 14, 14, 3});
    b.SetInputs(sg, {x});
    b.SetOutputs(sg, {d, t});
    b.AddOperator(sg, fb::BuiltinOperator::DEPTHWISE_CONV_2D, {x, w, bias}, {d},
                  Opt(fb::BuiltinOptions::DepthwiseConv2DOptions, [](auto& fbb) {
                    return fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding::SAME, 1, 1, 2, fb::ActivationFunctionType::NONE, 2, 2).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::TRANSPOSE_CONV, {shape, tw, d}, {t},
                  Opt(fb::BuiltinOptions::TransposeConvOptions, [](auto& fbb) {
                    return fb::CreateTransposeConvOptions(fbb, fb::Padding::SAME, 2, 2).Union();
                  }));
    cases.push_back({"depthwise_transpose_conv", b.Finish(), {Random({1, 7, 7, 2}, rng)}});
  }
  {  // BATCH_MATMUL adj_x with broadcasting, STRIDED_SLICE with shrink, TRANSPOSE, reductions, elementwise.
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", T::FLOAT32, {2, 3, 4});
    int y = b.AddTensor(sg, "y", T::FLOAT32, {3, 5});
    int m = b.AddTensor(sg, "m", T::FLOAT32, {2, 4, 5});
    int begin = b.AddConstant<int32_t>(sg, "begin", T::INT32, {3}, {0, 1, 0});
    int end = b.AddConstant<int32_t>(sg, "end", T::INT32, {3}, {2, 4, 5});
    int strides = b.AddConstant<int32_t>(sg, "strides", T::INT32, {3}, {1, 2, 2});
    int s = b.AddTensor(sg, "s", T::FLOAT32, {2, 2, 3});
    int perm = b.AddConstant<int32_t>(sg, "perm", T::INT32, {3}, {2, 0, 1});
    int tr = b.AddTensor(sg, "tr", T::FLOAT32, {3, 2, 2});
    int axes = b.AddConstant<int32_t>(sg, "axes", T::INT32, {2}, {0, -1});
    int mean = b.AddTensor(sg, "mean", T::FLOAT32, {1, 2, 1});
    int mx = b.AddTensor(sg, "mx", T::FLOAT32, {2});
    int sd = b.AddTensor(sg, "sd", T::FLOAT32, {3, 2, 2});
    int lg = b.AddTensor(sg, "lg", T::FLOAT32, {3, 2, 2});
    int dv = b.AddTensor(sg, "dv", T::FLOAT32, {3, 2, 2});
    b.SetInputs(sg, {x, y});
    b.SetOutputs(sg, {m, s, tr, mean, mx, sd, lg, dv});
    b.AddOperator(sg, fb::BuiltinOperator::BATCH_MATMUL, {x, y}, {m}, Opt(fb::BuiltinOptions::BatchMatMulOptions, [](auto& fbb) {
                    return fb::CreateBatchMatMulOptions(fbb, true, false).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::STRIDED_SLICE, {m, begin, end, strides}, {s},
                  Opt(fb::BuiltinOptions::StridedSliceOptions, [](auto& fbb) {
                    return fb::CreateStridedSliceOptions(fbb, 0, 0, 0, 0, 0).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::TRANSPOSE, {s, perm}, {tr});
    b.AddOperator(sg, fb::BuiltinOperator::MEAN, {s, axes}, {mean}, Opt(fb::BuiltinOptions::ReducerOptions, [](auto& fbb) {
                    return fb::CreateReducerOptions(fbb, true).Union();
                  }));
    int axes12 = b.AddConstant<int32_t>(sg, "axes12", T::INT32, {2}, {0, 2});
    b.AddOperator(sg, fb::BuiltinOperator::REDUCE_MAX, {tr, axes12}, {mx}, Opt(fb::BuiltinOptions::ReducerOptions, [](auto& fbb) {
                    return fb::CreateReducerOptions(fbb, false).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::SQUARED_DIFFERENCE, {tr, tr}, {sd});
    b.AddOperator(sg, fb::BuiltinOperator::LOGISTIC, {tr}, {lg});
    b.AddOperator(sg, fb::BuiltinOperator::DIV, {lg, tr}, {dv});
    cases.push_back({"matmul_slice_reduce", b.Finish(), {Random({2, 3, 4}, rng), Random({3, 5}, rng)}});
  }
  {  // Layout ops: PAD, CONCATENATION, PACK, TILE, RESHAPE, GATHER, SELECT_V2, ARG_MAX, TANH, EXP.
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", T::FLOAT32, {3, 4});
    int paddings = b.AddConstant<int32_t>(sg, "paddings", T::INT32, {2, 2}, {1, 0, 0, 2});
    int padded = b.AddTensor(sg, "padded", T::FLOAT32, {4, 6});
    int cat = b.AddTensor(sg, "cat", T::FLOAT32, {3, 8});
    int packed = b.AddTensor(sg, "packed", T::FLOAT32, {3, 2, 4});
    int mult = b.AddConstant<int32_t>(sg, "mult", T::INT32, {2}, {2, 1});
    int tiled = b.AddTensor(sg, "tiled", T::FLOAT32, {6, 4});
    int new_shape = b.AddConstant<int32_t>(sg, "new_shape", T::INT32, {2}, {-1, 3});
    int reshaped = b.AddTensor(sg, "reshaped", T::FLOAT32, {8, 3});
    int idx = b.AddConstant<int32_t>(sg, "idx", T::INT32, {3}, {7, 0, 3});
    int gathered = b.AddTensor(sg, "gathered", T::FLOAT32, {3, 3});
    int zero = b.AddConstant<float>(sg, "zero", T::FLOAT32, {}, {0.0f});
    int positive = b.AddTensor(sg, "positive", T::BOOL, {3, 3});
    int th = b.AddTensor(sg, "th", T::FLOAT32, {3, 3});
    int ex = b.AddTensor(sg, "ex", T::FLOAT32, {3, 3});
    int sel = b.AddTensor(sg, "sel", T::FLOAT32, {3, 3});
    int axis = b.AddConstant<int32_t>(sg, "axis", T::INT32, {}, {1});
    int am = b.AddTensor(sg, "am", T::INT32, {3});
    b.SetInputs(sg, {x});
    b.SetOutputs(sg, {padded, cat, packed, tiled, reshaped, gathered, sel, am});
    b.AddOperator(sg, fb::BuiltinOperator::PAD, {x, paddings}, {padded});
    b.AddOperator(sg, fb::BuiltinOperator::CONCATENATION, {x, x}, {cat}, Opt(fb::BuiltinOptions::ConcatenationOptions, [](auto& fbb) {
                    return fb::CreateConcatenationOptions(fbb, 1).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::PACK, {x, x}, {packed}, Opt(fb::BuiltinOptions::PackOptions, [](auto& fbb) {
                    return fb::CreatePackOptions(fbb, 2, 1).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::TILE, {x, mult}, {tiled});
    b.AddOperator(sg, fb::BuiltinOperator::RESHAPE, {tiled, new_shape}, {reshaped});
    b.AddOperator(sg, fb::BuiltinOperator::GATHER, {reshaped, idx}, {gathered}, Opt(fb::BuiltinOptions::GatherOptions, [](auto& fbb) {
                    return fb::CreateGatherOptions(fbb, 0).Union();
                  }));
    b.AddOperator(sg, fb::BuiltinOperator::GREATER, {gathered, zero}, {positive});
    b.AddOperator(sg, fb::BuiltinOperator::TANH, {gathered}, {th});
    b.AddOperator(sg, fb::BuiltinOperator::EXP, {gathered}, {ex});
    b.AddOperator(sg, fb::BuiltinOperator::SELECT_V2, {positive, th, ex}, {sel});
    b.AddOperator(sg, fb::BuiltinOperator::ARG_MAX, {sel, axis}, {am}, Opt(fb::BuiltinOptions::ArgMaxOptions, [](auto& fbb) {
                    return fb::CreateArgMaxOptions(fbb, T::INT32).Union();
                  }));
    cases.push_back({"layout_select", b.Finish(), {Random({3, 4}, rng)}});
  }
  return cases;
}

TEST(TfliteWasmCompareTest, BuiltinsAgreeWithTheRealRuntime) {
  if (!CheckerAvailable()) GTEST_SKIP() << "Node.js or tests/js/tflite-wasm/node_modules missing (scripts/install-js.sh)";
  tb::testing::TempDir dir;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto model = ::tb::tflite::Model::Parse(c.model);
    ASSERT_TRUE(model.ok()) << model.status();
    auto interp = Interpreter::Create(std::make_shared<const ::tb::tflite::Model>(std::move(*model)));
    ASSERT_TRUE(interp.ok()) << interp.status();
    auto ours = (*interp)->Invoke(0, c.inputs);
    ASSERT_TRUE(ours.ok()) << ours.status();

    const std::string model_path = dir.Join(c.name + ".tflite");
    tb::testing::WriteFileOrDie(model_path, c.model);
    nlohmann::json job;
    job["model"] = model_path;
    job["inputs"] = nlohmann::json::array();
    for (const tf::Tensor& t : c.inputs) job["inputs"].push_back(ToJson(t));
    tb::testing::WriteFileOrDie(dir.Join(c.name + ".json"), job.dump());
    auto run = tb::testing::Run({NodePath(), Checker(), dir.Join(c.name + ".json")}, std::chrono::seconds(120));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const size_t brace = run.out.find('{');
    ASSERT_NE(brace, std::string::npos) << run.out;
    nlohmann::json theirs = nlohmann::json::parse(run.out.substr(brace, run.out.find('\n', brace) - brace));
    ASSERT_FALSE(theirs.contains("error")) << theirs["error"];
    ASSERT_EQ(theirs["outputs"].size(), ours->size());
    for (size_t k = 0; k < ours->size(); ++k) {
      const tf::Tensor& o = (*ours)[k];
      const auto& t = theirs["outputs"][k];
      EXPECT_EQ(t["shape"].get<std::vector<int64_t>>(), o.shape()) << "output " << k;
      std::vector<double> values = t["data"].get<std::vector<double>>();
      ASSERT_EQ(static_cast<int64_t>(values.size()), o.num_elements());
      for (int64_t i = 0; i < o.num_elements(); ++i) {
        const double mine = o.dtype() == tf::DType::kFloat ? o.flat<float>()[i] : o.flat<int32_t>()[i];
        EXPECT_NEAR(mine, values[i], 2e-5 + 2e-5 * std::abs(values[i])) << "output " << k << " element " << i;
      }
    }
  }
}

}  // namespace
}  // namespace tb::runtime::tflite
