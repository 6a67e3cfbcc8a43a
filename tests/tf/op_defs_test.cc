// Our OpDef table against TensorFlow's own: the stripped_op_list a TF 2.17 SavedModel carries must agree on every
// argument and on every attr's kind and default (except attrs newer than TF 2.14); NodeDef validation catches
// the mistakes an emitter can make.
#include "tf/op_defs.h"

#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tensorflow/saved_model.pb.h"
#include "tests/testing/testing.h"

namespace tb::tf {
namespace {

using ::testing::HasSubstr;

TEST(OpDefsTest, TableParses) {
  const auto ops = KnownOps();
  EXPECT_GE(ops.size(), 150u);
  for (const char* name : {"MatMul", "Conv2D", "SparseSoftmaxCrossEntropyWithLogits", "PartitionedCall", "SaveSlices",
                           "ParseExampleV2", "ReduceDataset", "VarHandleOp"}) {
    EXPECT_NE(FindOpDef(name), nullptr) << name;
  }
  const tensorflow::OpDef* conv = FindOpDef("Conv2D");
  ASSERT_NE(conv, nullptr);
  tensorflow::NodeDef node;
  node.set_op("Conv2D");
  AddDefaultAttrs(*conv, &node);
  EXPECT_EQ(node.attr().at("data_format").s(), "NHWC");
  EXPECT_THAT(node.attr().at("dilations").list().i(), ::testing::ElementsAre(1, 1, 1, 1));
  EXPECT_TRUE(node.attr().at("use_cudnn_on_gpu").b());
  EXPECT_TRUE(node.attr().at("explicit_paddings").has_list());
  EXPECT_FALSE(node.attr().contains("strides"));  // Required: no default.
}

TEST(OpDefsTest, AgreesWithTensorFlowsOwnOpDefs) {
  const std::set<std::string> newer_than_214 = {"grad_a", "grad_b", "debug_name", "allow_missing_files"};
  int compared = 0;
  for (const char* model : {"keras/input/keras_model/saved_model.pb", "mnist/input/mnist_model/saved_model.pb"}) {
    auto path = tb::testing::FixturePath(model);
    if (!path) continue;
    tensorflow::SavedModel sm;
    ASSERT_TRUE(sm.ParseFromString(tb::testing::ReadFileOrDie(*path)));
    for (const auto& theirs : sm.meta_graphs(0).meta_info_def().stripped_op_list().op()) {
      const tensorflow::OpDef* ours = FindOpDef(theirs.name());
      ASSERT_NE(ours, nullptr) << theirs.name();
      ++compared;
      SCOPED_TRACE(theirs.name());
      ASSERT_EQ(ours->input_arg_size(), theirs.input_arg_size());
      ASSERT_EQ(ours->output_arg_size(), theirs.output_arg_size());
      auto same_arg = [](const tensorflow::OpDef::ArgDef& a, const tensorflow::OpDef::ArgDef& b) {
        return a.name() == b.name() && a.type() == b.type() && a.type_attr() == b.type_attr() &&
               a.number_attr() == b.number_attr() && a.type_list_attr() == b.type_list_attr();
      };
      for (int i = 0; i < ours->input_arg_size(); ++i) EXPECT_TRUE(same_arg(ours->input_arg(i), theirs.input_arg(i))) << i;
      for (int i = 0; i < ours->output_arg_size(); ++i) EXPECT_TRUE(same_arg(ours->output_arg(i), theirs.output_arg(i))) << i;
      EXPECT_EQ(ours->is_stateful(), theirs.is_stateful());
      for (const auto& t : theirs.attr()) {
        const tensorflow::OpDef::AttrDef* o = nullptr;
        for (const auto& a : ours->attr()) {
          if (a.name() == t.name()) o = &a;
        }
        if (o == nullptr) {
          EXPECT_TRUE(newer_than_214.contains(t.name())) << "missing attr " << t.name();
          continue;
        }
        EXPECT_EQ(o->type(), t.type()) << t.name();
        EXPECT_EQ(o->has_default_value(), t.has_default_value()) << t.name();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(o->default_value(), t.default_value()))
            << t.name() << ": ours " << o->default_value().ShortDebugString() << " theirs "
            << t.default_value().ShortDebugString();
        EXPECT_EQ(o->has_minimum(), t.has_minimum()) << t.name();
        // StringJoin's N minimum dropped from 1 to 0 after 2.14; we keep the stricter 1 (tf-ops.md §7.12).
        if (theirs.name() != "StringJoin") {
          EXPECT_EQ(o->minimum(), t.minimum()) << t.name();
        }
        // Allowed strings must match exactly; allowed types may have grown since 2.14, so ours must be a subset.
        EXPECT_THAT(o->allowed_values().list().s(), ::testing::ElementsAreArray(t.allowed_values().list().s()))
            << t.name();
        for (int type : o->allowed_values().list().type()) {
          EXPECT_THAT(t.allowed_values().list().type(), ::testing::Contains(type)) << t.name();
        }
      }
    }
  }
  if (compared == 0) GTEST_SKIP() << "fixtures not available";
}

TEST(OpDefsTest, ValidationCatchesEmitterMistakes) {
  const tensorflow::OpDef* matmul = FindOpDef("MatMul");
  tensorflow::NodeDef node;
  node.set_name("mm");
  node.set_op("MatMul");
  node.add_input("a");
  node.add_input("b");
  AddDefaultAttrs(*matmul, &node);
  auto s = ValidateNodeDef(node, *matmul);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("missing attr 'T'"));
  (*node.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  EXPECT_TRUE(ValidateNodeDef(node, *matmul).ok());
  (*node.mutable_attr())["T"].set_type(tensorflow::DT_BOOL);
  EXPECT_THAT(ValidateNodeDef(node, *matmul).message(), HasSubstr("not in the list of allowed values"));
  (*node.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  (*node.mutable_attr())["grad_a"].set_b(false);
  EXPECT_THAT(ValidateNodeDef(node, *matmul).message(), HasSubstr("does not define"));
  node.mutable_attr()->erase("grad_a");
  (*node.mutable_attr())["_output_shapes"].mutable_list();  // Underscore attrs are free.
  EXPECT_TRUE(ValidateNodeDef(node, *matmul).ok());
  node.add_input("c");
  EXPECT_THAT(ValidateNodeDef(node, *matmul).message(), HasSubstr("expects 2"));

  const tensorflow::OpDef* pack = FindOpDef("Pack");
  tensorflow::NodeDef p;
  p.set_name("p");
  p.set_op("Pack");
  p.add_input("x");
  p.add_input("^ctl");
  (*p.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  (*p.mutable_attr())["N"].set_i(1);
  AddDefaultAttrs(*pack, &p);
  EXPECT_TRUE(ValidateNodeDef(p, *pack).ok());
  (*p.mutable_attr())["N"].set_i(0);
  EXPECT_THAT(ValidateNodeDef(p, *pack).message(), HasSubstr("minimum"));
  (*p.mutable_attr())["N"].set_i(1);
  p.add_input("late");
  EXPECT_THAT(ValidateNodeDef(p, *pack).message(), HasSubstr("after a control input"));
}

TEST(OpDefsTest, ValidatesFunctionBodies) {
  tensorflow::FunctionDefLibrary lib;
  auto* f = lib.add_function();
  f->mutable_signature()->set_name("f");
  auto* in = f->mutable_signature()->add_input_arg();
  in->set_name("x");
  in->set_type(tensorflow::DT_FLOAT);
  auto* out = f->mutable_signature()->add_output_arg();
  out->set_name("y");
  out->set_type(tensorflow::DT_FLOAT);
  auto* relu = f->add_node_def();
  relu->set_name("r");
  relu->set_op("Relu");
  relu->add_input("x");
  (*relu->mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  (*f->mutable_ret())["y"] = "r:activations:0";
  EXPECT_TRUE(ValidateFunctionDef(*f, lib).ok()) << ValidateFunctionDef(*f, lib);
  (*f->mutable_ret())["y"] = "r:output:0";
  EXPECT_THAT(ValidateFunctionDef(*f, lib).message(), HasSubstr("r:output:0"));
  (*f->mutable_ret())["y"] = "r:activations:1";
  EXPECT_FALSE(ValidateFunctionDef(*f, lib).ok());
  (*f->mutable_ret())["y"] = "r:activations:0";
  relu->set_op("NoSuchOp");
  EXPECT_THAT(ValidateFunctionDef(*f, lib).message(), HasSubstr("unknown op"));
}

}  // namespace
}  // namespace tb::tf
