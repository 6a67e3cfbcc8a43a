#include "tasks/task_factory.h"

#include <string>

#include "config/checkpoint_selector.h"
#include "config/defaults.h"
#include "config/python_format.h"
#include "config/validator.h"
#include "tasks/aggregation.h"

namespace tb::tasks {
namespace {

absl::StatusOr<int64_t> CheckedMaxAggregationSize(int64_t report_goal, double rate, const char* entity) {
  auto size = MaxAggregationSize(report_goal, rate);
  if (!size) {
    return absl::InvalidArgumentError(config::BadValueMessage(
        "over_selection_rate", config::PyFloatRepr(rate), entity,
        "over_selection_rate is too large: report_goal * (1 + over_selection_rate) must fit in a 64-bit integer."));
  }
  return *size;
}

void SetCommonFields(const odp::TaskConfig& config, int64_t min_size, int64_t max_size, odp::Task* task) {
  task->set_population_name(config.population_name());
  task->set_total_iteration(config.policies().model_release_policy().num_max_training_rounds());
  task->set_min_aggregation_size(min_size);
  task->set_max_aggregation_size(max_size);
  task->set_min_client_version(config::kDefaultMinClientVersion);
  task->set_max_client_version(config::kDefaultMaxClientVersion);
}

absl::StatusOr<odp::Task> CreateEvalTask(const odp::TaskConfig& config) {
  const auto& ev = config.federated_learning().evaluation();
  const std::string selector_text =
      ev.checkpoint_selector().empty() ? config::kDefaultCheckpointSelector : ev.checkpoint_selector();
  const auto selector = config::ParseCheckpointSelector(selector_text);
  if (!selector) {
    return absl::InvalidArgumentError(config::BadValueMessage(
        "checkpoint_selector", ev.checkpoint_selector(), "evaluation",
        "checkpoint_selector must be in the format of every_k_round or every_k_hour, where k is a positive integer."));
  }
  auto max_size = CheckedMaxAggregationSize(ev.report_goal(), ev.over_selection_rate(), "evaluation");
  if (!max_size.ok()) return max_size.status();

  odp::Task task;
  SetCommonFields(config, ev.report_goal(), *max_size, &task);
  auto* info = task.mutable_info();
  info->set_traffic_weight(EvalTrafficWeight(ev.evaluation_traffic()));
  auto* eval_info = info->mutable_evaluation_info();
  auto* checkpoint_selector = eval_info->mutable_check_point_selector();  // present even if it were empty
  if (selector->unit == config::CheckpointSelector::Unit::kRound) {
    checkpoint_selector->mutable_iteration_selector()->set_size(selector->k);
  } else {
    checkpoint_selector->mutable_duration_selector()->set_hours(selector->k);
  }
  eval_info->set_training_population_name(ev.source_training_population().empty() ? config.population_name()
                                                                                  : ev.source_training_population());
  // From the config, not from the training task created in the same request (behavior.md §12.12).
  eval_info->set_training_task_id(ev.source_training_task_id());
  return task;
}

odp::Task TaskFromArtifactBuilding(const odp::ArtifactBuilding& building) {
  odp::Task task;
  task.add_client_only_plan_url(building.client_plan_url());
  task.add_server_phase_url(building.plan_url());
  task.add_init_checkpoint_url(building.checkpoint_url());
  return task;
}

}  // namespace

odp::Task CreateTrainingTask(const odp::TaskConfig& config, int64_t max_aggregation_size) {
  const int64_t report_goal = config.federated_learning().learning_process().runtime_config().report_goal();
  odp::Task task;
  SetCommonFields(config, report_goal, max_aggregation_size, &task);
  auto* info = task.mutable_info();
  info->set_traffic_weight(config::kTrainingTrafficWeight);
  auto* eligibility = info->mutable_training_info()->mutable_eligibility_task_info();
  // Both policies, always, copied whole (current_index included), even when unset in the config.
  *eligibility->add_eligibility_policies()->mutable_min_sep_policy() = config.policies().min_separation_policy();
  *eligibility->add_eligibility_policies()->mutable_data_availability_policy() =
      config.policies().data_availability_policy();
  return task;
}

absl::StatusOr<TaskPair> CreateTasks(const odp::TaskConfig& config) {
  const bool eval_only = config::IsEvalOnly(config);
  TaskPair pair;
  if (eval_only) {
    auto eval = CreateEvalTask(config);
    if (!eval.ok()) return eval.status();
    pair.main = *std::move(eval);
    return pair;
  }
  const auto& rc = config.federated_learning().learning_process().runtime_config();
  auto max_size = CheckedMaxAggregationSize(rc.report_goal(), rc.over_selection_rate(), "runtime_config");
  if (!max_size.ok()) return max_size.status();
  pair.main = CreateTrainingTask(config, *max_size);
  if (config::IsTrainingAndEval(config)) {
    auto eval = CreateEvalTask(config);
    if (!eval.ok()) return eval.status();
    pair.optional = *std::move(eval);
  }
  return pair;
}

TaskPair CreateTasksForArtifactOnly(const odp::TaskConfig& config) {
  const auto& train = config.federated_learning().learning_process().artifact_building();
  const auto& eval = config.federated_learning().evaluation().artifact_building();
  TaskPair pair;
  if (config::IsTrainingAndEval(config)) {
    pair.main = TaskFromArtifactBuilding(train);
    pair.optional = TaskFromArtifactBuilding(eval);
  } else if (config::IsEvalOnly(config)) {
    pair.main = TaskFromArtifactBuilding(eval);
  } else {
    pair.main = TaskFromArtifactBuilding(train);
  }
  return pair;
}

}  // namespace tb::tasks
