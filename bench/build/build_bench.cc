// The stages of `taskbuilder build` after configuration and DP accounting, for example MLPs (784 -> H -> 2, the
// keras sample's shape) of ~0.2M (H = 256, the fixture's size), 1M, 10M and, with TB_BENCH_LARGE=1, 100M
// parameters: loading the SavedModel, composing the training/evaluation programs, lowering the client program,
// assembling and serializing the Plan, serializing the initial checkpoints, and the whole artifact compiler behind
// the pipeline's port. Baselines: producing the checkpoint bytes alone (a fresh buffer filled with memcpy, and a
// write(2) of them to a new file), which any build has to pay. Counters: parameters and checkpoint bytes.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "base/logging.h"
#include "benchmark/benchmark.h"
#include "fl/learning_process.h"
#include "pipeline/artifact_compiler.h"
#include "plan/initial_checkpoint.h"
#include "plan/plan_builder.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"
#include "tf/functional_model_writer.h"
#include "tflite/lowering.h"

namespace tb {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

constexpr int64_t kInputDim = 784;

int64_t Parameters(int64_t hidden) { return kInputDim * hidden + hidden + hidden * 2 + 2; }

std::string ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tb_build_bench." + std::to_string(::getpid());
}

// Quiet: the compiler logs each stage at INFO.
struct Setup {
  Setup() { SetMinLogLevel(LogLevel::kWarning); }
  ~Setup() {
    std::error_code ec;
    std::filesystem::remove_all(ScratchDir(), ec);
  }
} setup;

// One model per size, built (and written as a SavedModel) once.
struct ModelCase {
  tf::FunctionalModel model;
  std::string saved_model_dir;
};

const ModelCase* Model(int64_t hidden, bool on_disk = false) {
  static std::map<int64_t, std::unique_ptr<ModelCase>> cases;
  auto& c = cases[hidden];
  if (!c) {
    tf::MlpOptions options;
    options.input_dim = kInputDim;
    options.hidden_units = hidden;
    auto model = tf::BuildMlpModel(options);
    if (!model.ok()) return nullptr;
    c = std::make_unique<ModelCase>();
    c->model = *std::move(model);
  }
  if (on_disk && c->saved_model_dir.empty()) {
    const std::string dir = ScratchDir() + "/mlp_" + std::to_string(hidden);
    if (!tf::WriteFunctionalModel(c->model, dir).ok()) return nullptr;
    c->saved_model_dir = dir;
  }
  return c.get();
}

// The mlp example's task config (examples/mlp_task_config.pbtxt) with the DP parameters the accounting would give.
struct Inputs {
  odp::TaskConfig config;
  odp::ExperimentFlags flags;
  pipeline::DpSettings dp;
  pipeline::ArtifactInputs For(const tf::FunctionalModel& model) const {
    return pipeline::ArtifactInputs{&model, &config, &flags, &dp};
  }
};

const Inputs& TaskInputs() {
  static const Inputs* inputs = [] {
    auto* in = new Inputs;
    in->config.set_mode(odp::TaskMode::TRAINING_AND_EVAL);
    auto* lp = in->config.mutable_federated_learning()->mutable_learning_process();
    lp->set_client_learning_rate(0.1);
    lp->set_server_learning_rate(1.0);
    lp->mutable_runtime_config()->set_report_goal(2);
    lp->add_metrics()->set_name("binary_accuracy");
    in->config.mutable_federated_learning()->mutable_evaluation()->set_report_goal(2);
    in->dp.noise_multiplier = 0.22200350938986962;
    in->dp.clip_norm = 0.1;
    in->dp.num_training_rounds = 1000;
    in->dp.aggregator = odp::DpAggregator::FIXED_GAUSSIAN;
    return in;
  }();
  return *inputs;
}

fl::LearningSpec Spec(pipeline::TaskRole role, const tf::FunctionalModel& model) {
  return pipeline::LearningSpecFor(TaskInputs().For(model), role);
}

void SetCounters(benchmark::State& state, int64_t hidden, uint64_t checkpoint_bytes) {
  state.counters["params"] = static_cast<double>(Parameters(hidden));
  if (checkpoint_bytes > 0) {
    state.counters["ckpt_bytes"] = static_cast<double>(checkpoint_bytes);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * checkpoint_bytes));
  }
}

#define TB_BENCH_CHECK(expr)                                                  \
  do {                                                                        \
    if (!(expr).ok()) {                                                       \
      state.SkipWithError(std::string((expr).status().message()).c_str());   \
      return;                                                                 \
    }                                                                         \
  } while (0)

void BM_LoadModel(benchmark::State& state) {
  const ModelCase* m = Model(state.range(0), /*on_disk=*/true);
  if (m == nullptr) return state.SkipWithError("cannot write the model");
  for (auto _ : state) {
    auto model = tf::LoadFunctionalModel(m->saved_model_dir);
    TB_BENCH_CHECK(model);
    benchmark::DoNotOptimize(model->trainable_weights.size());
  }
  SetCounters(state, state.range(0), 0);
}

void BM_TrainingProcess(benchmark::State& state) {
  const ModelCase* m = Model(state.range(0));
  const fl::LearningSpec spec = Spec(pipeline::TaskRole::kTraining, m->model);
  for (auto _ : state) {
    auto p = fl::BuildTrainingProcess(m->model, spec);
    TB_BENCH_CHECK(p);
  }
  SetCounters(state, state.range(0), 0);
}

void BM_EvaluationProcess(benchmark::State& state) {
  const ModelCase* m = Model(state.range(0));
  const fl::LearningSpec spec = Spec(pipeline::TaskRole::kEvaluation, m->model);
  for (auto _ : state) {
    auto p = fl::BuildEvaluationProcess(m->model, spec);
    TB_BENCH_CHECK(p);
  }
  SetCounters(state, state.range(0), 0);
}

void BM_LowerTrainingClient(benchmark::State& state) {
  const ModelCase* m = Model(state.range(0));
  auto p = fl::BuildTrainingProcess(m->model, Spec(pipeline::TaskRole::kTraining, m->model));
  TB_BENCH_CHECK(p);
  for (auto _ : state) {
    auto lowered = tflite::LowerClientProgram(p->client);
    TB_BENCH_CHECK(lowered);
  }
  SetCounters(state, state.range(0), 0);
}

void BM_AssembleTrainingPlan(benchmark::State& state) {
  const ModelCase* m = Model(state.range(0));
  auto p = fl::BuildTrainingProcess(m->model, Spec(pipeline::TaskRole::kTraining, m->model));
  TB_BENCH_CHECK(p);
  auto lowered = tflite::LowerClientProgram(p->client);
  TB_BENCH_CHECK(lowered);
  plan::DeviceProgram device;
  device.tflite = lowered->flatbuffer;
  size_t bytes = 0;
  for (auto _ : state) {
    auto assembled = plan::AssemblePlan(*p, device);
    TB_BENCH_CHECK(assembled);
    bytes = ::tb::SerializeDeterministic(assembled->plan).size() +
            ::tb::SerializeDeterministic(assembled->client_only_plan).size();
  }
  state.counters["plan_bytes"] = static_cast<double>(bytes);
  SetCounters(state, state.range(0), 0);
}

void InitialCheckpoint(benchmark::State& state, bool training) {
  const ModelCase* m = Model(state.range(0));
  const auto role = training ? pipeline::TaskRole::kTraining : pipeline::TaskRole::kEvaluation;
  auto p = training ? fl::BuildTrainingServerPieces(m->model, Spec(role, m->model))
                    : fl::BuildEvaluationServerPieces(m->model, Spec(role, m->model));
  TB_BENCH_CHECK(p);
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto ckpt = plan::SerializeInitialCheckpoint(p->server_state);
    TB_BENCH_CHECK(ckpt);
    bytes = ckpt->size();
  }
  SetCounters(state, state.range(0), bytes);
}
void BM_TrainingInitialCheckpoint(benchmark::State& state) { InitialCheckpoint(state, true); }
void BM_EvalInitialCheckpoint(benchmark::State& state) { InitialCheckpoint(state, false); }

// The artifact compiler behind the pipeline's port, as `taskbuilder build` runs it for TRAINING_AND_EVAL:
// Prepare, then the training and the evaluation task's artifacts (flex-op check included).
void BM_CompileArtifacts(benchmark::State& state) {
  const ModelCase* m = Model(state.range(0));
  std::unique_ptr<pipeline::ArtifactBuilder> compiler = pipeline::NewArtifactCompiler();
  const pipeline::ArtifactInputs inputs = TaskInputs().For(m->model);
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto prepared = compiler->Prepare(inputs);
    TB_BENCH_CHECK(prepared);
    auto train = (*prepared)->Build(pipeline::TaskRole::kTraining);
    TB_BENCH_CHECK(train);
    auto eval = (*prepared)->Build(pipeline::TaskRole::kEvaluation);
    TB_BENCH_CHECK(eval);
    bytes = train->initial_checkpoint.size() + eval->initial_checkpoint.size();
  }
  SetCounters(state, state.range(0), bytes);
}

// Baseline 1: the two checkpoints' bytes copied into fresh buffers (what serializing them must at least cost).
uint64_t CheckpointBytes(int64_t hidden) { return 2 * static_cast<uint64_t>(Parameters(hidden)) * 4; }

void BM_BaselineFillCheckpointBytes(benchmark::State& state) {
  const uint64_t bytes = CheckpointBytes(state.range(0));
  const std::string source(bytes / 2, '\x01');
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      std::string out;
      out.resize(source.size());
      std::memcpy(out.data(), source.data(), source.size());
      benchmark::DoNotOptimize(out.data());
    }
  }
  SetCounters(state, state.range(0), bytes);
}

// Baseline 2: write(2) of those bytes to two new files (no fsync, like cp).
void BM_BaselineWriteCheckpointBytes(benchmark::State& state) {
  const uint64_t bytes = CheckpointBytes(state.range(0));
  const std::string source(bytes / 2, '\x01');
  std::filesystem::create_directories(ScratchDir());
  const std::string path = ScratchDir() + "/baseline.ckp";
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return state.SkipWithError("cannot open the scratch file");
      size_t done = 0;
      while (done < source.size()) {
        const ssize_t n = ::write(fd, source.data() + done, source.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(fd);
    }
  }
  std::filesystem::remove(path);
  SetCounters(state, state.range(0), bytes);
}

// H = 256 (the keras fixture's 203k parameters), 1275 (1.0M), 12755 (10.0M), 127551 (100.0M, TB_BENCH_LARGE=1).
void Sizes(benchmark::internal::Benchmark* b) {
  b->Arg(256)->Arg(1275)->Arg(12755);
  const char* large = std::getenv("TB_BENCH_LARGE");
  if (large != nullptr && std::string(large) == "1") b->Arg(127551);
  b->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
}

BENCHMARK(BM_LoadModel)->Apply(Sizes);
BENCHMARK(BM_TrainingProcess)->Apply(Sizes);
BENCHMARK(BM_EvaluationProcess)->Apply(Sizes);
BENCHMARK(BM_LowerTrainingClient)->Apply(Sizes);
BENCHMARK(BM_AssembleTrainingPlan)->Apply(Sizes);
BENCHMARK(BM_TrainingInitialCheckpoint)->Apply(Sizes);
BENCHMARK(BM_EvalInitialCheckpoint)->Apply(Sizes);
BENCHMARK(BM_CompileArtifacts)->Apply(Sizes);
BENCHMARK(BM_BaselineFillCheckpointBytes)->Apply(Sizes);
BENCHMARK(BM_BaselineWriteCheckpointBytes)->Apply(Sizes);

}  // namespace
}  // namespace tb
