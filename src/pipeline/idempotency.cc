#include "pipeline/idempotency.h"

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::pipeline {
namespace {

BuildResult Refuse(std::string message) {
  BuildResult r;
  r.response.mutable_task_report();
  auto* e = r.response.mutable_error_info();
  e->set_error_type(odp::ErrorType::INVALID_REQUEST);
  e->set_error_message(std::move(message));
  return r;
}

}  // namespace

BuildResult HandleIdempotentBuildRequest(BuildJournal* journal, const std::string& key, std::string_view body,
                                         bool artifact_only, const PipelineServices& services) {
  if (key.empty() || journal == nullptr) return HandleBuildRequest(body, artifact_only, services);
  if (key.size() > kMaxIdempotencyKeyBytes) {
    return Refuse(absl::StrCat("Idempotency-Key is longer than ", kMaxIdempotencyKeyBytes, " bytes."));
  }
  // The route is part of the request: the same body sent to :build-artifacts is a different request.
  const std::string request = absl::StrCat(artifact_only ? "build-artifacts\n" : "build-task-group\n", ToAbsl(body));
  absl::StatusOr<BuildJournal::Claim> claim = journal->ClaimKey(key, request);
  if (!claim.ok()) {
    return Refuse(absl::StrCat("Cannot record Idempotency-Key '", key, "': ", claim.status().message()));
  }
  switch (claim->state) {
    case BuildJournal::ClaimState::kCompleted: {
      BuildResult r;
      if (!r.response.ParseFromString(claim->response)) {
        return Refuse(absl::StrCat("The stored response for Idempotency-Key '", key, "' is unreadable."));
      }
      TB_LOG(INFO) << "Idempotency-Key " << key << ": returning the first attempt's response";
      return r;
    }
    case BuildJournal::ClaimState::kMismatch:
      return Refuse(absl::StrCat("Idempotency-Key '", key, "' was already used for a different request."));
    case BuildJournal::ClaimState::kInProgress:
      return Refuse(absl::StrCat("A build with Idempotency-Key '", key, "' is still running; retry later."));
    case BuildJournal::ClaimState::kNew:
      break;
  }
  PipelineServices with_journal = services;
  with_journal.on_task_created = [journal, &key, previous = services.on_task_created](const odp::Task& t) {
    if (absl::Status s = journal->RecordCreatedTask(key, t); !s.ok()) {
      TB_LOG(ERROR) << "Idempotency-Key " << key << ": cannot record task " << t.population_name() << "/"
                    << t.task_id() << ": " << s.message();
    }
    if (previous) previous(t);
  };
  BuildResult result = HandleBuildRequest(body, artifact_only, with_journal);
  if (absl::Status s = journal->Complete(key, SerializeDeterministic(result.response)); !s.ok()) {
    TB_LOG(ERROR) << "Idempotency-Key " << key << ": cannot store the response: " << s.message();
  }
  return result;
}

}  // namespace tb::pipeline
