// Runs the ODP fixture's own client programs (built by TF 2.14) in our TFLite interpreter and checks their numbers
// against an independent double-precision implementation of the keras model.
#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/data/example.h"
#include "runtime/data/random.h"
#include "runtime/data/synthetic_examples.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/kernels/resource.h"
#include "runtime/tflite/interpreter.h"
#include "tests/runtime/tflite/keras_reference.h"
#include "tests/testing/testing.h"
#include "tests/tflite/fixture_programs.h"
#include "tests/tflite/test_model_builder.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"

namespace tb::runtime::tflite {
namespace {

using testing::KerasWeights;

absl::StatusOr<std::unique_ptr<Interpreter>> LoadFixture(const std::string& path) {
  auto bytes = ::tb::tflite::testing::TfliteFromClientOnlyPlan(tb::testing::ReadFileOrDie(path));
  if (!bytes.ok()) return bytes.status();
  auto model = ::tb::tflite::Model::Parse(*bytes);
  if (!model.ok()) return model.status();
  return Interpreter::Create(std::make_shared<const ::tb::tflite::Model>(std::move(*model)));
}

TEST(TfliteFixtureTest, AllFourProgramsPrepare) {
  for (const auto& program : ::tb::tflite::testing::kFixturePrograms) {
    TB_REQUIRE_FIXTURE(path, program.client_only_plan);
    auto interp = LoadFixture(path);
    EXPECT_TRUE(interp.ok()) << program.name << ": " << interp.status();
  }
}

std::vector<tf::NamedTensor> ReadServerWeights(const std::string& ckpt) {
  auto reader = tf::CheckpointReader::Open(ckpt);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<tf::NamedTensor> out;
  for (int i = 0; i < 4; ++i) {
    auto t = (*reader)->Read("server/global_model_weights/trainable/" + std::to_string(i));
    EXPECT_TRUE(t.ok()) << t.status();
    out.push_back({std::to_string(i), *t});
  }
  return out;
}

KerasWeights ToDouble(const std::vector<tf::NamedTensor>& w) {
  auto copy = [](const tf::Tensor& t) { return std::vector<double>(t.flat<float>().begin(), t.flat<float>().end()); };
  return {copy(w[0].tensor), copy(w[1].tensor), copy(w[2].tensor), copy(w[3].tensor)};
}

struct Run {
  std::unique_ptr<ResourceStore> resources = std::make_unique<ResourceStore>();
  std::vector<std::string> examples;
};

std::vector<std::string> KerasExamples(int n, uint64_t seed) {
  data::SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {784}});
  spec.label = {"y", tf::DType::kInt64, {1}};
  return *data::GenerateSyntheticExamples(spec, n, 1, seed);
}

// Parses examples back into x rows and labels for the reference.
void Decode(const std::vector<std::string>& examples, std::vector<std::vector<float>>* xs, std::vector<int64_t>* ys) {
  for (const std::string& e : examples) {
    auto view = data::ExampleView::Parse(e);
    std::vector<float> x(784);
    ASSERT_TRUE(view->Find("x")->DecodeFloats(absl::MakeSpan(x)).ok());
    int64_t y;
    ASSERT_TRUE(view->Find("y")->DecodeInt64s(absl::MakeSpan(&y, 1)).ok());
    xs->push_back(std::move(x));
    ys->push_back(y);
  }
}

absl::StatusOr<std::vector<tf::NamedTensor>> RunClient(Interpreter& interp, const std::vector<std::string>& examples,
                                                       const std::string& input_ckpt, const std::string& output_ckpt) {
  ResourceStore resources;
  resources.Set(ExternalDatasetKey("client-0"), tf::Tensor::FromVector<std::string>(examples));
  KernelEnv env;
  env.resources = &resources;
  interp.set_env(env);
  auto out = interp.InvokeMain({{"data_token:0", tf::Tensor::StringScalar("client-0")},
                                {"input_filepath:0", tf::Tensor::StringScalar(input_ckpt)},
                                {"output_filepath:0", tf::Tensor::StringScalar(output_ckpt)}});
  if (!out.ok()) return out.status();
  auto reader = tf::CheckpointReader::Open(output_ckpt);
  if (!reader.ok()) return reader.status();
  return (*reader)->ReadAll();
}

TEST(TfliteFixtureTest, KerasEvalLossMatchesAnIndependentForwardPass) {
  TB_REQUIRE_FIXTURE(plan, "keras/output/eval_client_only_plan.pb");
  TB_REQUIRE_FIXTURE(server_ckpt, "keras/output/initial_state.server.ckp");
  auto interp = LoadFixture(plan);
  ASSERT_TRUE(interp.ok()) << interp.status();
  std::vector<tf::NamedTensor> weights = ReadServerWeights(server_ckpt);
  tb::testing::TempDir dir;
  std::vector<tf::NamedTensor> client;
  for (int i = 0; i < 4; ++i) client.push_back({"client/0/0/" + std::to_string(i), weights[i].tensor});
  ASSERT_TRUE(tf::WriteCheckpointFile(dir.Join("client.ckp"), client).ok());
  std::vector<std::string> examples = KerasExamples(10, 3);  // batches of 3, 3, 3, 1
  auto update = RunClient(**interp, examples, dir.Join("client.ckp"), dir.Join("update.ckp"));
  ASSERT_TRUE(update.ok()) << update.status();
  ASSERT_EQ(update->size(), 2u);
  EXPECT_EQ((*update)[0].name, "update/0/loss/0");
  EXPECT_EQ((*update)[1].name, "update/0/loss/1");
  EXPECT_EQ((*update)[1].tensor.scalar<float>(), 10.0f);

  std::vector<std::vector<float>> xs;
  std::vector<int64_t> ys;
  Decode(examples, &xs, &ys);
  KerasWeights w = ToDouble(weights);
  double want = 0;
  for (size_t i = 0; i < xs.size(); ++i) want += testing::KerasLoss(testing::KerasForward(w, xs[i].data()), ys[i]);
  EXPECT_NEAR((*update)[0].tensor.scalar<float>(), want, 1e-4 * std::abs(want));
}

// One batch of 3 examples is one SGD step (client lr 0.1): the saved delta is 0.1 * gradient, which must agree
// with central differences of the reference loss. The clip norm is set huge so clipping is the identity.
TEST(TfliteFixtureTest, KerasTrainDeltaIsTheGradientStep) {
  TB_REQUIRE_FIXTURE(plan, "keras/output/client_only_plan.pb");
  TB_REQUIRE_FIXTURE(server_ckpt, "keras/output/initial_state.server.ckp");
  auto interp = LoadFixture(plan);
  ASSERT_TRUE(interp.ok()) << interp.status();
  std::vector<tf::NamedTensor> weights = ReadServerWeights(server_ckpt);
  tb::testing::TempDir dir;
  std::vector<tf::NamedTensor> client;
  for (int i = 0; i < 4; ++i) client.push_back({"client/0/trainable/" + std::to_string(i), weights[i].tensor});
  client.push_back({"client/1", tf::Tensor::Scalar<float>(1e6f)});
  ASSERT_TRUE(tf::WriteCheckpointFile(dir.Join("client.ckp"), client).ok());
  std::vector<std::string> examples = KerasExamples(3, 9);
  auto update = RunClient(**interp, examples, dir.Join("client.ckp"), dir.Join("update.ckp"));
  ASSERT_TRUE(update.ok()) << update.status();
  ASSERT_EQ(update->size(), 6u);
  EXPECT_EQ((*update)[1].tensor.scalar<float>(), 3.0f);  // count

  std::vector<std::vector<float>> xs;
  std::vector<int64_t> ys;
  Decode(examples, &xs, &ys);
  std::vector<const float*> rows;
  for (auto& x : xs) rows.push_back(x.data());
  KerasWeights w = ToDouble(weights);
  const double loss = testing::KerasMeanLoss(w, rows, ys);
  EXPECT_NEAR((*update)[0].tensor.scalar<float>(), 3 * loss, 1e-4 * 3 * loss);

  // Compare 0.1 * dL/dw with the delta at coordinates spread over all four weights, including the biggest.
  std::vector<std::vector<double>*> params = {&w.w0, &w.b0, &w.w1, &w.b1};
  int checked = 0;
  for (int p = 0; p < 4; ++p) {
    const tf::Tensor& delta = (*update)[2 + p].tensor;
    ASSERT_EQ(static_cast<size_t>(delta.num_elements()), params[p]->size());
    auto d = delta.flat<float>();
    // The largest-magnitude entries plus a stride through the rest.
    std::vector<int64_t> coords;
    int64_t argmax = 0;
    for (int64_t k = 0; k < delta.num_elements(); ++k) {
      if (std::abs(d[k]) > std::abs(d[argmax])) argmax = k;
    }
    coords.push_back(argmax);
    for (int64_t k = 7; k < delta.num_elements(); k += delta.num_elements() / 9 + 1) coords.push_back(k);
    for (int64_t k : coords) {
      const double h = 1e-4, saved = (*params[p])[k];
      (*params[p])[k] = saved + h;
      const double up = testing::KerasMeanLoss(w, rows, ys);
      (*params[p])[k] = saved - h;
      const double down = testing::KerasMeanLoss(w, rows, ys);
      (*params[p])[k] = saved;
      const double want = 0.1 * (up - down) / (2 * h);
      EXPECT_NEAR(d[k], want, 2e-5 + 2e-3 * std::abs(want)) << "weight " << p << " coordinate " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

TEST(TfliteFixtureTest, KerasTrainClipsTheUpdateToTheClipNorm) {
  TB_REQUIRE_FIXTURE(plan, "keras/output/client_only_plan.pb");
  TB_REQUIRE_FIXTURE(server_ckpt, "keras/output/initial_state.server.ckp");
  auto interp = LoadFixture(plan);
  ASSERT_TRUE(interp.ok()) << interp.status();
  std::vector<tf::NamedTensor> weights = ReadServerWeights(server_ckpt);
  tb::testing::TempDir dir;
  std::vector<tf::NamedTensor> client;
  for (int i = 0; i < 4; ++i) client.push_back({"client/0/trainable/" + std::to_string(i), weights[i].tensor});
  client.push_back({"client/1", tf::Tensor::Scalar<float>(0.01f)});
  ASSERT_TRUE(tf::WriteCheckpointFile(dir.Join("client.ckp"), client).ok());
  auto update = RunClient(**interp, KerasExamples(30, 4), dir.Join("client.ckp"), dir.Join("update.ckp"));
  ASSERT_TRUE(update.ok()) << update.status();
  double norm2 = 0;
  for (int p = 0; p < 4; ++p) {
    for (float v : (*update)[2 + p].tensor.flat<float>()) norm2 += double(v) * v;
  }
  EXPECT_NEAR(std::sqrt(norm2), 0.01, 1e-6);
  EXPECT_EQ((*update)[1].tensor.scalar<float>(), 30.0f);
}

// The mnist programs (CNN: Conv2D, MaxPool, their gradients, sparse softmax cross-entropy) run end to end on
// synthetic images with small random weights.
TEST(TfliteFixtureTest, MnistProgramsRun) {
  TB_REQUIRE_FIXTURE(train_plan, "mnist/output/client_only_plan.pb");
  TB_REQUIRE_FIXTURE(eval_plan, "mnist/output/eval_client_only_plan.pb");
  const std::vector<tf::Shape> shapes = {{5, 5, 1, 32}, {32}, {5, 5, 32, 64}, {64}, {3136, 512}, {512}, {512, 10}, {10}};
  data::Rng rng(5);
  std::vector<tf::Tensor> weights;
  for (const tf::Shape& s : shapes) {
    tf::Tensor t(tf::DType::kFloat, s);
    for (float& v : t.flat<float>()) v = static_cast<float>(rng.Normal() * 0.05);
    weights.push_back(t);
  }
  data::SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {28, 28, 1}});
  spec.label = {"y", tf::DType::kInt64, {}};
  spec.num_classes = 10;
  std::vector<std::string> examples = *data::GenerateSyntheticExamples(spec, 4, 2, 2);
  tb::testing::TempDir dir;
  {
    auto interp = LoadFixture(eval_plan);
    ASSERT_TRUE(interp.ok()) << interp.status();
    std::vector<tf::NamedTensor> client;
    for (int i = 0; i < 8; ++i) client.push_back({"client/0/0/" + std::to_string(i), weights[i]});
    ASSERT_TRUE(tf::WriteCheckpointFile(dir.Join("eval.ckp"), client).ok());
    auto update = RunClient(**interp, examples, dir.Join("eval.ckp"), dir.Join("eval_update.ckp"));
    ASSERT_TRUE(update.ok()) << update.status();
    ASSERT_EQ(update->size(), 4u);
    for (const auto& t : *update) EXPECT_TRUE(std::isfinite(t.tensor.scalar<float>())) << t.name;
  }
  {
    auto interp = LoadFixture(train_plan);
    ASSERT_TRUE(interp.ok()) << interp.status();
    std::vector<tf::NamedTensor> client;
    for (int i = 0; i < 8; ++i) client.push_back({"client/0/trainable/" + std::to_string(i), weights[i]});
    client.push_back({"client/1", tf::Tensor::Scalar<float>(0.1f)});
    ASSERT_TRUE(tf::WriteCheckpointFile(dir.Join("train.ckp"), client).ok());
    auto update = RunClient(**interp, examples, dir.Join("train.ckp"), dir.Join("train_update.ckp"));
    ASSERT_TRUE(update.ok()) << update.status();
    ASSERT_EQ(update->size(), 12u);
    EXPECT_EQ((*update)[4].name, "update/1/0");
    EXPECT_EQ((*update)[4].tensor.shape(), (tf::Shape{5, 5, 1, 32}));
    double norm2 = 0;
    for (int p = 4; p < 12; ++p) {
      for (float v : (*update)[p].tensor.flat<float>()) norm2 += double(v) * v;
    }
    EXPECT_GT(norm2, 0.0);
    EXPECT_LE(std::sqrt(norm2), 0.1 * (1 + 1e-3));  // float32 norm of 1.66M values: ~1e-4 relative error
  }
}

}  // namespace
}  // namespace tb::runtime::tflite
