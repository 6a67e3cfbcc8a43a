// The accountant against dp_accounting 0.4.3's values (behavior.md §4.5) and its behaviour on bad input.
#include "dp/accounting.h"

#include <cmath>

#include "dp/pld_accountant.h"
#include "dp/rdp_tree_accountant.h"
#include "gtest/gtest.h"
#include "tests/dp/tolerance.h"

namespace tb::dp {
namespace {

AccountingParams Params(int type, int64_t report_goal, int64_t rounds, double delta) {
  AccountingParams p;
  p.aggregator_type = type;
  p.report_goal = report_goal;
  p.rounds = rounds;
  p.delta = delta;
  return p;
}

double Eps(int type, int64_t rg, int64_t t, double delta, double sigma) {
  auto e = NoiseToEpsilon(Params(type, rg, t, delta), sigma);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.value_or(NAN);
}

constexpr double kDefaultDelta = 1.0 / 3000000;

TEST(AccountingTest, PldEpsilonMatchesReference) {
  struct {
    int64_t rg, t;
    double delta, sigma, want;
  } cases[] = {
      {2000, 1000, 1e-6, 1.0, 0.11953269027085},
      {2000, 1000, 1e-6, 2.0, 0.03975098169686671},
      {2000, 1000, 1e-9, 6.0, 0.017875321190415894},
      {2000, 1000, 1e-9, 0.5, 6.194758582487926},
      {2000, 1000, 1e-6, 0.48537618195117854, 3.999999514565041},
  };
  for (const auto& c : cases) {
    for (int type : {static_cast<int>(kFixedGaussian), static_cast<int>(kAdaptiveGaussian),
                     7}) {  // any non-tree value is PLD-accounted
      const double got = Eps(type, c.rg, c.t, c.delta, c.sigma);
      EXPECT_NEAR(got, c.want, PldEpsilonTolerance(c.want, c.delta))
          << "rg=" << c.rg << " T=" << c.t << " delta=" << c.delta << " sigma=" << c.sigma << " type=" << type;
    }
  }
}

TEST(AccountingTest, TreeEpsilonIsBitExact) {
  for (int type : {static_cast<int>(kTreeAggregation), static_cast<int>(kAdaptiveTree)}) {
    EXPECT_EQ(Eps(type, 2000, 1000, 1e-6, 1.0), 20.551991629803823);
    EXPECT_EQ(Eps(type, 2000, 1000, 1e-6, 2.0), 8.84687435850794);
    EXPECT_EQ(Eps(type, 2000, 1000, 1e-9, 6.0), 3.2376879430550742);
    EXPECT_EQ(Eps(type, 2000, 1000, 1e-6, 4.009256362145439), 3.999998882783492);
    EXPECT_EQ(Eps(type, 2000, 1000, 1e-6, 2.1797727000470997), 7.999995766418063);
    EXPECT_EQ(Eps(type, 0, 1000, 1e-6, 1.0), 20.551991629803823);  // report goal is unused
  }
}

TEST(AccountingTest, TreeCalibrationMatchesReferenceDigits) {
  struct {
    int64_t t;
    double delta, target, want;
  } cases[] = {{1000, 1e-6, 4.0, 4.009256362145439},
               {1000, 1e-6, 8.0, 2.1797727000470997},
               {1000, 1e-9, 6.0, 3.3890440446152126},
               {1000, kDefaultDelta, 10.0, 1.8602835037747605}};
  for (const auto& c : cases) {
    CalibrationStats stats;
    auto sigma = EpsilonToNoise(Params(kTreeAggregation, 2000, c.t, c.delta), c.target, &stats);
    ASSERT_TRUE(sigma.ok()) << sigma.status();
    EXPECT_EQ(*sigma, c.want) << c.target;
    EXPECT_LE(stats.achieved_epsilon, c.target);
    EXPECT_EQ(stats.achieved_epsilon, Eps(kTreeAggregation, 2000, c.t, c.delta, *sigma));
  }
}

TEST(AccountingTest, PldCalibrationMatchesReference) {
  struct {
    int64_t rg, t;
    double delta, target, want;
  } cases[] = {
      {2000, 1000, 1e-6, 4.0, 0.48537618195117854},       {2000, 1000, 1e-6, 8.0, 0.3902984386671272},
      {2000, 1, 1e-9, 1.0, 0.6539883663157146},           {2000, 10, 1e-9, 1.0, 0.7047555353451402},
      {2000, 100, kDefaultDelta, 10, 0.3351683005136169}, {100, 100, kDefaultDelta, 1.0, 0.427207675691831},
  };
  for (const auto& c : cases) {
    CalibrationStats stats;
    auto sigma = EpsilonToNoise(Params(kFixedGaussian, c.rg, c.t, c.delta), c.target, &stats);
    ASSERT_TRUE(sigma.ok()) << sigma.status();
    EXPECT_TRUE(CalibratedNear(*sigma, c.want, c.delta)) << "rg=" << c.rg << " T=" << c.t << " target=" << c.target;
    EXPECT_LE(stats.achieved_epsilon, c.target);
    EXPECT_EQ(stats.achieved_epsilon, Eps(kFixedGaussian, c.rg, c.t, c.delta, *sigma));
    // Coarse surrogates find the root; the exact accountant only confirms and pinches it.
    EXPECT_GE(stats.evaluations, 2);
    EXPECT_LE(stats.evaluations, 6);
    EXPECT_GT(stats.surrogate_evaluations, 0);
  }
}

// The configurations of the original's sample models (behavior.md §4.5): the costliest ones.
TEST(AccountingTest, SampleConfigsMatchReference) {
  EXPECT_NEAR(Eps(kFixedGaussian, 2, 512, kDefaultDelta, 0.1), 66.21971620661581,
              PldEpsilonTolerance(66.21971620661581, kDefaultDelta));  // mnist: fails the DP check
  EXPECT_NEAR(Eps(kFixedGaussian, 2, 1000, kDefaultDelta, 0.22200350938986962), 9.999843446316454,
              PldEpsilonTolerance(9.999843446316454, kDefaultDelta));
  CalibrationStats stats;
  auto keras = EpsilonToNoise(Params(kFixedGaussian, 2, 1000, kDefaultDelta), 10, &stats);
  ASSERT_TRUE(keras.ok()) << keras.status();
  EXPECT_TRUE(CalibratedNear(*keras, 0.22200350938986962, kDefaultDelta));
  EXPECT_LE(stats.achieved_epsilon, 10);
  auto good = EpsilonToNoise(Params(kFixedGaussian, 2000, 1000, 1e-9), 6, &stats);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE(CalibratedNear(*good, 0.5058570047153839, 1e-9));
  EXPECT_LE(stats.achieved_epsilon, 6);
  auto big = EpsilonToNoise(Params(kFixedGaussian, 30000, 1000, kDefaultDelta), 10, &stats);
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_TRUE(CalibratedNear(*big, 0.5862431087608502, kDefaultDelta));
  EXPECT_LE(stats.achieved_epsilon, 10);
}

TEST(AccountingTest, ZeroRoundsAndDegenerateParameters) {
  EXPECT_EQ(Eps(kFixedGaussian, 2000, 0, 1e-6, 1.0), 0.0);  // NoOp event
  EXPECT_EQ(Eps(kTreeAggregation, 2000, 0, 1e-6, 0.0), 0.0);
  EXPECT_EQ(Eps(kFixedGaussian, 2000, 1000, 1e-6, 0.0), INFINITY);
  EXPECT_EQ(Eps(kTreeAggregation, 2000, 1000, 1e-6, 0.0), INFINITY);
  auto calibrate_zero = EpsilonToNoise(Params(kFixedGaussian, 2000, 0, 1e-6), 1.0);
  EXPECT_EQ(calibrate_zero.status().code(), absl::StatusCode::kInvalidArgument);
  // q == 1: only the REMOVE direction is accounted.
  AccountingParams full = Params(kFixedGaussian, 3000000, 10, 1e-6);
  auto e = NoiseToEpsilon(full, 5.0);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_GT(*e, 0);
  EXPECT_TRUE(std::isfinite(*e));
}

TEST(AccountingTest, BadInputIsInvalidArgument) {
  auto bad = [](AccountingParams p, double sigma) {
    auto e = NoiseToEpsilon(p, sigma);
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << e.status();
    return std::string(e.status().message());
  };
  EXPECT_NE(bad(Params(kFixedGaussian, 3000001, 10, 1e-6), 1.0).find("exceeds the assumed population"),
            std::string::npos);
  bad(Params(kFixedGaussian, 2000, 10, 1e-6), NAN);
  bad(Params(kFixedGaussian, 2000, 10, 1e-6), -1.0);
  bad(Params(kFixedGaussian, 2000, 10, 1e-6), INFINITY);
  bad(Params(kFixedGaussian, 2000, 10, NAN), 1.0);
  bad(Params(kFixedGaussian, 2000, 10, -1e-6), 1.0);
  bad(Params(kFixedGaussian, 2000, -1, 1e-6), 1.0);
  bad(Params(kFixedGaussian, 0, 10, 1e-6), 1.0);
  AccountingParams no_population = Params(kFixedGaussian, 10, 10, 1e-6);
  no_population.population = 0;
  bad(no_population, 1.0);
  EXPECT_EQ(EpsilonToNoise(Params(kFixedGaussian, 2000, 10, 1e-6), NAN).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EpsilonToNoise(Params(kFixedGaussian, 2000, 10, 1e-6), -1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AccountingTest, ExtremeSetupsFailFastInsteadOfAllocating) {
  // σ = 1e-6 would need ~10^16 bins; 10^9 rounds a huge self-composition window; 10^18 rounds overflow losses.
  auto tiny = NoiseToEpsilon(Params(kFixedGaussian, 2000, 1000, 1e-6), 1e-6);
  ASSERT_EQ(tiny.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(tiny.status().message().find("too small"), absl::string_view::npos) << tiny.status();
  for (int64_t rounds : {int64_t{1000000000}, int64_t{1000000000000000000}}) {
    auto many = NoiseToEpsilon(Params(kFixedGaussian, 2000, rounds, 1e-6), 1.0);
    EXPECT_TRUE(many.ok() || many.status().code() == absl::StatusCode::kInvalidArgument) << many.status();
  }
  // Tree accounting is a closed form: any number of rounds is fine.
  EXPECT_GT(Eps(kTreeAggregation, 0, int64_t{1} << 62, 1e-6, 1.0), 0);
}

}  // namespace
}  // namespace tb::dp
