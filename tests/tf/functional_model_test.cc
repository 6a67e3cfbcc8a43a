// The functional-model loader on the real ODP fixtures and on broken variants of them.
#include "tf/functional_model.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tf/op_defs.h"
#include "tf/saved_model.h"

namespace tb::tf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Ops(const tensorflow::FunctionDef& f) {
  std::vector<std::string> ops;
  for (const auto& n : f.node_def()) ops.push_back(n.op());
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  return ops;
}

TEST(FunctionalModelTest, LoadsKerasFixture) {
  TB_REQUIRE_FIXTURE(dir, "keras/input/keras_model");
  auto model = LoadFunctionalModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->tensorflow_version, "2.17.0");
  // Input spec (f32[-1,784], i64[-1,1]).
  ASSERT_EQ(model->features.size(), 1u);
  EXPECT_EQ(model->features[0].dtype, DType::kFloat);
  EXPECT_THAT(model->features[0].shape, ElementsAre(-1, 784));
  ASSERT_EQ(model->labels.size(), 1u);
  EXPECT_EQ(model->labels[0].dtype, DType::kInt64);
  EXPECT_THAT(model->labels[0].shape, ElementsAre(-1, 1));
  // Exact weights, straight from the bundle.
  auto bundle = OpenSavedModelVariables(dir);
  ASSERT_TRUE(bundle.ok());
  ASSERT_EQ(model->trainable_weights.size(), 4u);
  EXPECT_TRUE(model->non_trainable_weights.empty());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(model->trainable_weights[i].name, "_weights/0/" + std::to_string(i));
    auto want = (*bundle)->Read("_weights/0/" + std::to_string(i) + "/.ATTRIBUTES/VARIABLE_VALUE");
    ASSERT_TRUE(want.ok());
    EXPECT_TRUE(model->trainable_weights[i].tensor.Equals(*want));
  }
  EXPECT_EQ(model->trainable_weights[0].tensor.shape(), (Shape{784, 256}));
  // Call chains down to the bodies.
  EXPECT_THAT(model->predict_training.call_chain,
              ElementsAre("__inference_flat_predict_on_batch_233", "__inference_flat_predict_on_batch_230",
                          "__inference_predict_on_batch_212", "__inference_predict_on_batch_209"));
  EXPECT_EQ(model->predict_inference.name(), "__inference_predict_on_batch_280");
  EXPECT_THAT(model->loss.call_chain, ElementsAre("__inference_flat_loss_404", "__inference_flat_loss_401"));
  EXPECT_THAT(Ops(model->predict_training.function),
              ElementsAre("BiasAdd", "Const", "Identity", "MatMul", "Relu", "Sigmoid", "Softmax", "StridedSlice"));
  // Arguments: 4 weights then x; output f32[-1].
  ASSERT_EQ(model->predict_training.inputs.size(), 5u);
  EXPECT_EQ(model->predict_training.inputs[4].TypeString(), "float[-1,784]");
  ASSERT_EQ(model->predict_training.outputs.size(), 1u);
  EXPECT_EQ(model->predict_training.outputs[0].TypeString(), "float[-1]");
  ASSERT_EQ(model->loss.inputs.size(), 2u);
  EXPECT_EQ(model->loss.inputs[1].TypeString(), "int64[-1,1]");
  // Stripped defaults are back.
  for (const auto& node : model->predict_training.function.node_def()) {
    if (node.op() == "MatMul") {
      EXPECT_FALSE(node.attr().at("transpose_a").b());
      EXPECT_FALSE(node.attr().at("transpose_b").b());
    }
    if (node.op() == "StridedSlice") {
      EXPECT_EQ(node.attr().at("shrink_axis_mask").i(), 2);
      EXPECT_EQ(node.attr().at("new_axis_mask").i(), 0);
    }
  }
  EXPECT_TRUE(model->unknown_ops.empty()) << ::testing::PrintToString(model->unknown_ops);
  // Every function we hand out is valid against TF's OpDefs.
  for (const auto& f : model->library.function()) {
    EXPECT_TRUE(ValidateFunctionDef(f, model->library).ok()) << ValidateFunctionDef(f, model->library);
  }
  EXPECT_EQ(model->library.function_size(), 3);
  EXPECT_EQ(TffTypeToString(model->loss_type), "float32");
  EXPECT_EQ(TffTypeToString(model->predict_training_type), "float32[?]");
}

TEST(FunctionalModelTest, MnistFixtureErrorNamesTheMissingDataFile) {
  TB_REQUIRE_FIXTURE(dir, "mnist/input/mnist_model");
  if (std::filesystem::exists(dir + "/variables/variables.data-00000-of-00001") &&
      std::filesystem::file_size(dir + "/variables/variables.data-00000-of-00001") > 0) {
    GTEST_SKIP() << "the mnist data file is present";
  }
  auto model = LoadFunctionalModel(dir);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("variables.data-00000-of-00001"));
  EXPECT_THAT(model.status().message(), HasSubstr("_weights/0/0"));
}

TEST(FunctionalModelTest, LoadsMnistFixtureFunctionsWithSubstituteWeights) {
  // The mnist sample's data file is missing; give its saved_model.pb a bundle of zero weights with the shapes its
  // index lists and the type specs artifacts.md reports, to exercise the CNN's functions end to end.
  TB_REQUIRE_FIXTURE(dir, "mnist/input/mnist_model");
  auto index = BundleReader::Open(dir + "/variables/variables");
  ASSERT_TRUE(index.ok());
  tb::testing::TempDir tmp;
  std::filesystem::copy_file(dir + "/saved_model.pb", tmp.Join("saved_model.pb"));
  auto tensor_type = [](tensorflow::DataType dtype, std::vector<int64_t> dims) {
    tensorflow_federated::v0::Type t;
    t.mutable_tensor()->set_dtype(dtype);
    for (int64_t d : dims) t.mutable_tensor()->add_dims(d);
    return t;
  };
  tensorflow_federated::v0::Type input;
  *input.mutable_struct_()->add_element()->mutable_value() = tensor_type(tensorflow::DT_FLOAT, {-1, 28, 28, 1});
  *input.mutable_struct_()->add_element()->mutable_value() = tensor_type(tensorflow::DT_INT32, {-1});
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& e : (*index)->entries()) {
    if (e.key.starts_with("_weights/")) tensors.emplace_back(e.key, Tensor(e.dtype, e.shape));
  }
  tensors.emplace_back("serialized_input_spec/.ATTRIBUTES/VARIABLE_VALUE", Tensor::StringScalar(input.SerializeAsString()));
  const std::string prediction = tensor_type(tensorflow::DT_FLOAT, {-1, 10}).SerializeAsString();
  tensors.emplace_back("predict_on_batch_training_type_spec/.ATTRIBUTES/VARIABLE_VALUE", Tensor::StringScalar(prediction));
  tensors.emplace_back("predict_on_batch_inference_type_spec/.ATTRIBUTES/VARIABLE_VALUE", Tensor::StringScalar(prediction));
  tensors.emplace_back("loss_type_spec/.ATTRIBUTES/VARIABLE_VALUE",
                       Tensor::StringScalar(tensor_type(tensorflow::DT_FLOAT, {}).SerializeAsString()));
  ASSERT_TRUE(WriteBundle(tmp.Join("variables/variables"), tensors).ok());
  auto model = LoadFunctionalModel(tmp.path());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->trainable_weights.size(), 8u);
  EXPECT_EQ(model->trainable_weights[4].tensor.shape(), (Shape{3136, 512}));
  EXPECT_EQ(model->predict_training.outputs[0].TypeString(), "float[-1,10]");
  EXPECT_EQ(model->loss.inputs[1].TypeString(), "int32[-1]");
  EXPECT_THAT(Ops(model->predict_inference.function),
              ElementsAre("BiasAdd", "Const", "Conv2D", "Identity", "MatMul", "MaxPool", "Relu", "Reshape", "Softmax"));
  EXPECT_THAT(Ops(model->loss.function), ::testing::Contains("SparseSoftmaxCrossEntropyWithLogits"));
  for (const auto& node : model->predict_training.function.node_def()) {
    if (node.op() == "Conv2D") {
      EXPECT_EQ(node.attr().at("data_format").s(), "NHWC");
      EXPECT_THAT(node.attr().at("dilations").list().i(), ElementsAre(1, 1, 1, 1));
    }
  }
  EXPECT_TRUE(model->unknown_ops.empty()) << ::testing::PrintToString(model->unknown_ops);
  for (const auto& f : model->library.function()) {
    EXPECT_TRUE(ValidateFunctionDef(f, model->library).ok()) << ValidateFunctionDef(f, model->library);
  }
}

class BrokenKerasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = tb::testing::FixturePath("keras/input/keras_model");
    if (!dir) GTEST_SKIP() << "fixture not available";
    dir_ = *dir;
    auto sm = ReadSavedModelProto(dir_);
    ASSERT_TRUE(sm.ok());
    sm_ = *sm;
    auto v = OpenSavedModelVariables(dir_);
    ASSERT_TRUE(v.ok());
    variables_ = std::move(*v);
  }
  tensorflow::MetaGraphDef* mg() { return sm_.mutable_meta_graphs(0); }
  tensorflow::FunctionDef* Function(const std::string& name) {
    for (auto& f : *mg()->mutable_graph_def()->mutable_library()->mutable_function()) {
      if (f.signature().name() == name) return &f;
    }
    return nullptr;
  }
  absl::Status Load() { return LoadFunctionalModelFrom(sm_, *variables_, "broken").status(); }

  std::string dir_;
  tensorflow::SavedModel sm_;
  std::unique_ptr<BundleReader> variables_;
};

TEST_F(BrokenKerasTest, CyclicCallChainIsAnError) {
  // Make the last forwarder call back into the entry: 233 -> 230 -> 212 -> 233.
  tensorflow::FunctionDef* f = Function("__inference_predict_on_batch_212");
  ASSERT_NE(f, nullptr);
  for (auto& node : *f->mutable_node_def()) {
    if (node.op() == "PartitionedCall") (*node.mutable_attr())["f"].mutable_func()->set_name("__inference_flat_predict_on_batch_233");
  }
  absl::Status s = Load();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("cyclic call chain"));
  EXPECT_THAT(s.message(), HasSubstr("__inference_flat_predict_on_batch_233 -> __inference_flat_predict_on_batch_230"));
}

TEST_F(BrokenKerasTest, MissingFunctionIsNamed) {
  auto* lib = mg()->mutable_graph_def()->mutable_library()->mutable_function();
  lib->erase(std::remove_if(lib->begin(), lib->end(),
                            [](const auto& f) { return f.signature().name() == "__inference_flat_loss_401"; }),
             lib->end());
  absl::Status s = Load();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("__inference_flat_loss_401"));
}

TEST_F(BrokenKerasTest, PlainKerasModelGetsAnExplanation) {
  auto* root = mg()->mutable_object_graph_def()->mutable_nodes(0);
  root->mutable_user_object()->set_identifier("_tf_keras_sequential");
  root->clear_children();
  absl::Status s = Load();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("not a TFF functional model"));
  EXPECT_THAT(s.message(), HasSubstr("save_functional_model"));
  EXPECT_THAT(s.message(), HasSubstr("plain Keras SavedModel"));
}

TEST_F(BrokenKerasTest, TF1ModelWithoutObjectGraph) {
  mg()->clear_object_graph_def();
  EXPECT_THAT(Load().message(), HasSubstr("no object graph"));
}

TEST_F(BrokenKerasTest, DanglingReferencesAndBadChildIds) {
  {
    tensorflow::FunctionDef* body = Function("__inference_flat_loss_401");
    (*body->mutable_ret())[body->signature().output_arg(0).name()] = "nowhere:output:0";
    EXPECT_THAT(Load().message(), HasSubstr("not bound to a node"));
    SetUp();
  }
  mg()->mutable_object_graph_def()->mutable_nodes(0)->mutable_children(0)->set_node_id(9999);
  EXPECT_THAT(Load().message(), HasSubstr("missing object 9999"));
}

TEST_F(BrokenKerasTest, WeightTupleWithNonIndexChild) {
  // Object 11 is the trainable-weights tuple; its elements must be named 0, 1, ...
  auto* tuple = mg()->mutable_object_graph_def()->mutable_nodes(11);
  tuple->mutable_children(0)->set_local_name("first");
  EXPECT_THAT(Load().message(), HasSubstr("non-index child 'first'"));
}

TEST_F(BrokenKerasTest, WeightThatIsNotAVariable) {
  auto* tuple = mg()->mutable_object_graph_def()->mutable_nodes(11);
  tuple->mutable_children(0)->set_node_id(6);  // The __call__ function object.
  EXPECT_THAT(Load().message(), HasSubstr("'_weights/0/0' is not a variable"));
}

TEST(FunctionalModelTest, MissingDirectoryAndFiles) {
  EXPECT_EQ(LoadFunctionalModel("/nonexistent/model").status().code(), absl::StatusCode::kNotFound);
  tb::testing::TempDir dir;
  auto s = LoadFunctionalModel(dir.path()).status();
  EXPECT_THAT(s.message(), HasSubstr("saved_model.pb"));
  tb::testing::WriteFileOrDie(dir.Join("saved_model.pb"), "not a proto \xff\xff\xff");
  s = LoadFunctionalModel(dir.path()).status();
  EXPECT_THAT(s.message(), HasSubstr("not a valid SavedModel"));
}

}  // namespace
}  // namespace tb::tf
