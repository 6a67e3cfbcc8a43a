#include "tflite/model_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tests/tflite/fixture_programs.h"
#include "tests/tflite/test_model_builder.h"

namespace tb::tflite {
namespace {

using ::testing::HasSubstr;
using testing::TestModelBuilder;

std::string LoadFixtureProgram(const std::string& path) {
  auto tflite = testing::TfliteFromClientOnlyPlan(tb::testing::ReadFileOrDie(path));
  EXPECT_TRUE(tflite.ok()) << tflite.status();
  return tflite.ok() ? *tflite : std::string();
}

struct Expected {
  size_t bytes;
  int codes, subgraphs, buffers;
  const char* min_runtime;
};

TEST(ModelReaderFixtureTest, ReadsAllFourClientPrograms) {
  const Expected expected[] = {{31556, 43, 5, 243, "2.6.0"},
                               {16704, 32, 6, 137, "1.15.0"},
                               {74356, 49, 5, 314, "2.6.0"},
                               {33632, 38, 6, 189, "1.15.0"}};
  for (int i = 0; i < 4; ++i) {
    TB_REQUIRE_FIXTURE(path, testing::kFixturePrograms[i].client_only_plan);
    std::string bytes = LoadFixtureProgram(path);
    auto model = Model::Parse(bytes);
    ASSERT_TRUE(model.ok()) << testing::kFixturePrograms[i].name << ": " << model.status();
    EXPECT_EQ(model->bytes().size(), expected[i].bytes);
    EXPECT_EQ(model->root().operator_codes()->size(), expected[i].codes);
    EXPECT_EQ(model->num_subgraphs(), expected[i].subgraphs);
    EXPECT_EQ(model->root().buffers()->size(), expected[i].buffers);
    EXPECT_EQ(model->MinRuntimeVersion(), expected[i].min_runtime);
    EXPECT_EQ(model->SubgraphName(0), "main");
  }
}

TEST(ModelReaderFixtureTest, KerasTrainLayout) {
  TB_REQUIRE_FIXTURE(path, "keras/output/client_only_plan.pb");
  auto model = Model::Parse(LoadFixtureProgram(path));
  ASSERT_TRUE(model.ok()) << model.status();
  const int tensors[] = {80, 7, 138, 11, 5};
  const int operators[] = {49, 1, 108, 1, 0};
  for (int s = 0; s < 5; ++s) {
    EXPECT_EQ(model->subgraph(s).tensors()->size(), tensors[s]) << s;
    EXPECT_EQ(model->subgraph(s).operators()->size(), operators[s]) << s;
  }
  EXPECT_EQ(model->FindSubgraph("__inference_Dataset_map_classfunctools.partial_33960"), 1);
  EXPECT_EQ(model->FindSubgraph("__inference_reduce_reduce_func_9460"), 2);
  EXPECT_EQ(model->FindSubgraph("no such function"), std::nullopt);
  // Main inputs are the three STRING scalars FCP feeds by name.
  const fb::SubGraph& main = model->subgraph(0);
  ASSERT_EQ(main.inputs()->size(), 3u);
  std::vector<std::string> names;
  for (int32_t t : *main.inputs()) {
    names.push_back(model->TensorName(0, t));
    EXPECT_EQ(main.tensors()->Get(t)->type(), fb::TensorType::STRING);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("data_token:0", "input_filepath:0", "output_filepath:0"));
  EXPECT_EQ(main.outputs()->size(), 0u);
}

TEST(ModelReaderFixtureTest, EveryTruncationIsRejectedCleanly) {
  TB_REQUIRE_FIXTURE(path, "keras/output/eval_client_only_plan.pb");
  std::string bytes = LoadFixtureProgram(path);
  for (size_t n = 0; n < bytes.size(); n += 97) {
    auto model = Model::Parse(bytes.substr(0, n));
    EXPECT_FALSE(model.ok()) << n;
  }
}

// A two-operator program made here: y = relu(x + c).
std::string SmallModel(TestModelBuilder& b) {
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {1, 3}, {-1, 3});
  int c = b.AddConstant<float>(sg, "c", fb::TensorType::FLOAT32, {3}, {1, -2, 3});
  int s = b.AddTensor(sg, "sum", fb::TensorType::FLOAT32, {1, 3}, {-1, 3});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {1, 3}, {-1, 3});
  b.SetInputs(sg, {x});
  b.SetOutputs(sg, {y});
  b.AddOperator(sg, fb::BuiltinOperator::ADD, {x, c}, {s});
  b.AddOperator(sg, fb::BuiltinOperator::RELU, {s}, {y});
  b.AddMetadata("min_runtime_version", std::string("1.5.0\0\0\0\0\0\0\0\0\0\0\0", 16));
  return b.Finish();
}

TEST(ModelReaderTest, ReadsAGeneratedModel) {
  TestModelBuilder b;
  auto model = Model::Parse(SmallModel(b));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->num_subgraphs(), 1);
  const fb::SubGraph& sg = model->subgraph(0);
  ASSERT_EQ(sg.operators()->size(), 2u);
  EXPECT_EQ(model->OpName(*sg.operators()->Get(0)), "ADD");
  EXPECT_EQ(model->OpName(*sg.operators()->Get(1)), "RELU");
  auto c = model->ConstantData(*sg.tensors()->Get(1));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->size(), 12u);
  EXPECT_FALSE(model->ConstantData(*sg.tensors()->Get(0)).has_value());
  EXPECT_EQ(model->MinRuntimeVersion(), "1.5.0");
  EXPECT_EQ(model->DescribeOperator(0, 1), "subgraph 0 (main), operator 1 (RELU)");
}

TEST(ModelReaderTest, RejectsWrongIdentifierAndVersion) {
  TestModelBuilder b;
  std::string bytes = SmallModel(b);
  std::string wrong_id = bytes;
  wrong_id[4] = 'X';
  EXPECT_THAT(std::string(Model::Parse(wrong_id).status().message()), HasSubstr("expected 'TFL3'"));

  TestModelBuilder v2;
  v2.set_version(2);
  EXPECT_THAT(std::string(Model::Parse(SmallModel(v2)).status().message()), HasSubstr("schema version 2"));
  EXPECT_FALSE(Model::Parse("").ok());
}

TEST(ModelReaderTest, RejectsOutOfRangeTensorIndex) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {2});
  b.SetInputs(sg, {x});
  b.AddOperator(sg, fb::BuiltinOperator::ADD, {x, 7}, {y});
  auto status = Model::Parse(b.Finish()).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("operator 0 (ADD)"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("inputs[1] = 7"));
}

TEST(ModelReaderTest, RejectsConstantOfWrongSize) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  b.AddConstant<float>(sg, "w", fb::TensorType::FLOAT32, {2, 3}, {1, 2, 3});
  auto status = Model::Parse(b.Finish()).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("tensor 0 (w)"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("has 12 bytes"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("needs 24"));
}

TEST(ModelReaderTest, RejectsUseBeforeDefinitionAndDoubleWrites) {
  {
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2});
    int t = b.AddTensor(sg, "t", fb::TensorType::FLOAT32, {2});
    int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {2});
    b.SetInputs(sg, {x});
    b.AddOperator(sg, fb::BuiltinOperator::ADD, {x, t}, {y});  // t is produced later
    b.AddOperator(sg, fb::BuiltinOperator::RELU, {x}, {t});
    EXPECT_THAT(std::string(Model::Parse(b.Finish()).status().message()),
                HasSubstr("tensor 1 't') is not produced by an earlier operator"));
  }
  {
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2});
    int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {2});
    b.SetInputs(sg, {x});
    b.AddOperator(sg, fb::BuiltinOperator::RELU, {x}, {y});
    b.AddOperator(sg, fb::BuiltinOperator::RELU, {x}, {y});
    EXPECT_THAT(std::string(Model::Parse(b.Finish()).status().message()), HasSubstr("is produced more than once"));
  }
  {
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2});
    b.SetInputs(sg, {x});
    b.AddOperator(sg, fb::BuiltinOperator::RELU, {x}, {x});
    EXPECT_THAT(std::string(Model::Parse(b.Finish()).status().message()), HasSubstr("is a subgraph input"));
  }
}

TEST(ModelReaderTest, RejectsMalformedStringConstant) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  std::string bad = EncodeStringBuffer({"ab", "c"});
  bad[4] = 0x7f;  // first offset no longer 4*(N+2)
  b.AddConstantBytes(sg, "s", fb::TensorType::STRING, {2}, bad);
  EXPECT_THAT(std::string(Model::Parse(b.Finish()).status().message()), HasSubstr("first offset"));

  TestModelBuilder count;
  int sg2 = count.AddSubgraph("main");
  count.AddStringConstant(sg2, "s", {3}, {"a", "b"});
  EXPECT_THAT(std::string(Model::Parse(count.Finish()).status().message()), HasSubstr("holds 2 strings"));
}

TEST(ModelReaderTest, RejectsCustomOperatorWithoutCode) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {2});
  b.SetInputs(sg, {x});
  b.AddOperator(sg, fb::BuiltinOperator::CUSTOM, {x}, {y});
  EXPECT_THAT(std::string(Model::Parse(b.Finish()).status().message()), HasSubstr("CUSTOM but has no custom_code"));
}

TEST(ModelReaderTest, StringBufferRoundTrip) {
  std::vector<std::string> values = {"", "x", std::string("a\0b", 3)};
  std::string bytes = EncodeStringBuffer(values);
  EXPECT_EQ(bytes.size(), 4u * 5 + 4);
  auto decoded = DecodeStringBuffer(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, values);
  // The exact bytes of the converter's examples (tflite-lowering.md §1.5).
  EXPECT_EQ(EncodeStringBuffer({}), std::string("\0\0\0\0\x08\0\0\0", 8));
  EXPECT_EQ(EncodeStringBuffer({"x", "y"}), std::string("\x02\0\0\0\x10\0\0\0\x11\0\0\0\x12\0\0\0xy", 18));
  EXPECT_FALSE(DecodeStringBuffer(std::string("\xff\xff\xff\x7f", 4)).ok());
}

}  // namespace
}  // namespace tb::tflite
