// The durable BuildJournal (pipeline/idempotency.h) in SQLite: one row per Idempotency-Key with the request's
// SHA-256, its state and, once done, the serialized response; plus the tasks each in-progress build created.
// Opened by one process at a time (lock file). Recovery at start-up cancels the tasks of builds that never
// finished (their process died) and forgets those keys, so a retry builds afresh instead of colliding with
// its own half-made tasks. Finished keys are kept for a retention period, then dropped.
#ifndef TASKBUILDER_TM_BUILD_JOURNAL_H_
#define TASKBUILDER_TM_BUILD_JOURNAL_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/idempotency.h"

struct sqlite3;

namespace tb::tm {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

struct BuildJournalOptions {
  std::chrono::milliseconds wait_for_running{std::chrono::minutes(10)};  // ClaimKey waits this long for a running attempt
  std::chrono::milliseconds poll{50};
  std::chrono::hours retention{24};
};

class SqliteBuildJournal : public pipeline::BuildJournal {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteBuildJournal>> Open(const std::string& path,
                                                                  BuildJournalOptions options = {});
  ~SqliteBuildJournal() override;

  absl::StatusOr<Claim> ClaimKey(const std::string& key, std::string_view request) override;
  absl::Status RecordCreatedTask(const std::string& key, const odp::Task& task) override;
  absl::Status Complete(const std::string& key, const std::string& response) override;

  // Cancels, through `tm`, every task recorded for a build that never completed, and forgets those keys.
  // Returns "pop/id" of each task cancelled; tasks that could not be cancelled are named in `failures`.
  struct Recovery {
    std::vector<std::string> cancelled;
    std::vector<std::string> failures;
    int abandoned_keys = 0;
  };
  absl::StatusOr<Recovery> RecoverAbandoned(pipeline::TaskManagement& tm);

 private:
  SqliteBuildJournal(sqlite3* db, int lock_fd, BuildJournalOptions options)
      : db_(db), lock_fd_(lock_fd), options_(options) {}

  std::mutex mu_;
  sqlite3* db_;
  int lock_fd_;
  BuildJournalOptions options_;
};

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_BUILD_JOURNAL_H_
