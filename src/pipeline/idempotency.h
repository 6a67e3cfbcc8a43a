// Idempotent builds: a client that retries a :build-task-group with the same Idempotency-Key gets the first
// attempt's response and no second set of tasks. The BuildJournal port remembers keys durably (the SQLite one
// is tm/build_journal.h); this file only decides what a key's state means for a request.
#ifndef TASKBUILDER_PIPELINE_IDEMPOTENCY_H_
#define TASKBUILDER_PIPELINE_IDEMPOTENCY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pipeline/build_pipeline.h"

namespace tb::pipeline {

// The HTTP request header carrying the key (the same name TM create-task uses).
inline constexpr char kIdempotencyKeyHeader[] = "Idempotency-Key";
inline constexpr size_t kMaxIdempotencyKeyBytes = 256;

class BuildJournal {
 public:
  virtual ~BuildJournal() = default;

  enum class ClaimState {
    kNew,         // the caller owns the key now and must Complete() it
    kCompleted,   // `response` holds the first attempt's serialized BuildTaskResponse
    kInProgress,  // another attempt with this key is still running (after waiting a while for it)
    kMismatch,    // the key was used for a different request
  };
  struct Claim {
    ClaimState state = ClaimState::kNew;
    std::string response;
  };

  // Claims `key` for the request whose bytes (route and body) are `request`. May wait for a running attempt.
  virtual absl::StatusOr<Claim> ClaimKey(const std::string& key, std::string_view request) = 0;
  // Remembers a task created under `key`, so a crash before Complete() can be cleaned up.
  virtual absl::Status RecordCreatedTask(const std::string& key, const odp::Task& task) = 0;
  // Stores the response for `key`; later claims get it.
  virtual absl::Status Complete(const std::string& key, const std::string& response) = 0;
};

// HandleBuildRequest under `key` (empty key: no journal). Errors of the journal itself and key misuse are
// answered as error_info INVALID_REQUEST with a message naming the key.
BuildResult HandleIdempotentBuildRequest(BuildJournal* journal, const std::string& key, std::string_view body,
                                         bool artifact_only, const PipelineServices& services);

}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_IDEMPOTENCY_H_
