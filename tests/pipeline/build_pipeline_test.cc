// The request pipeline (behavior.md §2): stage order, ErrorTypes, the original's messages, the task report that is
// always present, and what we add (protobuf errors instead of HTTP 500, early checks, compensation, §12.12).
#include "pipeline/build_pipeline.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/dp_stage.h"
#include "tests/config/good_config.h"
#include "tests/pipeline/pipeline_fakes.h"
#include "tests/testing/testing.h"

namespace tb::pipeline {
namespace {

using ::tb::pipeline::testing::DirectoryBlobStore;
using ::tb::pipeline::testing::GoodDp;
using ::tb::pipeline::testing::OpaqueModel;
using ::tb::pipeline::testing::RecordingTaskManagement;
using ::tb::pipeline::testing::ScriptedArtifactBuilder;
using ::tb::testing::GoodTaskConfig;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() : store_(dir_.path()) {
    model_dir_ = dir_.Join("model");
    std::filesystem::create_directories(model_dir_);
    services_.blob_store = &store_;
    services_.task_management = &tm_;
    services_.artifact_builder = &builder_;
    services_.model_loader = [this](const std::string& path) -> absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>> {
      loaded_from_ = path;
      if (!model_error_.ok()) return model_error_;
      return OpaqueModel();
    };
    services_.dp_deriver = [this](const odp::TaskConfig&, const odp::ExperimentFlags&) -> absl::StatusOr<DpSettings> {
      if (!dp_error_.ok()) return dp_error_;
      return GoodDp();
    };
  }

  odp::BuildTaskRequest GoodRequest() {
    odp::BuildTaskRequest request;
    request.mutable_saved_model()->set_uri(model_dir_);
    *request.mutable_task_config() = GoodTaskConfig();
    return request;
  }

  BuildResult Run(const odp::BuildTaskRequest& request, bool artifact_only = false) {
    return RunBuild(request, artifact_only, services_);
  }

  static std::string Message(const BuildResult& r) { return r.response.error_info().error_message(); }
  static odp::ErrorType::Enum Type(const BuildResult& r) { return r.response.error_info().error_type(); }

  ::tb::testing::TempDir dir_;
  std::string model_dir_;
  DirectoryBlobStore store_;
  RecordingTaskManagement tm_;
  ScriptedArtifactBuilder builder_;
  PipelineServices services_;
  absl::Status model_error_ = absl::OkStatus();
  absl::Status dp_error_ = absl::OkStatus();
  std::string loaded_from_;
};

TEST_F(PipelineTest, EmptyBodyAnswersThePopulationNameErrorWithAnEmptyReport) {
  BuildResult r = HandleBuildRequest("", false, services_);
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(Message(r),
            "Task config is invalid: [Invalid task config]: key `population_name` has a bad value: `` in "
            "`task_config`. population_name is required and must be set to an non-empty string.");
  ASSERT_TRUE(r.response.has_task_report());
  EXPECT_EQ(r.response.task_report().ByteSizeLong(), 0u);
  const std::string bytes = SerializeDeterministic(r.response);
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes.substr(bytes.size() - 2), std::string("\x1a\x00", 2));  // task_report present, length 0
  EXPECT_EQ(bytes[0], '\x12');                                           // error_info first
}

TEST_F(PipelineTest, UndecodableBodiesAnswerInvalidRequestInsteadOfHttp500) {
  for (const std::string& body : {std::string("\xff\xff\xff"), std::string("\x0a\x05gs:"), std::string("\x12\x80"),
                                  std::string("not a protobuf at all")}) {
    BuildResult r = HandleBuildRequest(body, false, services_);
    EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
    EXPECT_EQ(Message(r),
              "Unable to decode request body: Error parsing message with type "
              "'google.ondevicepersonalization.federatedcompute.proto.BuildTaskRequest'");
    EXPECT_TRUE(r.response.has_task_report());
  }
}

TEST_F(PipelineTest, DeeplyNestedBodiesAreRefused) {
  // 200 nested unknown groups (field 15, start 0x7b / end 0x7c): legal wire format, but beyond the nesting limit.
  std::string body(200, '\x7b');
  body += std::string(200, '\x7c');
  BuildResult r = HandleBuildRequest(body, false, services_);
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_THAT(Message(r), StartsWith("Unable to decode request body: "));
  // A shallow nesting of the same kind is fine (unknown fields are kept, then the config is validated).
  std::string shallow(3, '\x7b');
  shallow += std::string(3, '\x7c');
  EXPECT_THAT(Message(HandleBuildRequest(shallow, false, services_)), HasSubstr("population_name"));
}

TEST_F(PipelineTest, ConfigValidationFailureKeepsTheReport) {
  odp::BuildTaskRequest request = GoodRequest();
  request.mutable_task_config()->mutable_policies()->mutable_min_separation_policy()->set_minimum_separation(-1);
  BuildResult r = Run(request, /*artifact_only=*/true);
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_THAT(Message(r), StartsWith("Task config is invalid: [Invalid task config]: key `minimum_separation`"));
  EXPECT_TRUE(r.response.has_task_report());
  EXPECT_FALSE(r.response.has_task_group());
  EXPECT_EQ(store_.fetches, 0);  // the model is not fetched for a request that fails validation
}

TEST_F(PipelineTest, DpCheckFailureIsAnInvalidConfig) {
  dp_error_ = absl::InvalidArgumentError(
      "[Invalid task config]: differential_privacy setup is not private enough to pass DP accounting check.");
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(Message(r),
            "Task config is invalid: [Invalid task config]: differential_privacy setup is not private enough to pass "
            "DP accounting check.");
  EXPECT_FALSE(r.response.task_report().has_dp_hyperparameters());
}

TEST_F(PipelineTest, WithoutSavedModelStageBFailsAfterTheDpReport) {
  odp::BuildTaskRequest request = GoodRequest();
  request.clear_saved_model();
  BuildResult r = Run(request);
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(Message(r),
            "Failed to build learning algorithm based on `learning_process` config: 'NoneType' object has no attribute "
            "'input_spec'");
  const auto& hp = r.response.task_report().dp_hyperparameters();
  EXPECT_EQ(hp.dp_delta(), static_cast<float>(1e-9));
  EXPECT_DOUBLE_EQ(hp.dp_delta(), 9.999999717180685e-10);
  EXPECT_DOUBLE_EQ(hp.dp_epsilon(), 0.017875321209430695);
  EXPECT_EQ(hp.noise_multiplier(), 6.0f);
  EXPECT_DOUBLE_EQ(hp.dp_clip_norm(), 0.10000000149011612);
  EXPECT_EQ(hp.num_training_rounds(), 1000);
  EXPECT_FALSE(r.response.task_report().has_applied_algorithms());
}

TEST_F(PipelineTest, RealDpAccountingReportsTheOriginalsValues) {
  services_.dp_deriver = nullptr;
  odp::BuildTaskRequest request = GoodRequest();
  request.clear_saved_model();
  BuildResult r = Run(request);
  // behavior.md §11, additional case 2: the float32 values of the GOOD config's DP report.
  EXPECT_THAT(Message(r), HasSubstr("'NoneType' object has no attribute 'input_spec'"));
  const auto& hp = r.response.task_report().dp_hyperparameters();
  EXPECT_DOUBLE_EQ(hp.dp_delta(), 9.999999717180685e-10);
  // At delta 1e-9 the PLD accountant matches the original to ~2e-5 relative (tests/dp/dp_parameters_test.cc).
  EXPECT_NEAR(hp.dp_epsilon(), 0.017875321209430695, 0.017875321209430695 * 2e-5);
  EXPECT_EQ(hp.noise_multiplier(), 6.0f);
  EXPECT_DOUBLE_EQ(hp.dp_clip_norm(), 0.10000000149011612);
  EXPECT_EQ(hp.num_training_rounds(), 1000);

  // Additional case 3: noise 0.5 over 1000 rounds is not private enough for epsilon 6 ...
  request.mutable_task_config()->mutable_differential_privacy()->set_noise_multiplier(0.5);
  r = Run(request);
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(Message(r),
            "Task config is invalid: [Invalid task config]: differential_privacy setup is not private enough to pass "
            "DP accounting check.");
  // ... unless the check is skipped; epsilon is then reported as float32(6.194758582487926).
  request.mutable_flags()->set_skip_dp_check(true);
  r = Run(request);
  EXPECT_THAT(Message(r), HasSubstr("'NoneType'"));
  EXPECT_NEAR(r.response.task_report().dp_hyperparameters().dp_epsilon(), 6.194758415222168, 6.194758415222168 * 2e-5);
}

TEST_F(PipelineTest, MissingModelLoaderIsNamed) {
  services_.model_loader = nullptr;
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  EXPECT_EQ(Message(r), "Cannot load TFF functional model from " + model_dir_ +
                            ". The SavedModel loader is not available in this build (no ModelLoader was injected).");
  EXPECT_TRUE(r.response.task_report().has_dp_hyperparameters());
}

TEST_F(PipelineTest, UnreadableModelIsAnInvalidRequest) {
  odp::BuildTaskRequest request = GoodRequest();
  request.mutable_saved_model()->set_uri(dir_.Join("no-such-model"));
  BuildResult r = Run(request);
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_THAT(Message(r), StartsWith("Cannot load TFF functional model from " + dir_.Join("no-such-model") + ". "));

  model_error_ = absl::InvalidArgumentError("saved_model.pb: not a SavedModel");
  r = Run(GoodRequest());
  EXPECT_EQ(Message(r),
            "Cannot load TFF functional model from " + model_dir_ + ". saved_model.pb: not a SavedModel");
  EXPECT_EQ(loaded_from_, model_dir_);
}

TEST_F(PipelineTest, MissingArtifactCompilerIsNamed) {
  services_.artifact_builder = nullptr;
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  EXPECT_EQ(Message(r),
            "Artifact building failed for task 0: the artifact compiler (Plan, ClientOnlyPlan and checkpoint builder) "
            "is not available in this build. Stop building remaining artifacts.");
}

TEST_F(PipelineTest, ModelInputErrorsComeBeforeTheAlgorithmReport) {
  builder_.check_error = absl::InvalidArgumentError("Label name cannot be empty.");
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(Message(r), "Failed to build learning algorithm based on `learning_process` config: Label name cannot be "
                        "empty.");
  EXPECT_FALSE(r.response.task_report().has_applied_algorithms());
  EXPECT_FALSE(r.response.task_report().has_metric_results());
}

TEST_F(PipelineTest, LearningProcessErrorsKeepTheAlgorithmAndMetricReport) {
  builder_.prepare_error = absl::InvalidArgumentError("Input spec must be a tuple");
  odp::BuildTaskRequest request = GoodRequest();
  auto* lp = request.mutable_task_config()->mutable_federated_learning()->mutable_learning_process();
  lp->add_metrics()->set_name("precision");
  lp->add_metrics()->set_name("auc");
  BuildResult r = Run(request);
  EXPECT_EQ(Message(r), "Failed to build learning algorithm based on `learning_process` config: Input spec must be "
                        "a tuple");
  const auto& report = r.response.task_report();
  EXPECT_EQ(report.applied_algorithms().learning_algo(), odp::LearningAlgo::FED_AVG);
  EXPECT_EQ(report.applied_algorithms().client_optimizer(), odp::Optimizer::SGD);
  EXPECT_EQ(report.applied_algorithms().server_optimizer(), odp::Optimizer::SGD);
  EXPECT_EQ(report.applied_algorithms().dp_aggregator(), odp::DpAggregator::FIXED_GAUSSIAN);
  EXPECT_EQ(report.metric_results().accepted_metrics(), "precision");
  EXPECT_EQ(report.metric_results().rejected_metrics(), "auc");
}

// learning_process_utils_test: the applied aggregator is the (defaulted) DP type of the config.
TEST_F(PipelineTest, AppliedAggregatorFollowsTheDpType) {
  builder_.prepare_error = absl::InvalidArgumentError("stop after the report");
  services_.dp_deriver = [](const odp::TaskConfig& config,
                            const odp::ExperimentFlags&) -> absl::StatusOr<DpSettings> {
    DpSettings dp = GoodDp();
    const auto type = config.differential_privacy().type();
    dp.aggregator = type == odp::DpAggregator::UNKNOWN ? odp::DpAggregator::FIXED_GAUSSIAN : type;
    return dp;
  };
  for (auto type : {odp::DpAggregator::UNKNOWN, odp::DpAggregator::TREE_AGGREGATION,
                    odp::DpAggregator::ADAPTIVE_GAUSSIAN, odp::DpAggregator::ADAPTIVE_TREE}) {
    odp::BuildTaskRequest request = GoodRequest();
    request.mutable_task_config()->mutable_differential_privacy()->set_type(type);
    const auto& applied = Run(request).response.task_report().applied_algorithms();
    EXPECT_EQ(applied.dp_aggregator(), type == odp::DpAggregator::UNKNOWN ? odp::DpAggregator::FIXED_GAUSSIAN : type);
    EXPECT_EQ(applied.learning_algo(), odp::LearningAlgo::FED_AVG);
    EXPECT_EQ(applied.client_optimizer(), odp::Optimizer::SGD);
    EXPECT_EQ(applied.server_optimizer(), odp::Optimizer::SGD);
  }
}

TEST_F(PipelineTest, SkipDpAggregatorLeavesTheAggregatorUnreported) {
  builder_.prepare_error = absl::InvalidArgumentError("stop");
  odp::BuildTaskRequest request = GoodRequest();
  request.mutable_flags()->set_skip_dp_aggregator(true);
  BuildResult r = Run(request);
  EXPECT_TRUE(r.response.task_report().has_applied_algorithms());
  EXPECT_EQ(r.response.task_report().applied_algorithms().dp_aggregator(), odp::DpAggregator::UNKNOWN);
  EXPECT_TRUE(r.response.task_report().has_dp_hyperparameters());  // still computed and reported
}

TEST_F(PipelineTest, ArtifactOnlySuccess) {
  odp::BuildTaskRequest request = GoodRequest();
  BuildResult r = Run(request, /*artifact_only=*/true);
  ASSERT_FALSE(r.response.has_error_info()) << Message(r);
  ASSERT_TRUE(r.response.has_task_group());
  EXPECT_TRUE(r.response.has_task_report());
  odp::Task training = r.response.task_group().training_task();
  odp::Task eval = r.response.task_group().eval_task();
  for (const odp::Task* task : {&training, &eval}) {
    EXPECT_THAT(task->client_only_plan_url(), ElementsAre("gs://mock-bucket/mock_blob"));
    EXPECT_THAT(task->server_phase_url(), ElementsAre("gs://mock-bucket/mock_blob"));
    EXPECT_THAT(task->init_checkpoint_url(), ElementsAre("gs://mock-bucket/mock_blob"));
  }
  EXPECT_EQ(training.min_client_version(), "341912000");
  EXPECT_EQ(eval.min_client_version(), "341812000");
  training.clear_min_client_version();
  eval.clear_min_client_version();
  EXPECT_EQ(SerializeDeterministic(training), SerializeDeterministic(eval));
  EXPECT_TRUE(tm_.requests.empty());  // TM is not contacted
  // Both tasks upload to the same URL; the eval task's client plan is the last write.
  EXPECT_EQ(store_.Read("gs://mock-bucket/mock_blob"), "client_only_plan:eval:my_new_population");
  EXPECT_EQ(store_.written().size(), 6u);
  ASSERT_TRUE(r.main_artifacts.has_value());
  EXPECT_EQ(r.main_artifacts->plan, "plan:training:my_new_population");
  EXPECT_EQ(r.optional_artifacts->plan, "plan:eval:my_new_population");
}

TEST_F(PipelineTest, ArtifactOnlyWithAnEmptyEvalUrlFailsBeforeBuilding) {
  odp::BuildTaskRequest request = GoodRequest();
  request.mutable_task_config()
      ->mutable_federated_learning()
      ->mutable_evaluation()
      ->mutable_artifact_building()
      ->clear_plan_url();
  BuildResult r = Run(request, /*artifact_only=*/true);
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  EXPECT_EQ(Message(r),
            "Artifact failed to upload for task 0: Cannot build artifacts because createTask returns invalid URLs: "
            "empty URI.. Stop building remaining artifacts.");
  EXPECT_TRUE(builder_.built_roles.empty());
  EXPECT_TRUE(store_.written().empty());
}

TEST_F(PipelineTest, BuildTaskGroupSuccess) {
  BuildResult r = Run(GoodRequest());
  ASSERT_FALSE(r.response.has_error_info()) << Message(r);
  const odp::Task& training = r.response.task_group().training_task();
  const odp::Task& eval = r.response.task_group().eval_task();
  ASSERT_EQ(tm_.requests.size(), 2u);
  // TM received the tasks of §6 with the flex-op versions, training first.
  EXPECT_EQ(tm_.requests[0].min_aggregation_size(), 2000);
  EXPECT_EQ(tm_.requests[0].min_client_version(), "341912000");
  EXPECT_EQ(tm_.requests[1].info().traffic_weight(), 11);
  EXPECT_EQ(tm_.requests[1].min_client_version(), "341812000");
  // The response holds the Tasks as TM returned them.
  EXPECT_EQ(training.task_id(), 1);
  EXPECT_EQ(training.status(), odp::TaskStatus::CREATED);
  EXPECT_EQ(eval.task_id(), 2);
  EXPECT_THAT(training.server_phase_url(), ElementsAre("gs://fcp-test-m-0/my_new_population/1/0/s/0/server_phase"));
  // Every artifact went to every URL TM returned (metrics_url is not an artifact).
  EXPECT_EQ(store_.Read("gs://fcp-test-m-0/my_new_population/1/0/s/0/checkpoint"), "checkpoint:training:my_new_population");
  EXPECT_EQ(store_.Read("gs://fcp-test-m-0/my_new_population/1/0/s/0/server_phase"), "plan:training:my_new_population");
  EXPECT_EQ(store_.Read("gs://fcp-test-m-0/my_new_population/2/0/s/0/client_only_plan"),
            "client_only_plan:eval:my_new_population");
  EXPECT_THAT(store_.written(),
              ElementsAre("gs://fcp-test-m-0/my_new_population/1/0/s/0/checkpoint",
                          "gs://fcp-test-m-0/my_new_population/1/0/s/0/server_phase",
                          "gs://fcp-test-m-0/my_new_population/1/0/s/0/client_only_plan",
                          "gs://fcp-test-m-0/my_new_population/2/0/s/0/checkpoint",
                          "gs://fcp-test-m-0/my_new_population/2/0/s/0/server_phase",
                          "gs://fcp-test-m-0/my_new_population/2/0/s/0/client_only_plan"));
  EXPECT_TRUE(tm_.cancelled.empty());
  // The eval task names the configured source population, so it keeps the configured training id.
  EXPECT_EQ(eval.info().evaluation_info().training_task_id(), 1);
  EXPECT_EQ(eval.info().evaluation_info().training_population_name(), "source_population");
}

TEST_F(PipelineTest, EvalTaskEvaluatesTheTrainingTaskJustCreatedInItsPopulation) {
  odp::BuildTaskRequest request = GoodRequest();
  auto* ev = request.mutable_task_config()->mutable_federated_learning()->mutable_evaluation();
  ev->clear_source_training_population();
  ev->set_source_training_task_id(1);
  // A previous training task exists in the population, so this build's training task gets id 2.
  odp::Task earlier;
  earlier.set_population_name("my_new_population");
  ASSERT_TRUE(tm_.CreateTask(earlier).ok());
  tm_.requests.clear();
  BuildResult r = Run(request);
  ASSERT_FALSE(r.response.has_error_info()) << Message(r);
  EXPECT_EQ(r.response.task_group().training_task().task_id(), 2);
  EXPECT_EQ(tm_.requests[1].info().evaluation_info().training_task_id(), 2);
  EXPECT_EQ(tm_.requests[1].info().evaluation_info().training_population_name(), "my_new_population");
}

TEST_F(PipelineTest, TrainingOnlyAndEvalOnlyShapes) {
  odp::BuildTaskRequest request = GoodRequest();
  request.mutable_task_config()->set_mode(odp::TaskMode::TRAINING_ONLY);
  BuildResult r = Run(request);
  ASSERT_FALSE(r.response.has_error_info()) << Message(r);
  EXPECT_TRUE(r.response.task_group().has_training_task());
  EXPECT_FALSE(r.response.task_group().has_eval_task());
  EXPECT_THAT(builder_.built_roles, ElementsAre(TaskRole::kTraining));

  builder_.built_roles.clear();
  request.mutable_task_config()->set_mode(odp::TaskMode::EVAL_ONLY);
  r = Run(request);
  ASSERT_FALSE(r.response.has_error_info()) << Message(r);
  EXPECT_FALSE(r.response.task_group().has_training_task());
  ASSERT_TRUE(r.response.task_group().has_eval_task());
  EXPECT_TRUE(r.response.task_group().eval_task().info().has_evaluation_info());
  EXPECT_EQ(r.response.task_group().eval_task().min_client_version(), "341812000");
  EXPECT_THAT(builder_.built_roles, ElementsAre(TaskRole::kEvaluation));
}

TEST_F(PipelineTest, SkipFlexOpsCheckKeepsVersionZero) {
  odp::BuildTaskRequest request = GoodRequest();
  request.mutable_flags()->set_skip_flex_ops_check(true);
  BuildResult r = Run(request, /*artifact_only=*/true);
  ASSERT_FALSE(r.response.has_error_info());
  EXPECT_EQ(r.response.task_group().training_task().min_client_version(), "");  // URL-only tasks carry none
  r = Run(request);
  ASSERT_FALSE(r.response.has_error_info());
  EXPECT_EQ(tm_.requests[0].min_client_version(), "0");
}

TEST_F(PipelineTest, NoTaskManagementIsReportedBeforeBuilding) {
  services_.task_management = nullptr;
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::TASK_MANAGEMENT_ERROR);
  EXPECT_EQ(Message(r), "Cannot find task management server.");
  EXPECT_TRUE(builder_.built_roles.empty());
  // :build-artifacts needs no TM.
  EXPECT_FALSE(Run(GoodRequest(), /*artifact_only=*/true).response.has_error_info());
}

TEST_F(PipelineTest, UnresolvableTaskManagement) {
  tm_.available = absl::NotFoundError("Cannot find task management server.");
  EXPECT_EQ(Message(Run(GoodRequest())), "Cannot find task management server.");
  tm_.available = absl::UnavailableError("Fail to connect: http://tm:8082/");
  EXPECT_EQ(Message(Run(GoodRequest())),
            "Failed to create tasks by task management service: Fail to connect: http://tm:8082/");
}

TEST_F(PipelineTest, TaskManagementConflict) {
  tm_.fail_create_number = 1;
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::TASK_MANAGEMENT_ERROR);
  EXPECT_EQ(Message(r), "Failed to create tasks by task management service: 409: Conflict");
  EXPECT_TRUE(tm_.cancelled.empty());
  EXPECT_TRUE(store_.written().empty());
}

TEST_F(PipelineTest, EvalCreationFailureCancelsTheTrainingTask) {
  tm_.fail_create_number = 2;
  tm_.create_error = absl::UnavailableError("500: Internal Server Error");
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::TASK_MANAGEMENT_ERROR);
  EXPECT_EQ(Message(r),
            "Failed to create tasks by task management service: 500: Internal Server Error Cancelled the tasks this "
            "build created: my_new_population/1.");
  EXPECT_THAT(tm_.cancelled, ElementsAre("my_new_population/1"));
}

TEST_F(PipelineTest, InvalidUrlFromTaskManagementCancelsBothTasks) {
  tm_.server_phase_url_override = "http://x/y";
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  EXPECT_EQ(Message(r),
            "Artifact failed to upload for task 1: Cannot build artifacts because createTask returns invalid URLs: "
            "http://x/y. Stop building remaining artifacts. Cancelled the tasks this build created: "
            "my_new_population/2, my_new_population/1.");
  EXPECT_TRUE(store_.written().empty());  // every URL is checked before anything is written
}

TEST_F(PipelineTest, UploadFailureCancelsAndSaysWhere) {
  store_.fail_put_number = 5;  // the eval task's plan
  tm_.cancel_error = absl::UnavailableError("TM down");
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  // The original cites the main task's id for the eval task's upload too.
  EXPECT_EQ(Message(r),
            "Artifact failed to upload for task 1: Cannot upload artifact to: "
            "gs://fcp-test-m-0/my_new_population/2/0/s/0/server_phase. Stop building remaining artifacts. Could not "
            "cancel, left in task management: my_new_population/2 (TM down), my_new_population/1 (TM down).");
}

TEST_F(PipelineTest, ArtifactBuildingFailuresNameTaskZero) {
  builder_.training_build_error = absl::InternalError("Cannot build the plan: unsupported op Foo");
  BuildResult r = Run(GoodRequest());
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  EXPECT_EQ(Message(r), "Artifact building failed for task 0: Cannot build the plan: unsupported op Foo. Stop building "
                        "remaining artifacts.");
  EXPECT_TRUE(tm_.requests.empty());

  builder_.training_build_error = absl::OkStatus();
  builder_.eval_build_error = absl::InternalError("Cannot build the initial checkpoint: ");
  r = Run(GoodRequest());
  EXPECT_EQ(Message(r), "Artifact building failed for task 0: Cannot build the initial checkpoint: . Stop building "
                        "remaining artifacts.");
  EXPECT_TRUE(tm_.requests.empty());
}

TEST_F(PipelineTest, MissingStorageIsNamed) {
  services_.blob_store = nullptr;
  odp::BuildTaskRequest request = GoodRequest();
  BuildResult r = Run(request);
  EXPECT_EQ(Type(r), odp::ErrorType::ARTIFACT_BUILDING_ERROR);
  EXPECT_THAT(Message(r), HasSubstr("Model storage is not available"));
}

TEST_F(PipelineTest, ResponsesAreDeterministic) {
  const std::string a = SerializeDeterministic(Run(GoodRequest(), true).response);
  const std::string b = SerializeDeterministic(Run(GoodRequest(), true).response);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace tb::pipeline
