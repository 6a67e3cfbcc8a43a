// `taskbuilder build` as a real process: the artifact-only pipeline into a directory with the original's file
// names, the response and the task report always written.
#include <filesystem>
#include <string>

#include "fcp/plan.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "odp/task_builder.pb.h"
#include "tests/testing/testing.h"

namespace tb::cli {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;
using ::tb::testing::RunResult;
using ::tb::testing::TempDir;
using ::testing::HasSubstr;

RunResult Build(std::vector<std::string> flags) {
  std::vector<std::string> argv = {::tb::testing::TaskbuilderBinary(), "build"};
  for (auto& f : flags) argv.push_back(std::move(f));
  return ::tb::testing::Run(argv, std::chrono::seconds(600));
}

std::string GoodConfig() { return ::tb::testing::TestDataPath("service/good_training_and_eval.pbtxt"); }

TEST(BuildCommandTest, FlagsAreChecked) {
  EXPECT_EQ(Build({}).exit_code, 2);
  EXPECT_EQ(Build({"--saved_model=/m", "--task_config=" + GoodConfig()}).exit_code, 2);
  RunResult r = Build({"--saved_model=/m", "--task_config=/x", "--out=/tmp/x", "--bogus=1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --bogus"));
}

TEST(BuildCommandTest, InvalidConfigWritesTheErrorResponse) {
  TempDir dir;
  const std::string config = dir.Join("bad.pbtxt");
  ::tb::testing::WriteFileOrDie(config, "population_name: \"p\" policies { model_release_policy { dp_delta: 0.001 } }");
  RunResult r = Build({"--saved_model=" + dir.path(), "--task_config=" + config, "--out=" + dir.Join("out")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("INVALID_REQUEST: Task config is invalid: [Invalid task config]: key `dp_delta` has a "
                               "bad value: `0.001` in `model_release_policy`."));
  odp::BuildTaskResponse response;
  ASSERT_TRUE(response.ParseFromString(::tb::testing::ReadFileOrDie(dir.Join("out/build_task_response.pb"))));
  EXPECT_EQ(response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
  EXPECT_TRUE(response.has_task_report());
  EXPECT_EQ(::tb::testing::ReadFileOrDie(dir.Join("out/task_report.json")), "{}\n");
  EXPECT_THAT(r.out, HasSubstr("\"ok\": false"));
}

TEST(BuildCommandTest, MissingConfigFile) {
  TempDir dir;
  RunResult r = Build({"--saved_model=" + dir.path(), "--task_config=" + dir.Join("nope.pbtxt"), "--out=" + dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Cannot load task config from " + dir.Join("nope.pbtxt")));
}

// The GOOD config on the keras sample model: the artifacts under the original's names, and the response.
TEST(BuildCommandTest, KerasModelBuildsEveryArtifact) {
  TB_REQUIRE_FIXTURE(model, "keras/input/keras_model");
  TempDir dir;
  RunResult r = Build({"--saved_model=" + model, "--task_config=" + GoodConfig(), "--out=" + dir.path()});
  odp::BuildTaskResponse response;
  ASSERT_TRUE(response.ParseFromString(::tb::testing::ReadFileOrDie(dir.Join("build_task_response.pb")))) << r.err;
  EXPECT_TRUE(response.task_report().has_dp_hyperparameters()) << r.err;
  EXPECT_THAT(::tb::testing::ReadFileOrDie(dir.Join("task_report.json")), HasSubstr("\"dp_hyperparameters\""));
  ASSERT_TRUE(response.has_task_group()) << response.error_info().error_message();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"plan.pb", "client_only_plan.pb", "initial_state.server.ckp", "eval_plan.pb",
                           "eval_client_only_plan.pb", "eval_initial_state.server.ckp"}) {
    EXPECT_GT(std::filesystem::file_size(dir.Join(name)), 0u) << name;
  }
  google::internal::federated::plan::Plan plan;
  EXPECT_TRUE(plan.ParseFromString(::tb::testing::ReadFileOrDie(dir.Join("plan.pb"))));
  EXPECT_EQ(response.task_group().training_task().server_phase_url(0), dir.Join("plan.pb"));
  EXPECT_EQ(response.task_group().eval_task().init_checkpoint_url(0), dir.Join("eval_initial_state.server.ckp"));
}

}  // namespace
}  // namespace tb::cli
