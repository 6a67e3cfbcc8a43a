// `taskbuilder dp` end to end: the real binary, its JSON and its planner table.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/dp/tolerance.h"
#include "tests/testing/testing.h"

namespace tb {
namespace {

testing::RunResult Dp(std::vector<std::string> args) {
  args.insert(args.begin(), {testing::TaskbuilderBinary(), "dp"});
  return testing::Run(args, std::chrono::seconds(600));
}

TEST(DpCliTest, EpsilonForFixedGaussian) {
  auto r = Dp(
      {"epsilon", "--report_goal=2000", "--rounds=1000", "--delta=1e-6", "--noise=2.0", "--aggregator=FIXED_GAUSSIAN"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["epsilon"].get<double>(), 0.03975098169686671, 0.03975098169686671 * 2e-8);
  EXPECT_EQ(j["noise_multiplier"].get<double>(), 2.0);
  EXPECT_EQ(j["delta"].get<double>(), 1e-6);
  EXPECT_EQ(j["rounds"].get<int64_t>(), 1000);
  EXPECT_EQ(j["report_goal"].get<int64_t>(), 2000);
  EXPECT_EQ(j["aggregator"], "FIXED_GAUSSIAN");
  EXPECT_EQ(j["population"].get<int64_t>(), 3000000);
  EXPECT_EQ(j["accountant"], "PLD");
}

TEST(DpCliTest, EpsilonAndNoiseForTreeAggregation) {
  auto e = Dp({"epsilon", "--rounds=1000", "--delta=1e-6", "--noise=1.0", "--aggregator=ADAPTIVE_TREE"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(nlohmann::json::parse(e.out)["epsilon"].get<double>(), 20.551991629803823);
  auto n = Dp(
      {"noise", "--report_goal=2000", "--rounds=1000", "--delta=1e-6", "--epsilon=4", "--aggregator=TREE_AGGREGATION"});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  auto j = nlohmann::json::parse(n.out);
  EXPECT_EQ(j["noise_multiplier"].get<double>(), 4.009256362145439);
  EXPECT_EQ(j["epsilon"].get<double>(), 4.0);
  EXPECT_LE(j["achieved_epsilon"].get<double>(), 4.0);
  EXPECT_EQ(j["accountant"], "RDP_TREE");
}

TEST(DpCliTest, NoiseCalibrationForPld) {
  auto r = Dp(
      {"noise", "--report_goal=2000", "--rounds=10", "--delta=1e-9", "--epsilon=1", "--aggregator=ADAPTIVE_GAUSSIAN"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(dp::CalibratedNear(j["noise_multiplier"].get<double>(), 0.7047555353451402, 1e-9));
  EXPECT_LE(j["achieved_epsilon"].get<double>(), 1.0);
  EXPECT_EQ(j["aggregator"], "ADAPTIVE_GAUSSIAN");
}

// The same command with and without --reference_procedure; both must succeed. Returns their JSON outputs.
std::pair<nlohmann::json, nlohmann::json> FastAndReference(const std::vector<std::string>& args) {
  std::vector<std::string> reference_args = args;
  reference_args.push_back("--reference_procedure");
  auto fast = Dp(args);
  auto reference = Dp(reference_args);
  EXPECT_EQ(fast.exit_code, 0) << fast.err;
  EXPECT_EQ(reference.exit_code, 0) << reference.err;
  if (fast.exit_code != 0 || reference.exit_code != 0) return {};
  return {nlohmann::json::parse(fast.out), nlohmann::json::parse(reference.out)};
}

// --reference_procedure runs the reference's every step: the same ε within the noise floor, and a calibration
// by the reference's own search (more evaluations) that lands within its tolerance of the fast one.
TEST(DpCliTest, ReferenceProcedureAgreesWithTheFastOne) {
  const auto [fast, reference] = FastAndReference(
      {"epsilon", "--report_goal=2", "--rounds=1000", "--noise=0.22200350938986962", "--aggregator=FIXED_GAUSSIAN"});
  ASSERT_FALSE(fast.is_null() || reference.is_null());
  const double a = fast["epsilon"].get<double>(), b = reference["epsilon"].get<double>();
  EXPECT_NEAR(a, 9.999843446316454, dp::PldEpsilonTolerance(9.999843446316454, 1.0 / 3e6));
  EXPECT_NEAR(b, 9.999843446316454, dp::PldEpsilonTolerance(9.999843446316454, 1.0 / 3e6));
  EXPECT_NE(a, b);  // different computations (the fast one interpolates δ and uses a shorter FFT)

  const auto [jf, jr] = FastAndReference(
      {"noise", "--report_goal=2000", "--rounds=100", "--delta=1e-6", "--epsilon=4", "--aggregator=FIXED_GAUSSIAN"});
  ASSERT_FALSE(jf.is_null() || jr.is_null());
  EXPECT_TRUE(dp::CalibratedNear(jf["noise_multiplier"].get<double>(), jr["noise_multiplier"].get<double>(), 1e-6));
  EXPECT_LE(jr["achieved_epsilon"].get<double>(), 4.0);
  EXPECT_GT(jr["epsilon_evaluations"].get<int>(), jf["epsilon_evaluations"].get<int>());
}

TEST(DpCliTest, PopulationChangesTheSamplingProbability) {
  auto a = Dp({"epsilon", "--report_goal=2000", "--rounds=100", "--delta=1e-6", "--noise=1.0",
               "--aggregator=FIXED_GAUSSIAN", "--population=30000000"});
  auto b = Dp(
      {"epsilon", "--report_goal=200", "--rounds=100", "--delta=1e-6", "--noise=1.0", "--aggregator=FIXED_GAUSSIAN"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja["population"].get<int64_t>(), 30000000);
  EXPECT_EQ(ja["sampling_probability"].get<double>(), jb["sampling_probability"].get<double>());
  EXPECT_EQ(ja["epsilon"].get<double>(), jb["epsilon"].get<double>());  // same q, same accounting
}

TEST(DpCliTest, BadInputIsAClearError) {
  struct {
    std::vector<std::string> args;
    std::string needle;
  } cases[] = {
      {{"epsilon", "--report_goal=3000001", "--rounds=10", "--delta=1e-6", "--noise=1", "--aggregator=FIXED_GAUSSIAN"},
       "exceeds the assumed population"},
      {{"noise", "--report_goal=10", "--rounds=0", "--delta=1e-6", "--epsilon=1", "--aggregator=FIXED_GAUSSIAN"},
       "0 rounds"},
      {{"epsilon", "--report_goal=10", "--rounds=10", "--delta=1e-6", "--noise=nan", "--aggregator=FIXED_GAUSSIAN"},
       "noise multiplier"},
      {{"epsilon", "--report_goal=10", "--rounds=10", "--delta=1e-6", "--noise=1e-6", "--aggregator=FIXED_GAUSSIAN"},
       "too small"},
      {{"epsilon", "--report_goal=10", "--rounds=10", "--noise=1", "--aggregator=BOGUS"}, "unknown --aggregator"},
      {{"epsilon", "--report_goal=10", "--rounds=10", "--noise=1"}, "--aggregator is required"},
      {{"frobnicate"}, "unknown mode"},
      {{"epsilon", "--report_goal=10", "--rounds=10", "--noise=1", "--aggregator=FIXED_GAUSSIAN", "--bogus=1"},
       "bogus"},
  };
  for (const auto& c : cases) {
    auto r = Dp(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0];
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(DpCliTest, TablePlansOverRoundsAndNoise) {
  auto r =
      Dp({"table", "--rounds=100,1000", "--noise=1,2,4", "--delta=1e-6", "--aggregator=TREE_AGGREGATION", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["quantity"], "epsilon");
  EXPECT_EQ(j["columns"], "noise_multiplier");
  ASSERT_EQ(j["rows"].size(), 6u);
  EXPECT_EQ(j["rows"][3]["rounds"].get<int64_t>(), 1000);
  EXPECT_EQ(j["rows"][3]["noise_multiplier"].get<double>(), 1.0);
  EXPECT_EQ(j["rows"][3]["epsilon"].get<double>(), 20.551991629803823);
  // ε falls with noise and grows with rounds.
  EXPECT_GT(j["rows"][0]["epsilon"].get<double>(), j["rows"][1]["epsilon"].get<double>());
  EXPECT_LT(j["rows"][0]["epsilon"].get<double>(), j["rows"][3]["epsilon"].get<double>());

  auto text = Dp({"table", "--rounds=100,1000", "--noise=1,2,4", "--delta=1e-6", "--aggregator=TREE_AGGREGATION"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Epsilon at delta=1e-06, TREE_AGGREGATION, population 3000000"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("rounds \\ noise"), std::string::npos);
  EXPECT_NE(text.out.find("20.552"), std::string::npos) << text.out;
}

TEST(DpCliTest, TableCalibratesOverReportGoals) {
  auto r = Dp({"table", "--rounds=10", "--report_goal=2000,30000", "--epsilon=4", "--delta=1e-6",
               "--aggregator=FIXED_GAUSSIAN", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["quantity"], "noise_multiplier");
  EXPECT_EQ(j["columns"], "report_goal");
  ASSERT_EQ(j["rows"].size(), 2u);
  // A larger report goal samples more often and needs more noise for the same ε.
  EXPECT_LT(j["rows"][0]["noise_multiplier"].get<double>(), j["rows"][1]["noise_multiplier"].get<double>());
  // Cells that cannot be accounted are reported in place, not fatal.
  auto e = Dp(
      {"table", "--rounds=10,0", "--report_goal=2000", "--epsilon=4", "--delta=1e-6", "--aggregator=FIXED_GAUSSIAN"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("error[1]"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("[1] cannot calibrate"), std::string::npos) << e.out;
}

}  // namespace
}  // namespace tb
