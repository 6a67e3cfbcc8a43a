// Brent's root finder with the exact step rules of SciPy's C `brentq` (scipy/optimize/Zeros/brentq.c), including
// its IEEE behaviour with infinite or NaN function values (interpolation that yields NaN falls back to
// bisection), so that noise calibration visits the same points and returns the same digits as the original.
// Calls `f` at most max_iterations + 2 times; never throws.
#ifndef TASKBUILDER_DP_BRENTQ_H_
#define TASKBUILDER_DP_BRENTQ_H_

#include <functional>

#include "absl/status/statusor.h"

namespace tb::dp {

struct BrentOptions {
  double xtol = 2e-12;
  double rtol = 4 * 2.220446049250313e-16;
  int max_iterations = 100;
};

struct BrentResult {
  double root = 0;
  bool converged = false;
  int iterations = 0;
  int function_calls = 0;
};

// A root of f in [a, b]. Errors: f(a), f(b) of the same sign (InvalidArgument), or an error returned by f.
absl::StatusOr<BrentResult> BrentQ(const std::function<absl::StatusOr<double>(double)>& f, double a, double b,
                                   const BrentOptions& options);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_BRENTQ_H_
