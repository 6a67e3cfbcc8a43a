// Simulator speed on the keras fixture (fixtures/odp/keras/output; set TB_SHARED_DIR if it is not next to the
// repository): one client's TFLite training program on 100 examples, the evaluation program, the same client
// step of our own keras learning process run in the IR interpreter (the compiler's reference execution), the
// server's aggregate+apply, whole rounds, and the input pipeline (TFRecord read, ParseExampleV2). Figures:
// bench/README.md.
#include <benchmark/benchmark.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "fcp/plan.pb.h"
#include "fl/learning_process.h"
#include "runtime/interpreter/ir_interpreter.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/data/parse_example.h"
#include "runtime/data/synthetic_examples.h"
#include "runtime/data/tfrecord.h"
#include "runtime/simulator/simulation.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"
#include "tf/functional_model.h"

namespace tb::runtime {
namespace {

std::string Fixture(const std::string& relative) {
  const char* shared = std::getenv("TB_SHARED_DIR");
  std::string root = shared != nullptr ? shared : std::string(TB_BENCH_SOURCE_DIR) + "/../shared";
  return root + "/fixtures/odp/" + relative;
}

bool HaveKeras() {
  std::error_code ec;
  return std::filesystem::exists(Fixture("keras/output/plan.pb"), ec);
}

std::shared_ptr<const std::vector<std::string>> KerasExamples(int n, uint64_t seed) {
  data::SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {784}});
  spec.label = {"y", tf::DType::kInt64, {1}};
  return std::make_shared<const std::vector<std::string>>(*data::GenerateSyntheticExamples(spec, n, 1, seed));
}

struct KerasTask {
  std::unique_ptr<simulator::ClientProgram> client;
  std::string client_checkpoint;
  std::string dir;
};

// Loads the keras training (or eval) client program and writes its client checkpoint once.
bool LoadKeras(bool eval, KerasTask* task, benchmark::State& state) {
  if (!HaveKeras()) {
    state.SkipWithError("keras fixture not found (TB_SHARED_DIR)");
    return false;
  }
  auto artifacts = simulator::LoadTaskArtifacts(Fixture("keras/output"),
                                                eval ? simulator::TaskKind::kEvaluation : simulator::TaskKind::kTraining);
  auto program = simulator::LoadServerProgram(artifacts->plan);
  auto session = simulator::ServerSession::Create(*program, artifacts->checkpoint_path);
  task->dir = *MakeTempDir("tb-bench-");
  task->client_checkpoint = task->dir + "/client.ckp";
  if (!session.ok() || !(*session)->WriteClientCheckpoint(task->client_checkpoint).ok()) {
    state.SkipWithError("cannot prepare the keras client checkpoint");
    return false;
  }
  auto client = simulator::ClientProgram::Create(artifacts->client_plan);
  if (!client.ok()) {
    state.SkipWithError(std::string(client.status().message()).c_str());
    return false;
  }
  task->client = std::move(*client);
  return true;
}

void BM_KerasClientRound(benchmark::State& state) {
  KerasTask task;
  if (!LoadKeras(state.range(1) != 0, &task, state)) return;
  auto examples = KerasExamples(static_cast<int>(state.range(0)), 3);
  for (auto _ : state) {
    auto r = task.client->Run(examples, task.client_checkpoint, task.dir + "/update.ckp");
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.counters["examples/s"] = benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)),
                                                     benchmark::Counter::kIsRate);
  (void)RemoveAll(task.dir);
}
BENCHMARK(BM_KerasClientRound)->Args({100, 0})->Args({100, 1})->Unit(benchmark::kMillisecond);

// The same client work on the IR interpreter: our learning process for the keras fixture model and config
// (FedAvg, client SGD 0.1, fixed Gaussian clip 0.1, batch 3), its client graph run as the fl tests run it —
// broadcast restored from a V1 checkpoint, 100 examples through the ExternalDataset, update saved. Arg: 0 training,
// 1 evaluation.
void BM_KerasClientRoundIr(benchmark::State& state) {
  if (!HaveKeras()) {
    state.SkipWithError("keras fixture not found (TB_SHARED_DIR)");
    return;
  }
  auto model = tf::LoadFunctionalModel(Fixture("keras/input/keras_model"));
  if (!model.ok()) {
    state.SkipWithError(std::string(model.status().message()).c_str());
    return;
  }
  fl::LearningSpec spec;
  spec.aggregator.kind = fl::AggregatorKind::kFixedGaussian;
  spec.aggregator.noise_multiplier = 0.22200350938986962;
  spec.aggregator.clip_norm = 0.1;
  spec.aggregator.clients_per_round = 2;
  spec.aggregator.num_training_rounds = 1000;
  auto program = state.range(0) != 0 ? fl::BuildEvaluationProcess(*model, spec) : fl::BuildTrainingProcess(*model, spec);
  if (!program.ok()) {
    state.SkipWithError(std::string(program.status().message()).c_str());
    return;
  }
  // The broadcast of the initial server state, as the client reads it.
  IrInterpreter server(program->server_library.get());
  std::vector<tf::Tensor> initial;
  for (const fl::StateTensor& s : program->server_state) initial.push_back(s.initial);
  auto broadcast = server.Call(*program->prepare, initial);
  if (!broadcast.ok()) {
    state.SkipWithError(std::string(broadcast.status().message()).c_str());
    return;
  }
  std::vector<tf::NamedTensor> named;
  for (size_t i = 0; i < broadcast->size(); ++i) {
    named.push_back({absl::StrCat("client/", program->broadcast[i].path), (*broadcast)[i]});
  }
  const std::string work = *MakeTempDir("tb-bench-");
  if (!tf::WriteCheckpointFile(work + "/client.ckp", named).ok()) {
    state.SkipWithError("cannot write the client checkpoint");
    return;
  }
  auto examples = KerasExamples(100, 3);
  tf::Tensor records(tf::DType::kString, {static_cast<int64_t>(examples->size())});
  for (size_t i = 0; i < examples->size(); ++i) records.flat<std::string>()[i] = (*examples)[i];
  const fl::ClientProgram& client = program->client;
  const graph::Graph& g = *client.graph;
  auto output = [&](const std::string& tensor) { return graph::Output(g.FindNode(tensor.substr(0, tensor.find(':'))), 0); };
  graph::Node* save = g.FindNode(client.target_node);
  for (auto _ : state) {
    IrInterpreter interpreter(client.library.get(), 1);
    interpreter.resources().Set(ExternalDatasetKey("bench"), records);
    auto r = interpreter.Run(g,
                             {{output(client.dataset_token_tensor), tf::Tensor::StringScalar("bench")},
                              {output(client.input_filepath_tensor), tf::Tensor::StringScalar(work + "/client.ckp")},
                              {output(client.output_filepath_tensor), tf::Tensor::StringScalar(work + "/update.ckp")}},
                             {}, {save});
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.counters["examples/s"] = benchmark::Counter(100.0 * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
  (void)RemoveAll(work);
}
BENCHMARK(BM_KerasClientRoundIr)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Where a client's time goes: per-op totals of one 100-example training run, as counters (ms).
void BM_KerasClientProfile(benchmark::State& state) {
  KerasTask task;
  if (!LoadKeras(false, &task, state)) return;
  auto examples = KerasExamples(100, 3);
  task.client->set_profiling(true);
  for (auto _ : state) {
    auto r = task.client->Run(examples, task.client_checkpoint, task.dir + "/update.ckp");
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  for (const auto& [op, p] : task.client->profile()) {
    if (p.nanos > 2e6 * state.iterations()) state.counters[op + "_ms"] = p.nanos / 1e6 / state.iterations();
  }
  (void)RemoveAll(task.dir);
}
BENCHMARK(BM_KerasClientProfile)->Iterations(3)->Unit(benchmark::kMillisecond);

// Where a client's time goes for any built task: TB_BENCH_ARTIFACTS=DIR (a `taskbuilder build` output) runs its
// training client program on 100 synthetic examples per iteration (features from its ParseExampleV2, labels with
// TB_BENCH_CLASSES classes, default 10) and reports per-op totals (ms) above 2% of the run.
void BM_ArtifactsClientProfile(benchmark::State& state) {
  const char* dir = std::getenv("TB_BENCH_ARTIFACTS");
  if (dir == nullptr) {
    state.SkipWithError("set TB_BENCH_ARTIFACTS to a build output directory");
    return;
  }
  auto artifacts = simulator::LoadTaskArtifacts(dir, simulator::TaskKind::kTraining);
  if (!artifacts.ok()) {
    state.SkipWithError(std::string(artifacts.status().message()).c_str());
    return;
  }
  auto client = simulator::ClientProgram::Create(artifacts->client_plan);
  auto program = simulator::LoadServerProgram(artifacts->plan);
  if (!client.ok() || !program.ok() || !(*client)->example_spec().has_value()) {
    state.SkipWithError("cannot load the task's programs");
    return;
  }
  auto session = simulator::ServerSession::Create(*program, artifacts->checkpoint_path);
  const std::string work = *MakeTempDir("tb-bench-");
  if (!session.ok() || !(*session)->WriteClientCheckpoint(work + "/client.ckp").ok()) {
    state.SkipWithError("cannot write the client checkpoint");
    return;
  }
  data::SyntheticTaskSpec spec;
  const auto& dense = (*client)->example_spec()->dense;
  for (size_t i = 0; i < dense.size(); ++i) {
    data::SyntheticFeature f{dense[i].key, dense[i].dtype, dense[i].shape};
    (i + 1 == dense.size() ? spec.label : spec.inputs.emplace_back()) = f;
  }
  const char* classes = std::getenv("TB_BENCH_CLASSES");
  spec.num_classes = classes != nullptr ? std::atoi(classes) : 10;
  auto examples = data::GenerateSyntheticExamples(spec, 100, 1, 2);
  if (!examples.ok()) {
    state.SkipWithError(std::string(examples.status().message()).c_str());
    return;
  }
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(*examples));
  (*client)->set_profiling(true);
  for (auto _ : state) {
    auto r = (*client)->Run(shared, work + "/client.ckp", work + "/update.ckp");
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  double total = 0;
  for (const auto& [op, p] : (*client)->profile()) total += p.nanos;
  for (const auto& [op, p] : (*client)->profile()) {
    if (p.nanos > 0.02 * total && op != "ReduceDataset") {
      state.counters[op + "_ms"] = p.nanos / 1e6 / state.iterations();
      state.counters[op + "_calls"] = static_cast<double>(p.calls) / state.iterations();
    }
  }
  (void)RemoveAll(work);
}
BENCHMARK(BM_ArtifactsClientProfile)->Iterations(3)->Unit(benchmark::kMillisecond);

// Whole rounds: K clients x 100 examples, two-layer aggregation, apply, metrics. With the allocator settings of
// `taskbuilder simulate` (large blocks stay on the heap), so the figure is the command's.
void BM_KerasSimulationRound(benchmark::State& state) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
  if (!HaveKeras()) {
    state.SkipWithError("keras fixture not found (TB_SHARED_DIR)");
    return;
  }
  auto artifacts = simulator::LoadTaskArtifacts(Fixture("keras/output"), simulator::TaskKind::kTraining);
  simulator::SimulationOptions options;
  options.clients_per_round = static_cast<int>(state.range(0));
  options.examples_per_client = 100;
  auto sim = simulator::Simulation::Create(std::move(*artifacts), options);
  if (!sim.ok()) {
    state.SkipWithError(std::string(sim.status().message()).c_str());
    return;
  }
  int round = 0;
  double clients = 0, aggregation = 0, apply = 0;
  for (auto _ : state) {
    auto r = (*sim)->RunRound(round++);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    clients += r->client_millis;
    aggregation += r->aggregation_millis;
    apply += r->apply_millis;
  }
  state.counters["clients_ms"] = clients / std::max<int64_t>(1, state.iterations());
  state.counters["aggregation_ms"] = aggregation / std::max<int64_t>(1, state.iterations());
  state.counters["apply_ms"] = apply / std::max<int64_t>(1, state.iterations());
  state.counters["rounds/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KerasSimulationRound)->Arg(10)->Arg(100)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_ParseKerasExamples(benchmark::State& state) {
  auto examples = KerasExamples(100, 5);
  data::ParseExampleSpec spec;
  spec.dense.push_back({"x", tf::DType::kFloat, {784}, {}});
  spec.dense.push_back({"y", tf::DType::kInt64, {1}, {}});
  for (auto _ : state) benchmark::DoNotOptimize(data::ParseExamples(*examples, spec));
  state.counters["examples/s"] = benchmark::Counter(100.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseKerasExamples)->Unit(benchmark::kMicrosecond);

void BM_ReadTFRecord(benchmark::State& state) {
  auto examples = KerasExamples(1000, 6);
  const std::string dir = *MakeTempDir("tb-bench-");
  (void)data::WriteTFRecordFile(dir + "/examples.tfrecord", *examples);
  for (auto _ : state) benchmark::DoNotOptimize(data::ReadTFRecordFile(dir + "/examples.tfrecord"));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(std::filesystem::file_size(dir + "/examples.tfrecord")));
  (void)RemoveAll(dir);
}
BENCHMARK(BM_ReadTFRecord)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb::runtime
