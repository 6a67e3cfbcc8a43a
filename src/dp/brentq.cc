#include "dp/brentq.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"

namespace tb::dp {

absl::StatusOr<BrentResult> BrentQ(const std::function<absl::StatusOr<double>(double)>& f, double a, double b,
                                   const BrentOptions& options) {
  BrentResult result;
  double x_prev = a, x_cur = b;
  double x_block = 0, f_block = 0, step_prev = 0, step_cur = 0;
  auto fa = f(x_prev);
  if (!fa.ok()) return fa.status();
  auto fb = f(x_cur);
  if (!fb.ok()) return fb.status();
  double f_prev = *fa, f_cur = *fb;
  result.function_calls = 2;
  if (f_prev == 0) {
    result.root = x_prev;
    result.converged = true;
    return result;
  }
  if (f_cur == 0) {
    result.root = x_cur;
    result.converged = true;
    return result;
  }
  if (std::signbit(f_prev) == std::signbit(f_cur)) {
    return absl::InvalidArgumentError("f(a) and f(b) must have different signs");
  }
  for (int i = 0; i < options.max_iterations; ++i) {
    result.iterations++;
    if (f_prev != 0 && f_cur != 0 && std::signbit(f_prev) != std::signbit(f_cur)) {
      // The root lies between the previous and current points: the previous point becomes the far end.
      x_block = x_prev;
      f_block = f_prev;
      step_prev = step_cur = x_cur - x_prev;
    }
    if (std::fabs(f_block) < std::fabs(f_cur)) {
      // Keep the best estimate in x_cur.
      x_prev = x_cur;
      x_cur = x_block;
      x_block = x_prev;
      f_prev = f_cur;
      f_cur = f_block;
      f_block = f_prev;
    }
    const double tol = (options.xtol + options.rtol * std::fabs(x_cur)) / 2;
    const double bisect = (x_block - x_cur) / 2;
    if (f_cur == 0 || std::fabs(bisect) < tol) {
      result.root = x_cur;
      result.converged = true;
      return result;
    }
    if (std::fabs(step_prev) > tol && std::fabs(f_cur) < std::fabs(f_prev)) {
      double trial;
      if (x_prev == x_block) {
        trial = -f_cur * (x_cur - x_prev) / (f_cur - f_prev);  // secant
      } else {
        // Inverse quadratic interpolation through the three points.
        const double d_prev = (f_prev - f_cur) / (x_prev - x_cur);
        const double d_block = (f_block - f_cur) / (x_block - x_cur);
        trial = -f_cur * (f_block * d_block - f_prev * d_prev) / (d_block * d_prev * (f_block - f_prev));
      }
      // NaN compares false, so a NaN trial step bisects.
      if (2 * std::fabs(trial) < std::min(std::fabs(step_prev), 3 * std::fabs(bisect) - tol)) {
        step_prev = step_cur;
        step_cur = trial;
      } else {
        step_prev = bisect;
        step_cur = bisect;
      }
    } else {
      step_prev = bisect;
      step_cur = bisect;
    }
    x_prev = x_cur;
    f_prev = f_cur;
    if (std::fabs(step_cur) > tol) {
      x_cur += step_cur;
    } else {
      x_cur += (bisect > 0 ? tol : -tol);
    }
    auto fc = f(x_cur);
    if (!fc.ok()) return fc.status();
    f_cur = *fc;
    result.function_calls++;
  }
  result.root = x_cur;
  result.converged = false;
  return result;
}

}  // namespace tb::dp
