// The ODP device check (behavior.md §10.4 with numeric versions): Flex ops read back from the flatbuffer, compared
// with the built-in allowlist or an operator's file, min_client_version, the original's error text for ops no
// module runs (with where they come from), and the target-version option.
#include "tflite/device_compat.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/attrs.h"
#include "graph/builder.h"
#include "tests/testing/testing.h"
#include "tests/tflite/fixture_programs.h"
#include "tests/tflite/test_model_builder.h"
#include "tflite/lowering.h"

namespace tb::tflite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A program whose only op is one Flex op of each given TF op name (NodeDef contents do not matter here).
std::string FlexProgram(const std::vector<std::string>& ops) {
  testing::TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {1});
  b.SetInputs(sg, {x});
  for (const std::string& op : ops) {
    int y = b.AddTensor(sg, op + ":0", fb::TensorType::FLOAT32, {1});
    std::string node_def = "\x12" + std::string(1, static_cast<char>(op.size())) + op;
    b.AddFlexOperator(sg, op, node_def, {x}, {y});
  }
  return b.Finish();
}

TEST(DeviceCompatTest, MinClientVersionIsTheHighestNeeded) {
  auto r = CheckDeviceCompatibility(FlexProgram({"RestoreV2", "L2Loss", "SaveSlices"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->flex_ops, ElementsAre("L2Loss", "RestoreV2", "SaveSlices"));
  EXPECT_EQ(r->min_client_version, 341912000);
  EXPECT_EQ(r->min_client_version_string(), "341912000");
}

TEST(DeviceCompatTest, NoFlexOpsMeansVersionZero) {
  auto r = CheckDeviceCompatibility(FlexProgram({}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->min_client_version_string(), "0");
}

TEST(DeviceCompatTest, UnsupportedOpsGiveTheOriginalsMessage) {
  auto r = CheckDeviceCompatibility(FlexProgram({"MaxPoolGrad", "RestoreV2", "Conv2DBackpropFilter"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()),
              StartsWith("Please contact Google to register these ops: {'Conv2DBackpropFilter': '', 'MaxPoolGrad': ''}"));
}

TEST(DeviceCompatTest, ProvenanceSaysWhichNodeNeedsTheOpAndWhy) {
  std::vector<FlexOpUse> uses = {{"MaxPoolGrad", "gradients/pool/MaxPoolGrad", "train_on_batch",
                                  "overlapping or gapped windows (ksize 3x3, strides 2x2)"}};
  DeviceCheckOptions options;
  options.provenance = &uses;
  auto r = CheckDeviceCompatibility(FlexProgram({"MaxPoolGrad"}), options);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("gradients/pool/MaxPoolGrad"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("overlapping"));
}

// Versions compare as numbers: the original's string comparison would rank "99" above "341812000".
TEST(DeviceCompatTest, OperatorAllowlistFileWithNumericVersions) {
  ::tb::testing::TempDir dir;
  ::tb::testing::WriteFileOrDie(dir.Join("ops.csv"), "99,RestoreV2\n341812000,SaveSlices\n  1000000000 , MaxPoolGrad\n");
  auto list = LoadFlexAllowlistFile(dir.Join("ops.csv"));
  ASSERT_TRUE(list.ok()) << list.status();
  DeviceCheckOptions options;
  options.allowlist = &*list;
  auto r = CheckDeviceCompatibility(FlexProgram({"RestoreV2", "SaveSlices", "MaxPoolGrad"}), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->min_client_version, 1000000000);
  auto r2 = CheckDeviceCompatibility(FlexProgram({"RestoreV2", "SaveSlices"}), options);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->min_client_version, 341812000);
}

TEST(DeviceCompatTest, BadAllowlistFilesAreNamed) {
  ::tb::testing::TempDir dir;
  ::tb::testing::WriteFileOrDie(dir.Join("bad.csv"), "341812000,RestoreV2\nnot-a-version,Foo\n");
  auto list = LoadFlexAllowlistFile(dir.Join("bad.csv"));
  ASSERT_FALSE(list.ok());
  EXPECT_THAT(std::string(list.status().message()), HasSubstr("bad.csv"));
  EXPECT_THAT(std::string(list.status().message()), HasSubstr("line 2"));
  EXPECT_FALSE(LoadFlexAllowlistFile(dir.Join("missing.csv")).ok());
  ::tb::testing::WriteFileOrDie(dir.Join("empty.csv"), "\n\n");
  EXPECT_THAT(LoadFlexAllowlistFile(dir.Join("empty.csv")).status().message(), HasSubstr("empty"));
}

TEST(DeviceCompatTest, TargetVersionTooOldNamesTheOpsAndVersions) {
  DeviceCheckOptions options;
  options.target_client_version = 341812000;
  auto ok = CheckDeviceCompatibility(FlexProgram({"RestoreV2", "SaveSlices"}), options);
  ASSERT_TRUE(ok.ok()) << ok.status();
  auto r = CheckDeviceCompatibility(FlexProgram({"RestoreV2", "L2Loss"}), options);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("'L2Loss' needs module 341912000"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("341812000"));
}

TEST(DeviceCompatTest, GarbageIsRefused) {
  auto r = CheckDeviceCompatibility("not a model");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

// The original's own results on its sample programs: keras train 341912000, keras eval 341812000, mnist refused.
TEST(DeviceCompatTest, FixturePrograms) {
  std::map<std::string, std::string> expected = {{"keras_train", "341912000"}, {"keras_eval", "341812000"}};
  for (const auto& program : testing::kFixturePrograms) {
    TB_REQUIRE_FIXTURE(path, program.client_only_plan);
    auto bytes = testing::TfliteFromClientOnlyPlan(::tb::testing::ReadFileOrDie(path));
    ASSERT_TRUE(bytes.ok());
    auto r = CheckDeviceCompatibility(*bytes);
    if (expected.count(program.name)) {
      ASSERT_TRUE(r.ok()) << program.name << ": " << r.status();
      EXPECT_EQ(r->min_client_version_string(), expected[program.name]) << program.name;
    } else {
      ASSERT_FALSE(r.ok()) << program.name;
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("SparseSoftmaxCrossEntropyWithLogits")) << program.name;
    }
  }
}

// Lowering + check: a program whose only non-builtin op is on no module's list is refused with its node named.
TEST(DeviceCompatTest, LoweredProgramWithAnUnlistedOpIsRefused) {
  graph::Graph g;
  graph::Builder b(&g);
  graph::Output x = b.Placeholder(tf::DType::kFloat, graph::PartialShape({-1, 3}), "x");
  graph::Output y = b.WithName("softplus").Op("Softplus", {x});
  ASSERT_TRUE(b.ok()) << b.status();
  LoweringOptions options;
  options.outputs = {y};
  auto lowered = LowerToTfLite(g, options);
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  DeviceCheckOptions check;
  check.provenance = &lowered->flex_ops;
  auto r = CheckDeviceCompatibility(lowered->flatbuffer, check);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("{'Softplus': ''}"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("node 'softplus' in main"));
}

}  // namespace
}  // namespace tb::tflite
