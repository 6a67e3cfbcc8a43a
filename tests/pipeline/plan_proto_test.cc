// Our plan.proto against the original's artifacts: every fixture Plan / ClientOnlyPlan parses with no unknown
// field and re-serializes byte for byte; and the ClientPhase the original emits (artifacts.md §3.1) is reproduced
// from our own definitions.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "fcp/plan.pb.h"
#include "gtest/gtest.h"
#include "pipeline/build_pipeline.h"
#include "tests/testing/testing.h"

namespace tb::pipeline {
namespace {

namespace plan = ::google::internal::federated::plan;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Paths of fields the schema does not know, anywhere in `message` (empty when our schema covers every byte).
void CollectUnknown(const Message& message, const std::string& path, std::vector<std::string>* out) {
  const auto* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) out->push_back(path.empty() ? "<root>" : path);
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string child = path.empty() ? field->name() : path + "." + field->name();
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        CollectUnknown(reflection->GetRepeatedMessage(message, field, i), child + "[" + std::to_string(i) + "]", out);
      }
    } else {
      CollectUnknown(reflection->GetMessage(message, field), child, out);
    }
  }
}

template <typename Proto>
void ExpectRoundTrip(const std::string& relative) {
  TB_REQUIRE_FIXTURE(path, relative);
  const std::string bytes = ::tb::testing::ReadFileOrDie(path);
  Proto proto;
  ASSERT_TRUE(proto.ParseFromString(bytes)) << relative;
  std::vector<std::string> unknown;
  CollectUnknown(proto, "", &unknown);
  EXPECT_TRUE(unknown.empty()) << relative << ": unknown fields at " << unknown.front();
  EXPECT_EQ(SerializeDeterministic(proto), bytes) << relative;
}

TEST(PlanProtoTest, FixturePlansRoundTripByteForByte) {
  for (const char* name : {"keras/output/plan.pb", "keras/output/eval_plan.pb", "mnist/output/plan.pb",
                           "mnist/output/eval_plan.pb", "e2e/server_plan_v1", "e2e/server_plan_v2"}) {
    ExpectRoundTrip<plan::Plan>(name);
  }
}

TEST(PlanProtoTest, FixtureClientOnlyPlansRoundTripByteForByte) {
  for (const char* name : {"keras/output/client_only_plan.pb", "keras/output/eval_client_only_plan.pb",
                           "mnist/output/client_only_plan.pb", "mnist/output/eval_client_only_plan.pb",
                           "e2e/client_only_plan_v1", "e2e/client_only_plan_v2"}) {
    ExpectRoundTrip<plan::ClientOnlyPlan>(name);
  }
}

TEST(PlanProtoTest, FixtureClientOnlyPlanIsThePlansClientPhaseAndTflite) {
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/plan.pb");
  TB_REQUIRE_FIXTURE(client_path, "keras/output/client_only_plan.pb");
  plan::Plan server_plan;
  ASSERT_TRUE(server_plan.ParseFromString(::tb::testing::ReadFileOrDie(plan_path)));
  plan::ClientOnlyPlan client;
  *client.mutable_phase() = server_plan.phase(0).client_phase();
  client.set_tflite_graph(server_plan.client_tflite_graph_bytes());
  EXPECT_EQ(SerializeDeterministic(client), ::tb::testing::ReadFileOrDie(client_path));
  EXPECT_EQ(server_plan.version(), 1);
  EXPECT_EQ(server_plan.server_graph_bytes().type_url(), "type.googleapis.com/tensorflow.GraphDef");
  EXPECT_EQ(server_plan.server_savepoint().saver_def().restore_op_name(), "server_savepoint/restore_all");
  EXPECT_EQ(server_plan.phase(0).server_phase().apply_aggregrated_updates_op(), "group_deps_6");
}

// The 135-byte ClientPhase shared by all four sample plans (artifacts.md §3.1), built from our own schema.
TEST(PlanProtoTest, OriginalsClientPhaseFromOurSchema) {
  plan::ClientPhase phase;
  auto* spec = phase.mutable_tensorflow_spec();
  spec->set_dataset_token_tensor_name("data_token:0");
  for (const char* name : {"input_filepath:0", "output_filepath:0"}) {
    auto* input = spec->add_input_tensor_specs();
    input->set_name(name);
    input->mutable_shape();  // scalar: present but empty
    input->set_dtype(tensorflow::DT_STRING);
  }
  spec->add_target_node_names("save_client_update_tensors");
  spec->mutable_example_selector();  // field 999, present but empty
  auto* router = phase.mutable_federated_compute();
  router->set_input_filepath_tensor_name("input_filepath:0");
  router->set_output_filepath_tensor_name("output_filepath:0");
  plan::ClientOnlyPlan holder;
  *holder.mutable_phase() = phase;
  const std::string expected_hex =
      "1287012"
      "25e0a0c646174615f746f6b656e3a3012160a10696e7075745f66696c65706174683a301200180712170a116f75747075745f66696c"
      "65706174683a3012001807221a736176655f636c69656e745f7570646174655f74656e736f7273ba3e002a250a10696e7075745f6669"
      "6c65706174683a3012116f75747075745f66696c65706174683a30";
  EXPECT_EQ(absl::BytesToHexString(SerializeDeterministic(holder)), expected_hex);
}

TEST(PlanProtoTest, MapsSerializeInKeyOrder) {
  plan::FederatedComputeIORouter router;
  (*router.mutable_aggregations())["b"].mutable_secure_aggregation();
  (*router.mutable_aggregations())["a"].mutable_secure_aggregation();
  const std::string first = SerializeDeterministic(router);
  plan::FederatedComputeIORouter reparsed;
  ASSERT_TRUE(reparsed.ParseFromString(first));
  EXPECT_EQ(SerializeDeterministic(reparsed), first);
  EXPECT_LT(first.find("\x0a\x01\x61"), first.find("\x0a\x01\x62"));
}

}  // namespace
}  // namespace tb::pipeline
