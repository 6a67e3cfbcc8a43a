// Durable storage of the embedded task-management service: one SQLite database (WAL, synchronous=FULL, so a
// committed create survives a crash or power loss), one connection serialized by a mutex, and an exclusive
// lock file so two processes never serve the same database. It enforces ODP's invariants inside transactions:
// per-population task ids (MAX+1 from 1) and one active (CREATED/OPEN) task per kind (training, evaluation).
// It never decides semantics beyond that (defaults, URLs and error texts belong to TaskManagementService).
#ifndef TASKBUILDER_TM_TASK_STORE_H_
#define TASKBUILDER_TM_TASK_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "odp/task.pb.h"

struct sqlite3;

namespace tb::tm {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

enum class TaskKind { kTraining = 1, kEvaluation = 2 };

class TaskStore {
 public:
  // Opens (creating if needed) the database at `path` and takes `path + ".lock"` exclusively. FailedPrecondition
  // naming the path when another process holds it.
  static absl::StatusOr<std::unique_ptr<TaskStore>> Open(const std::string& path);
  ~TaskStore();
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  struct Conflict {
    std::vector<int64_t> active_task_ids;  // tasks of the same kind already CREATED or OPEN
  };

  struct InsertResult {
    odp::Task task;               // as stored, task_id assigned
    bool replayed = false;        // true when the idempotency key matched an earlier identical create
    std::optional<Conflict> conflict;  // set (and nothing inserted) when the one-active rule refuses it
  };

  // In one IMMEDIATE transaction: replays an earlier create with the same (population, idempotency_key) when the
  // request bytes match (FailedPrecondition when they differ); otherwise checks the one-active rule, assigns
  // task_id = MAX+1, lets `finish` fill id-dependent fields (URLs), and inserts. `request` is the
  // deterministic serialization of the create request, kept for the replay comparison.
  absl::StatusOr<InsertResult> Insert(const odp::Task& task, TaskKind kind, const std::string& idempotency_key,
                                      const std::string& request, int64_t now_ms,
                                      const std::function<void(odp::Task&)>& finish);

  absl::StatusOr<std::optional<odp::Task>> Get(const std::string& population, int64_t task_id);

  // Moves a task to `to` if its current status is in `from` (returns the updated task), records the change and
  // `reason` in the status history. Returns the unchanged task with `changed = false` when it already has status
  // `to`; FailedPrecondition naming both statuses when the transition is not allowed; NotFound when absent.
  struct Transition {
    odp::Task task;
    bool changed = false;
  };
  absl::StatusOr<Transition> SetStatus(const std::string& population, int64_t task_id,
                                       const std::vector<odp::TaskStatus::Enum>& from, odp::TaskStatus::Enum to,
                                       const std::string& reason, int64_t now_ms);

  // Every task with `status`, oldest first.
  absl::StatusOr<std::vector<odp::Task>> ListByStatus(odp::TaskStatus::Enum status);

  // Status history of one task (status, time_ms, reason), oldest first; for audits and tests.
  struct HistoryEntry {
    odp::TaskStatus::Enum status;
    int64_t time_ms;
    std::string reason;
  };
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& population, int64_t task_id);

  const std::string& path() const { return path_; }

 private:
  TaskStore(std::string path, sqlite3* db, int lock_fd) : path_(std::move(path)), db_(db), lock_fd_(lock_fd) {}

  std::string path_;
  std::mutex mu_;
  sqlite3* db_;
  int lock_fd_;
};

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_TASK_STORE_H_
