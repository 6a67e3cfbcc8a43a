#include "pipeline/task_publication.h"

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::pipeline {
namespace {

constexpr char kInvalidUrl[] = "Cannot build artifacts because createTask returns invalid URLs: ";
constexpr char kUploadFailed[] = "Cannot upload artifact to: ";

absl::Status CheckUrl(const std::string& uri, BlobStore& store) {
  if (uri.empty()) return absl::InvalidArgumentError(absl::StrCat(kInvalidUrl, "empty URI."));
  const absl::Status status = store.CheckArtifactUri(uri);
  if (!status.ok()) {
    TB_LOG(WARNING) << "rejected artifact URL " << uri << ": " << status.message();
    return absl::InvalidArgumentError(absl::StrCat(kInvalidUrl, uri));
  }
  return absl::OkStatus();
}

absl::Status UploadOne(const std::string& uri, std::string_view data, BlobStore& store) {
  if (data.empty()) {
    // The original refused empty bytes as if nothing had been given; an empty artifact is never valid anyway.
    return absl::InternalError(
        absl::StrCat(kUploadFailed, "Exactly one of `data` or `filename` must be provided."));
  }
  TB_LOG(INFO) << "Start uploading artifact to: " << uri;
  const absl::Status status = store.Put(uri, data);
  if (!status.ok()) {
    TB_LOG(ERROR) << "upload to " << uri << " failed: " << status.message();
    return absl::UnavailableError(absl::StrCat(kUploadFailed, uri));
  }
  TB_LOG(INFO) << "Upload complete!";
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckArtifactUrls(const odp::Task& task, BlobStore& store) {
  for (const auto& uri : task.init_checkpoint_url()) TB_RETURN_IF_ERROR(CheckUrl(uri, store));
  for (const auto& uri : task.server_phase_url()) TB_RETURN_IF_ERROR(CheckUrl(uri, store));
  for (const auto& uri : task.client_only_plan_url()) TB_RETURN_IF_ERROR(CheckUrl(uri, store));
  return absl::OkStatus();
}

absl::Status UploadArtifacts(const odp::Task& task, const TaskArtifacts& artifacts, BlobStore& store) {
  TB_RETURN_IF_ERROR(CheckArtifactUrls(task, store));
  for (const auto& uri : task.init_checkpoint_url()) {
    TB_RETURN_IF_ERROR(UploadOne(uri, artifacts.initial_checkpoint, store));
  }
  for (const auto& uri : task.server_phase_url()) TB_RETURN_IF_ERROR(UploadOne(uri, artifacts.plan, store));
  for (const auto& uri : task.client_only_plan_url()) {
    TB_RETURN_IF_ERROR(UploadOne(uri, artifacts.client_only_plan, store));
  }
  return absl::OkStatus();
}

std::string CompensateCreatedTasks(TaskManagement& tm, const std::vector<odp::Task>& created) {
  if (created.empty()) return "";
  std::string cancelled;
  std::string left;
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    const std::string name = absl::StrCat(it->population_name(), "/", it->task_id());
    const absl::Status status = tm.CancelTask(*it);
    if (status.ok()) {
      TB_LOG(INFO) << "cancelled task " << name << " after a failed build";
      absl::StrAppend(&cancelled, cancelled.empty() ? "" : ", ", name);
    } else {
      TB_LOG(ERROR) << "could not cancel task " << name << ": " << status.message();
      absl::StrAppend(&left, left.empty() ? "" : ", ", name, " (", status.message(), ")");
    }
  }
  std::string out;
  if (!cancelled.empty()) absl::StrAppend(&out, " Cancelled the tasks this build created: ", cancelled, ".");
  if (!left.empty()) absl::StrAppend(&out, " Could not cancel, left in task management: ", left, ".");
  return out;
}

}  // namespace tb::pipeline
