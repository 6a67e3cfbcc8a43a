#include "server/build_services.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "pipeline/artifact_compiler.h"

#include "tm/build_journal.h"
#include "tm/task_management_ports.h"

#include "tf/functional_model.h"

namespace tb::server {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string DefaultDataDirectory() {
  if (std::string home = Env("TASKBUILDER_HOME"); !home.empty()) return home;
  if (std::string xdg = Env("XDG_DATA_HOME"); !xdg.empty()) return xdg + "/taskbuilder";
  if (std::string home = Env("HOME"); !home.empty()) return home + "/.local/share/taskbuilder";
  return std::filesystem::current_path().string() + "/taskbuilder-data";
}

absl::StatusOr<std::unique_ptr<BuildServices>> BuildServices::Create(const ServiceOptions& options) {
  std::unique_ptr<BuildServices> s(new BuildServices());
  const std::string storage = options.storage.empty() ? DefaultDataDirectory() : options.storage;
  const bool gcs_storage = storage.rfind("gs://", 0) == 0;
  std::string artifact_root = options.artifact_root;
  if (artifact_root.empty()) artifact_root = gcs_storage ? DefaultDataDirectory() : storage;
  std::error_code ec;
  std::filesystem::create_directories(artifact_root, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create the storage directory ", artifact_root, ": ", ec.message()));
  }
  storage::PipelineBlobStoreOptions store_options;
  store_options.read_root = options.model_root;
  store_options.write_root = artifact_root;
  s->blob_store_ = std::make_unique<storage::PipelineBlobStore>(store_options);
  s->services_.blob_store = s->blob_store_.get();
  s->description_.push_back(absl::StrCat("storage: ", storage, " (local artifacts confined to ", artifact_root,
                                         "; models read from ", options.model_root, " and gs://)"));

  if (options.with_task_management) {
    std::string url = options.task_management_server;
    if (url.empty()) url = Env("TASK_MANAGEMENT_SERVER_URL");
    const std::string which = url.empty() ? std::string("the embedded task-management service")
                                          : absl::StrCat("the task-management server ", url);
    // The embedded TM by default; its start-up recovery cancels CREATED tasks a dead build left without
    // artifacts. Then the build journal cancels the tasks of builds that never answered (tm/build_journal.h).
    if (url.empty()) {
      s->artifact_view_ = std::make_unique<storage::ArtifactBlobStoreView>(s->blob_store_.get());
      tm::EmbeddedTaskManagementOptions tm_options;
      tm_options.storage_root = gcs_storage ? storage : std::filesystem::absolute(artifact_root).string();
      tm_options.artifacts = s->artifact_view_.get();
      auto embedded = tm::EmbeddedTaskManagement::Open(tm_options);
      if (!embedded.ok()) return embedded.status();
      s->description_.push_back(absl::StrCat(
          "task management: embedded (tasks in ", (*embedded)->service().store().path(), ", artifact URLs under ",
          (*embedded)->service().storage_root(), "; start-up recovery cancelled ",
          (*embedded)->startup_recovery().cancelled.size(), " abandoned task(s))"));
      s->task_management_ = std::move(*embedded);
    } else {
      tm::RemoteTaskManagementOptions remote;
      remote.locator.explicit_url = url;
      s->task_management_ = std::make_unique<tm::RemoteTaskManagement>(remote);
      s->description_.push_back(absl::StrCat("task management: ", url));
    }
    auto journal = tm::SqliteBuildJournal::Open(artifact_root + "/.taskbuilder/build_journal.db");
    if (!journal.ok()) return journal.status();
    auto recovered = (*journal)->RecoverAbandoned(*s->task_management_);
    if (!recovered.ok()) return recovered.status();
    s->description_.push_back(absl::StrCat("idempotency keys: journal in ", artifact_root,
                                           "/.taskbuilder/build_journal.db (", recovered->abandoned_keys,
                                           " unfinished build(s) cleaned up at start-up)"));
    s->journal_ = std::move(*journal);
    s->services_.task_management = s->task_management_.get();
  } else {
    s->description_.push_back("task management: not used (artifact-only builds)");
  }

  s->services_.model_loader =
      [](const std::string& dir) -> absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>> {
    auto model = tf::LoadFunctionalModel(dir);
    if (!model.ok()) return model.status();
    return std::make_shared<const tf::FunctionalModel>(*std::move(model));
  };
  s->description_.push_back("SavedModel loader: tf::LoadFunctionalModel");

  s->artifact_builder_ = pipeline::NewArtifactCompiler();
  s->services_.artifact_builder = s->artifact_builder_.get();
  s->description_.push_back(
      "artifact compiler: fl/ + tflite/ + plan/ (MapReduceForm V1 plans, TFLite device programs)");
  s->services_.options.population = options.population;
  return s;
}

std::vector<std::string> BuildServices::Describe() const { return description_; }

}  // namespace tb::server
