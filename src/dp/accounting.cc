#include "dp/accounting.h"

#include <cmath>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dp/pld_accountant.h"
#include "dp/rdp_tree_accountant.h"

namespace tb::dp {
namespace {

absl::Status CheckParams(const AccountingParams& p) {
  if (p.population <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("population must be a positive number, got ", p.population));
  }
  if (p.rounds < 0) return absl::InvalidArgumentError(absl::StrCat("rounds must be >= 0, got ", p.rounds));
  if (!(p.delta > 0 && p.delta < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("delta must be in (0, 1), got ", p.delta));
  }
  if (!UsesTreeAccounting(p.aggregator_type)) {
    if (p.report_goal <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("report_goal must be positive, got ", p.report_goal));
    }
    if (p.report_goal > p.population) {
      return absl::InvalidArgumentError(absl::StrCat("report_goal ", p.report_goal,
                                                     " exceeds the assumed population of ", p.population,
                                                     " devices (sampling probability above 1)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool UsesTreeAccounting(int t) { return t == kTreeAggregation || t == kAdaptiveTree; }

std::string AggregatorName(int t) {
  switch (t) {
    case 0:
      return "UNKNOWN";
    case kFixedGaussian:
      return "FIXED_GAUSSIAN";
    case kTreeAggregation:
      return "TREE_AGGREGATION";
    case kAdaptiveGaussian:
      return "ADAPTIVE_GAUSSIAN";
    case kAdaptiveTree:
      return "ADAPTIVE_TREE";
    default:
      return std::to_string(t);
  }
}

bool ParseAggregator(const std::string& name, int* t) {
  for (int v = 0; v <= kAdaptiveTree; ++v) {
    if (name == AggregatorName(v)) {
      *t = v;
      return true;
    }
  }
  return false;
}

double SamplingProbability(const AccountingParams& p) {
  return static_cast<double>(p.report_goal) / static_cast<double>(p.population);
}

absl::StatusOr<double> NoiseToEpsilon(const AccountingParams& p, double sigma) {
  if (absl::Status s = CheckParams(p); !s.ok()) return s;
  if (!(sigma >= 0) || !std::isfinite(sigma)) {
    return absl::InvalidArgumentError(absl::StrCat("noise multiplier must be finite and >= 0, got ", sigma));
  }
  if (p.rounds == 0) return 0.0;  // NoOpDpEvent
  if (UsesTreeAccounting(p.aggregator_type)) return TreeAggregationEpsilon(sigma, p.rounds, p.delta);
  return PoissonGaussianEpsilon(SamplingProbability(p), sigma, p.rounds, p.delta, p.limits);
}

absl::StatusOr<double> EpsilonToNoise(const AccountingParams& p, double target, CalibrationStats* stats) {
  if (absl::Status s = CheckParams(p); !s.ok()) return s;
  if (!(target > 0) || !std::isfinite(target)) {
    return absl::InvalidArgumentError(absl::StrCat("target epsilon must be finite and > 0, got ", target));
  }
  if (p.rounds == 0) {
    return absl::InvalidArgumentError(
        "cannot calibrate a noise multiplier for 0 rounds: epsilon is 0 for every noise multiplier");
  }
  auto exact = [&p](double sigma) { return NoiseToEpsilon(p, sigma); };
  if (UsesTreeAccounting(p.aggregator_type) || p.limits.exhaustive) return CalibrateNoise(exact, target, stats);
  // A calibration's exact evaluations lie within a few 1e-6 of each other in σ: once one of them had to be
  // recomputed with the reference's self-composition window, the next ones start with that window.
  PmfLimits exact_limits = p.limits;
  auto exact_pld = [&p, &exact_limits](double sigma) -> absl::StatusOr<double> {
    bool used_reference_window = false;
    auto epsilon = PoissonGaussianEpsilon(SamplingProbability(p), sigma, p.rounds, p.delta, exact_limits,
                                          kValueDiscretization, &used_reference_window);
    if (used_reference_window) exact_limits.reference_window = true;
    return epsilon;
  };
  // PLD: the same accountant at 100x and 10x coarser discretizations (about as many times cheaper) finds the root
  // and the slope, so that only a handful of exact evaluations remain.
  // The surrogates' PMFs are short, so the reference's (wider) self-composition window costs them little, while
  // the tighter one would often have to be recomputed (its wrapped mass reaches the few bins ε is made of).
  std::vector<SurrogateLevel> levels;
  PmfLimits surrogate_limits = p.limits;
  surrogate_limits.reference_window = true;
  for (double d : {100 * kValueDiscretization, 10 * kValueDiscretization}) {
    levels.push_back({[&p, d, surrogate_limits](double sigma) -> absl::StatusOr<double> {
                        if (sigma == 0) return INFINITY;
                        return PoissonGaussianEpsilon(SamplingProbability(p), sigma, p.rounds, p.delta,
                                                      surrogate_limits, d);
                      },
                      d});
  }
  return CalibrateNoiseWithSurrogates(levels, exact_pld, kValueDiscretization, target, stats);
}

}  // namespace tb::dp
