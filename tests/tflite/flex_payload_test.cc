#include "tflite/flex_payload.h"

#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tests/tflite/fixture_programs.h"
#include "tests/tflite/test_model_builder.h"
#include "tflite/model_reader.h"

namespace tb::tflite {
namespace {

using ::testing::HasSubstr;

std::string Hex(const std::string& hex) { return absl::HexStringToBytes(hex); }

// FlexL2Loss's custom_options as TF 2.14's converter wrote them (tflite-lowering.md §5.2).
const char kL2LossNodeDefHex[] = "12064c324c6f73731a002a070a0154120230013200";

TEST(FlexPayloadTest, EncodesTheConverterBytes) {
  std::string node_def = Hex(kL2LossNodeDefHex);
  std::string expected = Hex("064c324c6f737300") + "\x15" + node_def + Hex("0002") + Hex("1f18") + Hex("1414") +
                         Hex("042801");
  std::string encoded = EncodeFlexPayload("L2Loss", node_def);
  EXPECT_EQ(absl::BytesToHexString(encoded), absl::BytesToHexString(expected));
  auto decoded = DecodeFlexPayload(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->op, "L2Loss");
  EXPECT_EQ(decoded->node_def, node_def);
}

TEST(FlexPayloadTest, TwoByteElementsForLongNodeDefs) {
  std::string node_def(257, 'n');
  std::string encoded = EncodeFlexPayload("MapDataset", node_def);
  ASSERT_EQ(encoded.size(), 283u);
  EXPECT_EQ(absl::BytesToHexString(encoded.substr(272)), "0200110106011415062901");
  auto decoded = DecodeFlexPayload(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->op, "MapDataset");
  EXPECT_EQ(decoded->node_def, node_def);
}

TEST(FlexPayloadTest, RoundTripsLargeSizes) {
  for (size_t size : {0u, 1u, 254u, 255u, 256u, 65535u, 65536u, 70000u}) {
    std::string node_def(size, '\x5a');
    auto decoded = DecodeFlexPayload(EncodeFlexPayload("ReduceDataset", node_def));
    ASSERT_TRUE(decoded.ok()) << size << ": " << decoded.status();
    EXPECT_EQ(decoded->node_def.size(), size);
  }
}

TEST(FlexPayloadTest, RejectsMalformedPayloads) {
  EXPECT_FALSE(DecodeFlexPayload("").ok());
  EXPECT_THAT(std::string(DecodeFlexPayload(Hex("000101")).status().message()), HasSubstr("root is FlexBuffer type"));
  // A vector of three strings.
  std::string three = EncodeFlexPayload("L2Loss", "x");
  three[three.size() - 9] = 3;  // the vector length
  EXPECT_FALSE(DecodeFlexPayload(three).ok());
  // An element typed BLOB (25) instead of STRING: the delegate would read an empty op name.
  std::string blob = EncodeFlexPayload("L2Loss", "x");
  blob[blob.size() - 4] = static_cast<char>(25 << 2);
  EXPECT_THAT(std::string(DecodeFlexPayload(blob).status().message()), HasSubstr("expected a string"));
}

TEST(FlexPayloadTest, MutationsNeverCrash) {
  std::string base = EncodeFlexPayload("ParseExampleV2", std::string(300, 'q'));
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string m = base.substr(0, rng() % (base.size() + 1));
    for (int k = 0; k < 3 && !m.empty(); ++k) m[rng() % m.size()] = static_cast<char>(rng());
    auto decoded = DecodeFlexPayload(m);
    if (decoded.ok()) {
      EXPECT_LE(decoded->op.size() + decoded->node_def.size(), m.size());
    }
  }
}

TEST(FlexPayloadTest, FlexOpFromCustomCode) {
  EXPECT_EQ(FlexOpFromCustomCode("FlexL2Loss"), "L2Loss");
  EXPECT_EQ(FlexOpFromCustomCode("Flex"), "");
  EXPECT_EQ(FlexOpFromCustomCode("MyCustomOp"), "");
}

// Every Flex operator of the four fixture programs decodes, and re-encoding gives back its exact bytes.
TEST(FlexPayloadFixtureTest, ReproducesEveryFixturePayload) {
  int total = 0;
  for (const auto& program : testing::kFixturePrograms) {
    TB_REQUIRE_FIXTURE(path, program.client_only_plan);
    auto bytes = testing::TfliteFromClientOnlyPlan(tb::testing::ReadFileOrDie(path));
    ASSERT_TRUE(bytes.ok());
    auto model = Model::Parse(*bytes);
    ASSERT_TRUE(model.ok()) << model.status();
    for (int s = 0; s < model->num_subgraphs(); ++s) {
      for (const fb::Operator* op : *model->subgraph(s).operators()) {
        std::string_view op_name = FlexOpFromCustomCode(model->CustomCode(*op));
        if (op_name.empty()) continue;
        std::string options(model->CustomOptions(*op));
        auto payload = DecodeFlexPayload(options);
        ASSERT_TRUE(payload.ok()) << program.name << " " << op_name << ": " << payload.status();
        EXPECT_EQ(payload->op, op_name);
        EXPECT_EQ(EncodeFlexPayload(payload->op, payload->node_def), options) << program.name << " " << op_name;
        ++total;
      }
    }
  }
  EXPECT_EQ(total, 98);
}

}  // namespace
}  // namespace tb::tflite
