// Noise calibration: the smallest noise multiplier σ whose ε(σ) meets a target, with dp_accounting's
// calibrate_dp_mechanism semantics (behavior.md §4.3): exponential bracket search from [0, 1], Brent with
// xtol 1e-6, then a ±1e-6 nudge so that ε(σ) <= target always holds. Identical inputs give identical digits.
// Where the original would give up after the nudge (ε's rounding noise at tiny δ exceeds its change over 1e-6),
// this steps σ up by further multiples of 1e-6 until ε(σ) <= target.
// ε(σ) is memoized within one call (Brent re-evaluates its endpoints), which changes no result.
#ifndef TASKBUILDER_DP_CALIBRATION_H_
#define TASKBUILDER_DP_CALIBRATION_H_

#include <functional>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::dp {

struct CalibrationStats {
  int evaluations = 0;            // distinct ε(σ) computations (of the exact ε; surrogates not counted)
  int surrogate_evaluations = 0;  // evaluations of cheaper approximations (CalibrateNoiseWithSurrogates)
  double achieved_epsilon = 0;    // ε at the returned σ (<= target)
};

// `epsilon_of_noise` must be non-increasing in σ and return +inf at σ = 0.
absl::StatusOr<double> CalibrateNoise(const std::function<absl::StatusOr<double>(double)>& epsilon_of_noise,
                                      double target_epsilon, CalibrationStats* stats = nullptr);

// A cheaper approximation of ε(σ): the PLD accountant at a coarser discretization step.
struct SurrogateLevel {
  std::function<absl::StatusOr<double>(double)> epsilon_of_noise;
  double discretization = 0;
};

// The same contract (ε(σ) <= target, σ within 1e-6 of the smallest such σ) with far fewer evaluations of the
// costly ε: `levels` are cheaper approximations of it, coarsest first; each level's root and local slope start the
// next, and the two finest levels' roots are extrapolated to `discretization` (the exact ε's step) to place the
// first exact evaluation. On every level a bracket [a, b] with ε(a) > target >= ε(b) is kept and narrowed by secant
// steps in (log σ, log ε) aimed just past the estimated root, which close it in two or three steps from a close
// start, with bisection as the safeguard. The result is b once b - a <= 8e-7: ε(b) <= target is an exact
// evaluation, and every σ below a has ε > target (ε is non-increasing). Falls back to CalibrateNoise if anything
// unexpected happens (no bracket, a failing exact evaluation); a failing surrogate level is skipped.
absl::StatusOr<double> CalibrateNoiseWithSurrogates(
    const std::vector<SurrogateLevel>& levels, const std::function<absl::StatusOr<double>(double)>& epsilon_of_noise,
    double discretization, double target_epsilon, CalibrationStats* stats = nullptr);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_CALIBRATION_H_
