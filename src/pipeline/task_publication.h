// Stages F and G of the build (behavior.md §2.6–§2.7, §8.3): checking artifact URLs, uploading one task's
// artifacts to every URL it names, and creating tasks in task management with compensation (cancel what this
// build created when a later step fails, §12.6). Messages are the original's texts.
#ifndef TASKBUILDER_PIPELINE_TASK_PUBLICATION_H_
#define TASKBUILDER_PIPELINE_TASK_PUBLICATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pipeline/ports.h"

namespace tb::pipeline {

// Every checkpoint URL, then every server-phase URL, then every client-plan URL of `task`. The first bad one
// fails with "Cannot build artifacts because createTask returns invalid URLs: <uri>" ("empty URI." when empty).
absl::Status CheckArtifactUrls(const odp::Task& task, BlobStore& store);

// CheckArtifactUrls, then writes the checkpoint, the plan and the client plan to each of their URLs in that
// order. A failed write: "Cannot upload artifact to: <uri>".
absl::Status UploadArtifacts(const odp::Task& task, const TaskArtifacts& artifacts, BlobStore& store);

// Cancels `created` tasks (newest first) and returns a sentence for the error message saying what happened to
// them, e.g. " Cancelled the tasks this build created: my_pop/3." Empty when `created` is empty.
std::string CompensateCreatedTasks(TaskManagement& tm, const std::vector<odp::Task>& created);

}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_TASK_PUBLICATION_H_
