// Noise calibration with surrogates (CalibrateNoiseWithSurrogates): the contract — ε(σ) <= target, σ within 1e-6
// of the smallest such σ — on synthetic ε curves where the root is known, with good, poor and failing surrogates,
// and on the real accountant against the reference procedure (CalibrateNoise, as dp_accounting does it).
#include "dp/calibration.h"

#include <cmath>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "dp/accounting.h"
#include "gtest/gtest.h"
#include "tests/dp/tolerance.h"

namespace tb::dp {
namespace {

using Fn = std::function<absl::StatusOr<double>(double)>;

// ε(σ) = c / σ^k, +inf at 0; the root for target t is (c/t)^(1/k).
Fn Power(double c, double k) {
  return [c, k](double s) -> absl::StatusOr<double> { return s == 0 ? INFINITY : c / std::pow(s, k); };
}

TEST(CalibrationTest, FindsTheSmallestNoiseMeetingTheTarget) {
  struct {
    double c, k, target;
  } cases[] = {{1.0, 1.0, 4.5}, {3.0, 2.0, 0.01}, {0.02, 1.3, 10}, {50, 0.7, 1.0}, {1e-3, 3.0, 1e-6}};
  for (const auto& t : cases) {
    const double root = std::pow(t.c / t.target, 1 / t.k);
    // Surrogates 3% and 0.1% off, the way coarse discretizations are (not in the d² pattern the extrapolation
    // assumes, so the first exact guess is off too).
    const std::vector<SurrogateLevel> levels = {{Power(t.c * 1.03, t.k), 1e-2}, {Power(t.c * 0.999, t.k), 1e-3}};
    CalibrationStats stats;
    auto sigma = CalibrateNoiseWithSurrogates(levels, Power(t.c, t.k), 1e-4, t.target, &stats);
    ASSERT_TRUE(sigma.ok()) << sigma.status();
    EXPECT_GE(*sigma, root * (1 - 1e-15)) << t.c << " " << t.k;
    EXPECT_LE(*sigma - root, 1e-6) << t.c << " " << t.k;
    EXPECT_LE(stats.achieved_epsilon, t.target);
    EXPECT_LE(stats.evaluations, 6) << t.c << " " << t.k;
  }
}

TEST(CalibrationTest, ExtrapolatedSurrogatesLeaveTwoExactEvaluations) {
  // Surrogates whose root moves like c·d² (as the accountant's do): the extrapolated guess is within the final
  // tolerance, so the exact ε is evaluated twice, once on each side of the root.
  auto level = [](double d) { return Power(1 + 30 * d * d, 1.0); };
  const std::vector<SurrogateLevel> levels = {{level(1e-2), 1e-2}, {level(1e-3), 1e-3}};
  CalibrationStats stats;
  auto sigma = CalibrateNoiseWithSurrogates(levels, level(1e-4), 1e-4, 4.5, &stats);
  ASSERT_TRUE(sigma.ok()) << sigma.status();
  const double root = (1 + 30 * 1e-8) / 4.5;
  EXPECT_GE(*sigma, root * (1 - 1e-15));
  EXPECT_LE(*sigma - root, 1e-6);
  EXPECT_EQ(stats.evaluations, 2);
}

TEST(CalibrationTest, NoisyEpsilonStillBracketsInFewEvaluations) {
  // At δ = 1e-9 the accountant's ε carries rounding noise that makes it non-monotone over a few 1e-6 in σ. A
  // deterministic stand-in: 1/σ with a relative wiggle of 3e-6 on a 1e-7 scale; the surrogates are smooth.
  const Fn noisy = [](double s) -> absl::StatusOr<double> {
    return s == 0 ? INFINITY : (1 + 3e-6 * std::sin(1e7 * s)) / s;
  };
  auto level = [](double d) { return Power(1 + 30 * d * d, 1.0); };
  CalibrationStats stats;
  auto sigma = CalibrateNoiseWithSurrogates({{level(1e-2), 1e-2}, {level(1e-3), 1e-3}}, noisy, 1e-4, 4.5, &stats);
  ASSERT_TRUE(sigma.ok()) << sigma.status();
  EXPECT_LE(noisy(*sigma).value(), 4.5);
  // Some σ at most 8e-7 below exceeds the target (the bracket's lower end); probe a few.
  bool exceeded = false;
  for (double below = 5e-8; below <= 8e-7; below += 5e-8) exceeded = exceeded || noisy(*sigma - below).value() > 4.5;
  EXPECT_TRUE(exceeded);
  EXPECT_NEAR(*sigma, 1 / 4.5, 5e-6);
  EXPECT_LE(stats.evaluations, 12);
}

TEST(CalibrationTest, WorksWithoutUsefulSurrogates) {
  const double root = 1 / 4.5;
  // No surrogate; a surrogate that always fails; a surrogate that is wrong by a factor of ten.
  const Fn failing = [](double) -> absl::StatusOr<double> { return absl::InvalidArgumentError("too small"); };
  for (const std::vector<SurrogateLevel>& levels :
       {std::vector<SurrogateLevel>{}, std::vector<SurrogateLevel>{{failing, 1e-2}},
        std::vector<SurrogateLevel>{{Power(10, 1), 1e-2}},
        std::vector<SurrogateLevel>{{failing, 1e-2}, {Power(10, 1), 1e-3}},
        std::vector<SurrogateLevel>{{Power(10, 1), 1e-2}, {Power(0.1, 1), 1e-3}}}) {
    CalibrationStats stats;
    auto sigma = CalibrateNoiseWithSurrogates(levels, Power(1, 1), 1e-4, 4.5, &stats);
    ASSERT_TRUE(sigma.ok()) << sigma.status();
    EXPECT_GE(*sigma, root * (1 - 1e-15));
    EXPECT_LE(*sigma - root, 1e-6);
    EXPECT_LE(stats.evaluations, 30);
  }
}

TEST(CalibrationTest, StepFunctionsAndPlateaus) {
  // ε drops from 20 to 1 at σ = 0.3 (no interpolation can help): bisection must still close the bracket.
  const Fn step = [](double s) -> absl::StatusOr<double> { return s == 0 ? INFINITY : (s < 0.3 ? 20.0 : 1.0); };
  CalibrationStats stats;
  auto sigma = CalibrateNoiseWithSurrogates({{step, 1e-2}}, step, 1e-4, 5.0, &stats);
  ASSERT_TRUE(sigma.ok()) << sigma.status();
  EXPECT_GE(*sigma, 0.3);
  EXPECT_LE(*sigma - 0.3, 1e-6);
  // ε = 0 beyond a point (EpsilonForDelta returns 0 when δ covers everything).
  const Fn zero = [](double s) -> absl::StatusOr<double> { return s == 0 ? INFINITY : std::max(0.0, 2 - s); };
  sigma = CalibrateNoiseWithSurrogates({}, zero, 1e-4, 0.5, &stats);
  ASSERT_TRUE(sigma.ok()) << sigma.status();
  EXPECT_NEAR(*sigma, 1.5, 1e-6);
  EXPECT_LE(stats.achieved_epsilon, 0.5);
}

TEST(CalibrationTest, ErrorsAreTheReferenceProceduresErrors) {
  // Unreachable target (ε never below it): the fallback reports no bracketing interval.
  const Fn flat = [](double s) -> absl::StatusOr<double> { return s == 0 ? INFINITY : 7.0; };
  auto sigma = CalibrateNoiseWithSurrogates({}, flat, 1e-4, 5.0);
  EXPECT_FALSE(sigma.ok());
  // An exact-ε failure propagates.
  const Fn failing = [](double) -> absl::StatusOr<double> { return absl::InvalidArgumentError("limit"); };
  sigma = CalibrateNoiseWithSurrogates({}, failing, 1e-4, 5.0);
  ASSERT_FALSE(sigma.ok());
  EXPECT_EQ(sigma.status().code(), absl::StatusCode::kInvalidArgument);
}

AccountingParams Params(int64_t rg, int64_t t, double delta, bool exhaustive) {
  AccountingParams p;
  p.report_goal = rg;
  p.rounds = t;
  p.delta = delta;
  p.limits.exhaustive = exhaustive;
  return p;
}

// The real accountant: ε(σ) <= target is an evaluation of the accountant itself (not a surrogate), ε(σ - 1e-6) >
// target proves σ is within 1e-6 of the smallest σ meeting the target, and the reference procedure (exhaustive)
// agrees within its own tolerance.
TEST(CalibrationTest, AccountantCalibrationIsMinimalAndMatchesTheReferenceProcedure) {
  struct {
    int64_t rg, t;
    double delta, target;
  } cases[] = {{2, 1000, 1.0 / 3e6, 10.0}, {2000, 10, 1e-6, 2.0}, {100, 1000, 1e-5, 1.0}, {30000, 100, 1e-6, 8.0}};
  for (const auto& c : cases) {
    CalibrationStats fast_stats, ref_stats;
    auto fast = EpsilonToNoise(Params(c.rg, c.t, c.delta, false), c.target, &fast_stats);
    ASSERT_TRUE(fast.ok()) << fast.status();
    const AccountingParams accountant = Params(c.rg, c.t, c.delta, false);
    auto at = NoiseToEpsilon(accountant, *fast);
    auto below = NoiseToEpsilon(accountant, *fast - 1e-6);
    ASSERT_TRUE(at.ok() && below.ok());
    EXPECT_LE(*at, c.target) << c.rg << " " << c.t;
    EXPECT_EQ(*at, fast_stats.achieved_epsilon);
    EXPECT_GT(*below, c.target) << c.rg << " " << c.t;
    // The reference's procedure (δ evaluated at every bin, its Chernoff window) sees the same ε up to the FFT
    // rounding noise of each: two computations that each lie within the noise floor of the exact value can be
    // twice that apart (at δ = 1e-5 the FFT length alone moves ε by ~1e-8 relative).
    const AccountingParams exact = Params(c.rg, c.t, c.delta, true);
    auto at_exact = NoiseToEpsilon(exact, *fast);
    ASSERT_TRUE(at_exact.ok());
    EXPECT_NEAR(*at_exact, *at, 2 * PldEpsilonTolerance(*at, c.delta)) << c.rg << " " << c.t;
    auto ref = EpsilonToNoise(exact, c.target, &ref_stats);
    ASSERT_TRUE(ref.ok()) << ref.status();
    EXPECT_TRUE(CalibratedNear(*fast, *ref, c.delta)) << c.rg << " " << c.t;
    EXPECT_LT(fast_stats.evaluations, ref_stats.evaluations);
  }
}

}  // namespace
}  // namespace tb::dp
