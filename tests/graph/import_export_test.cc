// FunctionDef/GraphDef import and export: real models (the generated example models and, when present, the
// keras fixture), round trips that are byte-stable, every exported NodeDef checked against the TF 2.14 OpDef
// table of the formats layer (an independent encoding of the same facts), and hostile inputs.
#include "gtest/gtest.h"
#include "graph/builder.h"
#include "graph/dump.h"
#include "graph/export.h"
#include "graph/import.h"
#include "tests/testing/testing.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"
#include "tf/op_defs.h"

namespace tb::graph {
namespace {

using tf::DType;

std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

// Every node of every function validates against TF's OpDefs as the formats layer encodes them.
void ExpectValidAgainstTfOpDefs(const tensorflow::FunctionDefLibrary& lib) {
  for (const auto& fdef : lib.function()) {
    for (const auto& nd : fdef.node_def()) {
      const tensorflow::OpDef* def = tf::FindOpDef(nd.op());
      if (def == nullptr) {
        bool is_function = false;
        for (const auto& f : lib.function()) is_function |= f.signature().name() == nd.op();
        EXPECT_TRUE(is_function) << "op " << nd.op() << " unknown to tf/op_defs";
        continue;
      }
      tensorflow::NodeDef copy = nd;
      tf::AddDefaultAttrs(*def, &copy);
      EXPECT_TRUE(tf::ValidateNodeDef(copy, *def).ok()) << tf::ValidateNodeDef(copy, *def) << "\n" << nd.DebugString();
      // We write full attr sets (as TF 2.14 Python does), so defaults add nothing.
      EXPECT_EQ(copy.attr_size(), nd.attr_size()) << nd.name();
    }
    EXPECT_TRUE(tf::ValidateFunctionDef(fdef, lib).ok()) << tf::ValidateFunctionDef(fdef, lib);
  }
}

void CheckModelImport(const tf::FunctionalModel& model) {
  FunctionLibrary lib;
  ASSERT_TRUE(ImportFunctionLibrary(model.library, &lib).ok()) << ImportFunctionLibrary(model.library, &lib);
  const Function* predict = lib.Find(model.predict_training.name());
  ASSERT_NE(predict, nullptr);
  ASSERT_EQ(predict->args().size(), model.predict_training.inputs.size());
  ASSERT_EQ(predict->returns().size(), model.predict_training.outputs.size());
  // The weights' shapes come from the SavedModel's records.
  for (size_t i = 0; i < model.trainable_weights.size(); ++i) {
    EXPECT_EQ(predict->args()[i]->output_type(0).shape, PartialShape(model.trainable_weights[i].tensor.shape()))
        << predict->args()[i]->name();
  }
  // The prediction shape is inferred through the whole body.
  const auto& out_spec = model.predict_training.outputs[0];
  EXPECT_EQ(predict->returns()[0].value.shape(), PartialShape(out_spec.shape));
  const Function* loss = lib.Find(model.loss.name());
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(loss->returns()[0].value.type().ToString(), "float[]") << DumpFunction(*loss);

  // Export → import → export is byte-stable, and valid for TF.
  auto exported = ExportFunctionLibrary(lib);
  ASSERT_TRUE(exported.ok()) << exported.status();
  ExpectValidAgainstTfOpDefs(*exported);
  FunctionLibrary again;
  ASSERT_TRUE(ImportFunctionLibrary(*exported, &again).ok());
  auto exported2 = ExportFunctionLibrary(again);
  ASSERT_TRUE(exported2.ok());
  EXPECT_EQ(Deterministic(*exported), Deterministic(*exported2));
}

TEST(ImportTest, ExampleMlpModel) {
  tf::MlpOptions options;
  options.input_dim = 20;
  options.hidden_units = 8;
  auto model = tf::BuildMlpModel(options);
  ASSERT_TRUE(model.ok()) << model.status();
  CheckModelImport(*model);
}

TEST(ImportTest, ExampleCnnModel) {
  tf::CnnOptions options;
  options.height = options.width = 8;
  options.filters1 = 4;
  options.filters2 = 4;
  options.dense_units = 16;
  auto model = tf::BuildCnnModel(options);
  ASSERT_TRUE(model.ok()) << model.status();
  CheckModelImport(*model);
}

TEST(ImportTest, KerasFixture) {
  TB_REQUIRE_FIXTURE(dir, "keras/input/keras_model");
  auto model = tf::LoadFunctionalModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  CheckModelImport(*model);
  FunctionLibrary lib;
  ASSERT_TRUE(ImportFunctionLibrary(model->library, &lib).ok());
  const Function* predict = lib.Find(model->predict_training.name());
  EXPECT_EQ(predict->returns()[0].value.type().ToString(), "float[?]");
  EXPECT_EQ(predict->args().back()->output_type(0).ToString(), "float[?,784]");
}

TEST(ExportTest, GraphDefCarriesVersionsLibraryAndControlEdges) {
  FunctionLibrary lib;
  auto fn = lib.Create("twice");
  ASSERT_TRUE(fn.ok());
  auto a = (*fn)->AddArg("a", TensorType{DType::kFloat, PartialShape({2})});
  Builder fb(*fn);
  ASSERT_TRUE((*fn)->AddReturn("out", fb.Add(*a, *a)).ok());
  Graph g(&lib);
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({2}), "x");
  Output call = b.Op("StatefulPartitionedCall", {OpInput(std::vector<Output>{x})},
                     {{"f", AttrFunc("twice")}, {"Tout", AttrTypeList({DType::kFloat})}});
  Node* noop = b.WithControlDependencies({call.node}).AddOp("NoOp", {});
  ASSERT_TRUE(b.ok()) << b.status();
  auto gdef = ExportGraphDef(g, &lib);
  ASSERT_TRUE(gdef.ok()) << gdef.status();
  EXPECT_EQ(gdef->versions().producer(), 1575);
  EXPECT_EQ(gdef->versions().min_consumer(), 12);
  ASSERT_EQ(gdef->node_size(), 3);
  EXPECT_EQ(gdef->node(2).name(), noop->name());
  EXPECT_EQ(gdef->node(2).input(0), "^StatefulPartitionedCall");
  EXPECT_EQ(gdef->node(0).attr().at("shape").shape().dim(0).size(), 2);
  ASSERT_EQ(gdef->library().function_size(), 1);
  EXPECT_EQ(gdef->library().function(0).ret().at("out"), "AddV2:z:0");
  // Import it back.
  Graph g2;
  FunctionLibrary lib2;
  ASSERT_TRUE(ImportGraphDef(*gdef, &g2, &lib2).ok());
  EXPECT_EQ(g2.num_nodes(), 3);
  EXPECT_EQ(g2.FindNode("StatefulPartitionedCall")->output_type(0).ToString(), "float[2]");
  EXPECT_EQ(g2.FindNode("NoOp")->control_inputs().size(), 1u);
  auto gdef2 = ExportGraphDef(g2, &lib2);
  ASSERT_TRUE(gdef2.ok());
  EXPECT_EQ(Deterministic(*gdef), Deterministic(*gdef2));
}

tensorflow::NodeDef Node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                         std::map<std::string, tensorflow::AttrValue> attrs) {
  tensorflow::NodeDef nd;
  nd.set_name(name);
  nd.set_op(op);
  for (auto& i : inputs) nd.add_input(i);
  for (auto& [k, v] : attrs) (*nd.mutable_attr())[k] = v;
  return nd;
}

tensorflow::AttrValue F32() { return AttrType(DType::kFloat); }

TEST(ImportTest, HostileGraphsGiveErrors) {
  auto import = [](const tensorflow::GraphDef& gd) {
    Graph g;
    FunctionLibrary lib;
    return ImportGraphDef(gd, &g, &lib);
  };
  tensorflow::GraphDef gd;
  *gd.add_node() = Node("x", "Placeholder", {}, {{"dtype", F32()}, {"shape", AttrShape(PartialShape({2}))}});
  *gd.add_node() = Node("a", "Neg", {"b"}, {{"T", F32()}});
  *gd.add_node() = Node("b", "Neg", {"a"}, {{"T", F32()}});
  auto s = import(gd);
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s;

  gd.mutable_node()->RemoveLast();
  gd.mutable_node(1)->set_input(0, "nowhere");
  s = import(gd);
  EXPECT_NE(s.message().find("unknown node"), std::string::npos) << s;

  gd.mutable_node(1)->set_input(0, "x");
  gd.mutable_node(1)->set_op("FancyOp");
  s = import(gd);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(s.message().find("FancyOp node 'a'"), std::string::npos) << s;

  gd.mutable_node(1)->set_op("Neg");
  gd.mutable_node(1)->add_input("x");
  s = import(gd);
  EXPECT_NE(s.message().find("expects 1 data inputs, got 2"), std::string::npos) << s;

  gd.mutable_node(1)->clear_input();
  gd.mutable_node(1)->add_input("^x");
  gd.mutable_node(1)->add_input("x");
  s = import(gd);
  EXPECT_NE(s.message().find("after a control input"), std::string::npos) << s;

  gd.mutable_node(1)->clear_input();
  gd.mutable_node(1)->add_input("x:7");
  s = import(gd);
  EXPECT_NE(s.message().find("output 7"), std::string::npos) << s;

  gd.mutable_node(1)->set_input(0, "x:01");
  EXPECT_FALSE(import(gd).ok());

  // Absurd shape attr.
  gd.mutable_node(1)->set_input(0, "x");
  (*gd.mutable_node(0)->mutable_attr())["shape"] = AttrShape(PartialShape({1}));
  gd.mutable_node(0)->mutable_attr()->at("shape").mutable_shape()->mutable_dim(0)->set_size(-5);
  EXPECT_FALSE(import(gd).ok());

  // Too many nodes for the limit.
  ImportOptions tiny;
  tiny.max_nodes_per_graph = 1;
  Graph g;
  FunctionLibrary lib;
  EXPECT_EQ(ImportGraphDef(gd, &g, &lib, tiny).code(), absl::StatusCode::kResourceExhausted);
}

TEST(ImportTest, HostileLibrariesGiveErrors) {
  tensorflow::FunctionDefLibrary lib;
  auto add_fn = [&](const std::string& name, const std::string& callee) {
    auto* f = lib.add_function();
    f->mutable_signature()->set_name(name);
    auto* in = f->mutable_signature()->add_input_arg();
    in->set_name("x");
    in->set_type(tensorflow::DT_FLOAT);
    auto* out = f->mutable_signature()->add_output_arg();
    out->set_name("y");
    out->set_type(tensorflow::DT_FLOAT);
    *f->add_node_def() = Node("call", callee, {"x"}, {});
    (*f->mutable_ret())["y"] = "call:y:0";
  };
  add_fn("f1", "f2");
  add_fn("f2", "f1");
  FunctionLibrary out;
  auto s = ImportFunctionLibrary(lib, &out);
  EXPECT_NE(s.message().find("cyclic function call chain"), std::string::npos) << s;

  lib.mutable_function(1)->mutable_node_def(0)->set_op("Neg");
  (*lib.mutable_function(1)->mutable_node_def(0)->mutable_attr())["T"] = F32();
  (*lib.mutable_function(1)->mutable_ret())["y"] = "call:y:0";  // Neg's output is named "y"
  FunctionLibrary ok_out;
  ASSERT_TRUE(ImportFunctionLibrary(lib, &ok_out).ok()) << ImportFunctionLibrary(lib, &ok_out);
  EXPECT_EQ(ok_out.Find("f1")->returns()[0].value.node->function(), ok_out.Find("f2"));

  (*lib.mutable_function(1)->mutable_ret())["y"] = "call:nope:0";
  FunctionLibrary bad;
  s = ImportFunctionLibrary(lib, &bad);
  EXPECT_NE(s.message().find("has no output 'nope:0'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("f2"), std::string::npos) << s;
}

}  // namespace
}  // namespace tb::graph
