// The plan layer against the original's keras artifacts: the initial checkpoints byte for byte, the 135-byte
// ClientPhase, and the V1 server phase, savepoint and server graph structure (every name the Plan refers to,
// every savepoint's tensor list, every variable's dtype and shape).
#include <map>
#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "fcp/plan.pb.h"
#include "fl/learning_process.h"
#include "gtest/gtest.h"
#include "plan/client_phase.h"
#include "plan/initial_checkpoint.h"
#include "plan/plan_builder.h"
#include "plan/server_graph.h"
#include "tensorflow/graph.pb.h"
#include "tests/testing/testing.h"
#include "tf/functional_model.h"
#include "tf/op_defs.h"
#include "tf/tensor_proto.h"

namespace tb::plan {
namespace {

// The keras sample's config after defaults and DP calibration (behavior.md §4.5).
fl::LearningSpec KerasSpec() {
  fl::LearningSpec spec;
  spec.client_optimizer = {fl::OptimizerKind::kSgd, 0.1};
  spec.server_optimizer = {fl::OptimizerKind::kSgd, 1.0};
  spec.aggregator.kind = fl::AggregatorKind::kFixedGaussian;
  spec.aggregator.noise_multiplier = 0.22200350938986962;
  spec.aggregator.clip_norm = 0.1;
  spec.aggregator.clients_per_round = 2;
  return spec;
}

tf::FunctionalModel LoadKeras(const std::string& dir) {
  auto model = tf::LoadFunctionalModel(dir);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

TEST(PlanFixtureTest, InitialCheckpointsAreByteExact) {
  TB_REQUIRE_FIXTURE(model_dir, "keras/input/keras_model");
  TB_REQUIRE_FIXTURE(train_ckp, "keras/output/initial_state.server.ckp");
  TB_REQUIRE_FIXTURE(eval_ckp, "keras/output/eval_initial_state.server.ckp");
  tf::FunctionalModel model = LoadKeras(model_dir);
  auto state = fl::TrainingServerState(model, KerasSpec());
  ASSERT_TRUE(state.ok()) << state.status();
  auto bytes = SerializeInitialCheckpoint(*state);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const std::string expected = testing::ReadFileOrDie(train_ckp);
  EXPECT_EQ(bytes->size(), expected.size());
  EXPECT_TRUE(*bytes == expected) << "initial_state.server.ckp differs";
  if (*bytes != expected) testing::WriteFileOrDie("/tmp/fl_ours.ckp", *bytes);

  auto eval_bytes = SerializeInitialCheckpoint(fl::ZeroState(*state));
  ASSERT_TRUE(eval_bytes.ok()) << eval_bytes.status();
  const std::string eval_expected = testing::ReadFileOrDie(eval_ckp);
  EXPECT_EQ(eval_bytes->size(), eval_expected.size());
  EXPECT_TRUE(*eval_bytes == eval_expected) << "eval_initial_state.server.ckp differs";
  if (*bytes != expected) testing::WriteFileOrDie("/tmp/fl_ours.ckp", *bytes);
}

TEST(PlanFixtureTest, ClientPhaseIsTheOriginals135Bytes) {
  fl::ClientProgram client;  // default names, empty example selector
  auto phase = MakeClientPhase(client);
  ASSERT_TRUE(phase.ok()) << phase.status();
  const std::string hex =
      "225e0a0c646174615f746f6b656e3a3012160a10696e7075745f66696c65706174683a301200180712170a116f75747075745f66696c65"
      "706174683a3012001807221a736176655f636c69656e745f7570646174655f74656e736f7273ba3e002a250a10696e7075745f66696c"
      "65706174683a3012116f75747075745f66696c65706174683a30";
  EXPECT_EQ(absl::BytesToHexString(SerializeDeterministic(*phase)), hex);
}

// Everything a GraphDef says about one node that the Plan's users depend on.
std::map<std::string, const tensorflow::NodeDef*> ByName(const tensorflow::GraphDef& g) {
  std::map<std::string, const tensorflow::NodeDef*> out;
  for (const auto& n : g.node()) out[n.name()] = &n;
  return out;
}

std::string NodeOf(const std::string& tensor) { return tensor.substr(0, tensor.find(':')); }

std::vector<std::string> StringList(const tensorflow::NodeDef& n) {
  auto t = tf::TensorFromProto(n.attr().at("value").tensor());
  std::vector<std::string> out;
  if (!t.ok()) return out;
  for (const std::string& s : t->flat<std::string>()) out.push_back(s);
  return out;
}

void ExpectSameServerStructure(const std::string& fixture_plan, const fl::MapReduceProgram& program) {
  fcp::Plan original;
  ASSERT_TRUE(original.ParseFromString(testing::ReadFileOrDie(fixture_plan)));
  tensorflow::GraphDef original_graph;
  ASSERT_TRUE(original_graph.ParseFromString(original.server_graph_bytes().value()));

  auto built = AssemblePlan(program, DeviceProgram{});
  ASSERT_TRUE(built.ok()) << built.status();
  const fcp::Plan& plan = built->plan;
  tensorflow::GraphDef graph;
  ASSERT_TRUE(graph.ParseFromString(plan.server_graph_bytes().value()));

  // The Plan's references are the same names.
  EXPECT_EQ(SerializeDeterministic(plan.server_savepoint()), SerializeDeterministic(original.server_savepoint()))
      << plan.server_savepoint().DebugString() << "\nvs\n" << original.server_savepoint().DebugString();
  EXPECT_EQ(SerializeDeterministic(plan.phase(0).server_phase()),
            SerializeDeterministic(original.phase(0).server_phase()))
      << plan.phase(0).server_phase().DebugString() << "\nvs\n" << original.phase(0).server_phase().DebugString();
  EXPECT_EQ(SerializeDeterministic(plan.phase(0).client_phase()),
            SerializeDeterministic(original.phase(0).client_phase()));
  EXPECT_EQ(plan.version(), original.version());
  EXPECT_EQ(plan.server_graph_bytes().type_url(), original.server_graph_bytes().type_url());

  const auto ours = ByName(graph);
  const auto theirs = ByName(original_graph);
  // Every variable with the same dtype and shape, and nothing else.
  std::set<std::string> our_vars, their_vars;
  for (const auto& [name, n] : theirs) {
    if (n->op() != "VarHandleOp") continue;
    their_vars.insert(name);
    auto it = ours.find(name);
    ASSERT_NE(it, ours.end()) << "missing variable " << name;
    EXPECT_EQ(it->second->attr().at("dtype").type(), n->attr().at("dtype").type()) << name;
    EXPECT_EQ(it->second->attr().at("shape").SerializeAsString(), n->attr().at("shape").SerializeAsString()) << name;
    EXPECT_EQ(it->second->attr().at("shared_name").s(), name);
  }
  for (const auto& [name, n] : ours) {
    if (n->op() == "VarHandleOp") our_vars.insert(name);
  }
  EXPECT_EQ(our_vars, their_vars);
  // Every savepoint saves and restores the same tensors in the same order.
  for (const char* sp : {"server_savepoint", "save_server_savepoint", "client_savepoint", "update_savepoint",
                         "intermediate_update_savepoint", "aggregated_update_savepoint"}) {
    for (const std::string suffix : {"/save/tensor_names", "/RestoreV2/tensor_names"}) {
      const std::string name = std::string(sp) + suffix;
      ASSERT_TRUE(ours.count(name)) << name;
      ASSERT_TRUE(theirs.count(name)) << name;
      EXPECT_EQ(StringList(*ours.at(name)), StringList(*theirs.at(name))) << name;
    }
  }
  // Every node and tensor the Plan names exists, with the op and dtype the original has.
  std::vector<std::string> referenced;
  auto add_saver = [&](const fcp::CheckpointOp& op) {
    if (op.has_saver_def()) {
      referenced.push_back(NodeOf(op.saver_def().filename_tensor_name()));
      referenced.push_back(NodeOf(op.saver_def().save_tensor_name()));
      referenced.push_back(op.saver_def().restore_op_name());
    }
    for (const std::string& s : {op.before_restore_op(), op.after_restore_op(), op.before_save_op(),
                                 op.after_save_op(), NodeOf(op.session_token_tensor_name())}) {
      if (!s.empty()) referenced.push_back(s);
    }
  };
  const fcp::ServerPhase& sp = plan.phase(0).server_phase();
  add_saver(plan.server_savepoint());
  for (const auto* op : {&sp.write_client_init(), &sp.read_update(), &sp.write_intermediate_update(),
                         &sp.read_intermediate_update(), &sp.read_aggregated_update(), &sp.write_accumulators()}) {
    add_saver(*op);
  }
  for (const std::string& s : {sp.phase_init_op(), sp.aggregate_into_accumulators_op(), sp.apply_aggregrated_updates_op(),
                               sp.intermediate_aggregate_into_accumulators_op()}) {
    referenced.push_back(s);
  }
  for (const auto& m : sp.metrics()) referenced.push_back(NodeOf(m.variable_name()));
  for (const std::string& name : referenced) {
    ASSERT_TRUE(ours.count(name)) << "the Plan names " << name << ", which our graph lacks";
    EXPECT_EQ(ours.at(name)->op(), theirs.at(name)->op()) << name;
  }
  // No functions, and every node valid against TF's OpDef.
  EXPECT_EQ(graph.library().function_size(), 0);
  for (const auto& n : graph.node()) {
    const tensorflow::OpDef* def = tf::FindOpDef(n.op());
    ASSERT_NE(def, nullptr) << "op " << n.op() << " of " << n.name() << " has no TF OpDef";
    tensorflow::NodeDef copy = n;
    tf::AddDefaultAttrs(*def, &copy);
    EXPECT_TRUE(tf::ValidateNodeDef(copy, *def).ok()) << tf::ValidateNodeDef(copy, *def);
  }
}

TEST(PlanFixtureTest, TrainingServerGraphHasTheOriginalsStructure) {
  TB_REQUIRE_FIXTURE(model_dir, "keras/input/keras_model");
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/plan.pb");
  tf::FunctionalModel model = LoadKeras(model_dir);
  auto program = fl::BuildTrainingServerPieces(model, KerasSpec());
  ASSERT_TRUE(program.ok()) << program.status();
  ExpectSameServerStructure(plan_path, *program);
}

TEST(PlanFixtureTest, EvaluationServerGraphHasTheOriginalsStructure) {
  TB_REQUIRE_FIXTURE(model_dir, "keras/input/keras_model");
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/eval_plan.pb");
  tf::FunctionalModel model = LoadKeras(model_dir);
  auto program = fl::BuildEvaluationServerPieces(model, KerasSpec());
  ASSERT_TRUE(program.ok()) << program.status();
  ExpectSameServerStructure(plan_path, *program);
}

}  // namespace
}  // namespace tb::plan
