// ODP's privacy accounting per DP aggregator (dp_utils.noise_to_epsilon / epsilon_to_noise, behavior.md §4.2–4.3):
// tree aggregators (TREE_AGGREGATION, ADAPTIVE_TREE) use the RDP tree closed form; every other aggregator value
// uses PLD accounting of Poisson sampling with q = report_goal / population; zero rounds is a no-op (ε = 0).
// Every input is checked first: bad values are InvalidArgument naming the parameter, never a crash or a hang.
#ifndef TASKBUILDER_DP_ACCOUNTING_H_
#define TASKBUILDER_DP_ACCOUNTING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "dp/calibration.h"
#include "dp/privacy_loss_pmf.h"

namespace tb::dp {

inline constexpr int64_t kDefaultPopulation = 3000000;

// DpAggregator.Enum values (odp/task_builder.proto).
enum AggregatorType : int {
  kFixedGaussian = 1,
  kTreeAggregation = 2,
  kAdaptiveGaussian = 3,
  kAdaptiveTree = 4,
};

bool UsesTreeAccounting(int aggregator_type);
// "FIXED_GAUSSIAN", …; other values print as their number.
std::string AggregatorName(int aggregator_type);
// Parses the names above (and "UNKNOWN" = 0); false if unknown.
bool ParseAggregator(const std::string& name, int* aggregator_type);

struct AccountingParams {
  int aggregator_type = kFixedGaussian;  // already defaulted (UNKNOWN → FIXED_GAUSSIAN is the caller's rule)
  int64_t report_goal = 0;               // devices per round
  int64_t rounds = 0;                    // T, the number of training rounds
  double delta = 1.0 / 3000000;
  int64_t population = kDefaultPopulation;  // assumed population for Poisson sampling
  PmfLimits limits;
};

// Sampling probability report_goal / population (float division, as the original).
double SamplingProbability(const AccountingParams& params);

// ε at δ for noise multiplier σ. σ == 0 gives +inf (unless rounds == 0).
absl::StatusOr<double> NoiseToEpsilon(const AccountingParams& params, double noise_multiplier);

// The calibrated σ for a target ε (> 0): ε(σ) <= target, within 1e-6 of the smallest such σ. rounds == 0 is an
// error (every σ, even 0, has ε = 0). PLD: coarse-discretization surrogates and about two exact evaluations
// (CalibrateNoiseWithSurrogates); tree aggregation and `limits.exhaustive`: the reference's procedure.
// `stats->evaluations` counts exact evaluations only.
absl::StatusOr<double> EpsilonToNoise(const AccountingParams& params, double target_epsilon,
                                      CalibrationStats* stats = nullptr);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_ACCOUNTING_H_
