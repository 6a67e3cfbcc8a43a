// The pipeline's TaskManagement port (pipeline/ports.h) in its two forms: the embedded service in-process
// (the default of `taskbuilder serve`), and a remote ODP-compatible service over HTTP (ours or ODP's Java one),
// located per build as behavior.md §7.1 says. Both give the original's error texts.
#ifndef TASKBUILDER_TM_TASK_MANAGEMENT_PORTS_H_
#define TASKBUILDER_TM_TASK_MANAGEMENT_PORTS_H_

#include <memory>
#include <mutex>
#include <string>

#include "pipeline/ports.h"
#include "tm/task_management_client.h"
#include "tm/task_management_locator.h"
#include "tm/task_management_service.h"

namespace tb::tm {

// Where the embedded service keeps its database by default: <dir>/.taskbuilder/task_management.db for a local
// storage root; for gs://bucket[/prefix], task_management-<bucket>[-<prefix>].db under $TASKBUILDER_HOME,
// $XDG_DATA_HOME/taskbuilder or ~/.local/share/taskbuilder.
std::string DefaultTaskDatabasePath(const std::string& storage_root);

struct EmbeddedTaskManagementOptions {
  std::string storage_root;   // a directory or gs://bucket[/prefix]: where the tasks' artifact URLs point
  std::string database_path;  // empty: DefaultTaskDatabasePath(storage_root)
  // Where artifacts can be checked, for start-up recovery; null skips recovery.
  storage::BlobStore* artifacts = nullptr;
  std::function<int64_t()> now_ms;  // null: the system clock
};

class EmbeddedTaskManagement : public pipeline::TaskManagement {
 public:
  // Uses `service` (owned by the caller).
  explicit EmbeddedTaskManagement(TaskManagementService* service) : service_(service) {}

  // Opens the database (exclusively: one process per database), creates the service and, when `artifacts` is
  // given, cancels every CREATED task whose artifacts are missing: no build can be running in this process yet,
  // so such a task was left by a build that died (behavior.md §12.6).
  static absl::StatusOr<std::unique_ptr<EmbeddedTaskManagement>> Open(const EmbeddedTaskManagementOptions& options);

  absl::Status CheckAvailable() override { return absl::OkStatus(); }
  absl::StatusOr<odp::Task> CreateTask(const odp::Task& task) override;
  absl::Status CancelTask(const odp::Task& created) override;
  absl::StatusOr<odp::Task> GetTask(const std::string& population, int64_t task_id) override;

  TaskManagementService& service() { return *service_; }
  // What Open()'s recovery did (empty when it did not run).
  const TaskManagementService::RecoveryReport& startup_recovery() const { return startup_recovery_; }

 private:
  std::unique_ptr<TaskStore> owned_store_;
  std::unique_ptr<TaskManagementService> owned_service_;
  TaskManagementService* service_;
  TaskManagementService::RecoveryReport startup_recovery_;
};

struct RemoteTaskManagementOptions {
  TaskManagementLocatorOptions locator;
  // Applied to the client built for each resolved URL (id_tokens, timeouts, retries).
  TaskManagementClientOptions client;
};

class RemoteTaskManagement : public pipeline::TaskManagement {
 public:
  explicit RemoteTaskManagement(RemoteTaskManagementOptions options);

  // Resolves the URL (NotFound "Cannot find task management server.") and checks it answers on /ready
  // ("Fail to connect: <url>/ready" when it does not), before any artifact is built.
  absl::Status CheckAvailable() override;
  // Every create carries a fresh Idempotency-Key, so a retry after a lost answer cannot create a second task
  // on a server that honours keys; on ODP's Java service, creates are retried only when nothing was sent.
  absl::StatusOr<odp::Task> CreateTask(const odp::Task& task) override;
  // Unimplemented (naming the server) when the service has no cancel endpoint.
  absl::Status CancelTask(const odp::Task& created) override;
  absl::StatusOr<odp::Task> GetTask(const std::string& population, int64_t task_id) override;

 private:
  absl::StatusOr<std::shared_ptr<TaskManagementClient>> Client();

  RemoteTaskManagementOptions options_;
  TaskManagementLocator locator_;
  std::mutex mu_;
  std::shared_ptr<TaskManagementClient> client_;
};

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_TASK_MANAGEMENT_PORTS_H_
