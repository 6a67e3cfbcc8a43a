#include "runtime/tflite/interpreter.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/kernels/resource.h"
#include "tests/tflite/test_model_builder.h"

namespace tb::runtime::tflite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tb::tflite::testing::TestModelBuilder;
namespace fb = ::tb::tflite::fb;

absl::StatusOr<std::unique_ptr<Interpreter>> Load(const std::string& bytes) {
  auto model = ::tb::tflite::Model::Parse(bytes);
  if (!model.ok()) return model.status();
  return Interpreter::Create(std::make_shared<const ::tb::tflite::Model>(std::move(*model)));
}

tb::tflite::testing::OptionsFn AddOpts(fb::ActivationFunctionType act) {
  return [act](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::BuiltinOptions::AddOptions, fb::CreateAddOptions(b, act).Union());
  };
}

TEST(TfliteInterpreterTest, AddWithFusedReluAndBroadcast) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {1, 3}, {-1, 3});
  int c = b.AddConstant<float>(sg, "c", fb::TensorType::FLOAT32, {3}, {1, -2, 3});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {1, 3}, {-1, 3});
  b.SetInputs(sg, {x});
  b.SetOutputs(sg, {y});
  b.AddOperator(sg, fb::BuiltinOperator::ADD, {x, c}, {y}, AddOpts(fb::ActivationFunctionType::RELU));
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.status();
  auto out = (*interp)->Invoke(0, {tf::Tensor::FromVector<float>({0, 1, -5, 2, 2, 2}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].shape(), (tf::Shape{2, 3}));
  EXPECT_THAT((*out)[0].flat<float>(), ElementsAre(1, 0, 0, 3, 0, 5));
}

// TFLite's float kernels clamp even with activation NONE: an overflow becomes FLT_MAX, not inf; NaN passes.
TEST(TfliteInterpreterTest, ActivationNoneClampsInfinityButNotNaN) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {3});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {3});
  int z = b.AddTensor(sg, "z", fb::TensorType::FLOAT32, {3});
  b.SetInputs(sg, {x, y});
  b.SetOutputs(sg, {z});
  b.AddOperator(sg, fb::BuiltinOperator::MUL, {x, y}, {z});
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.status();
  const float big = 1e30f, nan = std::numeric_limits<float>::quiet_NaN();
  auto out = (*interp)->Invoke(0, {tf::Tensor::FromVector<float>({big, -big, nan}), tf::Tensor::FromVector<float>({big, big, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  auto v = (*out)[0].flat<float>();
  EXPECT_EQ(v[0], std::numeric_limits<float>::max());
  EXPECT_EQ(v[1], std::numeric_limits<float>::lowest());
  EXPECT_TRUE(std::isnan(v[2]));
}

TEST(TfliteInterpreterTest, FullyConnectedUsesUnitsByInputWeights) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2, 3});
  int w = b.AddConstant<float>(sg, "w", fb::TensorType::FLOAT32, {2, 3}, {1, 0, -1, 2, 2, 2});
  int bias = b.AddConstant<float>(sg, "b", fb::TensorType::FLOAT32, {2}, {0.5f, -1});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {2, 2});
  int y2 = b.AddTensor(sg, "y2", fb::TensorType::FLOAT32, {2, 2});
  b.SetInputs(sg, {x});
  b.SetOutputs(sg, {y, y2});
  b.AddOperator(sg, fb::BuiltinOperator::FULLY_CONNECTED, {x, w, bias}, {y});
  b.AddOperator(sg, fb::BuiltinOperator::FULLY_CONNECTED, {x, w, -1}, {y2});
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.status();
  auto out = (*interp)->Invoke(0, {tf::Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].flat<float>(), ElementsAre(-1.5f, 11, -1.5f, 29));
  EXPECT_THAT((*out)[1].flat<float>(), ElementsAre(-2, 12, -2, 30));
}

TEST(TfliteInterpreterTest, ShapeReshapeStridedSliceOnDynamicBatch) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {1, 2}, {-1, 2});
  int begin = b.AddConstant<int32_t>(sg, "begin", fb::TensorType::INT32, {2}, {0, 0});
  int end = b.AddConstant<int32_t>(sg, "end", fb::TensorType::INT32, {2}, {0, 1});
  int strides = b.AddConstant<int32_t>(sg, "strides", fb::TensorType::INT32, {2}, {1, 1});
  int minus1 = b.AddConstant<int32_t>(sg, "minus1", fb::TensorType::INT32, {1}, {-1});
  int col = b.AddTensor(sg, "col", fb::TensorType::FLOAT32, {1}, {-1});
  int shape = b.AddTensor(sg, "shape", fb::TensorType::INT32, {2});
  int flat = b.AddTensor(sg, "flat", fb::TensorType::FLOAT32, {2}, {-1});
  b.SetInputs(sg, {x});
  b.SetOutputs(sg, {col, shape, flat});
  b.AddOperator(sg, fb::BuiltinOperator::STRIDED_SLICE, {x, begin, end, strides}, {col},
                [](flatbuffers::FlatBufferBuilder& fbb) {
                  return std::make_pair(fb::BuiltinOptions::StridedSliceOptions,
                                        fb::CreateStridedSliceOptions(fbb, 1, 1, 0, 0, 2).Union());
                });
  b.AddOperator(sg, fb::BuiltinOperator::SHAPE, {x}, {shape}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions::ShapeOptions, fb::CreateShapeOptions(fbb, fb::TensorType::INT32).Union());
  });
  b.AddOperator(sg, fb::BuiltinOperator::RESHAPE, {x, minus1}, {flat});
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.status();
  auto out = (*interp)->Invoke(0, {tf::Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].flat<float>(), ElementsAre(1, 3, 5));
  EXPECT_THAT((*out)[1].flat<int32_t>(), ElementsAre(3, 2));
  EXPECT_EQ((*out)[2].shape(), (tf::Shape{6}));
}

// WHILE(i < n) { i += 1; acc *= 2 } with an IF inside the body choosing +1 or +10 by parity.
TEST(TfliteInterpreterTest, WhileAndIf) {
  TestModelBuilder b;
  int main = b.AddSubgraph("main");
  int cond = b.AddSubgraph("cond");
  int body = b.AddSubgraph("body");
  int then_sg = b.AddSubgraph("then");
  int else_sg = b.AddSubgraph("else");
  {
    int i = b.AddTensor(main, "i", fb::TensorType::INT32, {});
    int acc = b.AddTensor(main, "acc", fb::TensorType::INT32, {});
    int oi = b.AddTensor(main, "oi", fb::TensorType::INT32, {});
    int oacc = b.AddTensor(main, "oacc", fb::TensorType::INT32, {});
    b.SetInputs(main, {i, acc});
    b.SetOutputs(main, {oi, oacc});
    b.AddOperator(main, fb::BuiltinOperator::WHILE, {i, acc}, {oi, oacc}, [&](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions::WhileOptions, fb::CreateWhileOptions(fbb, cond, body).Union());
    });
  }
  {
    int i = b.AddTensor(cond, "i", fb::TensorType::INT32, {});
    int acc = b.AddTensor(cond, "acc", fb::TensorType::INT32, {});
    int n = b.AddConstant<int32_t>(cond, "n", fb::TensorType::INT32, {}, {5});
    int lt = b.AddTensor(cond, "lt", fb::TensorType::BOOL, {});
    b.SetInputs(cond, {i, acc});
    b.SetOutputs(cond, {lt});
    b.AddOperator(cond, fb::BuiltinOperator::LESS, {i, n}, {lt});
  }
  {
    int i = b.AddTensor(body, "i", fb::TensorType::INT32, {});
    int acc = b.AddTensor(body, "acc", fb::TensorType::INT32, {});
    int one = b.AddConstant<int32_t>(body, "one", fb::TensorType::INT32, {}, {1});
    int two = b.AddConstant<int32_t>(body, "two", fb::TensorType::INT32, {}, {2});
    int zero = b.AddConstant<int32_t>(body, "zero", fb::TensorType::INT32, {}, {0});
    int i1 = b.AddTensor(body, "i1", fb::TensorType::INT32, {});
    int parity = b.AddTensor(body, "parity", fb::TensorType::INT32, {});
    int even = b.AddTensor(body, "even", fb::TensorType::BOOL, {});
    int acc1 = b.AddTensor(body, "acc1", fb::TensorType::INT32, {});
    b.SetInputs(body, {i, acc});
    b.SetOutputs(body, {i1, acc1});
    b.AddOperator(body, fb::BuiltinOperator::ADD, {i, one}, {i1});
    b.AddOperator(body, fb::BuiltinOperator::FLOOR_MOD, {i, two}, {parity});
    b.AddOperator(body, fb::BuiltinOperator::EQUAL, {parity, zero}, {even});
    b.AddOperator(body, fb::BuiltinOperator::IF, {even, acc}, {acc1}, [&](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions::IfOptions, fb::CreateIfOptions(fbb, then_sg, else_sg).Union());
    });
  }
  for (auto [sg, add] : {std::pair{then_sg, 1}, std::pair{else_sg, 10}}) {
    int a = b.AddTensor(sg, "a", fb::TensorType::INT32, {});
    int k = b.AddConstant<int32_t>(sg, "k", fb::TensorType::INT32, {}, {add});
    int r = b.AddTensor(sg, "r", fb::TensorType::INT32, {});
    b.SetInputs(sg, {a});
    b.SetOutputs(sg, {r});
    b.AddOperator(sg, fb::BuiltinOperator::ADD, {a, k}, {r});
  }
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.status();
  auto out = (*interp)->Invoke(0, {tf::Tensor::Scalar<int32_t>(0), tf::Tensor::Scalar<int32_t>(0)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].scalar<int32_t>(), 5);
  EXPECT_EQ((*out)[1].scalar<int32_t>(), 1 + 10 + 1 + 10 + 1);
}

TEST(TfliteInterpreterTest, FlexOpRunsTheTfKernel) {
  tensorflow::NodeDef node;
  node.set_op("L2Loss");
  node.add_input("");
  (*node.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {3});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {});
  b.SetInputs(sg, {x});
  b.SetOutputs(sg, {y});
  b.AddFlexOperator(sg, "L2Loss", node.SerializeAsString(), {x}, {y});
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.status();
  auto out = (*interp)->Invoke(0, {tf::Tensor::FromVector<float>({1, 2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FLOAT_EQ((*out)[0].scalar<float>(), 7.0f);
}

TEST(TfliteInterpreterTest, CreateRefusesWhatTheDeviceWouldRefuse) {
  {
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {3});
    int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {3});
    b.SetInputs(sg, {x});
    b.AddOperator(sg, fb::BuiltinOperator::LSTM, {x}, {y});
    EXPECT_THAT(std::string(Load(b.Finish()).status().message()),
                HasSubstr("operator 0 (LSTM): builtin LSTM (version 1) is not supported"));
  }
  {
    tensorflow::NodeDef node;
    node.set_op("NoSuchTfOp");
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {3});
    int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {3});
    b.SetInputs(sg, {x});
    b.AddFlexOperator(sg, "NoSuchTfOp", node.SerializeAsString(), {x}, {y});
    EXPECT_THAT(std::string(Load(b.Finish()).status().message()), HasSubstr("Op type not registered 'NoSuchTfOp'"));
  }
  {
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {3});
    int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {3});
    b.SetInputs(sg, {x});
    b.AddCustomOperator(sg, "MyOp", "", {x}, {y});
    EXPECT_THAT(std::string(Load(b.Finish()).status().message()), HasSubstr("unresolved custom op: MyOp"));
  }
  {
    // A MapDataset whose function names no subgraph.
    tensorflow::NodeDef node;
    node.set_op("MapDataset");
    (*node.mutable_attr())["f"].mutable_func()->set_name("missing_fn");
    TestModelBuilder b;
    int sg = b.AddSubgraph("main");
    int x = b.AddTensor(sg, "x", fb::TensorType::VARIANT, {});
    int y = b.AddTensor(sg, "y", fb::TensorType::VARIANT, {});
    b.SetInputs(sg, {x});
    b.AddFlexOperator(sg, "MapDataset", node.SerializeAsString(), {x}, {y});
    EXPECT_THAT(std::string(Load(b.Finish()).status().message()), HasSubstr("names function 'missing_fn'"));
  }
}

TEST(TfliteInterpreterTest, RunTimeErrorsNameTheOperator) {
  TestModelBuilder b;
  int sg = b.AddSubgraph("main");
  int x = b.AddTensor(sg, "x", fb::TensorType::FLOAT32, {2, 3});
  int w = b.AddTensor(sg, "w", fb::TensorType::FLOAT32, {4, 5});
  int y = b.AddTensor(sg, "y", fb::TensorType::FLOAT32, {2, 4});
  b.SetInputs(sg, {x, w});
  b.SetOutputs(sg, {y});
  b.AddOperator(sg, fb::BuiltinOperator::FULLY_CONNECTED, {x, w, -1}, {y});
  auto interp = Load(b.Finish());
  ASSERT_TRUE(interp.ok());
  auto out = (*interp)->Invoke(0, {tf::Tensor(tf::DType::kFloat, {2, 3}), tf::Tensor(tf::DType::kFloat, {4, 5})});
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("subgraph 0 (main), operator 0 (FULLY_CONNECTED)"));
  auto wrong_type = (*interp)->Invoke(0, {tf::Tensor(tf::DType::kInt32, {2, 3}), tf::Tensor(tf::DType::kFloat, {4, 3})});
  EXPECT_THAT(std::string(wrong_type.status().message()), HasSubstr("input 0 'x' is float, got int32"));
  EXPECT_THAT(std::string((*interp)->InvokeMain({{"x", tf::Tensor()}}).status().message()),
              HasSubstr("no value given for main input 'w'"));
}

}  // namespace
}  // namespace tb::runtime::tflite
