// Independent check of the lowering: builtin-only programs we emit — each gradient/loss formulation alone, and a
// whole training step (forward, loss, reverse-mode gradients, SGD update) of the example MLP and CNN — run in the
// real TFLite runtime (tfjs-tflite's WebAssembly build, tests/js/tflite-wasm) and must agree with the IR run by
// the reference kernels. Skips when Node.js or the installed checker (scripts/install-js.sh) is missing.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "fl/model_lowering.h"
#include "graph/attrs.h"
#include "graph/autodiff/gradients.h"
#include "nlohmann/json.hpp"
#include "runtime/interpreter/ir_interpreter.h"
#include "tests/testing/testing.h"
#include "tests/tflite/lowering_harness.h"
#include "tf/example_models.h"
#include "tflite/lowering.h"

namespace tb::tflite::testing {
namespace {

using graph::AttrIntList;
using graph::AttrString;
using graph::Builder;
using graph::Output;
using graph::PartialShape;
using tf::DType;
using tf::Tensor;

std::string Checker() { return ::tb::testing::SourceDir() + "/tests/js/tflite-wasm/run_tflite.js"; }

bool CheckerAvailable() {
  std::error_code ec;
  return std::filesystem::exists(
             ::tb::testing::SourceDir() + "/tests/js/tflite-wasm/node_modules/@tensorflow/tfjs-tflite", ec) &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

nlohmann::json ToJson(const Tensor& t) {
  nlohmann::json j;
  j["shape"] = t.shape();
  if (t.dtype() == DType::kFloat) {
    j["dtype"] = "float32";
    j["data"] = std::vector<float>(t.flat<float>().begin(), t.flat<float>().end());
  } else {
    j["dtype"] = "int32";
    j["data"] = std::vector<int32_t>(t.flat<int32_t>().begin(), t.flat<int32_t>().end());
  }
  return j;
}

// A graph with placeholders and fetched outputs, lowered and run in the WASM runtime and the IR interpreter.
struct WasmCase {
  std::string name;
  std::vector<InputSpec> inputs;
  BodyFn body;
  double tolerance = 1e-4;
  graph::FunctionLibrary* library = nullptr;
};

void RunCase(const WasmCase& c, const std::string& dir) {
  SCOPED_TRACE(c.name);
  graph::Graph g(c.library);
  Builder b(&g);
  std::vector<Output> placeholders;
  LoweringOptions options;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const std::string name = absl::StrCat("x", i);
    placeholders.push_back(b.Placeholder(c.inputs[i].dtype, c.inputs[i].shape, name));
    options.inputs.push_back(name);
  }
  options.outputs = c.body(b, placeholders);
  ASSERT_TRUE(b.ok()) << b.status();
  auto lowered = LowerToTfLite(g, options);
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  ASSERT_TRUE(lowered->flex_ops.empty()) << lowered->flex_ops[0].op << ": " << lowered->flex_ops[0].reason;

  runtime::IrInterpreter ir(c.library);
  std::map<Output, Tensor> feeds;
  for (size_t i = 0; i < c.inputs.size(); ++i) feeds[placeholders[i]] = c.inputs[i].value;
  auto want = ir.Run(g, feeds, options.outputs);
  ASSERT_TRUE(want.ok()) << want.status();

  const std::string model_path = absl::StrCat(dir, "/", c.name, ".tflite");
  ::tb::testing::WriteFileOrDie(model_path, lowered->flatbuffer);
  nlohmann::json job;
  job["model"] = model_path;
  job["inputs"] = nlohmann::json::array();
  for (const InputSpec& in : c.inputs) job["inputs"].push_back(ToJson(in.value));
  const std::string job_path = absl::StrCat(dir, "/", c.name, ".json");
  ::tb::testing::WriteFileOrDie(job_path, job.dump());
  auto run = ::tb::testing::Run({"node", Checker(), job_path}, std::chrono::seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const size_t brace = run.out.find('{');
  ASSERT_NE(brace, std::string::npos) << run.out;
  nlohmann::json theirs = nlohmann::json::parse(run.out.substr(brace, run.out.find('\n', brace) - brace));
  ASSERT_FALSE(theirs.contains("error")) << theirs["error"];
  ASSERT_EQ(theirs["outputs"].size(), want->size());
  for (size_t k = 0; k < want->size(); ++k) {
    const Tensor& o = (*want)[k];
    const auto& t = theirs["outputs"][k];
    EXPECT_EQ(t["shape"].get<std::vector<int64_t>>(), o.shape()) << "output " << k;
    std::vector<double> values = t["data"].get<std::vector<double>>();
    ASSERT_EQ(static_cast<int64_t>(values.size()), o.num_elements()) << "output " << k;
    for (int64_t i = 0; i < o.num_elements(); ++i) {
      double mine = 0;
      switch (o.dtype()) {
        case DType::kFloat: mine = o.flat<float>()[i]; break;
        case DType::kInt32: mine = o.flat<int32_t>()[i]; break;
        case DType::kInt64: mine = static_cast<double>(o.flat<int64_t>()[i]); break;
        default: FAIL() << "unexpected output dtype";
      }
      EXPECT_NEAR(mine, values[i], c.tolerance * (1 + std::abs(mine))) << "output " << k << " element " << i;
    }
  }
}

// One SGD step of a functional model as a builtin-only program: weights, features and int32 labels in; the loss
// and the updated weights out.
std::vector<InputSpec> StepInputs(const tf::FunctionalModel& model, const Tensor& x, const Tensor& y) {
  std::vector<InputSpec> in;
  for (const tf::NamedTensor& w : model.trainable_weights) {
    in.push_back({DType::kFloat, PartialShape(w.tensor.shape()), w.tensor});
  }
  std::vector<int64_t> xdims = model.features[0].shape;
  in.push_back({DType::kFloat, PartialShape(xdims), x});
  std::vector<int64_t> ydims = model.labels[0].shape;
  in.push_back({DType::kInt32, PartialShape(ydims), y});
  return in;
}

BodyFn Step(const tf::FunctionalModel& model, const fl::ModelLowering* lowering) {
  const size_t nw = model.trainable_weights.size();
  const tf::DType label_type = model.labels[0].dtype;
  return [=](const Builder& b, const std::vector<Output>& in) {
    std::vector<Output> w(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(nw));
    Output x = in[nw];
    Output y = label_type == DType::kInt32 ? in[nw + 1] : b.Cast(in[nw + 1], label_type);
    std::vector<Output> pred = lowering->EmitPredict(b, true, w, {x});
    Output loss = lowering->EmitLoss(b, pred, {y});
    auto grads = graph::AddGradients(b.graph(), {loss}, w);
    std::vector<Output> out = {loss};
    if (!grads.ok()) {
      b.SetError(grads.status());
      return out;
    }
    for (size_t i = 0; i < nw; ++i) out.push_back(b.Sub(w[i], b.Mul(b.Scalar<float>(0.1f), (*grads)[i])));
    return out;
  };
}

class TfliteWasmLoweringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!CheckerAvailable()) GTEST_SKIP() << "Node.js or tests/js/tflite-wasm/node_modules missing (scripts/install-js.sh)";
  }
  ::tb::testing::TempDir dir_;
};

TEST_F(TfliteWasmLoweringTest, GradientAndLossFormulations) {
  std::vector<WasmCase> cases;
  cases.push_back({"max_pool_grad",
                   {{DType::kFloat, PartialShape({-1, 7, 6, 2}), RandomFloats({2, 7, 6, 2}, 1, -1, 1, true)},
                    {DType::kFloat, PartialShape({-1, 4, 3, 2}), RandomFloats({2, 4, 3, 2}, 2)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     Output y = b.MaxPool(in[0], {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
                     return std::vector<Output>{b.Op("MaxPoolGrad", {in[0], y, in[1]},
                                                     {{"ksize", AttrIntList({1, 2, 2, 1})},
                                                      {"strides", AttrIntList({1, 2, 2, 1})},
                                                      {"padding", AttrString("SAME")}})};
                   },
                   0.0});
  cases.push_back({"conv2d_backprop_filter",
                   {{DType::kFloat, PartialShape({-1, 7, 6, 2}), RandomFloats({2, 7, 6, 2}, 3)},
                    {DType::kFloat, PartialShape({-1, 4, 3, 3}), RandomFloats({2, 4, 3, 3}, 4)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return std::vector<Output>{b.Op("Conv2DBackpropFilter", {in[0], b.Int32s({3, 3, 2, 3}), in[1]},
                                                     {{"strides", AttrIntList({1, 2, 2, 1})},
                                                      {"padding", AttrString("SAME")}})};
                   }});
  cases.push_back({"conv2d_backprop_input",
                   {{DType::kFloat, PartialShape({3, 3, 2, 3}), RandomFloats({3, 3, 2, 3}, 5)},
                    {DType::kFloat, PartialShape({2, 4, 3, 3}), RandomFloats({2, 4, 3, 3}, 6)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return std::vector<Output>{b.Op("Conv2DBackpropInput", {b.Int32s({2, 7, 6, 2}), in[0], in[1]},
                                                     {{"strides", AttrIntList({1, 2, 2, 1})},
                                                      {"padding", AttrString("SAME")}})};
                   }});
  cases.push_back({"sparse_softmax_cross_entropy",
                   {{DType::kFloat, PartialShape({-1, 5}), RandomFloats({4, 5}, 7, -3, 3)},
                    {DType::kInt32, PartialShape({-1}), RandomInts({4}, 8, 0, 5)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return b.Ops("SparseSoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                   }});
  cases.push_back({"broadcast_gradient_args",
                   {{DType::kInt32, PartialShape({3}), Tensor::FromVector<int32_t>({2, 1, 3})},
                    {DType::kInt32, PartialShape({1}), Tensor::FromVector<int32_t>({3})}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return b.Ops("BroadcastGradientArgs", {in[0], in[1]});
                   },
                   0.0});
  cases.push_back({"relu_grad_l2loss",
                   {{DType::kFloat, PartialShape({-1, 4}), RandomFloats({3, 4}, 9)},
                    {DType::kFloat, PartialShape({-1, 4}), RandomFloats({3, 4}, 10)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     Output g = b.Op("ReluGrad", {in[0], in[1]});
                     return std::vector<Output>{g, b.Op("L2Loss", {g})};
                   }});
  for (const WasmCase& c : cases) RunCase(c, dir_.path());
}

// The builtin forms that put client Adam and the AUC / cross-entropy metrics on phones (lowering_metric_ops_test.cc
// checks them bitwise or in ulps against the reference kernels; here the real runtime runs them).
TEST_F(TfliteWasmLoweringTest, OptimizerAndMetricFormulations) {
  std::vector<WasmCase> cases;
  cases.push_back({"pow",
                   {{DType::kFloat, PartialShape({-1, 3}), RandomFloats({4, 3}, 11, 0.01f, 3.0f)},
                    {DType::kFloat, PartialShape::Scalar(), Tensor::Scalar<float>(17.0f)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return std::vector<Output>{b.Op("Pow", {in[0], in[1]})};
                   },
                   1e-6});
  cases.push_back({"log1p",
                   {{DType::kFloat, PartialShape({-1}),
                     Tensor::FromVector<float>({0.0f, -0.0f, 1e-30f, -3e-8f, 1e-7f, 1e-4f, -0.5f, -0.999999f, 0.75f,
                                                3.0f, 1e20f})}},  // finite results only (JSON)
                   [](const Builder& b, const std::vector<Output>& in) {
                     return std::vector<Output>{b.Op("Log1p", {in[0]})};
                   },
                   1e-6});
  cases.push_back({"unsorted_segment_sum",
                   {{DType::kFloat, PartialShape({-1}), RandomFloats({9}, 12)},
                    {DType::kInt32, PartialShape({-1}), Tensor::FromVector<int32_t>({3, 0, 3, 199, 5, -1, 0, 3, 7})}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return std::vector<Output>{b.Op("UnsortedSegmentSum", {in[0], in[1], b.Scalar<int32_t>(200)})};
                   },
                   1e-6});
  cases.push_back({"sparse_softmax_cross_entropy_run_time_classes",
                   {{DType::kFloat, PartialShape({-1, -1}), RandomFloats({4, 5}, 13, -3, 3)},
                    {DType::kInt32, PartialShape({-1}), RandomInts({4}, 14, 0, 5)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return b.Ops("SparseSoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                   }});
  cases.push_back({"softmax_cross_entropy_broadcast_labels",
                   {{DType::kFloat, PartialShape({-1, 4}), RandomFloats({3, 4}, 15, -3, 3)},
                    {DType::kFloat, PartialShape({1, 4}), RandomFloats({1, 4}, 16, 0, 1)}},
                   [](const Builder& b, const std::vector<Output>& in) {
                     return b.Ops("SoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                   }});
  for (const WasmCase& c : cases) RunCase(c, dir_.path());
}

TEST_F(TfliteWasmLoweringTest, MlpTrainingStep) {
  tf::MlpOptions options;
  options.input_dim = 12;
  options.hidden_units = 8;
  auto model = tf::BuildMlpModel(options);
  ASSERT_TRUE(model.ok()) << model.status();
  graph::FunctionLibrary library;
  auto lowering = fl::ModelLowering::Create(*model, &library);
  ASSERT_TRUE(lowering.ok()) << lowering.status();
  Tensor x = RandomFloats({3, 12}, 11, 0, 1);
  Tensor y = RandomInts({3, 1}, 12, 0, 2);
  RunCase({"mlp_step", StepInputs(*model, x, y), Step(*model, lowering->get()), 1e-4, &library}, dir_.path());
}

TEST_F(TfliteWasmLoweringTest, CnnTrainingStep) {
  tf::CnnOptions options;
  options.height = 8;
  options.width = 8;
  options.kernel_size = 3;
  options.filters1 = 4;
  options.filters2 = 6;
  options.dense_units = 10;
  options.classes = 3;
  auto model = tf::BuildCnnModel(options);
  ASSERT_TRUE(model.ok()) << model.status();
  graph::FunctionLibrary library;
  auto lowering = fl::ModelLowering::Create(*model, &library);
  ASSERT_TRUE(lowering.ok()) << lowering.status();
  Tensor x = RandomFloats({2, 8, 8, 1}, 13, 0, 1);
  Tensor y = RandomInts({2}, 14, 0, 3);
  RunCase({"cnn_step", StepInputs(*model, x, y), Step(*model, lowering->get()), 1e-4, &library}, dir_.path());
}

}  // namespace
}  // namespace tb::tflite::testing
