// The build use case (behavior.md §2): one BuildTaskRequest in, one BuildTaskResponse out, through the stages
// validate + account (A) -> load the model -> compose the learning process (B) -> build the Task protos (C) ->
// build artifacts (D, E) -> create tasks in TM (F) -> upload (G). Every outcome is a response with the
// original's ErrorType and message and a task_report that is always present; nothing here throws, crashes or
// talks to the outside world except through the injected ports.
#ifndef TASKBUILDER_PIPELINE_BUILD_PIPELINE_H_
#define TASKBUILDER_PIPELINE_BUILD_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/deterministic_serialization.h"
#include "absl/status/statusor.h"
#include "config/defaults.h"
#include "pipeline/ports.h"

namespace tb::pipeline {

struct PipelineOptions {
  // Total population assumed by DP accounting and by the report_goal bound in validation.
  int64_t population = config::kDefaultTotalPopulation;
  // Parent directory for SavedModel downloads; empty: $TMPDIR or /tmp.
  std::string scratch_root;
};

// Derives the DP parameters of a validated config (stage A). The default is DeriveDpSettings (dp_stage.h).
using DpDeriver = std::function<absl::StatusOr<DpSettings>(const odp::TaskConfig&, const odp::ExperimentFlags&)>;

// The injected edges. A null port makes the stages that need it answer a clear error naming it.
struct PipelineServices {
  BlobStore* blob_store = nullptr;            // model download and artifact upload
  TaskManagement* task_management = nullptr;  // :build-task-group only
  ArtifactBuilder* artifact_builder = nullptr;
  ModelLoader model_loader;
  DpDeriver dp_deriver;  // empty: DeriveDpSettings with options.population
  PipelineOptions options;
  // Called with each task right after TM created it (the idempotency journal records it); may be empty.
  std::function<void(const odp::Task&)> on_task_created;
};

struct BuildResult {
  odp::BuildTaskResponse response;
  // The artifacts built for the main and the optional task, when the build got that far (for `taskbuilder build`
  // and tests; they have also been uploaded when the response is a success).
  std::optional<TaskArtifacts> main_artifacts;
  std::optional<TaskArtifacts> optional_artifacts;
};

// Runs the pipeline. `artifact_only` is :build-artifacts (URL-only tasks from the config, no TM).
BuildResult RunBuild(const odp::BuildTaskRequest& request, bool artifact_only, const PipelineServices& services);

// Bounds for request bodies from the network.
inline constexpr uint64_t kMaxRequestBytes = uint64_t{64} << 20;
inline constexpr int kMaxRequestNesting = 32;  // a real request nests 6 deep

// Parses a serialized BuildTaskRequest with size and nesting limits. InvalidArgument with the text that follows
// "Unable to decode request body: ".
absl::StatusOr<odp::BuildTaskRequest> DecodeBuildTaskRequest(std::string_view body);

// Decode + RunBuild. An undecodable body answers error_info INVALID_REQUEST "Unable to decode request body: ..."
// (the original answered HTTP 500).
BuildResult HandleBuildRequest(std::string_view body, bool artifact_only, const PipelineServices& services);


}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_BUILD_PIPELINE_H_
