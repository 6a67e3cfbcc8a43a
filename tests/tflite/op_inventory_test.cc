#include "tflite/op_inventory.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tests/tflite/fixture_programs.h"
#include "tests/tflite/test_model_builder.h"
#include "tflite/flex_allowlist.h"
#include "tflite/flex_payload.h"
#include "tflite/runtime_versions.h"

namespace tb::tflite {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::TestModelBuilder;

absl::StatusOr<OpInventory> FixtureInventory(const std::string& path) {
  auto bytes = testing::TfliteFromClientOnlyPlan(tb::testing::ReadFileOrDie(path));
  if (!bytes.ok()) return bytes.status();
  auto model = Model::Parse(*bytes);
  if (!model.ok()) return model.status();
  return TakeOpInventory(*model);
}

TEST(OpInventoryFixtureTest, FlexOpsAndVersionsOfEachProgram) {
  const std::vector<std::vector<std::string>> flex = {
      {"BatchDatasetV2", "BroadcastGradientArgs", "ExternalDataset", "L2Loss", "MapDataset", "ParseExampleV2",
       "ReduceDataset", "ReluGrad", "RestoreV2", "SaveSlices", "StridedSliceGrad", "TakeDataset"},
      {"AnonymousIteratorV3", "BatchDatasetV2", "ExternalDataset", "IteratorGetNextAsOptional", "MakeIterator",
       "MapDataset", "OptionalGetValue", "OptionalHasValue", "ParseExampleV2", "RestoreV2", "SaveSlices",
       "TakeDataset"},
      {"BatchDatasetV2", "BroadcastGradientArgs", "Conv2DBackpropFilter", "ExternalDataset", "L2Loss", "MapDataset",
       "MaxPoolGrad", "ParseExampleV2", "ReduceDataset", "ReluGrad", "RestoreV2", "SaveSlices",
       "SparseSoftmaxCrossEntropyWithLogits", "TakeDataset"},
      {"AnonymousIteratorV3", "BatchDatasetV2", "Conv2D", "ExternalDataset", "IteratorGetNextAsOptional",
       "MakeIterator", "MapDataset", "OptionalGetValue", "OptionalHasValue", "ParseExampleV2", "RestoreV2",
       "SaveSlices", "SparseSoftmaxCrossEntropyWithLogits", "TakeDataset"},
  };
  const std::vector<std::vector<std::string>> unsupported = {
      {}, {}, {"Conv2DBackpropFilter", "MaxPoolGrad", "SparseSoftmaxCrossEntropyWithLogits"},
      {"Conv2D", "SparseSoftmaxCrossEntropyWithLogits"}};
  const int64_t min_client[] = {341912000, 341812000, 341912000, 341812000};
  for (int i = 0; i < 4; ++i) {
    TB_REQUIRE_FIXTURE(path, testing::kFixturePrograms[i].client_only_plan);
    auto inv = FixtureInventory(path);
    ASSERT_TRUE(inv.ok()) << inv.status();
    EXPECT_THAT(FlexOpNames(*inv), ElementsAreArray(flex[i])) << testing::kFixturePrograms[i].name;
    // The converter's min_runtime_version is exactly what the operators imply.
    ASSERT_TRUE(inv->declared_min_runtime.has_value());
    EXPECT_EQ(inv->implied_min_runtime, *inv->declared_min_runtime) << testing::kFixturePrograms[i].name;
    AllowlistVerdict verdict = CheckFlexOps(FlexOpNames(*inv), FlexAllowlist::Default());
    EXPECT_THAT(verdict.unsupported, ElementsAreArray(unsupported[i]));
    EXPECT_EQ(verdict.min_client_version, min_client[i]);
    EXPECT_TRUE(inv->custom_ops.empty());
  }
}

TEST(OpInventoryFixtureTest, KerasTrainBuiltins) {
  TB_REQUIRE_FIXTURE(path, "keras/output/client_only_plan.pb");
  auto inv = FixtureInventory(path);
  ASSERT_TRUE(inv.ok()) << inv.status();
  int add_version = 0, reduce_all = 0, flex_ops = 0;
  for (const BuiltinUse& use : inv->builtins) {
    if (use.name == "ADD") add_version = use.version;
    if (use.name == "REDUCE_ALL") {
      reduce_all = use.count;
      EXPECT_EQ(use.code, 140);
      EXPECT_EQ(use.min_runtime, "2.6.0");
    }
  }
  for (const FlexUse& use : inv->flex_ops) flex_ops += use.count;
  EXPECT_EQ(add_version, 4);
  EXPECT_EQ(reduce_all, 4);
  // RestoreV2 x5, L2Loss x4, BroadcastGradientArgs x8, and one each of the other nine.
  EXPECT_EQ(flex_ops, 5 + 4 + 8 + 9);
  EXPECT_EQ(inv->subgraphs.size(), 5u);
  EXPECT_EQ(inv->subgraphs[2].name, "__inference_reduce_reduce_func_9460");
  EXPECT_EQ(inv->subgraphs[2].num_operators, 108);
}

TEST(OpInventoryTest, GeneratedProgram) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {4});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {});
  int z = b.AddTensor(sg, "z", fb::TensorType::FLOAT32, {4});
  int w = b.AddTensor(sg, "w", fb::TensorType::FLOAT32, {4});
  b.SetInputs(sg, {x});
  b.AddFlexOperator(sg, "L2Loss", "\x12\x06L2Loss", {x}, {y});
  b.AddOperator(sg, fb::BuiltinOperator::ADD, {x, y}, {z}, nullptr, 4);
  b.AddOperator(sg, fb::BuiltinOperator::WHERE, {z}, {w}, nullptr, 2);
  auto model = Model::Parse(b.Finish());
  ASSERT_TRUE(model.ok()) << model.status();
  auto inv = TakeOpInventory(*model);
  ASSERT_TRUE(inv.ok()) << inv.status();
  ASSERT_EQ(inv->builtins.size(), 2u);
  EXPECT_EQ(inv->builtins[0].name, "ADD");
  EXPECT_EQ(inv->builtins[0].min_runtime, "2.6.0");
  EXPECT_EQ(inv->builtins[1].name, "WHERE");
  EXPECT_EQ(inv->builtins[1].min_runtime, "2.8.0");
  EXPECT_EQ(inv->implied_min_runtime, "2.8.0");
  EXPECT_FALSE(inv->declared_min_runtime.has_value());
  EXPECT_THAT(FlexOpNames(*inv), ElementsAre("L2Loss"));
}

TEST(OpInventoryTest, RejectsPayloadThatDisagreesWithCustomCode) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {4});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {});
  b.SetInputs(sg, {x});
  b.AddCustomOperator(sg, "FlexL2Loss", EncodeFlexPayload("Relu", ""), {x}, {y});
  auto model = Model::Parse(b.Finish());
  ASSERT_TRUE(model.ok());
  EXPECT_THAT(std::string(TakeOpInventory(*model).status().message()),
              HasSubstr("Flex payload runs op 'Relu' but the custom code says 'L2Loss'"));
}

TEST(RuntimeVersionsTest, TableAndComparison) {
  EXPECT_EQ(MinRuntimeVersionForOp(static_cast<int32_t>(fb::BuiltinOperator::ADD), 4), "2.6.0");
  EXPECT_EQ(MinRuntimeVersionForOp(static_cast<int32_t>(fb::BuiltinOperator::IF), 1), "1.15.0");
  EXPECT_EQ(MinRuntimeVersionForOp(static_cast<int32_t>(fb::BuiltinOperator::BROADCAST_TO), 1), "");
  EXPECT_EQ(MinRuntimeVersionForOp(static_cast<int32_t>(fb::BuiltinOperator::CUSTOM), 1), "");
  EXPECT_GT(CompareRuntimeVersions("1.15.0", "1.5.0"), 0);
  EXPECT_LT(CompareRuntimeVersions("2.6", "2.6.0"), 0);
  EXPECT_EQ(CompareRuntimeVersions("2.6.0", "2.6.0"), 0);
  EXPECT_LT(CompareRuntimeVersions("", "1.5.0"), 0);
}

TEST(FlexAllowlistTest, DefaultAndParsing) {
  const FlexAllowlist& list = FlexAllowlist::Default();
  EXPECT_EQ(list.ops().size(), 24u);
  EXPECT_EQ(list.VersionOf("L2Loss"), 341912000);
  EXPECT_EQ(list.VersionOf("RestoreV2"), 341812000);
  EXPECT_EQ(list.VersionOf("Conv2D"), std::nullopt);
  // Versions compare numerically, not as strings.
  auto custom = FlexAllowlist::ParseCsv("9,A\n10,B\n\n");
  ASSERT_TRUE(custom.ok()) << custom.status();
  AllowlistVerdict v = CheckFlexOps({"A", "B", "C", "C"}, *custom);
  EXPECT_EQ(v.min_client_version, 10);
  EXPECT_THAT(v.unsupported, ElementsAre("C"));
  EXPECT_THAT(std::string(FlexAllowlist::ParseCsv("1,A\nbogus\n").status().message()), HasSubstr("line 2"));
}

TEST(FlexAllowlistFixtureTest, BuiltInCopyMatchesTheShippedCsv) {
  TB_REQUIRE_FIXTURE(path, "support_ops.csv");
  auto shipped = FlexAllowlist::ParseCsv(tb::testing::ReadFileOrDie(path));
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->ops(), FlexAllowlist::Default().ops());
}

}  // namespace
}  // namespace tb::tflite
