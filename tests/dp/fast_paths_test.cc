// The accountant's shortcuts against the reference's full computation (PmfLimits::exhaustive): every shortcut
// must give the same ε, bit for bit, because it only skips work whose result provably cannot change ε.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <tuple>

#include "dp/accounting.h"
#include "dp/privacy_loss_pmf.h"
#include "dp/subsampled_gaussian_pld.h"
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

// One accountant configuration: report goal, rounds, δ and σ.
struct Config {
  int64_t rg, t;
  double delta, sigma;
};

// ε with the default limits against ε with `variant` applied to the limits, within half the tolerance: a shortcut
// whose only effect is floating-point noise must stay well inside the noise floor the reference is held to.
void ExpectEpsilonWithinNoise(std::initializer_list<Config> cases, void (*variant)(PmfLimits&)) {
  for (const Config& c : cases) {
    AccountingParams fast = Params(c.rg, c.t, c.delta, false), reference = fast;
    variant(reference.limits);
    auto a = NoiseToEpsilon(fast, c.sigma);
    auto b = NoiseToEpsilon(reference, c.sigma);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NEAR(*a, *b, PldEpsilonTolerance(*b, c.delta) / 2)
        << "rg=" << c.rg << " T=" << c.t << " delta=" << c.delta << " sigma=" << c.sigma;
  }
}

TEST(FastPathsTest, SkippingTheDominatedDirectionChangesNoEpsilon) {
  struct {
    int64_t rg, t;
    double delta, sigma;
  } cases[] = {
      {2, 1000, 1.0 / 3e6, 0.22200350938986962},  // keras: ADD skipped
      {2, 512, 1.0 / 3e6, 0.1},                   // mnist
      {100, 10, 1e-6, 0.7},
      {2000, 1, 1e-5, 1.0},
      {2000, 100, 1e-6, 2.0},
      {30000, 10, 1e-6, 0.7},
      {30000, 1000, 1e-5, 5.0},
      {3000000, 3, 1e-6, 1.0},  // q = 1: REMOVE only
      {1500000, 5, 1e-6, 0.8},  // q = 1/2: ADD may win
  };
  for (const auto& c : cases) {
    AccountingParams skipping = Params(c.rg, c.t, c.delta, false);
    skipping.limits.exact_deltas = true;  // isolate the skipping from the interpolation of δ and the window
    skipping.limits.reference_window = true;
    auto fast = NoiseToEpsilon(skipping, c.sigma);
    auto full = NoiseToEpsilon(Params(c.rg, c.t, c.delta, true), c.sigma);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(full.ok()) << full.status();
    EXPECT_EQ(*fast, *full) << "rg=" << c.rg << " T=" << c.t << " delta=" << c.delta << " sigma=" << c.sigma;
  }
}

TEST(FastPathsTest, FastFftLengthsMoveEpsilonOnlyWithinTheNoise) {
  // The self-composition pads to an even 2·3·5-smooth length instead of scipy's next_fast_len; the circular
  // convolution then wraps the same (negligible) mass, and ε moves only by FFT rounding noise.
  ExpectEpsilonWithinNoise({{2, 1000, 1.0 / 3e6, 0.22200350938986962},
                            {2, 512, 1.0 / 3e6, 0.1},
                            {100, 1000, 1.0 / 3e6, 0.7},
                            {2000, 100, 1e-6, 1.0},
                            {30000, 10, 1e-6, 0.7},
                            {30000, 1000, 1e-5, 2.0}},
                           [](PmfLimits& limits) { limits.reference_fft_lengths = true; });
}

// Discretize interpolates δ(ε) over smooth stretches of the grid. The per-round PMF's tail sums (what ε is made of)
// must stay within the reference's own rounding noise of the bin-by-bin evaluation, and ε within half the
// tolerance; the fit must actually be in use where it is meant to be (REMOVE with small q, the ODP case).
TEST(FastPathsTest, InterpolatedDeltasKeepTheTailSums) {
  struct {
    double sigma, q;
  } cases[] = {{0.22200350938986962, 2 / 3e6}, {0.7, 0.01}, {0.3, 0.01}, {1.0, 2000 / 3e6}};
  for (const auto& c : cases) {
    const SubsampledGaussianLoss loss(c.sigma, c.q, Adjacency::kRemove);
    PmfLimits exact_limits;
    exact_limits.exact_deltas = true;
    auto fitted = loss.Discretize();
    auto exact = loss.Discretize(exact_limits);
    ASSERT_TRUE(fitted.ok() && exact.ok());
    ASSERT_TRUE(fitted->dense && exact->dense);
    ASSERT_EQ(fitted->lower, exact->lower);
    ASSERT_EQ(fitted->size(), exact->size());
    EXPECT_EQ(fitted->infinity_mass, exact->infinity_mass);
    double tail_fitted = 0, tail_exact = 0, worst = 0;
    size_t fitted_bins = 0;
    for (size_t k = 0; k < exact->size(); ++k) {
      const size_t i = exact->size() - 1 - k;
      fitted_bins += fitted->probs[i] != exact->probs[i];
      tail_fitted += fitted->probs[i];
      tail_exact += exact->probs[i];
      if (tail_exact > 1e-15) worst = std::max(worst, std::fabs(tail_fitted - tail_exact) / tail_exact);
    }
    EXPECT_LT(worst, 1e-9) << c.sigma << " " << c.q;
    EXPECT_GT(fitted_bins, exact->size() * 9 / 10) << c.sigma << " " << c.q;
  }
}

TEST(FastPathsTest, InterpolatedDeltasMoveEpsilonOnlyWithinTheNoise) {
  ExpectEpsilonWithinNoise({{2, 1000, 1.0 / 3e6, 0.22200350938986962},
                            {2, 512, 1.0 / 3e6, 0.1},
                            {100, 1000, 1.0 / 3e6, 0.7},
                            {2000, 100, 1e-6, 1.0},
                            {30000, 10, 1e-6, 0.7},
                            {30000, 1000, 1e-5, 2.0},
                            {1500000, 5, 1e-6, 0.8},
                            {3000000, 3, 1e-6, 1.0},
                            {2000, 1000, 1e-9, 0.7}},
                           [](PmfLimits& limits) { limits.exact_deltas = true; });
}

// The self-composition's window also tries Chernoff orders larger than the reference's, which shortens the FFT by
// a third on small-q configs. Where the far-tail mass that then wraps onto the bottom bins could reach the bins ε
// is made of (ε near 0), the accountant recomputes with the reference's window; these small-ε configs are such
// cases and must match the reference window closely (without the recomputation some move by 1e-7 relative).
TEST(FastPathsTest, TighterWindowMovesEpsilonOnlyWithinTheNoise) {
  ExpectEpsilonWithinNoise({{2, 100, 1e-5, 0.3},  // ε ~ 1e-3: recomputed with the reference window
                            {2, 10, 1e-6, 0.3},
                            {100, 10, 1e-5, 0.7},
                            {100, 1000, 1e-9, 1.0},
                            {2, 1000, 1.0 / 3e6, 0.22200350938986962},
                            {100, 1000, 1.0 / 3e6, 0.7},
                            {2000, 1000, 1e-6, 1.0},
                            {30000, 100, 1e-6, 0.7}},
                           [](PmfLimits& limits) { limits.reference_window = true; });
  // The keras config's composed PMF: the window ends near 50 nats instead of the reference's 70.
  auto per_round = SubsampledGaussianLoss(0.22200350938986962, 2 / 3e6, Adjacency::kRemove).Discretize();
  ASSERT_TRUE(per_round.ok());
  PmfLimits reference_window;
  reference_window.reference_window = true;
  auto tight = SelfCompose(*per_round, 1000, kTailMassTruncation);
  auto wide = SelfCompose(*per_round, 1000, kTailMassTruncation, reference_window);
  ASSERT_TRUE(tight.ok() && wide.ok());
  EXPECT_LT(tight->size(), wide->size() * 3 / 4);
  EXPECT_GT(tight->wrap.mass, 0);
  EXPECT_EQ(wide->wrap.mass, 0);
}

TEST(FastPathsTest, DeltaWithoutStatusIsDelta) {
  struct {
    double sigma, q;
  } cases[] = {{0.22200350938986962, 2 / 3e6}, {1.0, 2000 / 3e6}, {0.7, 0.01}, {2.0, 0.5}, {0.8, 1.0}};
  for (const auto& c : cases) {
    for (Adjacency adjacency : {Adjacency::kRemove, Adjacency::kAdd}) {
      const SubsampledGaussianLoss loss(c.sigma, c.q, adjacency);
      int failures = 0;
      for (double epsilon = -60; epsilon <= 60; epsilon += 0.0137) {
        double fast = -1;
        const bool ok = loss.TryDelta(epsilon, &fast);
        auto slow = loss.Delta(epsilon);
        ASSERT_EQ(ok, slow.ok()) << epsilon;
        if (!ok) {
          ++failures;
          continue;
        }
        ASSERT_EQ(std::memcmp(&fast, &*slow, sizeof fast), 0) << c.sigma << " " << c.q << " " << epsilon;
      }
      EXPECT_EQ(failures, 0);  // Delta switches formulas before the inverse loss leaves its range
      // The inverse loss outside the range is still an error, with the message naming the side.
      if (c.q < 1) {
        auto out = loss.InverseLoss(adjacency == Adjacency::kAdd ? 100.0 : -100.0);
        ASSERT_FALSE(out.ok());
        EXPECT_NE(out.status().message().find(adjacency == Adjacency::kAdd ? "above" : "below"), std::string::npos);
      }
    }
  }
}

TEST(FastPathsTest, ComposeWithIdentityIsCompose) {
  for (const auto& [sigma, q, t] :
       {std::tuple{0.5, 0.01, 30}, std::tuple{1.0, 2000 / 3e6, 200}, std::tuple{2.0, 0.3, 3}}) {
    for (Adjacency adjacency : {Adjacency::kRemove, Adjacency::kAdd}) {
      auto per_round = SubsampledGaussianLoss(sigma, q, adjacency).Discretize();
      ASSERT_TRUE(per_round.ok());
      auto composed = SelfCompose(*per_round, t, kTailMassTruncation);
      ASSERT_TRUE(composed.ok());
      auto want = Compose(PrivacyLossPmf::Identity(), *composed, kTailMassTruncation);
      auto got = ComposeWithIdentity(*composed, kTailMassTruncation);
      ASSERT_TRUE(want.ok() && got.ok());
      EXPECT_EQ(got->dense, want->dense);
      EXPECT_EQ(got->lower, want->lower);
      EXPECT_EQ(got->keys, want->keys);
      EXPECT_EQ(got->probs, want->probs);  // bitwise (no NaN)
      EXPECT_EQ(got->infinity_mass, want->infinity_mass);
    }
  }
}

// SelfComposedTailBound is a Chernoff bound: never below the exact tail, and close to it (within the usual
// polynomial factor) for a binomial, where the exact tail is known.
TEST(FastPathsTest, TailBoundOfABinomial) {
  const double p = 0.1;
  const int64_t t = 100;
  const PrivacyLossPmf pmf = PrivacyLossPmf::FromContiguous(0, {1 - p, p}, 0.0);
  for (int64_t k : {15, 20, 30, 50}) {
    double exact = 0;  // P(Binomial(100, 0.1) >= k)
    for (int64_t j = k; j <= t; ++j) {
      exact += std::exp(std::lgamma(t + 1.0) - std::lgamma(j + 1.0) - std::lgamma(t - j + 1.0) + j * std::log(p) +
                        (t - j) * std::log1p(-p));
    }
    const double bound = SelfComposedTailBound(pmf, t, k);
    EXPECT_GE(bound, exact) << k;
    EXPECT_LE(bound, 20 * exact) << k;
  }
  EXPECT_EQ(SelfComposedTailBound(pmf, t, 0), INFINITY);  // no order bounds the mass at or above the lowest sum
}

// Where the per-round bound cannot skip ADD (T times the largest per-round loss is above REMOVE's ε), the tail
// bound can: ADD's composed PMF (as computed, with its FFT rounding) has less mass above REMOVE's ε than the bound
// says, the bound is far below δ, ADD's own ε is below REMOVE's, and ε with the skip equals the full computation
// of both directions.
TEST(FastPathsTest, AddDirectionSkippedByItsTailBound) {
  const struct {
    int64_t rg, t;
    double delta, sigma;
  } cases[] = {{30000, 1000, 1e-6, 1.0}, {30000, 1000, 1e-6, 0.7785424}, {100000, 100, 1e-6, 1.0}};
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::Message() << "rg=" << c.rg << " T=" << c.t << " sigma=" << c.sigma);
    auto epsilon = NoiseToEpsilon(Params(c.rg, c.t, c.delta, false), c.sigma);
    ASSERT_TRUE(epsilon.ok());
    const SubsampledGaussianLoss add(c.sigma, static_cast<double>(c.rg) / 3e6, Adjacency::kAdd);
    EXPECT_GT(add.UpperLossKey() * kValueDiscretization * static_cast<double>(c.t) + 1, *epsilon);
    auto per_round = add.Discretize();
    ASSERT_TRUE(per_round.ok());
    auto composed = SelfCompose(*per_round, c.t, kTailMassTruncation);
    ASSERT_TRUE(composed.ok());
    auto total = ComposeWithIdentity(*std::move(composed), kTailMassTruncation);
    ASSERT_TRUE(total.ok() && total->dense);
    const auto key = static_cast<int64_t>(std::floor(*epsilon / kValueDiscretization));
    const double bound = SelfComposedTailBound(*per_round, c.t, key);
    EXPECT_LT(bound, c.delta / 4);
    // The bound holds for the computed tail at every key from the window's middle up.
    const int64_t top = total->lower + static_cast<int64_t>(total->size()) - 1;
    for (int64_t k = top; k >= total->lower + static_cast<int64_t>(total->size() / 2); k -= 97) {
      double tail = 0;
      for (int64_t i = k - total->lower; i < static_cast<int64_t>(total->size()); ++i) tail += total->probs[i];
      ASSERT_LE(tail, SelfComposedTailBound(*per_round, c.t, k) * (1 + 1e-9) + 1e-13) << "key " << k;
    }
    EXPECT_LT(EpsilonForDelta(*total, c.delta), *epsilon);
    AccountingParams full = Params(c.rg, c.t, c.delta, false);
    full.limits.exhaustive = true;
    auto both = NoiseToEpsilon(full, c.sigma);
    ASSERT_TRUE(both.ok());
    EXPECT_NEAR(*epsilon, *both, PldEpsilonTolerance(*both, c.delta) / 2);
  }
}

// The repeated subtraction x ← fl(x - d) in closed form: whenever RepeatedSubtractionStep says `count` steps stay
// inside a binade, each of them is x - k·s, exactly; near binade edges (and on both signs) it may decline.
TEST(FastPathsTest, RepeatedSubtractionStepIsTheChain) {
  int accepted = 0, declined = 0;
  for (double start :
       {33.667, 32.0064, 32.0063, 10.5, 1.0, 1.0063, 0.3, 0.0064, -0.05, -0.0001, -3.0, -1.9937, 1e-300}) {
    for (size_t count : {size_t{1}, size_t{64}, size_t{1000}}) {
      double s = 0;
      if (!RepeatedSubtractionStep(start, kValueDiscretization, count, &s)) {
        ++declined;
        continue;
      }
      ++accepted;
      double x = start;
      for (size_t k = 1; k <= count + 1; ++k) {
        x -= kValueDiscretization;
        if (k <= count) {
          ASSERT_EQ(x, start - static_cast<double>(k) * s) << start << " step " << k;
        }
      }
    }
  }
  EXPECT_GE(accepted, 15);
  EXPECT_GE(declined, 5);
  double s = 0;
  EXPECT_TRUE(RepeatedSubtractionStep(33.667, kValueDiscretization, 64, &s));    // inside [32, 64)
  EXPECT_FALSE(RepeatedSubtractionStep(32.0063, kValueDiscretization, 64, &s));  // would cross 32
  EXPECT_FALSE(RepeatedSubtractionStep(-0.0001, kValueDiscretization, 64, &s));  // leaves its binade at once
}

// EpsilonForDelta sums the bins it cannot stop in by blocks; it must agree with the reference's walk written out
// literally (bin by bin from the top, losses by repeated subtraction, exp(-loss) per bin), on composed PMFs whose
// walks cross binade edges.
TEST(FastPathsTest, BlockedWalkIsTheLiteralWalk) {
  auto literal = [](const PrivacyLossPmf& pmf, double delta) {
    double mass_upper = pmf.infinity_mass, mass_lower = 0;
    double loss = static_cast<double>(pmf.lower + static_cast<int64_t>(pmf.size()) - 1) * kValueDiscretization;
    for (size_t step = 0; step < pmf.size(); ++step, loss -= kValueDiscretization) {
      if (mass_upper > delta && mass_lower > 0 && std::log((mass_upper - delta) / mass_lower) >= loss) break;
      const double prob = pmf.probs[pmf.size() - 1 - step];
      mass_upper += prob;
      mass_lower += std::exp(-loss) * prob;
      if (mass_upper >= delta && mass_lower == 0) return std::max(0.0, loss);
    }
    if (mass_upper <= mass_lower + delta) return 0.0;
    return std::log((mass_upper - delta) / mass_lower);
  };
  const struct {
    double sigma, q;
    int64_t t;
  } cases[] = {{0.22200350938986962, 2 / 3e6, 1000}, {0.7, 2000 / 3e6, 100}, {1.0, 0.01, 1000}, {0.8, 0.3, 10}};
  for (const auto& c : cases) {
    auto per_round = SubsampledGaussianLoss(c.sigma, c.q, Adjacency::kRemove).Discretize();
    ASSERT_TRUE(per_round.ok());
    auto composed = SelfCompose(*per_round, c.t, kTailMassTruncation);
    ASSERT_TRUE(composed.ok());
    auto total = ComposeWithIdentity(*std::move(composed), kTailMassTruncation);
    ASSERT_TRUE(total.ok() && total->dense);
    for (double delta : {1e-5, 1e-6, 1.0 / 3e6, 1e-9}) {
      const double want = literal(*total, delta), got = EpsilonForDelta(*total, delta);
      EXPECT_NEAR(got, want, 1e-12 * std::fabs(want) + 1e-15)
          << "sigma " << c.sigma << " q " << c.q << " delta " << delta;
    }
  }
}

}  // namespace
}  // namespace tb::dp
