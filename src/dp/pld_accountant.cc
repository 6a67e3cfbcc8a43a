#include "dp/pld_accountant.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dp/buffer_pool.h"
#include "dp/subsampled_gaussian_pld.h"

namespace tb::dp {
namespace {

// ε of T rounds of one direction's per-round PMF.
absl::StatusOr<double> ComposedEpsilon(const PrivacyLossPmf& per_round, int64_t rounds, double delta,
                                       const PmfLimits& limits, double discretization, bool* used_reference_window) {
  auto composed = SelfCompose(per_round, rounds, kTailMassTruncation, limits);
  if (!composed.ok()) return composed.status();
  // The accountant composes the event into its initial (identity) PLD; that step truncates tails once more.
  auto total = ComposeWithIdentity(*std::move(composed), kTailMassTruncation, limits);
  if (!total.ok()) return total.status();
  EpsilonWalk walk;
  const double epsilon = EpsilonForDelta(*total, delta, discretization, &walk);
  ReturnDoubles(total->probs);
  // A self-composition window tighter than the reference's wraps a little far-tail mass onto the lowest bins.
  // Keep the result only if that mass, wherever it landed among the bins the walk summed, could not move ε by more
  // than a thousandth of the accuracy asked of it (1e-9 relative, 1e-12 absolute): ε = log((mass - δ)/weighted)
  // moves by at most wrapped/(mass - δ), or wrapped/weighted at ε = 0. Otherwise (ε near 0 with the walk reaching
  // the bottom bins, typically) recompute with the reference's window, from the same per-round PMF.
  const double wrapped = total->wrap.AtOrAbove(walk.lowest_key, total->lower);
  const double scale = epsilon > 0 ? walk.mass - delta : walk.weighted_mass;
  const double allowed = std::max(1e-15, 1e-12 * epsilon);
  if (wrapped == 0 || !std::isfinite(epsilon) || wrapped <= allowed * scale) return epsilon;
  PmfLimits reference = limits;
  reference.reference_window = true;
  *used_reference_window = true;
  return ComposedEpsilon(per_round, rounds, delta, reference, discretization, used_reference_window);
}

absl::StatusOr<double> DirectionEpsilon(const SubsampledGaussianLoss& loss, int64_t rounds, double delta,
                                        const PmfLimits& limits, double discretization, bool* used_reference_window) {
  auto per_round = loss.Discretize(limits);
  if (!per_round.ok()) return per_round.status();
  auto epsilon = ComposedEpsilon(*per_round, rounds, delta, limits, discretization, used_reference_window);
  ReturnDoubles(per_round->probs);
  return epsilon;
}

}  // namespace

absl::StatusOr<double> PoissonGaussianEpsilon(double q, double sigma, int64_t rounds, double delta,
                                              const PmfLimits& limits, double d, bool* used_reference_window) {
  bool unused = false;
  if (used_reference_window == nullptr) used_reference_window = &unused;
  if (!(q >= 0 && q <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("sampling probability must be in [0, 1], got ", q));
  }
  if (!(sigma >= 0) || !std::isfinite(sigma)) {
    return absl::InvalidArgumentError(absl::StrCat("noise multiplier must be finite and >= 0, got ", sigma));
  }
  if (rounds < 0) return absl::InvalidArgumentError(absl::StrCat("rounds must be >= 0, got ", rounds));
  if (!(delta >= 0 && delta <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("delta must be in [0, 1], got ", delta));
  }
  if (rounds == 0 || q == 0) return 0.0;
  if (sigma == 0) return INFINITY;
  auto remove = DirectionEpsilon(SubsampledGaussianLoss(sigma, q, Adjacency::kRemove, d), rounds, delta, limits, d,
                                 used_reference_window);
  if (!remove.ok()) return remove.status();
  if (q == 1) return *remove;
  const SubsampledGaussianLoss add_loss(sigma, q, Adjacency::kAdd, d);
  // ε is the max over both directions; skip ADD when it provably cannot win, which for small sampling
  // probabilities (the usual case) halves the work. ADD's ε is at most REMOVE's when ADD's δ at REMOVE's ε is at
  // most δ, and that δ is at most the composed infinity mass plus the mass above REMOVE's ε. The infinity mass
  // after T rounds is 1-(1-∞)^T plus at most τ from self-composition and τ/2 from truncation. Two bounds on the
  // mass above, the cheaper first:
  // - none at all when T times the per-round largest loss lies below REMOVE's ε (no PMF needed; enough when ADD's
  //   losses, below -log(1-q) per round, are tiny). EpsilonForDelta never returns more than the composed PMF's
  //   largest loss while the infinity mass is at most δ; the nat of margin covers the walk's rounding.
  // - the Chernoff bound on the T-fold sum above REMOVE's ε (needs ADD's per-round PMF, which a full evaluation
  //   then reuses; 30000/3e6 over 1000 rounds at σ = 1: the first bound says 10 nats against ε = 1.83, the tail
  //   bound 2.6e-8 above 1.83 nats against δ = 1e-6). The reference's PMF differs from the exact one by its FFT
  //   rounding (summed over the tail, ~1e-13 of the total mass; tests/dp/tolerance.h) and the ≤ τ/2 wrapped around its
  //   window: 1e-12 covers both, and asking for δ/2 leaves the other half as margin.
  double composed_infinity = INFINITY;
  if (!limits.exhaustive && std::isfinite(*remove)) {
    auto infinity = add_loss.DiscretizedInfinityMass();
    if (!infinity.ok()) return infinity.status();
    composed_infinity = -std::expm1(static_cast<double>(rounds) * std::log1p(-*infinity)) + 2 * kTailMassTruncation;
    const double top_loss = std::max(0.0, add_loss.UpperLossKey() * d * static_cast<double>(rounds));
    if (composed_infinity <= delta / 2 && top_loss + 1 < *remove) return *remove;
  }
  auto per_round = add_loss.Discretize(limits);
  if (!per_round.ok()) return per_round.status();
  if (composed_infinity <= delta / 2 && *remove / d < 4e18) {
    const auto key = static_cast<int64_t>(std::floor(*remove / d));  // every loss above ε has key >= this
    const double above = SelfComposedTailBound(*per_round, rounds, key);
    if (composed_infinity + above + 1e-12 <= delta / 2) {
      ReturnDoubles(per_round->probs);
      return *remove;
    }
  }
  auto add = ComposedEpsilon(*per_round, rounds, delta, limits, d, used_reference_window);
  ReturnDoubles(per_round->probs);
  if (!add.ok()) return add.status();
  return std::max(*remove, *add);
}

}  // namespace tb::dp
