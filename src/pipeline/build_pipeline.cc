#include "pipeline/build_pipeline.h"

#include <stdlib.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/logging.h"
#include "config/metrics.h"
#include "config/validator.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "pipeline/dp_stage.h"
#include "pipeline/publish.h"
#include "pipeline/task_publication.h"
#include "tasks/task_factory.h"

namespace tb::pipeline {
namespace {

using ErrorType = odp::ErrorType;

// The original's message prefixes (behavior.md §2).
constexpr char kConfigInvalid[] = "Task config is invalid: ";
constexpr char kLearningFailed[] = "Failed to build learning algorithm based on `learning_process` config: ";
constexpr char kNoTaskManagement[] = "Cannot find task management server.";
constexpr char kTaskManagementFailed[] = "Failed to create tasks by task management service: ";
constexpr char kStopBuilding[] = ". Stop building remaining artifacts.";

std::string ArtifactBuildingFailed(int64_t task_id, absl::string_view cause) {
  return absl::StrCat("Artifact building failed for task ", task_id, ": ", cause, kStopBuilding);
}
std::string ArtifactUploadFailed(int64_t task_id, absl::string_view cause) {
  return absl::StrCat("Artifact failed to upload for task ", task_id, ": ", cause, kStopBuilding);
}

// Fills error_info; the task_report already in the response stays as it is (always present).
BuildResult& Fail(BuildResult& result, ErrorType::Enum type, std::string message) {
  TB_LOG(WARNING) << "build failed (" << ErrorType::Enum_Name(type) << "): " << message;
  auto* error = result.response.mutable_error_info();
  error->set_error_type(type);
  error->set_error_message(std::move(message));
  return result;
}

void ReportDp(const DpSettings& dp, odp::TaskReport* report) {
  auto* hp = report->mutable_dp_hyperparameters();
  // The report's fields are proto float: values are rounded to float32, as the original's assignment did.
  hp->set_dp_delta(static_cast<float>(dp.delta));
  hp->set_dp_epsilon(static_cast<float>(dp.epsilon));
  hp->set_noise_multiplier(static_cast<float>(dp.noise_multiplier));
  hp->set_dp_clip_norm(static_cast<float>(dp.clip_norm));
  hp->set_num_training_rounds(dp.num_training_rounds);
}

void ReportAlgorithmsAndMetrics(const odp::TaskConfig& config, const odp::ExperimentFlags& flags,
                                const DpSettings& dp, odp::TaskReport* report) {
  const config::EffectiveSettings settings = config::ResolveDefaults(config);
  auto* applied = report->mutable_applied_algorithms();
  applied->set_client_optimizer(settings.client_optimizer);
  applied->set_server_optimizer(settings.server_optimizer);
  applied->set_learning_algo(settings.learning_algo);
  // With skip_dp_aggregator the process gets no DP aggregator and the report says so by leaving it unset.
  if (!flags.skip_dp_aggregator()) applied->set_dp_aggregator(dp.aggregator);
  const config::MetricOutcome metrics =
      config::ClassifyMetrics(config.federated_learning().learning_process().metrics());
  auto* results = report->mutable_metric_results();
  results->set_accepted_metrics(metrics.accepted_report());
  results->set_rejected_metrics(metrics.rejected_report());
}

// Removes a scratch directory when the model has been loaded (or loading failed).
class ScratchDir {
 public:
  ~ScratchDir() {
    if (!path_.empty()) (void)RemoveAll(path_);
  }
  absl::Status Create(const std::string& root) {
    auto dir = root.empty() ? MakeTempDir("taskbuilder-model-") : MakeTempDirUnder(root);
    if (!dir.ok()) return dir.status();
    path_ = *dir;
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  static absl::StatusOr<std::string> MakeTempDirUnder(const std::string& root) {
    std::string templ = root + "/taskbuilder-model-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot create a scratch directory under ", root));
    }
    return templ;
  }
  std::string path_;
};

struct LoadedModel {
  std::shared_ptr<const tf::FunctionalModel> model;
  std::optional<std::pair<ErrorType::Enum, std::string>> error;
};

LoadedModel LoadModel(const std::string& uri, const PipelineServices& services) {
  LoadedModel out;
  const std::string prefix = absl::StrCat("Cannot load TFF functional model from ", uri, ".");
  if (services.blob_store == nullptr) {
    out.error = {ErrorType::ARTIFACT_BUILDING_ERROR, absl::StrCat(prefix, " Model storage is not available in this "
                                                                          "build (no BlobStore was injected).")};
    return out;
  }
  if (!services.model_loader) {
    out.error = {ErrorType::ARTIFACT_BUILDING_ERROR,
                 absl::StrCat(prefix, " The SavedModel loader is not available in this build (no ModelLoader was "
                                      "injected).")};
    return out;
  }
  ScratchDir scratch;
  if (absl::Status s = scratch.Create(services.options.scratch_root); !s.ok()) {
    out.error = {ErrorType::ARTIFACT_BUILDING_ERROR, absl::StrCat(prefix, " ", s.message())};
    return out;
  }
  auto dir = services.blob_store->FetchDirectory(uri, scratch.path());
  if (!dir.ok()) {
    out.error = {ErrorType::INVALID_REQUEST, absl::StrCat(prefix, " ", dir.status().message())};
    return out;
  }
  auto model = services.model_loader(*dir);
  if (!model.ok()) {
    out.error = {ErrorType::INVALID_REQUEST, absl::StrCat(prefix, " ", model.status().message())};
    return out;
  }
  out.model = *std::move(model);
  return out;
}

}  // namespace

absl::StatusOr<odp::BuildTaskRequest> DecodeBuildTaskRequest(std::string_view body) {
  if (body.size() > kMaxRequestBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is ", body.size(), " bytes; the limit is ", kMaxRequestBytes));
  }
  odp::BuildTaskRequest request;
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(body.data()),
                                               static_cast<int>(body.size()));
  input.SetRecursionLimit(kMaxRequestNesting);
  if (!request.MergePartialFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Error parsing message with type '", request.GetTypeName(), "'"));
  }
  return request;
}

BuildResult HandleBuildRequest(std::string_view body, bool artifact_only, const PipelineServices& services) {
  auto request = DecodeBuildTaskRequest(body);
  if (!request.ok()) {
    BuildResult result;
    result.response.mutable_task_report();
    return Fail(result, ErrorType::INVALID_REQUEST,
                absl::StrCat("Unable to decode request body: ", request.status().message()));
  }
  return RunBuild(*request, artifact_only, services);
}

BuildResult RunBuild(const odp::BuildTaskRequest& request, bool artifact_only, const PipelineServices& services) {
  BuildResult result;
  odp::TaskReport* report = result.response.mutable_task_report();  // present even when empty (1a 00)
  const odp::TaskConfig& config = request.task_config();
  const odp::ExperimentFlags& flags = request.flags();
  const bool training_and_eval = config::IsTrainingAndEval(config);
  const bool eval_only = config::IsEvalOnly(config);

  // Stage A: validation, then DP accounting (every mode, EVAL_ONLY included).
  config::ValidationOptions validation;
  validation.population = services.options.population;
  if (absl::Status s = config::ValidateTaskConfig(config, validation); !s.ok()) {
    return Fail(result, ErrorType::INVALID_REQUEST, absl::StrCat(kConfigInvalid, s.message()));
  }
  auto dp = services.dp_deriver ? services.dp_deriver(config, flags)
                                : DeriveDpSettings(config, flags, services.options.population);
  if (!dp.ok()) {
    if (dp.status().code() == absl::StatusCode::kInvalidArgument) {
      return Fail(result, ErrorType::INVALID_REQUEST, absl::StrCat(kConfigInvalid, dp.status().message()));
    }
    return Fail(result, ErrorType::ARTIFACT_BUILDING_ERROR,
                absl::StrCat("Differential privacy accounting failed: ", dp.status().message()));
  }
  ReportDp(*dp, report);

  // The SavedModel (the original loaded it before everything else and answered HTTP 500 on failure).
  std::shared_ptr<const tf::FunctionalModel> model;
  if (request.saved_model().resource_case() == google::internal::federatedcompute::v1::Resource::kUri) {
    LoadedModel loaded = LoadModel(request.saved_model().uri(), services);
    if (loaded.error) return Fail(result, loaded.error->first, std::move(loaded.error->second));
    model = std::move(loaded.model);
  }

  // Stage B: the model against the config, the report of algorithms and metrics, the learning processes.
  if (model == nullptr) {
    return Fail(result, ErrorType::INVALID_REQUEST,
                absl::StrCat(kLearningFailed, "'NoneType' object has no attribute 'input_spec'"));
  }
  if (services.artifact_builder == nullptr) {
    return Fail(result, ErrorType::ARTIFACT_BUILDING_ERROR,
                ArtifactBuildingFailed(0, "the artifact compiler (Plan, ClientOnlyPlan and checkpoint builder) is not "
                                          "available in this build"));
  }
  ArtifactInputs inputs{model.get(), &config, &flags, &*dp};
  if (absl::Status s = services.artifact_builder->CheckModelInputs(inputs); !s.ok()) {
    return Fail(result, ErrorType::INVALID_REQUEST, absl::StrCat(kLearningFailed, s.message()));
  }
  ReportAlgorithmsAndMetrics(config, flags, *dp, report);
  auto learning = services.artifact_builder->Prepare(inputs);
  if (!learning.ok()) {
    return Fail(result, ErrorType::INVALID_REQUEST, absl::StrCat(kLearningFailed, learning.status().message()));
  }

  // Stage C: the Task protos.
  tasks::TaskPair tasks;
  if (artifact_only) {
    tasks = tasks::CreateTasksForArtifactOnly(config);
  } else {
    auto created = tasks::CreateTasks(config);
    if (!created.ok()) {
      return Fail(result, ErrorType::INVALID_REQUEST, absl::StrCat(kConfigInvalid, created.status().message()));
    }
    tasks = *std::move(created);
  }
  odp::Task& main = tasks.main;
  std::optional<odp::Task>& optional = tasks.optional;

  // Before the expensive build (behavior.md §12.7): is there a TM, and can every artifact-only URL be written?
  if (!artifact_only) {
    if (services.task_management == nullptr) {
      return Fail(result, ErrorType::TASK_MANAGEMENT_ERROR, kNoTaskManagement);
    }
    if (absl::Status s = services.task_management->CheckAvailable(); !s.ok()) {
      return Fail(result, ErrorType::TASK_MANAGEMENT_ERROR,
                  s.code() == absl::StatusCode::kNotFound ? std::string(s.message())
                                                          : absl::StrCat(kTaskManagementFailed, s.message()));
    }
  }
  if (services.blob_store == nullptr) {
    return Fail(result, ErrorType::ARTIFACT_BUILDING_ERROR,
                ArtifactUploadFailed(main.task_id(), "artifact storage is not available in this build (no BlobStore "
                                                     "was injected)"));
  }
  if (artifact_only) {
    for (const odp::Task* task : {&main, optional ? &*optional : nullptr}) {
      if (task == nullptr) continue;
      if (absl::Status s = CheckArtifactUrls(*task, *services.blob_store); !s.ok()) {
        // The original reported the eval task's failures under the main task's id too.
        return Fail(result, ErrorType::ARTIFACT_BUILDING_ERROR, ArtifactUploadFailed(main.task_id(), s.message()));
      }
    }
  }

  // Stages D and E: artifacts for the main task, then the eval task of TRAINING_AND_EVAL.
  const TaskRole main_role = eval_only ? TaskRole::kEvaluation : TaskRole::kTraining;
  TB_LOG(INFO) << "Build artifacts for task " << main.task_id() << ".";
  auto main_artifacts = (*learning)->Build(main_role);
  if (!main_artifacts.ok()) {
    return Fail(result, ErrorType::ARTIFACT_BUILDING_ERROR,
                ArtifactBuildingFailed(main.task_id(), main_artifacts.status().message()));
  }
  if (main_artifacts->min_client_version) main.set_min_client_version(*main_artifacts->min_client_version);
  result.main_artifacts = *std::move(main_artifacts);  // moved: a checkpoint can be gigabytes
  if (training_and_eval) {
    TB_LOG(INFO) << "Build artifacts for task " << optional->task_id() << ".";
    auto eval_artifacts = (*learning)->Build(TaskRole::kEvaluation);
    if (!eval_artifacts.ok()) {
      return Fail(result, ErrorType::ARTIFACT_BUILDING_ERROR,
                  ArtifactBuildingFailed(optional->task_id(), eval_artifacts.status().message()));
    }
    if (eval_artifacts->min_client_version) optional->set_min_client_version(*eval_artifacts->min_client_version);
    result.optional_artifacts = *std::move(eval_artifacts);
  }

  // Stages F and G as one transaction (pipeline/publish.h): create, check every URL, upload, confirm; any failure
  // after a create cancels what this build created.
  PublishPlan plan;
  plan.main = std::move(main);
  plan.optional = std::move(optional);
  plan.main_artifacts = &*result.main_artifacts;
  plan.optional_artifacts = training_and_eval ? &*result.optional_artifacts : nullptr;
  plan.artifact_only = artifact_only;
  PublishOutcome published =
      PublishTaskGroup(std::move(plan), services.task_management, *services.blob_store, services.on_task_created);
  if (!published.ok) return Fail(result, published.error_type, std::move(published.error_message));
  main = std::move(published.main);
  optional = std::move(published.optional);

  // Stage H.
  auto* group = result.response.mutable_task_group();
  if (eval_only) {
    *group->mutable_eval_task() = main;
  } else {
    *group->mutable_training_task() = main;
    if (optional) *group->mutable_eval_task() = *optional;
  }
  return result;
}

}  // namespace tb::pipeline
