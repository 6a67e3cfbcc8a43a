// Example models: built natively, written as SavedModels with the fixture's structure, read back exactly by the
// loader; every FunctionDef is valid against TF's OpDefs; the output is deterministic.
#include "tf/example_models.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tests/tf/leveldb_check.h"
#include "tf/functional_model_writer.h"
#include "tf/op_defs.h"
#include "tf/saved_model.h"

namespace tb::tf {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

void ExpectSameModel(const FunctionalModel& want, const FunctionalModel& got) {
  for (const auto& [w, g] : {std::pair{&want.predict_training, &got.predict_training},
                             std::pair{&want.predict_inference, &got.predict_inference}, std::pair{&want.loss, &got.loss}}) {
    std::string diff;
    MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(w->function, g->function)) << w->name() << ":\n" << diff;
    EXPECT_EQ(w->inputs, g->inputs) << w->name();
    EXPECT_EQ(w->outputs, g->outputs) << w->name();
    EXPECT_EQ(g->call_chain.back(), w->name());
    EXPECT_EQ(g->call_chain.size(), 2u);  // Our wrapper, then the body.
  }
  ASSERT_EQ(want.trainable_weights.size(), got.trainable_weights.size());
  for (size_t i = 0; i < want.trainable_weights.size(); ++i) {
    EXPECT_EQ(want.trainable_weights[i].name, got.trainable_weights[i].name);
    EXPECT_TRUE(want.trainable_weights[i].tensor.Equals(got.trainable_weights[i].tensor)) << i;
  }
  EXPECT_EQ(want.non_trainable_weights.size(), got.non_trainable_weights.size());
  EXPECT_EQ(want.features, got.features);
  EXPECT_EQ(want.labels, got.labels);
  EXPECT_TRUE(MessageDifferencer::Equals(want.input_spec, got.input_spec));
  EXPECT_TRUE(MessageDifferencer::Equals(want.loss_type, got.loss_type));
  EXPECT_TRUE(MessageDifferencer::Equals(want.predict_training_type, got.predict_training_type));
  EXPECT_TRUE(MessageDifferencer::Equals(want.library, got.library));
  EXPECT_TRUE(got.unknown_ops.empty());
}

void ExpectValidSavedModel(const std::string& dir) {
  auto sm = ReadSavedModelProto(dir);
  ASSERT_TRUE(sm.ok()) << sm.status();
  const auto& lib = sm->meta_graphs(0).graph_def().library();
  for (tensorflow::FunctionDef f : lib.function()) {
    // Stripped on disk; valid once TF's import adds the defaults back.
    for (auto& node : *f.mutable_node_def()) {
      if (const tensorflow::OpDef* op = FindOpDef(node.op())) AddDefaultAttrs(*op, &node);
    }
    EXPECT_TRUE(ValidateFunctionDef(f, lib).ok()) << ValidateFunctionDef(f, lib);
  }
  for (tensorflow::NodeDef node : sm->meta_graphs(0).graph_def().node()) {
    const tensorflow::OpDef* op = FindOpDef(node.op());
    ASSERT_NE(op, nullptr) << node.op();
    AddDefaultAttrs(*op, &node);
    EXPECT_TRUE(ValidateNodeDef(node, *op).ok()) << ValidateNodeDef(node, *op);
  }
  EXPECT_TRUE(sm->meta_graphs(0).meta_info_def().stripped_default_attrs());
  auto index = leveldb_check::ReadWithLevelDb(dir + "/variables/variables.index");
  ASSERT_TRUE(index.ok()) << index.status();
}

TEST(ExampleModelsTest, MlpRoundTripsThroughASavedModel) {
  auto model = BuildMlpModel({.input_dim = 20, .hidden_units = 8});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->trainable_weights[0].tensor.shape(), (Shape{20, 8}));
  tb::testing::TempDir dir;
  ASSERT_TRUE(WriteFunctionalModel(*model, dir.path()).ok());
  auto loaded = LoadFunctionalModel(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameModel(*model, *loaded);
  ExpectValidSavedModel(dir.path());
  EXPECT_EQ(loaded->features[0].TypeString(), "float[-1,20]");
  EXPECT_EQ(loaded->labels[0].TypeString(), "int64[-1,1]");
}

TEST(ExampleModelsTest, DefaultMlpHasTheKerasFixtureShapes) {
  auto model = BuildMlpModel({});
  ASSERT_TRUE(model.ok());
  std::vector<Shape> shapes;
  for (const auto& w : model->trainable_weights) shapes.push_back(w.tensor.shape());
  EXPECT_EQ(shapes, (std::vector<Shape>{{784, 256}, {256}, {256, 2}, {2}}));
  EXPECT_EQ(TffTypeToString(model->input_spec), "<float32[?,784],int64[?,1]>");
}

// The default head is linear logits -> softmax -> column 0, so the prediction can reach any p in (0, 1); the
// keras sample's sigmoid head stays available for tests that need its exact structure.
TEST(ExampleModelsTest, MlpHeadIsLogitsUnlessTheKerasSampleHeadIsAsked) {
  auto ops_of = [](const FunctionalModel& m) {
    std::vector<std::string> ops;
    for (const auto& n : m.predict_training.function.node_def()) ops.push_back(n.op());
    std::sort(ops.begin(), ops.end());
    ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
    return ops;
  };
  auto plain = BuildMlpModel({.input_dim = 6, .hidden_units = 4});
  auto keras = BuildMlpModel({.input_dim = 6, .hidden_units = 4, .keras_sample_head = true});
  ASSERT_TRUE(plain.ok() && keras.ok());
  EXPECT_THAT(ops_of(*plain), ::testing::ElementsAre("BiasAdd", "Const", "Identity", "MatMul", "Relu", "Softmax",
                                                     "StridedSlice"));
  EXPECT_THAT(ops_of(*keras), ::testing::ElementsAre("BiasAdd", "Const", "Identity", "MatMul", "Relu", "Sigmoid",
                                                     "Softmax", "StridedSlice"));
  // Same weights either way: the head changes the graph, not the initialization.
  for (size_t i = 0; i < plain->trainable_weights.size(); ++i) {
    EXPECT_TRUE(plain->trainable_weights[i].tensor.Equals(keras->trainable_weights[i].tensor)) << i;
  }
}

TEST(ExampleModelsTest, CnnRoundTripsThroughASavedModel) {
  auto model = BuildCnnModel({.height = 8, .width = 6, .channels = 2, .kernel_size = 3, .filters1 = 4,
                              .filters2 = 5, .dense_units = 7, .classes = 3});
  ASSERT_TRUE(model.ok()) << model.status();
  // 8x6 -> pool 4x3 -> pool 2x2: 2*2*5 = 20 flattened features.
  EXPECT_EQ(model->trainable_weights[4].tensor.shape(), (Shape{20, 7}));
  tb::testing::TempDir dir;
  ASSERT_TRUE(WriteFunctionalModel(*model, dir.path()).ok());
  auto loaded = LoadFunctionalModel(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameModel(*model, *loaded);
  ExpectValidSavedModel(dir.path());
  std::set<std::string> ops;
  for (const auto& n : loaded->predict_training.function.node_def()) ops.insert(n.op());
  for (const auto& n : loaded->loss.function.node_def()) ops.insert(n.op());
  for (const char* op : {"Conv2D", "MaxPool", "Reshape", "MatMul", "BiasAdd", "Relu", "Softmax",
                         "SparseSoftmaxCrossEntropyWithLogits"}) {
    EXPECT_TRUE(ops.contains(op)) << op;
  }
}

TEST(ExampleModelsTest, DefaultCnnHasTheMnistFixtureShapes) {
  auto model = BuildCnnModel({});
  ASSERT_TRUE(model.ok());
  std::vector<Shape> shapes;
  for (const auto& w : model->trainable_weights) shapes.push_back(w.tensor.shape());
  EXPECT_EQ(shapes, (std::vector<Shape>{{5, 5, 1, 32}, {32}, {5, 5, 32, 64}, {64}, {3136, 512}, {512}, {512, 10}, {10}}));
  EXPECT_EQ(TffTypeToString(model->input_spec), "<float32[?,28,28,1],int32[?]>");
}

TEST(ExampleModelsTest, OutputIsDeterministic) {
  auto model = BuildMlpModel({.input_dim = 10, .hidden_units = 4, .seed = 7});
  ASSERT_TRUE(model.ok());
  tb::testing::TempDir a, b;
  ASSERT_TRUE(WriteFunctionalModel(*model, a.path()).ok());
  auto again = BuildMlpModel({.input_dim = 10, .hidden_units = 4, .seed = 7});
  ASSERT_TRUE(WriteFunctionalModel(*again, b.path()).ok());
  for (const char* f : {"saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001"}) {
    EXPECT_EQ(tb::testing::ReadFileOrDie(a.Join(f)), tb::testing::ReadFileOrDie(b.Join(f))) << f;
  }
  auto other_seed = BuildMlpModel({.input_dim = 10, .hidden_units = 4, .seed = 8});
  EXPECT_FALSE(other_seed->trainable_weights[0].tensor.Equals(model->trainable_weights[0].tensor));
}

TEST(ExampleModelsTest, BadOptionsAreRejected) {
  EXPECT_THAT(BuildMlpModel({.input_dim = 0}).status().message(), HasSubstr("input_dim"));
  EXPECT_THAT(BuildCnnModel({.classes = -1}).status().message(), HasSubstr("classes"));
  EXPECT_THAT(BuildMlpModel({.input_dim = 1 << 20, .hidden_units = 1 << 20}).status().message(), HasSubstr("too large"));
}

TEST(ExampleModelsTest, WrittenWeightsEqualTheKerasFixturesLayout) {
  // The writer's bundle keys and object graph match what TF wrote for the keras sample.
  TB_REQUIRE_FIXTURE(index, "keras/input/keras_model/variables/variables.index");
  auto theirs = BundleReader::Open(index.substr(0, index.size() - 6));
  ASSERT_TRUE(theirs.ok());
  auto model = BuildMlpModel({});
  tb::testing::TempDir dir;
  ASSERT_TRUE(WriteFunctionalModel(*model, dir.path()).ok());
  auto ours = OpenSavedModelVariables(dir.path());
  ASSERT_TRUE(ours.ok());
  std::vector<std::string> their_keys, our_keys;
  for (const auto& e : (*theirs)->entries()) their_keys.push_back(e.key);
  for (const auto& e : (*ours)->entries()) our_keys.push_back(e.key);
  EXPECT_EQ(our_keys, their_keys);
}

}  // namespace
}  // namespace tb::tf
