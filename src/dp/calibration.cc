#include "dp/calibration.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

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
      return finish(absl::InvalidArgumentError(absl::StrCat("no noise multiplier in [0, ", hi, "] reaches epsilon ",
                                                            target_epsilon, " (no bracketing interval)")));
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

namespace tb::dp {
namespace {

using EpsilonFn = std::function<absl::StatusOr<double>(double)>;

struct Point {
  double sigma, g;  // g = log(ε / target): > 0 above the target, +inf for ε = inf, -inf for ε = 0
};

struct LevelResult {
  double a = 0, b = 0;  // ε(a) > target >= ε(b)
  double slope = -1;    // d log ε / d log σ near the root (the last secant over a base of >= 16 tolerances)
  bool ok = false;
};

// Narrows a bracket around the crossing of one level, starting at `start` with a slope guess, until
// b - a <= xtol (absolute). `g` is log(ε/target), memoized by the caller.
absl::StatusOr<LevelResult> SolveLevel(const std::function<absl::StatusOr<double>(double)>& g, double start,
                                       double slope_guess, double xtol) {
  LevelResult r;
  double a = 0, b = INFINITY;  // g(0) = +inf by contract; b unknown
  std::vector<Point> finite;
  double sigma = start, last_width = INFINITY;
  double one_sided_step = std::max(xtol, 1e-3 * start);
  int slow_steps = 0;
  for (int iter = 0; iter < 80; ++iter) {
    if (!(sigma > a && sigma < b)) return r;  // cannot happen with the safeguards below; let the caller fall back
    auto v = g(sigma);
    if (!v.ok()) return v.status();
    const bool above_target = *v > 0;
    if (above_target) {
      a = std::max(a, sigma);
    } else {
      b = std::min(b, sigma);
    }
    if (std::isfinite(*v)) finite.push_back({sigma, *v});
    if (b - a <= xtol) break;
    // Next candidate: a secant step in (log σ, log ε) through the two latest finite points, or from one point with
    // the slope guess; at most a factor 4 per step (ε's log-log slope varies, and small σ are the costly ones).
    double next = NAN;
    if (!finite.empty()) {
      // Secants through points closer than a few tolerances measure ε's rounding noise more than its slope (at
      // δ = 1e-9 that noise spans several 1e-6 in σ): keep the last slope measured over a longer base instead.
      if (finite.size() >= 2) {
        const Point& p0 = finite[finite.size() - 2];
        const Point& p1 = finite.back();
        const double s = (p1.g - p0.g) / (std::log(p1.sigma) - std::log(p0.sigma));
        if (s < 0 && std::isfinite(s) && std::fabs(p1.sigma - p0.sigma) >= 16 * xtol) slope_guess = s;
      }
      const double slope = slope_guess;
      const Point& p = finite.back();
      next = p.sigma * std::exp(std::clamp(-p.g / slope, -std::log(4.0), std::log(4.0)));
      // Aim a quarter tolerance past the estimated root, away from the side just seen: once the estimate is that
      // good, the bracket closes with this one evaluation.
      next += above_target ? xtol / 4 : -xtol / 4;
    }
    // Safeguards: stay strictly inside the bracket, and bisect when the bracket stops shrinking.
    const double width = std::isfinite(b) ? b - a : INFINITY;
    slow_steps = width > 0.5 * last_width ? slow_steps + 1 : 0;
    last_width = width;
    const bool inside = std::isfinite(next) && next > a && next < b;
    if (!inside || slow_steps >= 3) {
      // One side still unknown: search away from the known side in steps that double, so that a root a few noise
      // widths away is bracketed in a few evaluations without jumping to small σ (the costly ones).
      if (!std::isfinite(b)) {
        next = a + one_sided_step;
        one_sided_step *= 2;
        if (next > 1e12) return r;
      } else if (a == 0) {
        next = std::max(b - one_sided_step, b / 4);
        one_sided_step *= 2;
      } else {
        next = std::sqrt(a * b);  // geometric bisection
        if (!(next > a && next < b)) next = 0.5 * (a + b);
      }
      slow_steps = 0;
    }
    if (std::isfinite(b)) {
      // Keep candidates a little inside the bracket so a poor secant does not stall next to an end.
      const double margin = std::min(xtol / 8, (b - a) / 8);
      next = std::clamp(next, a + margin, b - margin);
    }
    sigma = next;
  }
  if (!(b - a <= xtol) || !std::isfinite(b)) return r;
  r.a = a;
  r.b = b;
  r.slope = slope_guess;  // measured over a base of at least 16 tolerances
  r.ok = true;
  return r;
}

}  // namespace

absl::StatusOr<double> CalibrateNoiseWithSurrogates(const std::vector<SurrogateLevel>& levels,
                                                    const EpsilonFn& epsilon_of_noise, double discretization,
                                                    double target_epsilon, CalibrationStats* stats) {
  // The bracket [a, b] proves the smallest σ meeting the target lies in it; b is returned. 8e-7 keeps a margin to
  // the 1e-6 of the contract (and to the reference's answer, which lies in [σ*, σ* + 1e-6]).
  constexpr double kFinalTolerance = 8e-7;
  std::map<double, double> memo;  // exact ε by σ
  int exact_evaluations = 0, surrogate_evaluations = 0;
  // log(ε/target) with its sign decided by the exact comparison (the quotient can round to 1).
  auto log_gap = [target_epsilon](double eps) {
    if (eps > target_epsilon) return std::max(std::log(eps / target_epsilon), 1e-300);
    if (eps == 0) return -HUGE_VAL;
    return std::min(std::log(eps / target_epsilon), 0.0);
  };
  double start = 1.0, slope = -1.0;
  std::vector<std::pair<double, double>> roots;  // (discretization, root) of the levels that answered
  for (size_t level = 0; level < levels.size(); ++level) {
    std::map<double, double> level_memo;
    auto g = [&](double sigma) -> absl::StatusOr<double> {
      auto it = level_memo.find(sigma);
      if (it != level_memo.end()) return it->second;
      auto eps = levels[level].epsilon_of_noise(sigma);
      if (!eps.ok()) return eps.status();
      ++surrogate_evaluations;
      const double v = log_gap(*eps);
      level_memo.emplace(sigma, v);
      return v;
    };
    // The coarsest levels only need to start the next; the finest surrogate's root is extrapolated below.
    const double xtol = level + 1 == levels.size() ? 4e-7 : 2e-5;
    auto r = SolveLevel(g, start, slope, xtol);
    if (!r.ok() || !r->ok) continue;  // a surrogate that cannot answer only costs its evaluations
    start = r->b;
    slope = r->slope;
    roots.emplace_back(levels[level].discretization, 0.5 * (r->a + r->b));
  }
  if (roots.size() >= 2) {
    // The root moves with the discretization step d like c·d² (connect-the-dots is second-order; measured on the
    // accountant): Richardson-extrapolate the two finest surrogates' roots to the exact step. This only chooses
    // where the first exact evaluation goes; a poor guess costs an evaluation, never correctness.
    const auto [d0, r0] = roots[roots.size() - 2];
    const auto [d1, r1] = roots.back();
    if (d0 != d1) {
      const double c = (r0 - r1) / (d0 * d0 - d1 * d1);
      const double guess = r1 - c * (d1 * d1 - discretization * discretization);
      if (std::isfinite(guess) && std::fabs(guess - r1) <= 1e-3 * r1) start = guess;
    }
  } else if (roots.size() == 1) {
    start = roots.back().second;
  }
  // Start the exact bracket half a tolerance above the estimated root: the first evaluation then usually becomes
  // its upper end b (returned) and the second its lower end. That places the answer near σ* + 4e-7, the middle of
  // [σ*, σ* + 1e-6] where the reference's Brent root plus its ±1e-6 correction lands, rather than at one end.
  start += kFinalTolerance / 2;
  {
    auto g = [&](double sigma) -> absl::StatusOr<double> {
      auto it = memo.find(sigma);
      if (it != memo.end()) return log_gap(it->second);
      auto eps = epsilon_of_noise(sigma);
      if (!eps.ok()) return eps.status();
      ++exact_evaluations;
      memo.emplace(sigma, *eps);
      return log_gap(*eps);
    };
    auto r = SolveLevel(g, start, slope, kFinalTolerance);
    if (r.ok() && r->ok && memo.count(r->b) && memo.at(r->b) <= target_epsilon) {
      if (stats != nullptr) {
        stats->evaluations = exact_evaluations;
        stats->surrogate_evaluations = surrogate_evaluations;
        stats->achieved_epsilon = memo.at(r->b);
      }
      return r->b;
    }
  }
  // Something unexpected (a surrogate failed, ε not monotone enough to bracket): the reference's procedure, which
  // also produces the canonical errors. Evaluations already made are reused.
  auto memoized = [&](double sigma) -> absl::StatusOr<double> {
    auto it = memo.find(sigma);
    if (it != memo.end()) return it->second;
    return epsilon_of_noise(sigma);
  };
  auto result = CalibrateNoise(memoized, target_epsilon, stats);
  if (stats != nullptr) {
    stats->evaluations += exact_evaluations;
    stats->surrogate_evaluations = surrogate_evaluations;
  }
  return result;
}

}  // namespace tb::dp
