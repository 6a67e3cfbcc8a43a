// inspect's JSON summaries: detection by content, every fixture file kind, checksums verified, corruption flagged.
#include "tf/inspect.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tensorflow/fingerprint.pb.h"
#include "tests/testing/testing.h"
#include "tf/checkpoint_writer.h"
#include "tf/example_models.h"
#include "tf/functional_model_writer.h"

namespace tb::tf {
namespace {

using ::testing::HasSubstr;

TEST(InspectTest, DetectsKindsByContent) {
  tb::testing::TempDir dir;
  auto model = BuildMlpModel({.input_dim = 6, .hidden_units = 3});
  ASSERT_TRUE(WriteFunctionalModel(*model, dir.Join("m")).ok());
  ASSERT_TRUE(WriteCheckpointFile(dir.Join("state.ckp"), {{"a", Tensor::Scalar<float>(2.5f)}}).ok());
  EXPECT_EQ(*DetectArtifact(dir.Join("m")), ArtifactKind::kSavedModel);
  EXPECT_EQ(*DetectArtifact(dir.Join("m/saved_model.pb")), ArtifactKind::kSavedModel);
  EXPECT_EQ(*DetectArtifact(dir.Join("m/variables/variables")), ArtifactKind::kBundle);
  EXPECT_EQ(*DetectArtifact(dir.Join("m/variables/variables.index")), ArtifactKind::kBundle);
  EXPECT_EQ(*DetectArtifact(dir.Join("state.ckp")), ArtifactKind::kV1Checkpoint);
  tb::testing::WriteFileOrDie(dir.Join("x.tflite"), std::string("\x1c\x00\x00\x00TFL3", 8) + std::string(16, '\0'));
  EXPECT_EQ(*DetectArtifact(dir.Join("x.tflite")), ArtifactKind::kTfLite);
  tb::testing::WriteFileOrDie(dir.Join("plan.pb"), "\x48\x01");
  EXPECT_EQ(*DetectArtifact(dir.Join("plan.pb")), ArtifactKind::kOther);
  EXPECT_FALSE(DetectArtifact(dir.Join("nothing")).ok());
}

TEST(InspectTest, SavedModelSummaryOfAnExampleModel) {
  tb::testing::TempDir dir;
  auto model = BuildCnnModel({.height = 4, .width = 4, .kernel_size = 3, .filters1 = 2, .filters2 = 2,
                              .dense_units = 3, .classes = 2});
  ASSERT_TRUE(WriteFunctionalModel(*model, dir.path()).ok());
  auto j = InspectSavedModel(dir.path());
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["kind"], "saved_model");
  const auto& fm = (*j)["functional_model"];
  EXPECT_EQ(fm["input_spec"], "<float32[?,4,4,1],int32[?]>");
  EXPECT_EQ(fm["trainable_weights"].size(), 8u);
  EXPECT_EQ(fm["predict_on_batch_training"]["ops"]["Conv2D"], 2);
  EXPECT_EQ(fm["loss"]["ops"]["SparseSoftmaxCrossEntropyWithLogits"], 1);
  EXPECT_TRUE((*j)["variables"]["checksums_ok"].get<bool>());
  EXPECT_EQ((*j)["variables"]["entries"].size(), 13u);  // 8 weights, 4 type specs, the object graph.
}

TEST(InspectTest, EveryFixtureFile) {
  for (const char* name : {"keras/input/keras_model", "mnist/input/mnist_model"}) {
    auto path = tb::testing::FixturePath(name);
    if (!path) GTEST_SKIP() << "fixtures not available";
    auto j = InspectSavedModel(*path);
    ASSERT_TRUE(j.ok()) << name << ": " << j.status();
    EXPECT_EQ((*j)["tensorflow_version"], "2.17.0");
    if (std::string(name).starts_with("keras")) {
      EXPECT_EQ((*j)["functional_model"]["input_spec"], "<float32[?,784],int64[?,1]>");
      EXPECT_EQ((*j)["functional_model"]["parameters"], 201474);
      EXPECT_TRUE((*j)["variables"]["checksums_ok"].get<bool>());
    } else {
      // The mnist sample lacks its data file: the summary says which file and flags the checksums.
      EXPECT_THAT((*j)["functional_model_error"].get<std::string>(), HasSubstr("variables.data-00000-of-00001"));
      EXPECT_FALSE((*j)["variables"]["checksums_ok"].get<bool>());
      EXPECT_TRUE((*j)["variables"]["data_files"][0]["missing"].get<bool>());
    }
  }
  for (const char* name : {"keras/output/initial_state.server.ckp", "keras/output/eval_initial_state.server.ckp",
                           "e2e/checkpoint_v1", "e2e/gradient_v1"}) {
    auto path = tb::testing::FixturePath(name);
    ASSERT_TRUE(path);
    ASSERT_EQ(*DetectArtifact(*path), ArtifactKind::kV1Checkpoint) << name;
    auto j = InspectCheckpoint(*path);
    ASSERT_TRUE(j.ok()) << name << ": " << j.status();
    EXPECT_TRUE((*j)["checksums_ok"].get<bool>()) << name;
  }
  auto ckp = InspectCheckpoint(*tb::testing::FixturePath("keras/output/initial_state.server.ckp"));
  EXPECT_EQ((*ckp)["tensors"].size(), 12u);
  EXPECT_EQ((*ckp)["tensors"][0]["value"], "GaussianDpEvent");
  EXPECT_EQ((*ckp)["tensors"][7]["name"], "server/finalizer/learning_rate");
  EXPECT_EQ((*ckp)["tensors"][7]["value"], 1.0);
  auto fp_path = tb::testing::FixturePath("keras/input/keras_model/fingerprint.pb");
  tensorflow::FingerprintDef fp;
  ASSERT_TRUE(fp.ParseFromString(tb::testing::ReadFileOrDie(*fp_path)));
  EXPECT_EQ(ProtoToJson(fp)["checkpoint_hash"], 13902210102464318322ull);
}

TEST(InspectTest, CorruptCheckpointIsReported) {
  tb::testing::TempDir dir;
  const std::string path = dir.Join("c.ckp");
  ASSERT_TRUE(WriteCheckpointFile(path, {{"w", Tensor::FromVector<float>({1, 2, 3})}}).ok());
  std::string bytes = tb::testing::ReadFileOrDie(path);
  bytes[10] ^= 1;  // Inside the first (data) block.
  tb::testing::WriteFileOrDie(path, bytes);
  auto j = InspectCheckpoint(path);
  if (j.ok()) {
    EXPECT_FALSE((*j)["checksums_ok"].get<bool>());
  } else {
    EXPECT_THAT(j.status().message(), HasSubstr("checksum"));
  }
}

TEST(InspectTest, ProtoToJsonSummarizesBytes) {
  tensorflow::TensorProto p;
  p.set_dtype(tensorflow::DT_FLOAT);
  p.set_tensor_content(std::string(1000, '\x01'));
  p.add_string_val("short");
  auto j = ProtoToJson(p);
  EXPECT_EQ(j["dtype"], "DT_FLOAT");
  EXPECT_EQ(j["tensor_content"]["bytes"], 1000);
  EXPECT_EQ(j["string_val"][0], "short");
}

}  // namespace
}  // namespace tb::tf
