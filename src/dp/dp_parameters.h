// The task builder's DP parameter derivation (the original's validate_fcp_dp, behavior.md §4.1): defaults for
// aggregator, init clip, δ and target ε; calibration of the noise multiplier when it is unset (the reported ε is
// then the target); otherwise ε at δ and the "not private enough" check unless flags.skip_dp_check. Also rejects,
// with the validator's "[Invalid task config]: ..." format, what crashed the original: a report goal above the
// assumed population, non-finite or negative values, calibration for zero rounds, and setups too extreme to
// account for in bounded memory. Pure apart from INFO logs; call it after config validation.
#ifndef TASKBUILDER_DP_DP_PARAMETERS_H_
#define TASKBUILDER_DP_DP_PARAMETERS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "odp/task_builder.pb.h"

namespace tb::dp {

struct DpOptions {
  // Devices assumed to be in the population: Poisson sampling probability q = report_goal / population.
  int64_t population = 3000000;
};

struct DpParameters {
  double noise_multiplier = 0;  // as configured, or calibrated
  double clip_norm = 0;         // clip_norm for FIXED_GAUSSIAN/TREE_AGGREGATION, else init_clip_norm (defaulted)
  double delta = 0;             // dp_delta or its default 1/3e6
  double epsilon = 0;           // ε at δ; after calibration the *target* ε, as the original reports
  int64_t num_training_rounds = 0;
  int aggregator_type = 1;  // DpAggregator.Enum value after defaulting (UNKNOWN → FIXED_GAUSSIAN)

  // Not in the original's report; for logs, tools and reviewers.
  double target_epsilon = 0;        // dp_target_epsilon or its default 10
  double achieved_epsilon = 0;      // ε actually achieved at noise_multiplier (<= epsilon)
  bool calibrated = false;          // noise_multiplier was computed, not configured
  int64_t population = 0;           // the population assumption used
  double sampling_probability = 0;  // report_goal / population (unused by tree accounting)
  std::string accountant;           // "PLD" or "RDP_TREE" (or "NONE" when rounds == 0)
};

// On failure: InvalidArgument whose message is what follows "Task config is invalid: " in the original's HTTP
// error, e.g. "[Invalid task config]: differential_privacy setup is not private enough to pass DP accounting check."
absl::StatusOr<DpParameters> DeriveDpParameters(
    const ::google::ondevicepersonalization::federatedcompute::proto::TaskConfig& config,
    const ::google::ondevicepersonalization::federatedcompute::proto::ExperimentFlags& flags,
    const DpOptions& options = {});

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_DP_PARAMETERS_H_
