// Throughput of the TF formats against `cp` of the same bytes (the goal: within 2x), and model loading.
// Sizes: 1 MB and 100 MB always; 1 GB when TB_BENCH_LARGE=1 (needs ~4 GB of free disk).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "base/file.h"
#include "benchmark/benchmark.h"
#include "tf/bundle.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"
#include "tf/functional_model_writer.h"

namespace tb::tf {
namespace {

const std::string& Dir() {
  static const std::string dir = *MakeTempDir("tb_formats_bench");
  return dir;
}

// One float tensor of `bytes` bytes plus the 8 scalars of a server checkpoint, like initial_state.server.ckp.
std::vector<NamedTensor> Tensors(int64_t bytes) {
  Tensor w(DType::kFloat, {bytes / 4});
  auto f = w.flat<float>();
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(i % 1000) * 0.001f;
  std::vector<NamedTensor> t = {{"server/finalizer/learning_rate", Tensor::Scalar<float>(1.0f)},
                                {"server/aggregator/is_init_state", Tensor::Scalar<bool>(true)},
                                {"server/aggregator/dp_event/class_name", Tensor::StringScalar("GaussianDpEvent")},
                                {"server/global_model_weights/trainable/0", std::move(w)}};
  return t;
}

const std::vector<NamedTensor>& CachedTensors(int64_t bytes) {
  static std::map<int64_t, std::vector<NamedTensor>> cache;
  auto it = cache.find(bytes);
  if (it == cache.end()) it = cache.emplace(bytes, Tensors(bytes)).first;
  return it->second;
}

// Every writer (and cp) creates a fresh file: replacing a large file first frees its page cache, a cost that
// belongs to neither side and varies wildly on a loaded machine.
void RemoveOutput(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

std::string CheckpointPath(int64_t bytes) { return Dir() + "/ckpt_" + std::to_string(bytes); }
std::string BundlePrefix(int64_t bytes) { return Dir() + "/bundle_" + std::to_string(bytes); }

void BM_WriteCheckpoint(benchmark::State& state) {
  const auto& tensors = CachedTensors(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    RemoveOutput(CheckpointPath(state.range(0)));
    state.ResumeTiming();
    absl::Status s = WriteCheckpointFile(CheckpointPath(state.range(0)), tensors, {.sync = false});
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_ReadCheckpoint(benchmark::State& state) {
  const std::string path = CheckpointPath(state.range(0));
  if (!std::filesystem::exists(path)) (void)WriteCheckpointFile(path, CachedTensors(state.range(0)), {.sync = false});
  for (auto _ : state) {
    auto reader = CheckpointReader::Open(path);
    if (!reader.ok()) state.SkipWithError(std::string(reader.status().message()).c_str());
    auto all = (*reader)->ReadAll();
    if (!all.ok()) state.SkipWithError(std::string(all.status().message()).c_str());
    benchmark::DoNotOptimize(all);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_WriteBundle(benchmark::State& state) {
  const auto& tensors = CachedTensors(state.range(0));
  std::vector<std::pair<std::string, Tensor>> pairs;
  for (const auto& t : tensors) pairs.emplace_back(t.name, t.tensor);
  BundleWriteOptions options;
  options.file.sync = false;
  for (auto _ : state) {
    state.PauseTiming();
    RemoveOutput(BundleIndexPath(BundlePrefix(state.range(0))));
    RemoveOutput(BundleDataPath(BundlePrefix(state.range(0)), 0, 1));
    state.ResumeTiming();
    absl::Status s = WriteBundle(BundlePrefix(state.range(0)), pairs, options);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_ReadBundle(benchmark::State& state) {
  const std::string prefix = BundlePrefix(state.range(0));
  if (!std::filesystem::exists(BundleIndexPath(prefix))) {
    std::vector<std::pair<std::string, Tensor>> pairs;
    for (const auto& t : CachedTensors(state.range(0))) pairs.emplace_back(t.name, t.tensor);
    BundleWriteOptions options;
    options.file.sync = false;
    (void)WriteBundle(prefix, pairs, options);
  }
  for (auto _ : state) {
    auto reader = BundleReader::Open(prefix);
    if (!reader.ok()) state.SkipWithError(std::string(reader.status().message()).c_str());
    for (const auto& e : (*reader)->entries()) {
      auto t = (*reader)->Read(e);
      if (!t.ok()) state.SkipWithError(std::string(t.status().message()).c_str());
      benchmark::DoNotOptimize(t);
    }
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// The baseline: copying a file of the same size with cp (page cache warm, like the formats above).
void BM_CpFile(benchmark::State& state) {
  const std::string src = Dir() + "/cp_src_" + std::to_string(state.range(0));
  const std::string dst = Dir() + "/cp_dst_" + std::to_string(state.range(0));
  if (!std::filesystem::exists(src)) {
    (void)WriteCheckpointFile(src, CachedTensors(state.range(0)), {.sync = false});
  }
  const std::string cmd = "cp " + src + " " + dst;
  for (auto _ : state) {
    state.PauseTiming();
    RemoveOutput(dst);
    state.ResumeTiming();
    if (std::system(cmd.c_str()) != 0) state.SkipWithError("cp failed");
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void Sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1 << 20)->Arg(100 << 20);
  const char* large = std::getenv("TB_BENCH_LARGE");
  if (large != nullptr && std::string(large) == "1") b->Arg(int64_t{1} << 30);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_WriteCheckpoint)->Apply(Sizes);
BENCHMARK(BM_ReadCheckpoint)->Apply(Sizes);
BENCHMARK(BM_WriteBundle)->Apply(Sizes);
BENCHMARK(BM_ReadBundle)->Apply(Sizes);
BENCHMARK(BM_CpFile)->Apply(Sizes);

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The same operations interleaved with cp of the same bytes inside each iteration, in an order that rotates
// from one iteration to the next, so a machine whose load or dirty-page backlog drifts during the run affects
// every side alike. Counters are seconds per operation and the worst ratio to cp (the goal: <= 2).
void BM_InterleavedVsCp(benchmark::State& state) {
  const int64_t bytes = state.range(0);
  const auto& tensors = CachedTensors(bytes);
  std::vector<std::pair<std::string, Tensor>> pairs;
  for (const auto& t : tensors) pairs.emplace_back(t.name, t.tensor);
  const std::string ckpt = Dir() + "/i_ckpt", prefix = Dir() + "/i_bundle", copy = Dir() + "/i_copy";
  const std::string src = Dir() + "/i_src";
  (void)WriteCheckpointFile(src, tensors, {.sync = false});
  BundleWriteOptions options;
  options.file.sync = false;
  // Reads need something to read: keep one written copy of each from the start.
  (void)WriteCheckpointFile(ckpt, tensors, {.sync = false});
  (void)WriteBundle(prefix, pairs, options);
  struct Op {
    const char* name;
    std::function<void()> run;
    double seconds = 0;
  };
  std::vector<Op> ops = {
      {"cp_s", [&] {
         RemoveOutput(copy);
         if (std::system(("cp " + src + " " + copy).c_str()) != 0) state.SkipWithError("cp failed");
       }},
      {"write_ckpt_s", [&] {
         RemoveOutput(ckpt);
         if (!WriteCheckpointFile(ckpt, tensors, {.sync = false}).ok()) state.SkipWithError("write failed");
       }},
      {"read_ckpt_s", [&] { benchmark::DoNotOptimize(CheckpointReader::Open(ckpt).value()->ReadAll()); }},
      {"write_bundle_s", [&] {
         RemoveOutput(BundleIndexPath(prefix));
         RemoveOutput(BundleDataPath(prefix, 0, 1));
         if (!WriteBundle(prefix, pairs, options).ok()) state.SkipWithError("bundle write failed");
       }},
      {"read_bundle_s", [&] {
         auto reader = BundleReader::Open(prefix);
         for (const auto& e : (*reader)->entries()) benchmark::DoNotOptimize((*reader)->Read(e));
       }},
  };
  size_t rotation = 0;
  for (auto _ : state) {
    double total = 0;
    for (size_t k = 0; k < ops.size(); ++k) {
      Op& op = ops[(rotation + k) % ops.size()];
      auto t0 = std::chrono::steady_clock::now();
      op.run();
      const double s = Seconds(t0, std::chrono::steady_clock::now());
      op.seconds += s;
      total += s;
    }
    ++rotation;
    state.SetIterationTime(total);
  }
  const double n = static_cast<double>(state.iterations());
  double worst = 0;
  for (const Op& op : ops) {
    state.counters[op.name] = op.seconds / n;
    if (std::string(op.name) != "cp_s") worst = std::max(worst, op.seconds / ops[0].seconds);
  }
  state.counters["worst_ratio_to_cp"] = worst;
}

void InterleavedSizes(benchmark::internal::Benchmark* b) {
  b->Arg(1 << 20)->Arg(100 << 20);
  const char* large = std::getenv("TB_BENCH_LARGE");
  if (large != nullptr && std::string(large) == "1") b->Arg(int64_t{1} << 30);
  b->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(5);
}
BENCHMARK(BM_InterleavedVsCp)->Apply(InterleavedSizes);

void BM_LoadKerasFixture(benchmark::State& state) {
  const char* shared = std::getenv("TB_SHARED_DIR");
  const std::string dir = std::string(shared ? shared : "/work/shared") + "/fixtures/odp/keras/input/keras_model";
  if (!std::filesystem::exists(dir)) {
    state.SkipWithError("keras fixture not available (set TB_SHARED_DIR)");
    return;
  }
  for (auto _ : state) {
    auto model = LoadFunctionalModel(dir);
    if (!model.ok()) state.SkipWithError(std::string(model.status().message()).c_str());
    benchmark::DoNotOptimize(model);
  }
}
BENCHMARK(BM_LoadKerasFixture)->Unit(benchmark::kMillisecond);

void BM_LoadExampleCnn(benchmark::State& state) {
  const std::string dir = Dir() + "/cnn";
  if (!std::filesystem::exists(dir + "/saved_model.pb")) (void)WriteFunctionalModel(*BuildCnnModel({}), dir);
  for (auto _ : state) {
    auto model = LoadFunctionalModel(dir);
    if (!model.ok()) state.SkipWithError(std::string(model.status().message()).c_str());
    benchmark::DoNotOptimize(model);
  }
}
BENCHMARK(BM_LoadExampleCnn)->Unit(benchmark::kMillisecond);

void BM_WriteExampleCnn(benchmark::State& state) {
  auto model = BuildCnnModel({});
  FunctionalModelWriteOptions options;
  options.variables.file.sync = false;
  for (auto _ : state) {
    absl::Status s = WriteFunctionalModel(*model, Dir() + "/cnn_out", options);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
}
BENCHMARK(BM_WriteExampleCnn)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb::tf
