#include "tm/task_management_service.h"

#include <chrono>
#include <filesystem>

#include "base/deterministic_serialization.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "storage/blob_uri.h"

namespace tb::tm {
namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TaskName(const odp::Task& t) { return absl::StrCat(t.population_name(), "/", t.task_id()); }

}  // namespace

absl::Status ValidatePopulationName(const std::string& population) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("400: Bad Request: population name '", population, "' ", ToAbsl(why)));
  };
  if (population.empty()) return bad("is empty");
  if (population.size() > 256) return bad("is longer than 256 characters");
  if (population.front() == '.') return bad("may not start with '.'");
  for (char c : population) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '~' || c == '-';
    if (!ok) return bad("may contain only letters, digits, '.', '_', '~' and '-'");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TaskManagementService>> TaskManagementService::Create(
    TaskStore* store, TaskManagementServiceOptions options) {
  std::string root = options.storage_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  TB_ASSIGN_OR_RETURN(storage::BlobUri parsed, storage::ParseBlobUri(root, {.allow_bucket_only = true}));
  if (parsed.scheme == storage::Scheme::kGcs) {
    root = parsed.ToString();
  } else {
    if (parsed.path.empty() || parsed.path.front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("task-management storage root '", options.storage_root, "' must be an absolute directory"));
    }
    root = "file://" + std::filesystem::path(parsed.path).lexically_normal().string();
    while (root.size() > 8 && root.back() == '/') root.pop_back();
  }
  if (!options.now_ms) options.now_ms = &SystemNowMs;
  return std::unique_ptr<TaskManagementService>(new TaskManagementService(store, root, std::move(options.now_ms)));
}

std::string TaskManagementService::ArtifactUrl(const std::string& population, int64_t task_id,
                                               const std::string& leaf) const {
  return absl::StrCat(root_, root_.back() == '/' ? "" : "/", population, "/", task_id, "/0/s/0/", leaf);
}

absl::StatusOr<odp::Task> TaskManagementService::CreateTask(const std::string& population, const odp::Task& request,
                                                            const std::string& idempotency_key) {
  TB_RETURN_IF_ERROR(ValidatePopulationName(population));
  if (idempotency_key.size() > 256) {
    return absl::InvalidArgumentError("400: Bad Request: idempotency key longer than 256 characters");
  }
  odp::Task task = request;
  task.set_population_name(population);  // the path wins over the body
  task.set_task_id(0);
  if (task.status() == odp::TaskStatus::UNKNOWN) task.set_status(odp::TaskStatus::CREATED);
  if (!task.has_info()) {
    task.mutable_info()->set_traffic_weight(1);
    task.mutable_info()->mutable_training_info();
  }
  // ODP drops URL lists from the request and attaches its own.
  task.clear_client_only_plan_url();
  task.clear_server_phase_url();
  task.clear_init_checkpoint_url();
  task.clear_metrics_url();
  const int64_t now = now_ms_();
  task.mutable_created_time()->set_seconds(now / 1000);
  task.mutable_created_time()->set_nanos(static_cast<int32_t>(now % 1000) * 1000000);
  const TaskKind kind =
      task.info().has_evaluation_info() ? TaskKind::kEvaluation : TaskKind::kTraining;
  odp::CreateTaskRequest for_replay;
  *for_replay.mutable_task() = request;
  for_replay.mutable_task()->set_population_name(population);
  absl::StatusOr<TaskStore::InsertResult> inserted =
      store_->Insert(task, kind, idempotency_key, SerializeDeterministic(for_replay), now, [&](odp::Task& t) {
        t.add_client_only_plan_url(ArtifactUrl(population, t.task_id(), "client_only_plan"));
        t.add_server_phase_url(ArtifactUrl(population, t.task_id(), "server_phase"));
        t.add_init_checkpoint_url(ArtifactUrl(population, t.task_id(), "checkpoint"));
        t.add_metrics_url(ArtifactUrl(population, t.task_id(), "metrics"));
      });
  if (!inserted.ok()) {
    if (inserted.status().code() == absl::StatusCode::kFailedPrecondition) {
      return absl::AbortedError(absl::StrCat("422: Unprocessable Entity: ", inserted.status().message()));
    }
    return inserted.status();
  }
  if (inserted->conflict.has_value()) {
    std::vector<std::string> names;
    for (int64_t id : inserted->conflict->active_task_ids) names.push_back(absl::StrCat(population, "/", id));
    return absl::FailedPreconditionError(absl::StrCat(
        "409: Conflict: failed to create new created task: only one active training and/or one evaluation task is "
        "allowed under one population, there are already active tasks: [",
        absl::StrJoin(names, ", "), "]"));
  }
  return inserted->task;
}

absl::StatusOr<odp::Task> TaskManagementService::GetTask(const std::string& population, int64_t task_id) {
  TB_ASSIGN_OR_RETURN(std::optional<odp::Task> task, store_->Get(population, task_id));
  if (!task.has_value()) {
    return absl::NotFoundError(absl::StrCat("404: Not Found: no task ", task_id, " in population ", population));
  }
  return *task;
}

absl::StatusOr<odp::Task> TaskManagementService::CancelTask(const std::string& population, int64_t task_id,
                                                            const std::string& reason) {
  absl::StatusOr<TaskStore::Transition> t =
      store_->SetStatus(population, task_id, {odp::TaskStatus::CREATED, odp::TaskStatus::OPEN},
                        odp::TaskStatus::CANCELED, reason.empty() ? "cancelled" : reason, now_ms_());
  if (!t.ok()) {
    if (t.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("404: Not Found: ", t.status().message()));
    }
    if (t.status().code() == absl::StatusCode::kFailedPrecondition) {
      return absl::FailedPreconditionError(absl::StrCat("409: Conflict: ", t.status().message()));
    }
    return t.status();
  }
  return t->task;
}

absl::StatusOr<TaskManagementService::RecoveryReport> TaskManagementService::RecoverIncompleteTasks(
    storage::BlobStore& store, int64_t min_age_ms) {
  TB_ASSIGN_OR_RETURN(std::vector<odp::Task> created, store_->ListByStatus(odp::TaskStatus::CREATED));
  RecoveryReport report;
  const int64_t now = now_ms_();
  for (const odp::Task& task : created) {
    const int64_t created_ms = task.created_time().seconds() * 1000 + task.created_time().nanos() / 1000000;
    if (now - created_ms < min_age_ms) continue;
    std::vector<std::string> required(task.client_only_plan_url().begin(), task.client_only_plan_url().end());
    required.insert(required.end(), task.server_phase_url().begin(), task.server_phase_url().end());
    if (!task.info().has_evaluation_info()) {
      required.insert(required.end(), task.init_checkpoint_url().begin(), task.init_checkpoint_url().end());
    }
    std::vector<std::string> missing;
    std::string unverified;
    for (const std::string& url : required) {
      absl::StatusOr<std::optional<storage::BlobInfo>> st = store.Stat(url);
      if (!st.ok()) {
        unverified = std::string(st.status().message());
        break;
      }
      if (!st->has_value()) missing.push_back(url);
    }
    if (!unverified.empty()) {
      report.unverified.push_back(absl::StrCat(TaskName(task), ": ", unverified));
      continue;
    }
    if (missing.empty()) {
      report.complete.push_back(task);
      continue;
    }
    const std::string reason = absl::StrCat("recovery: the build that created it ended without uploading ",
                                            absl::StrJoin(missing, ", "));
    absl::StatusOr<odp::Task> cancelled = CancelTask(task.population_name(), task.task_id(), reason);
    if (!cancelled.ok()) {
      report.unverified.push_back(absl::StrCat(TaskName(task), ": ", cancelled.status().message()));
      continue;
    }
    report.cancelled.push_back(*cancelled);
  }
  return report;
}

}  // namespace tb::tm
