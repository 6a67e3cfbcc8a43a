#include "pipeline/publish.h"

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "pipeline/task_publication.h"

namespace tb::pipeline {
namespace {

using ErrorType = odp::ErrorType;

constexpr char kTaskManagementFailed[] = "Failed to create tasks by task management service: ";

std::string ArtifactUploadFailed(int64_t task_id, absl::string_view cause) {
  return absl::StrCat("Artifact failed to upload for task ", task_id, ": ", cause,
                      ". Stop building remaining artifacts.");
}

std::string Name(const odp::Task& t) { return absl::StrCat(t.population_name(), "/", t.task_id()); }

PublishOutcome Failure(ErrorType::Enum type, std::string message) {
  PublishOutcome out;
  out.error_type = type;
  out.error_message = std::move(message);
  TB_LOG(WARNING) << "publish failed (" << ErrorType::Enum_Name(type) << "): " << out.error_message;
  return out;
}

// Every URL the task's artifacts were written to, in upload order.
std::vector<std::string> ArtifactUrls(const odp::Task& t) {
  std::vector<std::string> urls(t.init_checkpoint_url().begin(), t.init_checkpoint_url().end());
  urls.insert(urls.end(), t.server_phase_url().begin(), t.server_phase_url().end());
  urls.insert(urls.end(), t.client_only_plan_url().begin(), t.client_only_plan_url().end());
  return urls;
}

// After the uploads: every artifact must be readable now (a storage server that restarted or lost data
// mid-build would otherwise leave a "complete" task without artifacts), and no task may have been cancelled
// meanwhile (e.g. by a recovery sweep that took this build for dead). Stores or TMs that cannot answer
// (Unimplemented) are trusted.
absl::Status ConfirmPublished(const std::vector<std::pair<const odp::Task*, bool>>& tasks, TaskManagement* tm,
                              BlobStore& store, int64_t* failed_task_id, bool* task_management_error) {
  for (const auto& [task, uploaded] : tasks) {
    if (!uploaded) continue;
    for (const std::string& url : ArtifactUrls(*task)) {
      absl::StatusOr<bool> exists = store.Exists(url);
      if (exists.status().code() == absl::StatusCode::kUnimplemented) break;
      if (!exists.ok() || !*exists) {
        *failed_task_id = task->task_id();
        return absl::DataLossError(absl::StrCat(
            "Cannot upload artifact to: ", url,
            exists.ok() ? " (it is gone after the upload; did the storage restart?)"
                        : absl::StrCat(" (cannot confirm it: ", exists.status().message(), ")")));
      }
    }
  }
  if (tm == nullptr) return absl::OkStatus();
  for (const auto& [task, uploaded] : tasks) {
    absl::StatusOr<odp::Task> now = tm->GetTask(task->population_name(), task->task_id());
    if (now.status().code() == absl::StatusCode::kUnimplemented) break;
    if (!now.ok()) {
      *task_management_error = true;
      return absl::Status(now.status().code(), absl::StrCat("cannot confirm task ", Name(*task), ": ",
                                                            now.status().message()));
    }
    if (now->status() != odp::TaskStatus::CREATED && now->status() != odp::TaskStatus::OPEN) {
      *task_management_error = true;
      return absl::AbortedError(absl::StrCat("task ", Name(*task), " became ",
                                             odp::TaskStatus::Enum_Name(now->status()),
                                             " while its artifacts were uploading"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

PublishOutcome PublishTaskGroup(PublishPlan plan, TaskManagement* tm, BlobStore& store,
                                const TaskCreatedObserver& on_created) {
  odp::Task& main = plan.main;
  std::optional<odp::Task>& optional = plan.optional;
  std::vector<odp::Task> created;
  auto compensate = [&]() { return plan.artifact_only ? std::string() : CompensateCreatedTasks(*tm, created); };

  // Stage F: training first; the returned Tasks replace ours.
  if (!plan.artifact_only) {
    absl::StatusOr<odp::Task> created_main = tm->CreateTask(main);
    if (!created_main.ok()) {
      return Failure(ErrorType::TASK_MANAGEMENT_ERROR,
                     absl::StrCat(kTaskManagementFailed, created_main.status().message()));
    }
    main = *std::move(created_main);
    created.push_back(main);
    if (on_created) on_created(main);
    if (optional) {
      // The eval task evaluates the training task just created when it names this population (§12.12); the
      // original sent the id guessed in the config.
      auto* eval_info = optional->mutable_info()->mutable_evaluation_info();
      if (eval_info->training_population_name() == main.population_name() && main.task_id() != 0) {
        eval_info->set_training_task_id(main.task_id());
      }
      absl::StatusOr<odp::Task> created_eval = tm->CreateTask(*optional);
      if (!created_eval.ok()) {
        return Failure(ErrorType::TASK_MANAGEMENT_ERROR,
                       absl::StrCat(kTaskManagementFailed, created_eval.status().message(), compensate()));
      }
      *optional = *std::move(created_eval);
      created.push_back(*optional);
      if (on_created) on_created(*optional);
    }
  }

  // Stage G. Every URL of every task is checked before the first byte is written, so a bad eval URL cannot
  // leave the training task's artifacts half-published.
  const bool upload_optional = optional.has_value() && plan.optional_artifacts != nullptr;
  for (const odp::Task* task : {&main, upload_optional ? &*optional : nullptr}) {
    if (task == nullptr) continue;
    if (absl::Status s = CheckArtifactUrls(*task, store); !s.ok()) {
      // The original reports the eval task's failures under the main task's id.
      return Failure(ErrorType::ARTIFACT_BUILDING_ERROR,
                     absl::StrCat(ArtifactUploadFailed(main.task_id(), s.message()), compensate()));
    }
  }
  if (absl::Status s = UploadArtifacts(main, *plan.main_artifacts, store); !s.ok()) {
    return Failure(ErrorType::ARTIFACT_BUILDING_ERROR,
                   absl::StrCat(ArtifactUploadFailed(main.task_id(), s.message()), compensate()));
  }
  TB_LOG(INFO) << "Artifacts are uploaded for task " << main.task_id() << ".";
  if (upload_optional) {
    if (absl::Status s = UploadArtifacts(*optional, *plan.optional_artifacts, store); !s.ok()) {
      return Failure(ErrorType::ARTIFACT_BUILDING_ERROR,
                     absl::StrCat(ArtifactUploadFailed(main.task_id(), s.message()), compensate()));
    }
    TB_LOG(INFO) << "Artifacts are uploaded for task " << optional->task_id() << ".";
  }

  // Commit check.
  std::vector<std::pair<const odp::Task*, bool>> to_confirm = {{&main, true}};
  if (optional && !plan.artifact_only) to_confirm.push_back({&*optional, upload_optional});
  int64_t failed_task_id = main.task_id();
  bool tm_error = false;
  if (absl::Status s = ConfirmPublished(to_confirm, plan.artifact_only ? nullptr : tm, store, &failed_task_id,
                                        &tm_error);
      !s.ok()) {
    if (tm_error) {
      return Failure(ErrorType::TASK_MANAGEMENT_ERROR, absl::StrCat(kTaskManagementFailed, s.message(), compensate()));
    }
    return Failure(ErrorType::ARTIFACT_BUILDING_ERROR,
                   absl::StrCat(ArtifactUploadFailed(failed_task_id, s.message()), compensate()));
  }

  PublishOutcome out;
  out.ok = true;
  out.main = std::move(main);
  out.optional = std::move(optional);
  return out;
}

}  // namespace tb::pipeline
