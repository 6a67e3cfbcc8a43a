// The embedded task-management service: ODP's TM semantics (ecosystem.md §1.2, behavior.md §7.4) over a
// TaskStore — create (population from the path, ids per population, UNKNOWN -> CREATED, default info, request
// URL lists dropped and ODP's layout {root}/{pop}/{id}/0/s/0/{client_only_plan|server_phase|checkpoint|metrics}
// attached), get, and the cancel ODP lacks — plus start-up recovery of tasks a dead build left without
// artifacts. Used in-process by `taskbuilder serve` and over HTTP by `taskbuilder task-management`.
// Error texts are the HTTP form ("409: Conflict: ..."), identical in-process and over the wire.
#ifndef TASKBUILDER_TM_TASK_MANAGEMENT_SERVICE_H_
#define TASKBUILDER_TM_TASK_MANAGEMENT_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/blob_store.h"
#include "tm/task_store.h"

namespace tb::tm {

struct TaskManagementServiceOptions {
  // Where artifacts live: an absolute local directory or gs://bucket[/prefix]. URLs are built from it.
  std::string storage_root;
  // Milliseconds since the Unix epoch; tests inject a fixed clock.
  std::function<int64_t()> now_ms;
};

class TaskManagementService {
 public:
  // InvalidArgument when the storage root is neither an absolute directory nor a gs:// bucket URI.
  static absl::StatusOr<std::unique_ptr<TaskManagementService>> Create(TaskStore* store,
                                                                       TaskManagementServiceOptions options);

  // ODP create-task. `population` (the path's) wins over task.population_name. Errors:
  //   InvalidArgument "400: Bad Request: population name ..." for names that cannot be stored safely;
  //   FailedPrecondition "409: Conflict: failed to create new created task: only one active training and/or one
  //     evaluation task is allowed under one population, there are already active tasks: [pop/1]";
  //   Aborted "422: Unprocessable Entity: idempotency key ... different ..." when a key is reused.
  // With a non-empty `idempotency_key`, repeating the same request returns the task created the first time.
  absl::StatusOr<odp::Task> CreateTask(const std::string& population, const odp::Task& task,
                                       const std::string& idempotency_key = "");

  // NotFound "404: Not Found: no task <id> in population <pop>".
  absl::StatusOr<odp::Task> GetTask(const std::string& population, int64_t task_id);

  // CREATED or OPEN -> CANCELED (idempotent: cancelling a cancelled task returns it). FailedPrecondition for
  // COMPLETED/FAILED tasks, NotFound for unknown ones.
  absl::StatusOr<odp::Task> CancelTask(const std::string& population, int64_t task_id, const std::string& reason);

  // Cancels every CREATED task older than `min_age_ms` whose artifacts are not all in `store` (training: device
  // plan, server plan and initial checkpoint; evaluation: the two plans — what ODP's scheduler waits for).
  // Tasks whose storage cannot be checked are left alone and listed as unverified.
  struct RecoveryReport {
    std::vector<odp::Task> cancelled;
    std::vector<odp::Task> complete;
    std::vector<std::string> unverified;  // "pop/id: reason"
  };
  absl::StatusOr<RecoveryReport> RecoverIncompleteTasks(storage::BlobStore& store, int64_t min_age_ms);

  // {root}/{population}/{task_id}/0/s/0/{leaf}
  std::string ArtifactUrl(const std::string& population, int64_t task_id, const std::string& leaf) const;

  TaskStore& store() { return *store_; }
  const std::string& storage_root() const { return root_; }

 private:
  TaskManagementService(TaskStore* store, std::string root, std::function<int64_t()> now)
      : store_(store), root_(std::move(root)), now_ms_(std::move(now)) {}

  TaskStore* store_;
  std::string root_;  // "gs://bucket[/prefix]" or "file:///abs/dir", no trailing slash
  std::function<int64_t()> now_ms_;
};

// InvalidArgument unless `population` is 1-256 characters of [A-Za-z0-9._~-] not starting with '.' (names that
// are safe as a URL path segment, a Cloud Storage object prefix and a directory name).
absl::Status ValidatePopulationName(const std::string& population);

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_TASK_MANAGEMENT_SERVICE_H_
