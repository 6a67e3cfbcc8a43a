// Finds the task-management server URL (behavior.md §7.1): an explicit setting, else $TASK_MANAGEMENT_SERVER_URL,
// else the Secret Manager secret "fc-[$ENV-]TASK_MANAGEMENT_SERVER_URL" of the GCP project
// ($GOOGLE_CLOUD_PROJECT or the metadata server), its CRC-32C checked. Unlike the original, the secret's value
// is trimmed (a trailing newline broke URLs, §12.13) and cached for a few minutes instead of read per request.
#ifndef TASKBUILDER_TM_TASK_MANAGEMENT_LOCATOR_H_
#define TASKBUILDER_TM_TASK_MANAGEMENT_LOCATOR_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "storage/gcp_credentials.h"

namespace tb::tm {

struct TaskManagementLocatorOptions {
  std::string explicit_url;  // --task_management_server
  bool use_environment = true;
  bool use_secret_manager = true;
  std::string project_id;  // empty: $GOOGLE_CLOUD_PROJECT, else the metadata server
  std::string secret_manager_endpoint = "https://secretmanager.googleapis.com";
  std::string metadata_base = storage::MetadataServerBase();
  std::shared_ptr<storage::AccessTokenSource> credentials;  // null: the metadata server's access token
  std::chrono::seconds cache_ttl{300};
};

class TaskManagementLocator {
 public:
  explicit TaskManagementLocator(TaskManagementLocatorOptions options);

  // The URL, or NotFound "Cannot find task management server." when no source names one. Secret Manager errors
  // other than a missing secret or a CRC mismatch (which count as "not found", as in the original) are returned.
  absl::StatusOr<std::string> Resolve();

 private:
  absl::StatusOr<std::string> ProjectId();
  absl::StatusOr<std::string> FromSecretManager(const std::string& project);

  TaskManagementLocatorOptions options_;
  std::mutex mu_;
  std::string cached_;
  std::chrono::steady_clock::time_point cached_until_{};
};

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_TASK_MANAGEMENT_LOCATOR_H_
