// Stages F and G of a :build-task-group as one transaction (behavior.md §2.6–§2.7, §12.6–§12.12): create the
// tasks (training first; in TRAINING_AND_EVAL the eval task evaluates the training task just created), check
// every artifact URL of every task before writing anything, upload every artifact to every URL, then confirm the
// artifacts are really there and the tasks were not cancelled meanwhile. Any failure after a create cancels
// what this build created and says so in the message; a TM without cancel gets the orphaned ids named.
// Error texts keep the original's prefixes. It talks to the world only through the ports.
#ifndef TASKBUILDER_PIPELINE_PUBLISH_H_
#define TASKBUILDER_PIPELINE_PUBLISH_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/ports.h"

namespace tb::pipeline {

struct PublishPlan {
  odp::Task main;                                   // the training task, or the eval task in EVAL_ONLY
  std::optional<odp::Task> optional;                // the eval task of TRAINING_AND_EVAL
  const TaskArtifacts* main_artifacts = nullptr;    // never null
  const TaskArtifacts* optional_artifacts = nullptr;  // the eval task's, when it has to be uploaded
  // :build-artifacts: no TM; URLs come from the config; nothing to compensate.
  bool artifact_only = false;
};

struct PublishOutcome {
  bool ok = false;
  odp::ErrorType::Enum error_type = odp::ErrorType::UNKNOWN;
  std::string error_message;
  odp::Task main;                     // as TM returned it (ok only)
  std::optional<odp::Task> optional;  // as TM returned it (ok only)
};

// Observes each task right after TM created it, before anything else happens to it (the idempotency journal
// records it so a crash can be cleaned up).
using TaskCreatedObserver = std::function<void(const odp::Task&)>;

// `tm` may be null only for artifact_only plans.
PublishOutcome PublishTaskGroup(PublishPlan plan, TaskManagement* tm, BlobStore& store,
                                const TaskCreatedObserver& on_created = nullptr);

}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_PUBLISH_H_
