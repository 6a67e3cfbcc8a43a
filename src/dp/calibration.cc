#include "dp/calibration.h"

#include <cmath>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dp/brentq.h"

namespace tb::dp {

absl::StatusOr<double> CalibrateNoise(const std::function<absl::StatusOr<double>(double)>& epsilon_of_noise,
                                      double target_epsilon, CalibrationStats* stats) {
  constexpr double kTolerance = 1e-6;
  std::map<double, double> memo;
  int evaluations = 0;
  auto gap = [&](double sigma) -> absl::StatusOr<double> {
    auto it = memo.find(sigma);
    if (it != memo.end()) return it->second;
    auto eps = epsilon_of_noise(sigma);
    if (!eps.ok()) return eps.status();
    ++evaluations;
    const double g = *eps - target_epsilon;
    memo.emplace(sigma, g);
    return g;
  };
  auto finish = [&](absl::StatusOr<double> r) {
    if (stats != nullptr) {
      stats->evaluations = evaluations;
      if (r.ok()) stats->achieved_epsilon = memo.at(*r) + target_epsilon;
    }
    return r;
  };
  double lo = 0.0, hi = 1.0;
  auto lv = gap(lo);
  if (!lv.ok()) return finish(lv.status());
  auto hv = gap(hi);
  if (!hv.ok()) return finish(hv.status());
  double lo_value = *lv, hi_value = *hv, width = 1.0;
  int tries = 0;
  while (lo_value * hi_value > 0) {
    if (++tries > 30) {
      return finish(absl::InvalidArgumentError(absl::StrCat(
          "no noise multiplier in [0, ", hi, "] reaches epsilon ", target_epsilon, " (no bracketing interval)")));
    }
    width *= 2;
    lo = hi;
    hi = hi + width;
    lo_value = hi_value;
    auto v = gap(hi);
    if (!v.ok()) return finish(v.status());
    hi_value = *v;
  }
  BrentOptions options;
  options.xtol = kTolerance;
  auto brent = BrentQ(gap, lo, hi, options);
  if (!brent.ok()) return finish(brent.status());
  if (!brent->converged) {
    return finish(absl::InternalError("noise calibration did not converge in 100 iterations"));
  }
  double root = brent->root;
  auto at_root = gap(root);
  if (!at_root.ok()) return finish(at_root.status());
  if (*at_root > 0) {
    auto up = gap(root + kTolerance);
    if (!up.ok()) return finish(up.status());
    if (*up < 0) {
      root += kTolerance;
    } else {
      auto down = gap(root - kTolerance);
      if (!down.ok()) return finish(down.status());
      if (*down < 0) {
        root -= kTolerance;
      } else {
        // The original gives up here (NoOptimumFoundError). That happens when ε's floating-point noise (large at
        // tiny δ, see tests/dp/tolerance.h) exceeds ε's change over 1e-6 in σ. ε is non-increasing in σ, so keep
        // stepping up: a slightly larger σ that provably meets the target beats an error.
        bool found = false;
        for (int k = 2; k <= 1000 && !found; ++k) {
          auto v = gap(brent->root + k * kTolerance);
          if (!v.ok()) return finish(v.status());
          if (*v < 0) {
            root = brent->root + k * kTolerance;
            found = true;
          }
        }
        if (!found) {
          return finish(absl::InternalError("noise calibration found no multiplier meeting the target"));
        }
      }
    }
  }
  return finish(root);
}

}  // namespace tb::dp
