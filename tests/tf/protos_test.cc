// Checks that our own TF/TFF schemas (proto/tensorflow, proto/tff) have the upstream field numbers: the real
// SavedModels written by TF 2.17 parse with no unknown fields anywhere, and fields we do not model survive a
// parse/serialize round trip untouched.
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tensorflow/fingerprint.pb.h"
#include "tensorflow/saved_model.pb.h"
#include "tensorflow/tensor_bundle.pb.h"
#include "tensorflow/trackable_object_graph.pb.h"
#include "tests/testing/testing.h"
#include "tff/computation.pb.h"

namespace tb::tf {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Collects the paths of every message (recursively) that carries unknown fields.
void FindUnknown(const Message& m, const std::string& path, std::vector<std::string>* out) {
  const Reflection* r = m.GetReflection();
  if (!r->GetUnknownFields(m).empty()) out->push_back(path.empty() ? m.GetTypeName() : path);
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        FindUnknown(r->GetRepeatedMessage(m, f, i), path + "." + f->name() + "[" + std::to_string(i) + "]", out);
      }
    } else {
      FindUnknown(r->GetMessage(m, f), path + "." + f->name(), out);
    }
  }
}

void ExpectFullyKnown(const Message& m) {
  std::vector<std::string> unknown;
  FindUnknown(m, "", &unknown);
  EXPECT_THAT(unknown, ::testing::IsEmpty());
}

TEST(ProtosTest, KerasSavedModelParsesWithNoUnknownFields) {
  TB_REQUIRE_FIXTURE(path, "keras/input/keras_model/saved_model.pb");
  tensorflow::SavedModel sm;
  ASSERT_TRUE(sm.ParseFromString(tb::testing::ReadFileOrDie(path)));
  ExpectFullyKnown(sm);
  ASSERT_EQ(sm.meta_graphs_size(), 1);
  const auto& mg = sm.meta_graphs(0);
  EXPECT_EQ(sm.saved_model_schema_version(), 1);
  EXPECT_EQ(mg.meta_info_def().tensorflow_version(), "2.17.0");
  EXPECT_TRUE(mg.meta_info_def().stripped_default_attrs());
  EXPECT_THAT(mg.meta_info_def().tags(), ::testing::ElementsAre("serve"));
  EXPECT_EQ(mg.graph_def().node_size(), 27);
  EXPECT_EQ(mg.graph_def().library().function_size(), 14);
  EXPECT_EQ(mg.graph_def().versions().producer(), 1785);
  EXPECT_EQ(mg.graph_def().versions().min_consumer(), 12);
  EXPECT_EQ(mg.saver_def().version(), tensorflow::SaverDef::V2);
  EXPECT_EQ(mg.object_graph_def().nodes_size(), 18);
  EXPECT_EQ(mg.object_graph_def().concrete_functions_size(), 5);
  EXPECT_EQ(mg.signature_def().at("serving_default").inputs().at("x").tensor_shape().dim(1).size(), 784);
  // Node 7 is the loss: a bare concrete function with two keyword arguments.
  const auto& loss = mg.object_graph_def().nodes(7).bare_concrete_function();
  EXPECT_EQ(loss.concrete_function_name(), "__inference_flat_loss_404");
  EXPECT_THAT(loss.argument_keywords(), ::testing::ElementsAre("output", "label"));

  // Round trip: what we serialize parses back to the same message.
  tensorflow::SavedModel again;
  ASSERT_TRUE(again.ParseFromString(sm.SerializeAsString()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(sm, again));
}

TEST(ProtosTest, MnistSavedModelParsesWithNoUnknownFields) {
  TB_REQUIRE_FIXTURE(path, "mnist/input/mnist_model/saved_model.pb");
  tensorflow::SavedModel sm;
  ASSERT_TRUE(sm.ParseFromString(tb::testing::ReadFileOrDie(path)));
  ExpectFullyKnown(sm);
  EXPECT_EQ(sm.meta_graphs(0).graph_def().node_size(), 39);
  EXPECT_EQ(sm.meta_graphs(0).object_graph_def().nodes_size(), 22);
}

TEST(ProtosTest, FingerprintParsesWithNoUnknownFields) {
  TB_REQUIRE_FIXTURE(path, "keras/input/keras_model/fingerprint.pb");
  tensorflow::FingerprintDef fp;
  ASSERT_TRUE(fp.ParseFromString(tb::testing::ReadFileOrDie(path)));
  ExpectFullyKnown(fp);
  EXPECT_EQ(fp.saved_model_checksum(), 14964598251560868166ull);
  EXPECT_EQ(fp.checkpoint_hash(), 13902210102464318322ull);
  EXPECT_EQ(fp.version().producer(), 1);
}

TEST(ProtosTest, UnknownFieldsSurviveRoundTrip) {
  tensorflow::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  std::string bytes = sm.SerializeAsString();
  // Field 99, length-delimited, 3 bytes: a field a newer TF might add.
  bytes += std::string("\x9a\x06\x03" "abc", 6);
  tensorflow::SavedModel parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_FALSE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
  EXPECT_EQ(parsed.SerializeAsString(), bytes);
}

TEST(ProtosTest, TffTypeMatchesUpstreamWireFormat) {
  // serialized_input_spec of the keras fixture (artifacts.md §1.6): <f32[-1,784], i64[-1,1]>.
  const std::string hex =
      "122b0a14121222100801120cffffffffffffffffff0190060a131211220f0809120bffffffffffffffffff0101";
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  tensorflow_federated::v0::Type type;
  ASSERT_TRUE(type.ParseFromString(bytes));
  ExpectFullyKnown(type);
  ASSERT_EQ(type.struct_().element_size(), 2);
  const auto& x = type.struct_().element(0).value().tensor();
  EXPECT_EQ(x.dtype(), tensorflow::DT_FLOAT);
  EXPECT_THAT(x.dims(), ::testing::ElementsAre(-1, 784));
  const auto& y = type.struct_().element(1).value().tensor();
  EXPECT_EQ(y.dtype(), tensorflow::DT_INT64);
  EXPECT_THAT(y.dims(), ::testing::ElementsAre(-1, 1));
  EXPECT_EQ(type.SerializeAsString(), bytes);
}

}  // namespace
}  // namespace tb::tf
