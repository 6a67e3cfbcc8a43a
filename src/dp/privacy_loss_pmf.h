// A discretized privacy-loss distribution (PMF over losses k·d, plus the mass at +∞) and the operations the PLD
// accountant needs: composition, T-fold self-composition in the frequency domain, pessimistic tail truncation and
// ε for a given δ. Semantics follow dp_accounting 0.4.3's pld_pmf (behavior.md §4.2.2) step by step, because the
// reference's discrete choices (Chernoff window, truncation) are part of its numbers. Three deliberate departures,
// all at the level of floating-point noise: the FFT length (any length >= the Chernoff window wraps the same
// mass; PmfLimits::reference_fft_lengths restores scipy's), the T-th power by repeated squaring, and the ε walk
// summing the bins where it cannot stop in blocks (within 1e-12 of the bin-by-bin walk).
// Never allocates more than the limits in PmfLimits; anything larger is an error, not an attempt.
#ifndef TASKBUILDER_DP_PRIVACY_LOSS_PMF_H_
#define TASKBUILDER_DP_PRIVACY_LOSS_PMF_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::dp {

inline constexpr double kValueDiscretization = 1e-4;  // d
inline constexpr double kTailMassTruncation = 1e-15;  // τ
inline constexpr int64_t kMaxSparseSize = 1000;

// Bounds that keep every accounting call in bounded memory (and so bounded time).
struct PmfLimits {
  int64_t max_bins = int64_t{1} << 23;        // per-round PMF length (≈ 64 MiB of doubles)
  int64_t max_fft_length = int64_t{1} << 23;  // FFT size of the self-composition (≈ 200 MiB peak)
  // Compute every step the reference computes even where its result provably cannot change ε (tests compare the
  // shortcuts against this; calibration then also follows the reference's procedure).
  bool exhaustive = false;
  // Pad the self-composition FFT to the reference's length (scipy's next_fast_len) instead of a fast one; the
  // results differ only by floating-point noise. Implies reference_window.
  bool reference_fft_lengths = false;
  // Bound the self-composition's support with the reference's Chernoff orders only (±1..±20 over n) instead of
  // also trying larger ones, which give a much shorter window for long, light tails. See PrivacyLossPmf::wrap.
  bool reference_window = false;
  // Evaluate the mechanism's δ(ε) at every bin of the per-round PMF, as the reference does, instead of
  // interpolating it over smooth stretches of the grid (SubsampledGaussianLoss::Discretize says how, and bounds the
  // difference). Implied by `exhaustive`.
  bool exact_deltas = false;
};

struct PrivacyLossPmf {
  // Dense: probs[i] is the mass at loss (lower + i)·d. Sparse: mass probs[i] at keys[i]·d, keys ascending.
  bool dense = false;
  int64_t lower = 0;
  std::vector<int64_t> keys;
  std::vector<double> probs;
  double infinity_mass = 0.0;
  // Set by a self-composition whose window is tighter than the reference's: the circular convolution wrapped at
  // most wrap.mass·e^{-wrap.decay·k} of far-tail mass onto the bins k or more above `lower` (mass the reference,
  // with its wider window, leaves in place). Zero when there is no such extra wrap.
  struct Wrap {
    double mass = 0.0;
    double decay = 0.0;  // per bin
    // An upper bound on the wrapped mass at keys >= key (0 if none).
    double AtOrAbove(int64_t key, int64_t lower) const;
  } wrap;

  size_t size() const { return probs.size(); }
  static PrivacyLossPmf Identity();  // sparse {0: 1}, no infinity mass
  // Sparse if it has at most kMaxSparseSize entries, dense otherwise (dp_accounting's create_pmf rule).
  static PrivacyLossPmf FromContiguous(int64_t lower, std::vector<double> probs, double infinity_mass);
};

// The distribution of the sum of independent losses from `a` and `b`, with right-tail mass up to tau/2 moved to
// infinity and left-tail mass up to tau/2 moved to the first kept bin (pessimistic).
absl::StatusOr<PrivacyLossPmf> Compose(const PrivacyLossPmf& a, const PrivacyLossPmf& b, double tau,
                                       const PmfLimits& limits = {});

// Compose(PrivacyLossPmf::Identity(), pmf, tau), the same bits, without copying a dense pmf (it is moved in).
absl::StatusOr<PrivacyLossPmf> ComposeWithIdentity(PrivacyLossPmf pmf, double tau, const PmfLimits& limits = {});

// The T-fold composition of `pmf` with itself.
absl::StatusOr<PrivacyLossPmf> SelfCompose(const PrivacyLossPmf& pmf, int64_t count, double tau,
                                           const PmfLimits& limits = {});

// An upper bound on the mass that the T-fold composition of `pmf` (exact: before FFT rounding and tail truncation;
// its finite part) puts on loss keys >= `key`: the Chernoff bound m(o)^T e^{-o·(key - T·lower)}, m the per-round
// moment generating function in bins, at the best order o > 0 found (+inf if there is none). Not capped at 1:
// a discretized PMF's finite mass can exceed 1 by rounding (ADD's connect-the-dots PMF by ~1e-8, the reference's
// too), and T rounds multiply that.
double SelfComposedTailBound(const PrivacyLossPmf& pmf, int64_t count, int64_t key);

// Whether `count` repeated subtractions x ← fl(x - d) all subtract the same amount (they do while x stays inside
// one binade, away from its edge), and that amount: the reference's dense loss sequence, many steps at a time.
bool RepeatedSubtractionStep(double x, double d, size_t count, double* step);

// The smallest ε with hockey-stick divergence <= delta (dp_accounting's get_epsilon_for_delta); +inf when the
// infinity mass alone exceeds delta.
// Loss key k means loss k·discretization.
// `walk`, if given, receives what the walk from the top summed: the lowest key it added, the mass (with the
// infinity mass) and the e^-loss-weighted mass.
struct EpsilonWalk {
  int64_t lowest_key = 0;
  double mass = 0, weighted_mass = 0;
};
double EpsilonForDelta(const PrivacyLossPmf& pmf, double delta, double discretization = kValueDiscretization,
                       EpsilonWalk* walk = nullptr);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_PRIVACY_LOSS_PMF_H_
