// The composition root of a build service: turns the command-line choices (storage location, task-management
// server) into the pipeline's ports — local or gs:// storage, the embedded or a remote task-management service,
// the SavedModel loader and the artifact compiler — and says which of them this build has. Used by `serve`,
// `build` and `client`; the only place that knows every edge.
#ifndef TASKBUILDER_SERVER_BUILD_SERVICES_H_
#define TASKBUILDER_SERVER_BUILD_SERVICES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/build_pipeline.h"
#include "pipeline/idempotency.h"
#include "storage/pipeline_blob_store.h"

namespace tb::server {

struct ServiceOptions {
  // Where artifacts go: a local directory or gs://BUCKET. Empty: DefaultDataDirectory().
  std::string storage;
  // Task management: a URL of an ODP task-management server. Empty: $TASK_MANAGEMENT_SERVER_URL, else the
  // embedded service.
  std::string task_management_server;
  // Local model and config paths are confined to this directory ("/" for none).
  std::string model_root = "/";
  // Local artifact URLs are confined to this directory; empty: the storage directory (or its local fallback).
  std::string artifact_root;
  int64_t population = config::kDefaultTotalPopulation;
  // Without task management (the local `taskbuilder build`), nothing is contacted and only :build-artifacts works.
  bool with_task_management = true;
};

// $TASKBUILDER_HOME, else $XDG_DATA_HOME/taskbuilder, else $HOME/.local/share/taskbuilder.
std::string DefaultDataDirectory();

class BuildServices {
 public:
  static absl::StatusOr<std::unique_ptr<BuildServices>> Create(const ServiceOptions& options);

  const pipeline::PipelineServices& pipeline() const { return services_; }
  storage::PipelineBlobStore& blob_store() { return *blob_store_; }
  // The Idempotency-Key journal of :build-task-group (null without task management).
  pipeline::BuildJournal* journal() { return journal_.get(); }

  // One line per capability saying what serves it or that it is missing, for the start-up log.
  std::vector<std::string> Describe() const;

 private:
  BuildServices() = default;

  std::vector<std::string> description_;
  std::unique_ptr<storage::PipelineBlobStore> blob_store_;
  std::unique_ptr<storage::ArtifactBlobStoreView> artifact_view_;
  std::unique_ptr<pipeline::TaskManagement> task_management_;
  std::unique_ptr<pipeline::BuildJournal> journal_;
  std::unique_ptr<pipeline::ArtifactBuilder> artifact_builder_;
  pipeline::PipelineServices services_;
};

}  // namespace tb::server

#endif  // TASKBUILDER_SERVER_BUILD_SERVICES_H_
