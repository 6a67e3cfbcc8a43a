// How close the PLD accountant must be to dp_accounting 0.4.3. The reference's own floating-point noise (FFT
// rounding amplified T-fold by the frequency-domain power; ulp-level differences in ndtr/log_ndtr amplified by the
// discretization's second differences) moves its ε by up to ~3e-14/δ relative at T = 1000: computing the same
// quantity in long double moves dp_accounting's value by 1.2e-7 (report goal 100, T 1000, σ 0.7, δ 1/3e6), ours
// by 3e-8. A port that is not bit-identical to scipy's pocketfft and Faddeeva code cannot be closer than that
// floor; the bound is max(1e-9, 1e-13/δ) relative (1e-12 absolute near 0). See bench/README.md, dp section.
#ifndef TASKBUILDER_TESTS_DP_TOLERANCE_H_
#define TASKBUILDER_TESTS_DP_TOLERANCE_H_

#include <algorithm>
#include <cmath>

namespace tb::dp {

inline double PldEpsilonTolerance(double want, double delta) {
  const double relative = std::max(1e-9, 1e-13 / delta);
  return std::max(relative * std::fabs(want), 1e-12);
}

// Calibrated σ: within 1e-6 of the reference's (Brent's xtol). Where the reference's ε noise exceeds ~1e-9
// absolute (δ below 1e-7), the final "ε(root) > target → root ± 1e-6" nudge decides on a difference that is pure
// noise, and either answer is a correct calibration: allow that one extra nudge.
inline double CalibrationTolerance(double delta) { return delta >= 1e-7 ? 1e-6 : 2.1e-6; }

}  // namespace tb::dp

#endif  // TASKBUILDER_TESTS_DP_TOLERANCE_H_
