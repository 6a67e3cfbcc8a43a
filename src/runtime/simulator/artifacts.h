// Finds and loads the artifacts of one task in a build output directory, named as the original writes them:
// plan.pb / client_only_plan.pb / initial_state.server.ckp for training, eval_plan.pb / eval_client_only_plan.pb /
// eval_initial_state.server.ckp for evaluation. Errors name the missing or unreadable file.
#ifndef TASKBUILDER_RUNTIME_SIMULATOR_ARTIFACTS_H_
#define TASKBUILDER_RUNTIME_SIMULATOR_ARTIFACTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "fcp/plan.pb.h"

namespace tb::runtime::simulator {

namespace plan = ::google::internal::federated::plan;

enum class TaskKind { kTraining, kEvaluation };

struct TaskArtifacts {
  TaskKind kind = TaskKind::kTraining;
  std::string plan_path, client_plan_path, checkpoint_path;
  plan::Plan plan;
  plan::ClientOnlyPlan client_plan;
};

// `checkpoint_override` (may be empty) replaces the default server checkpoint. For evaluation the default is the
// training task's initial_state.server.ckp when present — the eval task evaluates the training model — else
// eval_initial_state.server.ckp.
absl::StatusOr<TaskArtifacts> LoadTaskArtifacts(const std::string& dir, TaskKind kind,
                                                const std::string& checkpoint_override = "");

}  // namespace tb::runtime::simulator

#endif  // TASKBUILDER_RUNTIME_SIMULATOR_ARTIFACTS_H_
