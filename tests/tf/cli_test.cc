// The CLI end to end: `taskbuilder example-model` writes models `inspect` and the loader accept.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/testing.h"
#include "tf/functional_model.h"

namespace tb::tf {
namespace {

using ::testing::HasSubstr;

nlohmann::json RunJson(const std::vector<std::string>& args, int want_exit = 0) {
  std::vector<std::string> argv = {tb::testing::TaskbuilderBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = tb::testing::Run(argv);
  EXPECT_EQ(r.exit_code, want_exit) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

TEST(CliTest, ExampleModelThenInspect) {
  tb::testing::TempDir dir;
  for (const std::string kind : {"mlp", "cnn"}) {
    const std::string out = dir.Join(kind);
    std::vector<std::string> args = {"example-model", "--kind=" + kind, "--out=" + out};
    if (kind == "mlp") {
      args.push_back("--input_dim=12");
      args.push_back("--hidden_units=5");
    } else {
      args.push_back("--height=8");
      args.push_back("--width=8");
      args.push_back("--dense_units=16");
    }
    auto made = RunJson(args);
    ASSERT_FALSE(made.is_discarded());
    EXPECT_EQ(made["kind"], kind);
    auto model = LoadFunctionalModel(out);
    ASSERT_TRUE(model.ok()) << model.status();
    auto inspected = RunJson({"inspect", out});
    ASSERT_FALSE(inspected.is_discarded());
    EXPECT_EQ(inspected["kind"], "saved_model");
    EXPECT_EQ(inspected["functional_model"]["input_spec"], made["input_spec"]);
    auto bundle = RunJson({"inspect", out + "/variables/variables.index"});
    EXPECT_EQ(bundle["kind"], "tensor_bundle");
    EXPECT_TRUE(bundle["checksums_ok"].get<bool>());
  }
  auto mlp = LoadFunctionalModel(dir.Join("mlp"));
  EXPECT_EQ(mlp->features[0].TypeString(), "float[-1,12]");
}

TEST(CliTest, UsageErrors) {
  auto r = tb::testing::Run({tb::testing::TaskbuilderBinary(), "example-model", "--kind=rnn", "--out=/tmp/x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--kind must be mlp or cnn"));
  r = tb::testing::Run({tb::testing::TaskbuilderBinary(), "example-model", "--kind=mlp", "--out=/tmp/x", "--classes=3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--classes does not apply"));
  r = tb::testing::Run({tb::testing::TaskbuilderBinary(), "inspect", "/nonexistent/file"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

TEST(CliTest, InspectsFixtureCheckpoint) {
  TB_REQUIRE_FIXTURE(path, "keras/output/initial_state.server.ckp");
  auto j = RunJson({"inspect", path});
  EXPECT_EQ(j["kind"], "v1_checkpoint");
  EXPECT_EQ(j["tensors"].size(), 12u);
}

}  // namespace
}  // namespace tb::tf
