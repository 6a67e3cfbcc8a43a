#include "pipeline/artifact_compiler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "config/defaults.h"
#include "config/metrics.h"
#include "fcp/plan.pb.h"
#include "fl/client_work.h"
#include "fl/learning_process.h"
#include "plan/initial_checkpoint.h"
#include "plan/plan_builder.h"
#include "tf/functional_model.h"
#include "tflite/device_compat.h"
#include "tflite/lowering.h"

namespace tb::pipeline {
namespace {

fl::OptimizerSpec Optimizer(odp::Optimizer::Enum kind, double learning_rate) {
  // Anything but ADAM is build_sgdm without momentum (behavior.md §10.1).
  return fl::OptimizerSpec{kind == odp::Optimizer::ADAM ? fl::OptimizerKind::kAdam : fl::OptimizerKind::kSgd,
                           learning_rate};
}

fl::AggregatorKind AggregatorKind(odp::DpAggregator::Enum type) {
  switch (type) {
    case odp::DpAggregator::TREE_AGGREGATION: return fl::AggregatorKind::kTreeAggregation;
    case odp::DpAggregator::ADAPTIVE_GAUSSIAN: return fl::AggregatorKind::kAdaptiveGaussian;
    case odp::DpAggregator::ADAPTIVE_TREE: return fl::AggregatorKind::kAdaptiveTree;
    default: return fl::AggregatorKind::kFixedGaussian;  // FIXED_GAUSSIAN and out-of-range values
  }
}

std::string SelectorFor(const std::string& collection_uri) {
  google::internal::federated::plan::ExampleSelector selector;
  selector.set_collection_uri(collection_uri);
  return selector.SerializeAsString();
}

class PreparedTask : public PreparedLearning {
 public:
  PreparedTask(ArtifactInputs inputs, ArtifactCompilerOptions options, std::vector<fl::StateTensor> training_state)
      : inputs_(inputs), options_(std::move(options)), training_state_(std::move(training_state)) {}

  absl::StatusOr<TaskArtifacts> Build(TaskRole role) override {
    TB_LOG(INFO) << "Start building artifacts...";
    fl::LearningSpec spec = LearningSpecFor(inputs_, role);
    if (options_.tree_seeds) spec.aggregator.tree_seeds = options_.tree_seeds;
    auto program = role == TaskRole::kTraining ? fl::BuildTrainingProcess(*inputs_.model, spec, &training_state_)
                                               : fl::BuildEvaluationProcess(*inputs_.model, spec, &training_state_);
    if (!program.ok()) return absl::InvalidArgumentError(absl::StrCat("Cannot build the plan: ", program.status().message()));
    for (const std::string& note : program->notes) TB_LOG(INFO) << note;

    // The device program: the client program lowered to TFLite (builtins where exact, Flex ops otherwise).
    plan::DeviceProgram device;
    auto lowered = tflite::LowerClientProgram(program->client);
    if (!lowered.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("Cannot build the plan: ", lowered.status().message()));
    }
    device.tflite = std::move(lowered->flatbuffer);
    auto assembled = plan::AssemblePlan(*program, device);
    if (!assembled.ok()) {
      return absl::InternalError(absl::StrCat("Cannot build the plan: ", assembled.status().message()));
    }
    TB_LOG(INFO) << "Plan was built successfully.";
    std::optional<std::string> min_client_version;
    if (!inputs_.flags->skip_flex_ops_check()) {
      // The flex-op check (behavior.md §10.4): every Flex op must be one ODP modules run; the task needs the
      // newest module any of them needs.
      tflite::DeviceCheckOptions check;
      check.provenance = &lowered->flex_ops;
      auto compat = tflite::CheckDeviceCompatibility(device.tflite, check);
      if (!compat.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("Cannot build the ClientOnlyPlan: ", compat.status().message()));
      }
      min_client_version = compat->min_client_version_string();
      TB_LOG(INFO) << "The task can only run on Android build " << *min_client_version << " or above";
    }
    TaskArtifacts out;
    out.min_client_version = min_client_version;
    out.plan = ::tb::SerializeDeterministic(assembled->plan);
    out.client_only_plan = ::tb::SerializeDeterministic(assembled->client_only_plan);
    TB_LOG(INFO) << "ClientOnlyPlan was built successfully.";
    auto checkpoint = plan::SerializeInitialCheckpoint(program->server_state);
    if (!checkpoint.ok()) {
      return absl::InternalError(absl::StrCat("Cannot build the initial checkpoint: ", checkpoint.status().message()));
    }
    out.initial_checkpoint = *std::move(checkpoint);
    TB_LOG(INFO) << "Initial checkpoint was built successfully.";
    return out;
  }

 private:
  ArtifactInputs inputs_;
  ArtifactCompilerOptions options_;
  // The training process's server state, made once in Prepare: both tasks are composed from it.
  std::vector<fl::StateTensor> training_state_;
};

class ArtifactCompiler : public ArtifactBuilder {
 public:
  explicit ArtifactCompiler(ArtifactCompilerOptions options) : options_(std::move(options)) {}

  absl::Status CheckModelInputs(const ArtifactInputs& inputs) override {
    return fl::MakeParseSpec(*inputs.model, inputs.config->label_name()).status();
  }

  absl::StatusOr<std::unique_ptr<PreparedLearning>> Prepare(const ArtifactInputs& inputs) override {
    if (inputs.config->use_daf()) {
      return absl::InvalidArgumentError(
          "use_daf (DistributeAggregateForm plans with a ServerPhaseV2) is not supported by this task builder yet; "
          "remove use_daf to build MapReduceForm (V1) plans, which every ODP server runs");
    }
    // The original composes (and so validates) the training process in every mode, EVAL_ONLY included. Its state
    // is kept: both tasks are built from it, so parameter-sized initial values are made once per request.
    fl::LearningSpec spec = LearningSpecFor(inputs, TaskRole::kTraining);
    if (options_.tree_seeds) spec.aggregator.tree_seeds = options_.tree_seeds;
    TB_ASSIGN_OR_RETURN(std::vector<fl::StateTensor> state, fl::TrainingServerState(*inputs.model, spec));
    return std::make_unique<PreparedTask>(inputs, options_, std::move(state));
  }

 private:
  ArtifactCompilerOptions options_;
};

}  // namespace

fl::LearningSpec LearningSpecFor(const ArtifactInputs& inputs, TaskRole role) {
  const odp::TaskConfig& config = *inputs.config;
  const config::EffectiveSettings settings = config::ResolveDefaults(config);
  fl::LearningSpec spec;
  spec.algorithm = settings.learning_algo == odp::LearningAlgo::FED_SGD ? fl::Algorithm::kFedSgd : fl::Algorithm::kFedAvg;
  spec.client_optimizer = Optimizer(settings.client_optimizer, settings.client_learning_rate);
  spec.server_optimizer = Optimizer(settings.server_optimizer, settings.server_learning_rate);
  const DpSettings& dp = *inputs.dp;
  if (inputs.flags->skip_dp_aggregator()) {
    spec.aggregator.kind = fl::AggregatorKind::kNone;
  } else {
    spec.aggregator.kind = AggregatorKind(dp.aggregator);
  }
  spec.aggregator.noise_multiplier = dp.noise_multiplier;
  spec.aggregator.clip_norm = dp.clip_norm;
  spec.aggregator.clients_per_round = config.federated_learning().learning_process().runtime_config().report_goal();
  spec.aggregator.num_training_rounds = dp.num_training_rounds;
  const config::MetricOutcome metrics = config::ClassifyMetrics(config.federated_learning().learning_process().metrics());
  spec.metrics = metrics.accepted;
  spec.batch_size = settings.batch_size;
  spec.max_batches = settings.max_training_batches_per_client;
  spec.label_name = config.label_name();
  spec.example_selector = SelectorFor(role == TaskRole::kTraining
                                          ? config.federated_learning().learning_process().runtime_config().example_selector_uri()
                                          : config.federated_learning().evaluation().example_selector_uri());
  return spec;
}

std::unique_ptr<ArtifactBuilder> NewArtifactCompiler(ArtifactCompilerOptions options) {
  return std::make_unique<ArtifactCompiler>(std::move(options));
}

}  // namespace tb::pipeline
