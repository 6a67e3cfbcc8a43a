// The artifact compiler behind the pipeline (fl/ programs, TFLite client, V1 plan, initial checkpoints), run
// through the real pipeline with real DP accounting on models the project generates and writes as SavedModels:
// both example-model kinds with both example task configs, the three task modes, and every DP aggregator x
// client/server optimizer x FED_AVG/FED_SGD combination, each of which builds complete artifacts or is refused
// with an INVALID_REQUEST that says why; use_daf is refused by name.
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "config/metrics.h"
#include "config/task_config_text.h"
#include "fcp/plan.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/artifact_compiler.h"
#include "pipeline/build_pipeline.h"
#include "tensorflow/graph.pb.h"
#include "tests/pipeline/pipeline_fakes.h"
#include "tests/testing/testing.h"
#include "tf/checkpoint_reader.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"
#include "tf/functional_model_writer.h"

namespace tb::pipeline {
namespace {

namespace fcp = ::google::internal::federated::plan;
using ::tb::pipeline::testing::DirectoryBlobStore;
using ::tb::pipeline::testing::RecordingTaskManagement;
using ::testing::HasSubstr;

enum class Kind { kMlp, kCnn };

// Small instances of the example models (the same builders as `taskbuilder example-model`), so every combination
// builds in milliseconds.
tf::FunctionalModel SmallModel(Kind kind) {
  if (kind == Kind::kMlp) {
    tf::MlpOptions o;
    o.input_dim = 6;
    o.hidden_units = 4;
    return *tf::BuildMlpModel(o);
  }
  tf::CnnOptions o;
  o.height = 8;
  o.width = 8;
  o.kernel_size = 3;
  o.filters1 = 2;
  o.filters2 = 4;
  o.dense_units = 8;
  o.classes = 3;
  return *tf::BuildCnnModel(o);
}

odp::TaskConfig ExampleConfig(const std::string& name) {
  auto config = config::ParseTaskConfigText(
      ::tb::testing::ReadFileOrDie(absl::StrCat(::tb::testing::SourceDir(), "/examples/", name)));
  EXPECT_TRUE(config.ok()) << name << ": " << config.status();
  return config.ok() ? *config : odp::TaskConfig();
}

std::set<std::string> StatNames(const fcp::Plan& plan) {
  std::set<std::string> out;
  for (const fcp::Metric& m : plan.phase(0).server_phase().metrics()) out.insert(m.stat_name());
  return out;
}

class ArtifactCompilerTest : public ::testing::Test {
 protected:
  ArtifactCompilerTest() : store_(dir_.path()) {
    for (Kind kind : {Kind::kMlp, Kind::kCnn}) {
      models_[static_cast<int>(kind)] = SmallModel(kind);
      const std::string path = ModelDir(kind);
      EXPECT_TRUE(tf::WriteFunctionalModel(models_[static_cast<int>(kind)], path).ok());
    }
    ArtifactCompilerOptions options;
    options.tree_seeds = [] { return std::array<int64_t, 2>{7, 11}; };
    compiler_ = NewArtifactCompiler(std::move(options));
    services_.blob_store = &store_;
    services_.task_management = &tm_;
    services_.artifact_builder = compiler_.get();
    services_.model_loader = [](const std::string& dir) -> absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>> {
      auto model = tf::LoadFunctionalModel(dir);
      if (!model.ok()) return model.status();
      return std::make_shared<const tf::FunctionalModel>(*std::move(model));
    };
  }

  std::string ModelDir(Kind kind) const { return dir_.Join(kind == Kind::kMlp ? "mlp_model" : "cnn_model"); }
  const tf::FunctionalModel& Model(Kind kind) const { return models_[static_cast<int>(kind)]; }

  // Builds artifact-only into <dir>/<name>/ under the sample file names, as `taskbuilder build` does.
  BuildResult Build(Kind kind, odp::TaskConfig config, const std::string& name, odp::ExperimentFlags flags = {}) {
    const std::string out = dir_.Join(name);
    for (const auto& [prefix, building] :
         {std::pair{std::string(""), config.mutable_federated_learning()->mutable_learning_process()->mutable_artifact_building()},
          std::pair{std::string("eval_"), config.mutable_federated_learning()->mutable_evaluation()->mutable_artifact_building()}}) {
      building->set_plan_url(absl::StrCat(out, "/", prefix, "plan.pb"));
      building->set_client_plan_url(absl::StrCat(out, "/", prefix, "client_only_plan.pb"));
      building->set_checkpoint_url(absl::StrCat(out, "/", prefix, "initial_state.server.ckp"));
    }
    odp::BuildTaskRequest request;
    request.mutable_saved_model()->set_uri(ModelDir(kind));
    *request.mutable_task_config() = std::move(config);
    *request.mutable_flags() = flags;
    return RunBuild(request, /*artifact_only=*/true, services_);
  }

  // Checks one task's uploaded artifacts: the Plan and ClientOnlyPlan parse and agree, the server graph is there,
  // the device program is a TFLite flatbuffer, the metrics are the task's, and the initial checkpoint holds the
  // model's weights (training) or zeros of their shapes (evaluation).
  void ExpectTaskArtifacts(const std::string& name, const std::string& prefix, Kind kind, bool training) {
    SCOPED_TRACE(absl::StrCat(name, "/", prefix));
    const std::string out = dir_.Join(name);
    fcp::Plan plan;
    ASSERT_TRUE(plan.ParseFromString(::tb::testing::ReadFileOrDie(absl::StrCat(out, "/", prefix, "plan.pb"))));
    fcp::ClientOnlyPlan client;
    ASSERT_TRUE(client.ParseFromString(
        ::tb::testing::ReadFileOrDie(absl::StrCat(out, "/", prefix, "client_only_plan.pb"))));
    EXPECT_EQ(plan.version(), 1);
    ASSERT_EQ(plan.phase_size(), 1);
    EXPECT_EQ(plan.phase(0).client_phase().SerializeAsString(), client.phase().SerializeAsString());
    tensorflow::GraphDef server_graph;
    ASSERT_TRUE(server_graph.ParseFromString(plan.server_graph_bytes().value()));
    EXPECT_GT(server_graph.node_size(), 50);
    EXPECT_EQ(server_graph.library().function_size(), 0) << "the server graph must be flat";
    ASSERT_GT(client.tflite_graph().size(), 8u);
    EXPECT_EQ(client.tflite_graph().substr(4, 4), "TFL3");
    EXPECT_EQ(plan.client_tflite_graph_bytes(), client.tflite_graph());
    const std::set<std::string> stats = StatNames(plan);
    if (training) {
      EXPECT_TRUE(stats.count("server/client_work/train/loss")) << "training plan without the loss metric";
      EXPECT_TRUE(stats.count("server/finalizer/update_non_finite"));
    } else {
      EXPECT_TRUE(stats.count("server/eval/loss")) << "evaluation plan without the loss metric";
    }
    auto reader = tf::CheckpointReader::Open(absl::StrCat(out, "/", prefix, "initial_state.server.ckp"));
    ASSERT_TRUE(reader.ok()) << reader.status();
    const tf::FunctionalModel& model = Model(kind);
    for (size_t i = 0; i < model.trainable_weights.size(); ++i) {
      auto w = (*reader)->Read(absl::StrCat("server/global_model_weights/trainable/", i));
      ASSERT_TRUE(w.ok()) << w.status();
      const tf::Tensor& want = model.trainable_weights[i].tensor;
      if (training) {
        EXPECT_TRUE(w->Equals(want)) << "weight " << i;
      } else {
        EXPECT_TRUE(w->Equals(tf::Tensor(want.dtype(), want.shape()))) << "eval weight " << i << " is not zero";
      }
    }
  }

  ::tb::testing::TempDir dir_;
  DirectoryBlobStore store_;
  RecordingTaskManagement tm_;
  std::unique_ptr<ArtifactBuilder> compiler_;
  PipelineServices services_;
  tf::FunctionalModel models_[2];
};

TEST_F(ArtifactCompilerTest, BothExampleModelKindsBuildWithBothExampleConfigs) {
  for (Kind kind : {Kind::kMlp, Kind::kCnn}) {
    for (const char* config : {"mlp_task_config.pbtxt", "cnn_task_config.pbtxt"}) {
      const std::string name = absl::StrCat(kind == Kind::kMlp ? "mlp" : "cnn", "_", config);
      SCOPED_TRACE(name);
      BuildResult r = Build(kind, ExampleConfig(config), name);
      if ((kind == Kind::kMlp) != (std::string(config) == "mlp_task_config.pbtxt")) {
        // Each config's metric does not fit the other model's labels and predictions (fl/metrics_shapes.cc).
        ASSERT_FALSE(r.response.has_task_group());
        EXPECT_EQ(r.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
        EXPECT_THAT(r.response.error_info().error_message(), HasSubstr("metric `"));
        continue;
      }
      ASSERT_TRUE(r.response.has_task_group()) << r.response.error_info().error_message();
      EXPECT_FALSE(r.response.task_group().training_task().min_client_version().empty());
      EXPECT_NE(r.response.task_group().training_task().min_client_version(), "0");
      ExpectTaskArtifacts(name, "", kind, /*training=*/true);
      ExpectTaskArtifacts(name, "eval_", kind, /*training=*/false);
    }
  }
}

TEST_F(ArtifactCompilerTest, EveryModeBuildsExactlyItsTasks) {
  for (Kind kind : {Kind::kMlp, Kind::kCnn}) {
    for (auto mode : {odp::TaskMode::TRAINING_ONLY, odp::TaskMode::TRAINING_AND_EVAL, odp::TaskMode::EVAL_ONLY}) {
      odp::TaskConfig config = ExampleConfig(kind == Kind::kMlp ? "mlp_task_config.pbtxt" : "cnn_task_config.pbtxt");
      config.set_mode(mode);
      config.mutable_differential_privacy()->set_noise_multiplier(1.0);
      const std::string name = absl::StrCat(kind == Kind::kMlp ? "mlp" : "cnn", "_mode_", static_cast<int>(mode));
      SCOPED_TRACE(name);
      BuildResult r = Build(kind, config, name);
      ASSERT_TRUE(r.response.has_task_group()) << r.response.error_info().error_message();
      const std::string out = dir_.Join(name);
      const bool train_files = std::filesystem::exists(out + "/plan.pb");
      const bool eval_files = std::filesystem::exists(out + "/eval_plan.pb");
      switch (mode) {
        case odp::TaskMode::TRAINING_ONLY:
          EXPECT_TRUE(train_files);
          EXPECT_FALSE(eval_files);
          EXPECT_FALSE(r.response.task_group().has_eval_task());
          ExpectTaskArtifacts(name, "", kind, /*training=*/true);
          break;
        case odp::TaskMode::EVAL_ONLY:
          EXPECT_FALSE(train_files);
          EXPECT_TRUE(eval_files);
          ExpectTaskArtifacts(name, "eval_", kind, /*training=*/false);
          break;
        default:
          EXPECT_TRUE(train_files);
          EXPECT_TRUE(eval_files);
          ExpectTaskArtifacts(name, "", kind, /*training=*/true);
          ExpectTaskArtifacts(name, "eval_", kind, /*training=*/false);
      }
    }
  }
}

// Every DP aggregator (and skip_dp_aggregator's plain mean) x client optimizer x server optimizer x algorithm.
// Where the original fails (FED_SGD with a DP aggregator, fl-semantics.md §8) the semantics are sound and we build.
TEST_F(ArtifactCompilerTest, EveryAggregatorOptimizerAndAlgorithmCombinationBuilds) {
  using Agg = odp::DpAggregator;
  int built = 0;
  for (Kind kind : {Kind::kMlp, Kind::kCnn}) {
    for (auto algo : {odp::LearningAlgo::FED_AVG, odp::LearningAlgo::FED_SGD}) {
      for (int agg : {-1, int{Agg::FIXED_GAUSSIAN}, int{Agg::ADAPTIVE_GAUSSIAN}, int{Agg::TREE_AGGREGATION},
                      int{Agg::ADAPTIVE_TREE}}) {
        for (auto client : {odp::Optimizer::SGD, odp::Optimizer::ADAM}) {
          for (auto server : {odp::Optimizer::SGD, odp::Optimizer::ADAM}) {
            // The CNN runs a representative subset (every aggregator, both algorithms; optimizers paired).
            if (kind == Kind::kCnn && client != server) continue;
            odp::TaskConfig config =
                ExampleConfig(kind == Kind::kMlp ? "mlp_task_config.pbtxt" : "cnn_task_config.pbtxt");
            auto* lp = config.mutable_federated_learning()->mutable_learning_process();
            lp->set_type(algo);
            lp->set_client_optimizer(client);
            lp->set_server_optimizer(server);
            lp->mutable_runtime_config()->set_report_goal(20);
            config.mutable_federated_learning()->mutable_evaluation()->set_report_goal(20);
            config.mutable_policies()->mutable_model_release_policy()->set_num_max_training_rounds(16);
            odp::DifferentialPrivacy* dp = config.mutable_differential_privacy();
            dp->Clear();
            dp->set_type(static_cast<Agg::Enum>(agg < 0 ? Agg::FIXED_GAUSSIAN : agg));
            dp->set_noise_multiplier(1.0);  // adaptive variants need report_goal > 10 x noise
            if (agg == Agg::ADAPTIVE_GAUSSIAN || agg == Agg::ADAPTIVE_TREE) {
              dp->set_init_clip_norm(0.1);
            } else {
              dp->set_clip_norm(0.1);
            }
            odp::ExperimentFlags flags;
            flags.set_skip_dp_check(true);
            flags.set_skip_dp_aggregator(agg < 0);
            // The device check stays on: client Adam's bias correction (beta^t) is the builtin POW.
            const std::string name = absl::StrCat(kind == Kind::kMlp ? "mlp" : "cnn", "_", odp::LearningAlgo::Enum_Name(algo),
                                                  "_", agg < 0 ? "NONE" : Agg::Enum_Name(static_cast<Agg::Enum>(agg)),
                                                  "_", odp::Optimizer::Enum_Name(client), "_",
                                                  odp::Optimizer::Enum_Name(server));
            SCOPED_TRACE(name);
            BuildResult r = Build(kind, config, name, flags);
            ASSERT_TRUE(r.response.has_task_group()) << r.response.error_info().error_message();
            ExpectTaskArtifacts(name, "", kind, /*training=*/true);
            ExpectTaskArtifacts(name, "eval_", kind, /*training=*/false);
            auto reader = tf::CheckpointReader::Open(dir_.Join(name) + "/initial_state.server.ckp");
            ASSERT_TRUE(reader.ok());
            // The server optimizer's state is in the checkpoint: Adam's moment estimates, SGD's learning rate only.
            EXPECT_EQ((*reader)->Read("server/finalizer/accumulator/0").ok(), server == odp::Optimizer::ADAM);
            EXPECT_TRUE((*reader)->Read("server/finalizer/learning_rate").ok());
            // The DP aggregator's state is there unless it was skipped.
            auto all = (*reader)->ReadAll();
            ASSERT_TRUE(all.ok()) << all.status();
            int aggregator_tensors = 0;
            for (const tf::NamedTensor& t : *all) aggregator_tensors += t.name.rfind("server/aggregator/", 0) == 0;
            EXPECT_EQ(aggregator_tensors > 0, agg >= 0) << aggregator_tensors << " aggregator state tensors";
            ++built;
          }
        }
      }
    }
  }
  EXPECT_EQ(built, 40 + 20);
}

// The client's Adam step needs beta^t (fl-semantics.md §2.2), a Pow: the builtin POW, so the device check passes.
TEST_F(ArtifactCompilerTest, ClientAdamRunsOnDevices) {
  odp::TaskConfig config = ExampleConfig("mlp_task_config.pbtxt");
  config.mutable_federated_learning()->mutable_learning_process()->set_client_optimizer(odp::Optimizer::ADAM);
  config.mutable_differential_privacy()->set_noise_multiplier(1.0);
  BuildResult r = Build(Kind::kMlp, config, "client_adam");
  ASSERT_TRUE(r.response.has_task_group()) << r.response.error_info().error_message();
  EXPECT_NE(r.response.task_group().training_task().min_client_version(), "0");
  ExpectTaskArtifacts("client_adam", "", Kind::kMlp, /*training=*/true);
}

TEST_F(ArtifactCompilerTest, AdaptiveAggregatorsWithTooFewClientsForTheirNoiseAreInvalidRequests) {
  for (auto agg : {odp::DpAggregator::ADAPTIVE_GAUSSIAN, odp::DpAggregator::ADAPTIVE_TREE}) {
    odp::TaskConfig config = ExampleConfig("mlp_task_config.pbtxt");
    config.mutable_federated_learning()->mutable_learning_process()->mutable_runtime_config()->set_report_goal(5);
    odp::DifferentialPrivacy* dp = config.mutable_differential_privacy();
    dp->Clear();
    dp->set_type(agg);
    dp->set_init_clip_norm(0.1);
    dp->set_noise_multiplier(1.0);  // report_goal 5 <= 10 x 1.0
    odp::ExperimentFlags flags;
    flags.set_skip_dp_check(true);
    BuildResult r = Build(Kind::kMlp, config, absl::StrCat("adaptive_small_", agg), flags);
    ASSERT_FALSE(r.response.has_task_group());
    EXPECT_EQ(r.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
    EXPECT_THAT(r.response.error_info().error_message(), HasSubstr("report_goal > 10 x noise_multiplier"));
    EXPECT_FALSE(std::filesystem::exists(dir_.Join(absl::StrCat("adaptive_small_", agg)) + "/plan.pb"));
  }
}

// Every allowlisted metric on both model kinds: its finalized value is a stat of the training plan
// ("server/client_work/train/<name>") and of the evaluation plan ("server/eval/<name>"), and the device program
// with its update passes the device check (no skip_flex_ops_check). `mean` cannot mean anything for (labels,
// predictions): it is refused; so are metrics whose labels and predictions the model's shapes cannot pair (the
// MLP's one probability per example has no class axis; the CNN's class scores against class indices only fit the
// sparse categorical metrics; fl/metrics_shapes.cc).
TEST_F(ArtifactCompilerTest, EveryAllowlistedMetricBuildsOnBothModelKinds) {
  const std::set<std::string> refused_on_mlp = {"categorical_accuracy", "categorical_crossentropy",
                                                "categorical_crossentropy_from_logits", "sparse_categorical_accuracy",
                                                "sparse_categorical_crossentropy",
                                                "sparse_categorical_crossentropy_from_logits"};
  const std::set<std::string> fit_on_cnn = {"sparse_categorical_accuracy", "sparse_categorical_crossentropy",
                                            "sparse_categorical_crossentropy_from_logits"};
  for (Kind kind : {Kind::kMlp, Kind::kCnn}) {
    for (std::string_view metric : config::MetricsAllowlist()) {
      const std::string name = absl::StrCat(kind == Kind::kMlp ? "mlp" : "cnn", "_metric_", ToAbsl(metric));
      SCOPED_TRACE(name);
      odp::TaskConfig config =
          ExampleConfig(kind == Kind::kMlp ? "mlp_task_config.pbtxt" : "cnn_task_config.pbtxt");
      auto* metrics = config.mutable_federated_learning()->mutable_learning_process()->mutable_metrics();
      metrics->Clear();
      metrics->Add()->set_name(std::string(metric));
      config.mutable_differential_privacy()->set_noise_multiplier(1.0);
      BuildResult r = Build(kind, config, name);
      if (metric == "mean") {
        ASSERT_FALSE(r.response.has_task_group());
        EXPECT_EQ(r.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
        EXPECT_THAT(r.response.error_info().error_message(), HasSubstr("metric `mean` cannot be built"));
        continue;
      }
      const std::string m(metric);
      if (kind == Kind::kMlp ? refused_on_mlp.count(m) > 0 : fit_on_cnn.count(m) == 0) {
        ASSERT_FALSE(r.response.has_task_group());
        EXPECT_EQ(r.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
        EXPECT_THAT(r.response.error_info().error_message(), HasSubstr(absl::StrCat("metric `", m, "`")));
        continue;
      }
      ASSERT_TRUE(r.response.has_task_group()) << r.response.error_info().error_message();
      ExpectTaskArtifacts(name, "", kind, /*training=*/true);
      ExpectTaskArtifacts(name, "eval_", kind, /*training=*/false);
      const std::pair<std::string, std::string> stats[] = {
          {"", absl::StrCat("server/client_work/train/", ToAbsl(metric))},
          {"eval_", absl::StrCat("server/eval/", ToAbsl(metric))}};
      for (const auto& [prefix, stat] : stats) {
        fcp::Plan plan;
        ASSERT_TRUE(plan.ParseFromString(::tb::testing::ReadFileOrDie(dir_.Join(name) + "/" + prefix + "plan.pb")));
        EXPECT_TRUE(StatNames(plan).count(stat)) << "no stat " << stat;
      }
    }
  }
}

TEST_F(ArtifactCompilerTest, UseDafIsRefusedByName) {
  odp::TaskConfig config = ExampleConfig("mlp_task_config.pbtxt");
  config.set_use_daf(true);
  config.mutable_differential_privacy()->set_noise_multiplier(1.0);
  BuildResult r = Build(Kind::kMlp, config, "daf");
  ASSERT_FALSE(r.response.has_task_group());
  EXPECT_EQ(r.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
  EXPECT_THAT(r.response.error_info().error_message(), HasSubstr("use_daf"));
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("daf") + "/plan.pb"));
}

TEST_F(ArtifactCompilerTest, SkipFlexOpsCheckLeavesTheMinimumVersionUnset) {
  odp::TaskConfig config = ExampleConfig("mlp_task_config.pbtxt");
  config.mutable_differential_privacy()->set_noise_multiplier(1.0);
  odp::ExperimentFlags flags;
  flags.set_skip_flex_ops_check(true);
  BuildResult r = Build(Kind::kMlp, config, "skip_flex", flags);
  ASSERT_TRUE(r.response.has_task_group()) << r.response.error_info().error_message();
  ASSERT_TRUE(r.main_artifacts.has_value());
  EXPECT_FALSE(r.main_artifacts->min_client_version.has_value());
  ExpectTaskArtifacts("skip_flex", "", Kind::kMlp, /*training=*/true);
}

// Same inputs, same bytes (tree seeds fixed): the artifacts are deterministic.
TEST_F(ArtifactCompilerTest, ArtifactsAreDeterministic) {
  odp::TaskConfig config = ExampleConfig("cnn_task_config.pbtxt");
  config.mutable_differential_privacy()->set_noise_multiplier(1.0);
  BuildResult a = Build(Kind::kCnn, config, "det_a");
  BuildResult b = Build(Kind::kCnn, config, "det_b");
  ASSERT_TRUE(a.main_artifacts.has_value() && b.main_artifacts.has_value());
  EXPECT_EQ(a.main_artifacts->plan, b.main_artifacts->plan);
  EXPECT_EQ(a.main_artifacts->client_only_plan, b.main_artifacts->client_only_plan);
  EXPECT_EQ(a.main_artifacts->initial_checkpoint, b.main_artifacts->initial_checkpoint);
  ASSERT_TRUE(a.optional_artifacts.has_value() && b.optional_artifacts.has_value());
  EXPECT_EQ(a.optional_artifacts->plan, b.optional_artifacts->plan);
  EXPECT_EQ(a.optional_artifacts->initial_checkpoint, b.optional_artifacts->initial_checkpoint);
}

}  // namespace
}  // namespace tb::pipeline
