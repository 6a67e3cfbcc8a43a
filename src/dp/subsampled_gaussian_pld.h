// The privacy-loss PMF of one Poisson-subsampled Gaussian mechanism (sensitivity 1, noise σ, sampling q) under
// add-or-remove-one, discretized to the 1e-4 grid with dp_accounting's pessimistic "connect the dots" rule
// (behavior.md §4.2.2). REMOVE and ADD are the two adjacency directions; ε is the max over both.
// Inputs must be validated by the caller (0 < q <= 1, σ > 0, finite); sizes are bounded by PmfLimits.
#ifndef TASKBUILDER_DP_SUBSAMPLED_GAUSSIAN_PLD_H_
#define TASKBUILDER_DP_SUBSAMPLED_GAUSSIAN_PLD_H_

#include <vector>

#include "absl/status/statusor.h"
#include "dp/privacy_loss_pmf.h"

namespace tb::dp {

enum class Adjacency { kRemove, kAdd };

class SubsampledGaussianLoss {
 public:
  // `discretization` is the loss grid step (dp_accounting's value_discretization_interval).
  SubsampledGaussianLoss(double sigma, double sampling_prob, Adjacency adjacency,
                         double discretization = kValueDiscretization);

  // Privacy loss at output x, and its inverse (an error outside the loss range).
  double Loss(double x) const;
  absl::StatusOr<double> InverseLoss(double loss) const;
  // δ(ε) of the mechanism, clipped to [0, 1].
  absl::StatusOr<double> Delta(double epsilon) const;
  // The same value without a Status (the per-bin path of Discretize); false exactly where Delta fails.
  bool TryDelta(double epsilon, double* delta) const;

  // The discretized PMF (sparse when it has at most 1000 bins).
  //
  // The reference evaluates δ(ε) (six special functions) at each of up to ~10^6 grid points. Away from the ends of
  // the loss range δ is analytic and changes by a few percent over a hundred bins, so unless `limits.exact_deltas`
  // is set, stretches of 32–1024 bins take δ from a degree-8 Chebyshev fit through nine exact evaluations at the
  // Chebyshev extrema (both ends included, so neighbouring stretches join without a step). A fit is used only if,
  // at three further grid points evaluated exactly, it is within 3e-13 of δ relative and within 1e-7 of the
  // stretch's mean mass per bin (which rejects the flat δ ≈ 1 regions, where the masses are far below δ's
  // rounding); otherwise the stretch is halved or evaluated exactly. (3e-13 rather than less: where δ is a
  // difference of two much larger terms, the exact evaluations' own rounding noise reaches 1e-13.) The masses are
  // second differences of δ, so their sums over any range telescope to a few δ values and move by about the fit's
  // error divided by the stretch width in nats.
  // The exact δ itself carries 1e-14..3e-14 of rounding noise in the tail (third differences on the keras
  // config), which the reference's per-bin masses inherit amplified by 1/d: the fitted masses are smoother, and
  // the tail sums of both agree within 1e-9 (tests/dp/fast_paths_test.cc).
  absl::StatusOr<PrivacyLossPmf> Discretize(const PmfLimits& limits = {}) const;
  // The largest loss key of the discretized PMF (its last bin; may be huge or infinite for tiny σ) and that PMF's
  // infinity mass, without building it.
  double UpperLossKey() const;
  absl::StatusOr<double> DiscretizedInfinityMass() const;

 private:
  double LossWithoutSubsampling(double x) const;
  double InverseLossWithoutSubsampling(double loss) const;
  double UpperCdf(double x) const;
  double LowerLogCdf(double x) const;
  bool TryLogInverseMixture(double b, double* out) const;
  bool TryInverseLoss(double loss, double* x) const;
  // The output range [lower_x, upper_x] the discretization covers (mass beyond it is below e^-50).
  void OutputRange(double* lower_x, double* upper_x) const;
  // deltas[i - begin] = δ((lo + i)·d) for i in [begin, end), evaluated at every point; false where Delta fails,
  // with that ε in *failed.
  bool FillExactDeltas(int64_t lo, int64_t begin, int64_t end, double* deltas, double* failed) const;
  // The same from a Chebyshev fit of δ, when the fit passes Discretize's checks (see there).
  enum class Fit { kUsed, kTooCurved, kTooFlat };
  Fit FillInterpolatedDeltas(int64_t lo, int64_t begin, int64_t end, double* deltas) const;

  double sigma_;
  double d_;
  double q_;
  bool add_;
  // Per-mechanism constants the reference recomputes for every bin (same values, computed once).
  double log1p_minus_q_, log_q_, log_inverse_q_, log_inverse_c_, log_one_minus_q_;
};

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_SUBSAMPLED_GAUSSIAN_PLD_H_
