// Simulator speed on the keras fixture (fixtures/odp/keras/output; set TB_SHARED_DIR if it is not next to the
// repository): one client's TFLite training program on 100 examples, the evaluation program, the server's
// aggregate+apply, whole rounds, and the input pipeline (TFRecord read, ParseExampleV2). Figures: bench/README.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "base/file.h"
#include "fcp/plan.pb.h"
#include "runtime/data/parse_example.h"
#include "runtime/data/synthetic_examples.h"
#include "runtime/data/tfrecord.h"
#include "runtime/simulator/simulation.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"

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

// Whole rounds: K clients x 100 examples, two-layer aggregation, apply, metrics.
void BM_KerasSimulationRound(benchmark::State& state) {
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
