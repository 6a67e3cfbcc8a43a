// The accountant's shortcuts against the reference's full computation (PmfLimits::exhaustive): every shortcut
// must give the same ε, bit for bit, because it only skips work whose result provably cannot change ε.
#include <cstdint>

#include "dp/accounting.h"
#include "gtest/gtest.h"
#include "tests/dp/tolerance.h"

namespace tb::dp {
namespace {

AccountingParams Params(int64_t rg, int64_t t, double delta, bool exhaustive) {
  AccountingParams p;
  p.report_goal = rg;
  p.rounds = t;
  p.delta = delta;
  p.limits.exhaustive = exhaustive;
  return p;
}

TEST(FastPathsTest, SkippingTheDominatedDirectionChangesNoEpsilon) {
  struct {
    int64_t rg, t;
    double delta, sigma;
  } cases[] = {
      {2, 1000, 1.0 / 3e6, 0.22200350938986962},  // keras: ADD skipped
      {2, 512, 1.0 / 3e6, 0.1},                    // mnist
      {100, 10, 1e-6, 0.7},       {2000, 1, 1e-5, 1.0},   {2000, 100, 1e-6, 2.0},
      {30000, 10, 1e-6, 0.7},     {30000, 1000, 1e-5, 5.0}, {3000000, 3, 1e-6, 1.0},  // q = 1: REMOVE only
      {1500000, 5, 1e-6, 0.8},    // q = 1/2: ADD may win
  };
  for (const auto& c : cases) {
    auto fast = NoiseToEpsilon(Params(c.rg, c.t, c.delta, false), c.sigma);
    auto full = NoiseToEpsilon(Params(c.rg, c.t, c.delta, true), c.sigma);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(full.ok()) << full.status();
    EXPECT_EQ(*fast, *full) << "rg=" << c.rg << " T=" << c.t << " delta=" << c.delta << " sigma=" << c.sigma;
  }
}

TEST(FastPathsTest, FastFftLengthsMoveEpsilonOnlyWithinTheNoise) {
  // The self-composition pads to an even 2·3·5-smooth length instead of scipy's next_fast_len; the circular
  // convolution then wraps the same (negligible) mass, and ε moves only by FFT rounding noise.
  struct {
    int64_t rg, t;
    double delta, sigma;
  } cases[] = {
      {2, 1000, 1.0 / 3e6, 0.22200350938986962}, {2, 512, 1.0 / 3e6, 0.1},  {100, 1000, 1.0 / 3e6, 0.7},
      {2000, 100, 1e-6, 1.0},                    {30000, 10, 1e-6, 0.7},    {30000, 1000, 1e-5, 2.0},
  };
  for (const auto& c : cases) {
    AccountingParams fast = Params(c.rg, c.t, c.delta, false), reference = fast;
    reference.limits.reference_fft_lengths = true;
    auto a = NoiseToEpsilon(fast, c.sigma);
    auto b = NoiseToEpsilon(reference, c.sigma);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NEAR(*a, *b, PldEpsilonTolerance(*b, c.delta) / 2)
        << "rg=" << c.rg << " T=" << c.t << " delta=" << c.delta << " sigma=" << c.sigma;
  }
}

}  // namespace
}  // namespace tb::dp
