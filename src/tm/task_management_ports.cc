#include "tm/task_management_ports.h"

#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "storage/blob_uri.h"

namespace tb::tm {
namespace {

std::string RandomKey() {
  std::random_device rd;
  return absl::StrFormat("tb-%08x%08x%08x%08x", rd(), rd(), rd(), rd());
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string DefaultTaskDatabasePath(const std::string& storage_root) {
  absl::StatusOr<storage::BlobUri> uri = storage::ParseBlobUri(storage_root, {.allow_bucket_only = true});
  if (uri.ok() && uri->scheme == storage::Scheme::kLocal) return uri->path + "/.taskbuilder/task_management.db";
  std::string dir = Env("TASKBUILDER_HOME");
  if (dir.empty() && !Env("XDG_DATA_HOME").empty()) dir = Env("XDG_DATA_HOME") + "/taskbuilder";
  if (dir.empty() && !Env("HOME").empty()) dir = Env("HOME") + "/.local/share/taskbuilder";
  if (dir.empty()) dir = ".";
  std::string name = uri.ok() ? uri->bucket : "default";
  if (uri.ok() && !uri->object.empty()) {
    std::string prefix = uri->object;
    for (char& c : prefix) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) c = '_';
    }
    absl::StrAppend(&name, "-", prefix);
  }
  return absl::StrCat(dir, "/task_management-", name, ".db");
}

absl::StatusOr<std::unique_ptr<EmbeddedTaskManagement>> EmbeddedTaskManagement::Open(
    const EmbeddedTaskManagementOptions& options) {
  const std::string db = options.database_path.empty() ? DefaultTaskDatabasePath(options.storage_root)
                                                       : options.database_path;
  TB_ASSIGN_OR_RETURN(std::unique_ptr<TaskStore> store, TaskStore::Open(db));
  TaskManagementServiceOptions so;
  so.storage_root = options.storage_root;
  so.now_ms = options.now_ms;
  TB_ASSIGN_OR_RETURN(std::unique_ptr<TaskManagementService> service, TaskManagementService::Create(store.get(), so));
  std::unique_ptr<EmbeddedTaskManagement> tm(new EmbeddedTaskManagement(service.get()));
  tm->owned_store_ = std::move(store);
  tm->owned_service_ = std::move(service);
  if (options.artifacts != nullptr) {
    TB_ASSIGN_OR_RETURN(tm->startup_recovery_, tm->service_->RecoverIncompleteTasks(*options.artifacts, 0));
    for (const odp::Task& t : tm->startup_recovery_.cancelled) {
      TB_LOG(WARNING) << "task management recovery: cancelled " << t.population_name() << "/" << t.task_id()
                      << ", left CREATED without its artifacts by a build that did not finish";
    }
    for (const std::string& u : tm->startup_recovery_.unverified) {
      TB_LOG(WARNING) << "task management recovery: could not check " << u;
    }
  }
  return tm;
}

absl::StatusOr<odp::Task> EmbeddedTaskManagement::CreateTask(const odp::Task& task) {
  return service_->CreateTask(task.population_name(), task);
}

absl::Status EmbeddedTaskManagement::CancelTask(const odp::Task& created) {
  return service_
      ->CancelTask(created.population_name(), created.task_id(),
                   "compensation: a later step of the build that created it failed")
      .status();
}

absl::StatusOr<odp::Task> EmbeddedTaskManagement::GetTask(const std::string& population, int64_t task_id) {
  return service_->GetTask(population, task_id);
}

RemoteTaskManagement::RemoteTaskManagement(RemoteTaskManagementOptions options)
    : options_(std::move(options)), locator_(options_.locator) {}

absl::StatusOr<std::shared_ptr<TaskManagementClient>> RemoteTaskManagement::Client() {
  TB_ASSIGN_OR_RETURN(std::string url, locator_.Resolve());
  std::lock_guard<std::mutex> lock(mu_);
  if (!client_ || client_->server_url() != url) {
    TaskManagementClientOptions o = options_.client;
    o.server_url = url;
    client_ = std::make_shared<TaskManagementClient>(o);
  }
  return client_;
}

absl::Status RemoteTaskManagement::CheckAvailable() {
  TB_ASSIGN_OR_RETURN(std::shared_ptr<TaskManagementClient> client, Client());
  return client->CheckReachable();
}

absl::StatusOr<odp::Task> RemoteTaskManagement::CreateTask(const odp::Task& task) {
  TB_ASSIGN_OR_RETURN(std::shared_ptr<TaskManagementClient> client, Client());
  return client->CreateTask(task, RandomKey());
}

absl::Status RemoteTaskManagement::CancelTask(const odp::Task& created) {
  TB_ASSIGN_OR_RETURN(std::shared_ptr<TaskManagementClient> client, Client());
  return client->CancelTask(created.population_name(), created.task_id()).status();
}

}  // namespace tb::tm

namespace tb::tm {

absl::StatusOr<odp::Task> RemoteTaskManagement::GetTask(const std::string& population, int64_t task_id) {
  TB_ASSIGN_OR_RETURN(std::shared_ptr<TaskManagementClient> client, Client());
  return client->GetTask(population, task_id);
}

}  // namespace tb::tm
