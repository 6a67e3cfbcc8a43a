#include "dp/dp_parameters.h"

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "config/python_format.h"
#include "config/validator.h"
#include "dp/accounting.h"

namespace tb::dp {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

constexpr char kNotPrivateEnough[] =
    "[Invalid task config]: differential_privacy setup is not private enough to pass DP accounting check.";
constexpr double kDefaultDelta = 1.0 / 3000000;
constexpr int64_t kDefaultTargetEpsilon = 10;
constexpr double kDefaultInitClipNorm = 0.1;

absl::Status Bad(const std::string& key, const std::string& value, const std::string& entity,
                 const std::string& message) {
  return absl::InvalidArgumentError(config::BadValueMessage(key, value, entity, message));
}

// Accounting failures that are not a single bad field (limits, no bracket) keep the validator's prefix.
absl::Status CannotAccount(const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat(
      config::kInvalidTaskConfigPrefix, "differential_privacy setup cannot be accounted for: ", status.message(), "."));
}

}  // namespace

absl::StatusOr<DpParameters> DeriveDpParameters(const odp::TaskConfig& config, const odp::ExperimentFlags& flags,
                                                const DpOptions& options) {
  const int64_t report_goal = config.federated_learning().learning_process().runtime_config().report_goal();
  const odp::DifferentialPrivacy& dp = config.differential_privacy();
  const auto& release = config.policies().model_release_policy();

  int type = dp.type();
  if (type == 0) {
    type = kFixedGaussian;
    TB_LOG(INFO) << "`dp_aggregator_type` is set to default FIXED_GAUSSIAN";
  }
  double init_clip = dp.init_clip_norm();
  if (init_clip == 0 && (type == kAdaptiveGaussian || type == kAdaptiveTree)) {
    init_clip = kDefaultInitClipNorm;
    TB_LOG(INFO) << "`dp_init_clip_norm` is set to default value: 0.1";
  }
  double delta = release.dp_delta();
  if (delta == 0) {
    delta = kDefaultDelta;
    TB_LOG(INFO) << "`dp_delta` is set to default value: " << config::PyFloatRepr(kDefaultDelta);
  }
  double target = release.dp_target_epsilon();
  const bool default_target = target == 0;  // the original's default is the int 10 and prints as "10"
  if (default_target) {
    target = kDefaultTargetEpsilon;
    TB_LOG(INFO) << "`dp_target_epsilon` is set to default value: 10";
  }
  const int64_t rounds = release.num_max_training_rounds();
  double noise = dp.noise_multiplier();

  // What the original let through to a crash or a meaningless number (behavior.md §12.1, §12.15).
  if (!(delta > 0 && delta <= kDefaultDelta)) {
    return Bad("dp_delta", config::PyFloatRepr(release.dp_delta()), "model_release_policy",
               "dp_delta must be a float number between 0 and 3.333333E-07");
  }
  if (!(target > 0 && target <= kDefaultTargetEpsilon)) {
    return Bad("dp_target_epsilon", config::PyFloatRepr(release.dp_target_epsilon()), "model_release_policy",
               "dp_target_epsilon must be a float number between 0 and 10.000000");
  }
  if (rounds < 0) {
    return Bad("num_max_training_rounds", std::to_string(rounds), "model_release_policy",
               "num_max_training_rounds must be a nonnegative number.");
  }
  if (!(noise >= 0) || !std::isfinite(noise)) {
    return Bad("noise_multiplier", config::PyFloatRepr(noise), "differential_privacy",
               "noise_multiplier must be a finite nonnegative number.");
  }
  if (options.population <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("DP population assumption must be positive, got ", options.population));
  }
  if (!UsesTreeAccounting(type) && rounds > 0) {
    if (report_goal <= 0) {
      return Bad("report_goal", std::to_string(report_goal), "runtime_config",
                 "report_goal is required and must be set to an integer strictly greater than zero.");
    }
    if (report_goal > options.population) {
      return Bad("report_goal", std::to_string(report_goal), "runtime_config",
                 absl::StrCat("report_goal must not exceed the population of ", options.population,
                              " devices assumed by DP accounting."));
    }
  }
  if (noise == 0 && rounds == 0) {
    return Bad("num_max_training_rounds", "0", "model_release_policy",
               "num_max_training_rounds must be positive when noise_multiplier is unset: no noise multiplier can "
               "be calibrated for zero rounds.");
  }

  AccountingParams params;
  params.aggregator_type = type;
  params.report_goal = report_goal;
  params.rounds = rounds;
  params.delta = delta;
  params.population = options.population;

  DpParameters out;
  out.delta = delta;
  out.num_training_rounds = rounds;
  out.aggregator_type = type;
  out.target_epsilon = target;
  out.population = options.population;
  out.sampling_probability = SamplingProbability(params);
  out.accountant = rounds == 0 ? "NONE" : (UsesTreeAccounting(type) ? "RDP_TREE" : "PLD");
  if (noise == 0) {
    CalibrationStats stats;
    auto sigma = EpsilonToNoise(params, target, &stats);
    if (!sigma.ok()) return CannotAccount(sigma.status());
    noise = *sigma;
    out.epsilon = target;
    out.achieved_epsilon = stats.achieved_epsilon;
    out.calibrated = true;
  } else {
    auto eps = NoiseToEpsilon(params, noise);
    if (!eps.ok() && !flags.skip_dp_check()) return CannotAccount(eps.status());
    if (!eps.ok()) {
      // The user asked not to be held to ε; a noise multiplier too small for the accountant's bounds (ε is then
      // enormous) must not stop the build either. ε is reported as unbounded.
      TB_LOG(WARNING) << "skip_dp_check: epsilon not computed (" << eps.status().message()
                      << "); reporting it as unbounded";
      eps = INFINITY;
    }
    out.epsilon = *eps;
    out.achieved_epsilon = *eps;
    if (!flags.skip_dp_check() && *eps > target) return absl::InvalidArgumentError(kNotPrivateEnough);
  }
  out.noise_multiplier = noise;
  out.clip_norm = (type == kFixedGaussian || type == kTreeAggregation) ? dp.clip_norm() : init_clip;
  const std::string eps_text = out.calibrated && default_target ? std::string("10") : config::PyFloatRepr(out.epsilon);
  TB_LOG(INFO) << "DP Parameters: noise_multiplier=" << config::PyFloatRepr(out.noise_multiplier)
               << ", dp_clip_norm=" << config::PyFloatRepr(out.clip_norm)
               << ", dp_delta=" << config::PyFloatRepr(out.delta) << ", dp_epsilon=" << eps_text
               << ", num_training_rounds=" << out.num_training_rounds << ", dp_aggregator_type=" << out.aggregator_type;
  TB_LOG(INFO) << "DP accounting assumes a population of " << out.population << " devices (sampling probability "
               << config::PyFloatRepr(out.sampling_probability) << "); achieved epsilon "
               << config::PyFloatRepr(out.achieved_epsilon) << " at delta " << config::PyFloatRepr(out.delta)
               << " with " << out.accountant << " accounting";
  return out;
}

}  // namespace tb::dp
