#include "config/validator.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "config/checkpoint_selector.h"
#include "config/python_format.h"

namespace tb::config {
namespace {

absl::Status Bad(std::string_view key, std::string_view value, std::string_view entity, std::string_view debug) {
  return absl::InvalidArgumentError(BadValueMessage(key, value, entity, debug));
}

// NaN and +inf passed the original's one-sided checks and reached the build; they fail here in the same format.
absl::Status CheckFinite(double value, std::string_view key, std::string_view entity) {
  if (!std::isfinite(value)) {
    return Bad(key, PyFloatRepr(value), entity, absl::StrCat(ToAbsl(key), " must be a finite number."));
  }
  return absl::OkStatus();
}

absl::Status CheckNonNegative(double value, std::string_view key, std::string_view entity) {
  if (value < 0) {
    return Bad(key, PyFloatRepr(value), entity, absl::StrCat(ToAbsl(key), " must be a nonnegative number."));
  }
  return CheckFinite(value, key, entity);
}

absl::Status CheckNonNegative(int64_t value, std::string_view key, std::string_view entity) {
  if (value < 0) {
    return Bad(key, std::to_string(value), entity, absl::StrCat(ToAbsl(key), " must be a nonnegative number."));
  }
  return absl::OkStatus();
}

// [0, 1]; NaN fails too (the original let it through).
absl::Status CheckProbability(double value, std::string_view key, std::string_view entity) {
  if (!(value >= 0.0 && value <= 1.0)) {
    return Bad(key, PyFloatRepr(value), entity, absl::StrCat(ToAbsl(key), " must be a probability."));
  }
  return absl::OkStatus();
}

absl::Status CheckReportGoal(int64_t value, std::string_view entity) {
  if (value <= 0) {
    return Bad("report_goal", std::to_string(value), entity,
               "report_goal is required and must be set to an integer strictly greater than zero.");
  }
  return absl::OkStatus();
}

bool UsesPoissonSampledAccounting(odp::DpAggregator::Enum type) {
  // Tree aggregators are accounted by RDP without sampling; everything else (including out-of-range values) goes
  // through PLD with q = report_goal / population (behavior.md §4.2).
  return type != odp::DpAggregator::TREE_AGGREGATION && type != odp::DpAggregator::ADAPTIVE_TREE;
}

}  // namespace

std::string BadValueMessage(std::string_view key, std::string_view value, std::string_view entity,
                            std::string_view debug_msg) {
  return absl::StrCat(kInvalidTaskConfigPrefix, "key `", ToAbsl(key), "` has a bad value: `", ToAbsl(value), "` in `",
                      ToAbsl(entity), "`. ", ToAbsl(debug_msg));
}

absl::Status ValidateTaskConfig(const odp::TaskConfig& config, const ValidationOptions& options) {
  const auto& policies = config.policies();
  const auto& release = policies.model_release_policy();
  const auto& lp = config.federated_learning().learning_process();
  const auto& ev = config.federated_learning().evaluation();
  const auto& dp = config.differential_privacy();

  // 1
  if (config.population_name().empty()) {
    return Bad("population_name", "", "task_config",
               "population_name is required and must be set to an non-empty string.");
  }
  // 2, 3
  TB_RETURN_IF_ERROR(CheckNonNegative(policies.min_separation_policy().minimum_separation(), "minimum_separation",
                                      "min_separation_policy"));
  TB_RETURN_IF_ERROR(CheckNonNegative(int64_t{policies.data_availability_policy().min_example_count()},
                                      "min_example_count", "data_availability_policy"));
  // 4: '%f' % 10 in the original's text, and no final period.
  if (!(release.dp_target_epsilon() >= 0.0 && release.dp_target_epsilon() <= kDefaultDpEpsilon)) {
    return Bad("dp_target_epsilon", PyFloatRepr(release.dp_target_epsilon()), "model_release_policy",
               "dp_target_epsilon must be a float number between 0 and 10.000000");
  }
  // 5: '%E' % (1/3000000).
  if (!(release.dp_delta() >= 0.0 && release.dp_delta() <= kDefaultDpDelta)) {
    return Bad("dp_delta", PyFloatRepr(release.dp_delta()), "model_release_policy",
               "dp_delta must be a float number between 0 and 3.333333E-07");
  }
  // 6, 7
  TB_RETURN_IF_ERROR(
      CheckNonNegative(release.num_max_training_rounds(), "num_max_training_rounds", "model_release_policy"));
  TB_RETURN_IF_ERROR(CheckNonNegative(policies.dataset_policy().batch_size(), "batch_size", "dataset_policy"));
  // 8, 9
  TB_RETURN_IF_ERROR(CheckProbability(lp.client_learning_rate(), "client_learning_rate", "learning_process"));
  TB_RETURN_IF_ERROR(CheckProbability(lp.server_learning_rate(), "server_learning_rate", "learning_process"));
  // 10, then the population bound the original only hit as a crash inside PLD accounting (q > 1).
  TB_RETURN_IF_ERROR(CheckReportGoal(lp.runtime_config().report_goal(), "runtime_config"));
  const auto dp_type = dp.type() != odp::DpAggregator::UNKNOWN ? dp.type() : odp::DpAggregator::FIXED_GAUSSIAN;
  if (UsesPoissonSampledAccounting(dp_type) && release.num_max_training_rounds() > 0 &&
      lp.runtime_config().report_goal() > options.population) {
    return Bad("report_goal", std::to_string(lp.runtime_config().report_goal()), "runtime_config",
               absl::StrCat("report_goal must not exceed the total population of ", options.population,
                            " assumed by DP accounting."));
  }
  // 11
  TB_RETURN_IF_ERROR(CheckNonNegative(lp.runtime_config().over_selection_rate(), "over_selection_rate",
                                      "runtime_config"));
  // 12–16 apply to every mode but TRAINING_ONLY, UNKNOWN included.
  if (config.mode() != odp::TaskMode::TRAINING_ONLY) {
    TB_RETURN_IF_ERROR(CheckReportGoal(ev.report_goal(), "evaluation"));
    TB_RETURN_IF_ERROR(CheckNonNegative(ev.over_selection_rate(), "over_selection_rate", "evaluation"));
    if (!ev.checkpoint_selector().empty() && !ParseCheckpointSelector(ev.checkpoint_selector())) {
      return Bad("checkpoint_selector", ev.checkpoint_selector(), "evaluation",
                 "checkpoint_selector must be in the format of every_k_round or every_k_hour, where k is a positive "
                 "integer.");
    }
    TB_RETURN_IF_ERROR(CheckProbability(ev.evaluation_traffic(), "evaluation_traffic", "evaluation"));
    if (ev.source_training_task_id() <= 0) {
      return Bad("source_training_task_id", std::to_string(ev.source_training_task_id()), "evaluation",
                 "source_training_task_id is required and must be a positive number.");
    }
  }
  // 17
  TB_RETURN_IF_ERROR(CheckNonNegative(dp.noise_multiplier(), "noise_multiplier", "differential_privacy"));
  // 18: UNKNOWN counts as FIXED_GAUSSIAN here; out-of-range types skip both clip checks, as in the original.
  if (dp.type() == odp::DpAggregator::UNKNOWN || dp.type() == odp::DpAggregator::FIXED_GAUSSIAN ||
      dp.type() == odp::DpAggregator::TREE_AGGREGATION) {
    if (dp.clip_norm() <= 0) {
      return Bad("clip_norm", PyFloatRepr(dp.clip_norm()), "differential_privacy",
                 "clip_norm is required and must be a positive float when using FIXED_GAUSSIAN or TREE_AGGREGATION "
                 "DP Aggregator.");
    }
    TB_RETURN_IF_ERROR(CheckFinite(dp.clip_norm(), "clip_norm", "differential_privacy"));
  }
  // 19
  if (dp.type() == odp::DpAggregator::ADAPTIVE_GAUSSIAN || dp.type() == odp::DpAggregator::ADAPTIVE_TREE) {
    if (dp.init_clip_norm() < 0) {
      return Bad("init_clip_norm", PyFloatRepr(dp.init_clip_norm()), "differential_privacy",
                 "init_clip_norm must be a positive float or be left empty when using ADAPTIVE_GAUSSIAN or "
                 "ADAPTIVE_TREE DP Aggregator.");
    }
    TB_RETURN_IF_ERROR(CheckFinite(dp.init_clip_norm(), "init_clip_norm", "differential_privacy"));
  }
  // Calibrating noise for zero rounds never terminates in the original (it raised NoBracketIntervalFoundError and
  // answered HTTP 500): no noise reaches a positive target epsilon when nothing is released.
  if (release.num_max_training_rounds() == 0 && dp.noise_multiplier() == 0) {
    return Bad("num_max_training_rounds", "0", "model_release_policy",
               "num_max_training_rounds must be positive when noise_multiplier is left empty to be calibrated.");
  }
  return absl::OkStatus();
}

}  // namespace tb::config
