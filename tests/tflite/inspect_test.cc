// `inspect` on TFLite programs: the fixture programs are described exactly as artifacts.md §4 decodes them
// (sizes, subgraphs, tensors/operators per subgraph, opcodes, Flex ops and their NodeDefs, min runtime, the ODP
// verdict), and a program we lower reads back with the names and structure we wrote.
#include "tflite/inspect.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/builder.h"
#include "nlohmann/json.hpp"
#include "tests/testing/testing.h"
#include "tests/tflite/fixture_programs.h"
#include "tests/tflite/test_model_builder.h"
#include "tflite/lowering.h"

namespace tb::tflite {
namespace {

using nlohmann::json;

json Inspect(const std::string& bytes) {
  auto text = InspectToJson(bytes);
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return json();
  return json::parse(*text);
}

struct FixtureFacts {
  const char* name;
  size_t bytes;
  size_t opcodes;
  std::vector<std::pair<int, int>> subgraphs;  // (tensors, operators)
  const char* min_runtime;
  bool runs_on_odp;
};

TEST(TfliteInspectTest, FixtureProgramsAsArtifactsDocumentsThem) {
  const std::vector<FixtureFacts> facts = {
      {"keras_train", 31556, 43, {{80, 49}, {7, 1}, {138, 108}, {11, 1}, {5, 0}}, "2.6.0", true},
      {"keras_eval", 16704, 32, {{35, 12}, {7, 1}, {9, 0}, {59, 36}, {9, 0}, {16, 4}}, "1.15.0", true},
      {"mnist_train", 74356, 49, {{127, 81}, {8, 2}, {147, 110}, {21, 2}, {9, 0}}, "2.6.0", false},
      {"mnist_eval", 33632, 38, {{49, 16}, {8, 2}, {15, 0}, {76, 50}, {0, 0}, {0, 0}}, "", false},
  };
  for (size_t k = 0; k < facts.size(); ++k) {
    const FixtureFacts& f = facts[k];
    TB_REQUIRE_FIXTURE(path, testing::kFixturePrograms[k].client_only_plan);
    auto bytes = testing::TfliteFromClientOnlyPlan(::tb::testing::ReadFileOrDie(path));
    ASSERT_TRUE(bytes.ok());
    json j = Inspect(*bytes);
    EXPECT_EQ(j["bytes"], f.bytes) << f.name;
    EXPECT_EQ(j["schema_version"], 3) << f.name;
    EXPECT_EQ(j["description"], "MLIR Converted.") << f.name;
    EXPECT_EQ(j["operator_codes"].size(), f.opcodes) << f.name;
    ASSERT_EQ(j["subgraphs"].size(), f.subgraphs.size()) << f.name;
    for (size_t s = 0; s < f.subgraphs.size(); ++s) {
      if (f.subgraphs[s].first == 0) continue;  // not documented
      EXPECT_EQ(j["subgraphs"][s]["num_tensors"], f.subgraphs[s].first) << f.name << " subgraph " << s;
      EXPECT_EQ(j["subgraphs"][s]["num_operators"], f.subgraphs[s].second) << f.name << " subgraph " << s;
    }
    if (*f.min_runtime) {
      EXPECT_EQ(j["min_runtime_version"], f.min_runtime) << f.name;
    }
    EXPECT_EQ(j["min_runtime_version"], j["implied_min_runtime_version"]) << f.name;
    EXPECT_EQ(j["odp_device"]["runs_on_odp"], f.runs_on_odp) << f.name;
    // Main inputs are the TensorflowSpec's names.
    std::vector<std::string> inputs;
    for (const json& t : j["subgraphs"][0]["inputs"]) inputs.push_back(t["name"]);
    EXPECT_THAT(inputs, ::testing::ElementsAre("data_token:0", "input_filepath:0", "output_filepath:0")) << f.name;
    // Every Flex operator's payload decodes to a NodeDef of the same op.
    int flex = 0;
    for (const json& sg : j["subgraphs"]) {
      for (const json& op : sg["operators"]) {
        if (op["kind"] != "flex") continue;
        ++flex;
        EXPECT_EQ("Flex" + op["flex"]["op"].get<std::string>(), op["op"].get<std::string>());
        EXPECT_EQ(op["flex"]["node_def"]["op"], op["flex"]["op"]);
      }
    }
    EXPECT_GT(flex, 0) << f.name;
  }
  // keras train: the L2Loss Flex op is what needs module 341912000.
  TB_REQUIRE_FIXTURE(keras, "keras/output/client_only_plan.pb");
  json k = Inspect(*testing::TfliteFromClientOnlyPlan(::tb::testing::ReadFileOrDie(keras)));
  EXPECT_EQ(k["odp_device"]["min_client_version"], "341912000");
  bool saw_l2 = false;
  for (const json& f : k["inventory"]["flex_ops"]) {
    if (f["op"] == "L2Loss") {
      saw_l2 = true;
      EXPECT_EQ(f["count"], 4);
      EXPECT_EQ(f["odp_module"], 341912000);
    }
  }
  EXPECT_TRUE(saw_l2);
}

TEST(TfliteInspectTest, LoweredProgramReadsBack) {
  graph::FunctionLibrary lib;
  graph::Graph g(&lib);
  graph::Builder b(&g);
  graph::Output x = b.Placeholder(tf::DType::kFloat, graph::PartialShape({-1, 4}), "x");
  graph::Output w = b.Const(tf::Tensor::FromVector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  graph::Output y = b.WithName("y").Softmax(b.MatMul(x, w));
  graph::Output l = b.WithName("l2").Op("L2Loss", {y});
  ASSERT_TRUE(b.ok()) << b.status();
  LoweringOptions options;
  options.outputs = {y, l};
  auto lowered = LowerToTfLite(g, options);
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  json j = Inspect(lowered->flatbuffer);
  EXPECT_EQ(j["description"], "taskbuilder");
  ASSERT_EQ(j["subgraphs"].size(), 1u);
  const json& main = j["subgraphs"][0];
  EXPECT_EQ(main["name"], "main");
  EXPECT_EQ(main["inputs"][0]["name"], "x:0");
  EXPECT_EQ(main["inputs"][0]["shape_signature"], json::array({-1, 4}));
  EXPECT_EQ(main["outputs"][0]["name"], "y:0");
  EXPECT_EQ(main["outputs"][1]["name"], "l2:0");
  std::vector<std::string> ops;
  for (const json& op : main["operators"]) ops.push_back(op["op"]);
  EXPECT_THAT(ops, ::testing::Contains("BATCH_MATMUL"));
  EXPECT_THAT(ops, ::testing::Contains("SOFTMAX"));
  for (const json& op : main["operators"]) {
    if (op["op"] == "SOFTMAX") {
      EXPECT_EQ(op["options"]["beta"], 1.0);
    }
  }
  EXPECT_EQ(j["odp_device"]["runs_on_odp"], true);
  EXPECT_EQ(j["odp_device"]["min_client_version"], "0");
  EXPECT_EQ(j["min_runtime_version"], lowered->min_runtime_version);
}

TEST(TfliteInspectTest, RefusesWhatIsNotAModel) {
  EXPECT_FALSE(InspectToJson("TFL3 but nothing else").ok());
  testing::TestModelBuilder b;
  b.AddSubgraph("main");
  b.set_version(2);
  auto r = InspectToJson(b.Finish());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("version"));
}

}  // namespace
}  // namespace tb::tflite
