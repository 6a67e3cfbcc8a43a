// `taskbuilder simulate` end to end: the real binary on a task made here, JSON on stdout, exit codes.
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runtime/data/tfrecord.h"
#include "tests/runtime/simulator/toy_task.h"
#include "tests/testing/testing.h"

namespace tb::runtime {
namespace {

using ::testing::HasSubstr;

std::vector<nlohmann::json> JsonLines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

TEST(SimulateCliTest, RoundsAndSummaryAsJson) {
  tb::testing::TempDir dir;
  testing::WriteToyTask(dir.path(), {0.0f, 0.0f});
  auto r = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.path(), "--rounds=3",
                             "--clients=4", "--population=8", "--examples_per_client=5", "--seed=7", "--noprogress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i]["round"], i);
    EXPECT_EQ(lines[i]["clients"], 4);
    EXPECT_EQ(lines[i]["examples"], 20);
    EXPECT_TRUE(lines[i]["metrics"].contains("server/toy/loss"));
    EXPECT_TRUE(lines[i]["timings_ms"].contains("aggregation"));
  }
  const nlohmann::json& summary = lines[3];
  EXPECT_EQ(summary["summary"], true);
  EXPECT_EQ(summary["rounds_completed"], 3);
  EXPECT_EQ(summary["min_client_version"], 341812000);
  EXPECT_LT(summary["last_loss"].get<double>(), summary["first_loss"].get<double>());
  EXPECT_THAT(r.err, HasSubstr("synthetic (5 per client"));

  // Same seed, same numbers.
  auto again = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.path(),
                                 "--rounds=3", "--clients=4", "--population=8", "--examples_per_client=5", "--seed=7",
                                 "--noprogress"});
  ASSERT_EQ(again.exit_code, 0);
  std::vector<nlohmann::json> lines2 = JsonLines(again.out);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lines[i]["metrics"], lines2[i]["metrics"]);
}

TEST(SimulateCliTest, ExitCodesNameTheProblem) {
  tb::testing::TempDir dir;
  testing::WriteToyTask(dir.path(), {0.0f, 0.0f});
  auto missing = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.Join("nope")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("Plan not found"));

  auto no_examples = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.path(),
                                       "--examples=" + dir.Join("missing.tfrecord")});
  EXPECT_EQ(no_examples.exit_code, 1);
  EXPECT_THAT(no_examples.err, HasSubstr("missing.tfrecord"));

  tb::testing::WriteFileOrDie(dir.Join("ops.csv"), "341812000,RestoreV2\n");
  auto allowlist = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.path(),
                                     "--allowlist=" + dir.Join("ops.csv")});
  EXPECT_EQ(allowlist.exit_code, 1);
  EXPECT_THAT(allowlist.err, HasSubstr("outside the ODP allowlist"));

  ASSERT_TRUE(data::WriteTFRecordFile(dir.Join("huge.tfrecord"), testing::ToyExamples({{3e30f, 0}, {3e30f, 0}})).ok());
  auto diverge = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.path(),
                                   "--clients=1", "--examples=" + dir.Join("huge.tfrecord")});
  EXPECT_EQ(diverge.exit_code, 3);
  EXPECT_THAT(diverge.err, HasSubstr("round 0: client 0 produced a non-finite update"));
  EXPECT_THAT(diverge.out, HasSubstr("\"error\""));

  auto bad_flag = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.path(), "--rounds=0"});
  EXPECT_EQ(bad_flag.exit_code, 1);
}

TEST(SimulateCliTest, KerasFixtureRuns) {
  TB_REQUIRE_FIXTURE(plan, "keras/output/plan.pb");
  const std::string dir = plan.substr(0, plan.rfind('/'));
  auto r = tb::testing::Run({tb::testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir, "--rounds=2",
                             "--clients=3", "--examples_per_client=9", "--noprogress"},
                            std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0]["metrics"].contains("server/client_work/train/loss"));
  EXPECT_EQ(lines[0]["clip_norm"], 0.1f);
  EXPECT_EQ(lines[2]["min_client_version"], 341912000);
}

}  // namespace
}  // namespace tb::runtime
