// Builds the Task protos a build request turns into (behavior.md §6): the training and/or eval task sent to task
// management, or the URL-only tasks of an artifact-only build. Pure: no I/O, ids and URLs come from TM later.
#ifndef TASKBUILDER_TASKS_TASK_FACTORY_H_
#define TASKBUILDER_TASKS_TASK_FACTORY_H_

#include <optional>

#include "absl/status/statusor.h"
#include "odp/task.pb.h"
#include "odp/task_builder.pb.h"

namespace tb::tasks {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

// `main` is the eval task in EVAL_ONLY and the training task otherwise; `optional` is the eval task in
// TRAINING_AND_EVAL. Other modes (TRAINING_ONLY, UNKNOWN, out-of-range numbers) build a training task only.
struct TaskPair {
  odp::Task main;
  std::optional<odp::Task> optional;
};

// The tasks for :build-task-group. REQUIRES: config passed config::ValidateTaskConfig; otherwise an unparsable
// checkpoint_selector or an out-of-range aggregation size is InvalidArgument in the validator's message format.
absl::StatusOr<TaskPair> CreateTasks(const odp::TaskConfig& config);

// The URL-only tasks for :build-artifacts, one URL per list taken from the config's artifact_building blocks
// (empty strings included; they are rejected when the artifacts are uploaded).
TaskPair CreateTasksForArtifactOnly(const odp::TaskConfig& config);

odp::Task CreateTrainingTask(const odp::TaskConfig& config, int64_t max_aggregation_size);

}  // namespace tb::tasks

#endif  // TASKBUILDER_TASKS_TASK_FACTORY_H_
