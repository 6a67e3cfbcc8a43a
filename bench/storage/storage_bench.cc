// Storage and task-management throughput and latency (bench/README.md, "Storage and task management").
// Local-directory uploads and gzip always run; Cloud Storage uploads run when STORAGE_EMULATOR_HOST points at
// an emulator (bench/storage/run.sh starts one). The 100 MB "checkpoint" is float32 noise, which compresses
// about as badly as trained weights do.
#include <cstdlib>
#include <filesystem>
#include <random>

#include "base/logging.h"
#include "benchmark/benchmark.h"
#include "http/server.h"
#include "pipeline/publish.h"
#include "storage/gcs_blob_store.h"
#include "storage/gzip.h"
#include "storage/local_blob_store.h"
#include "storage/pipeline_blob_store.h"
#include "tm/task_management_client.h"
#include "tm/task_management_http.h"
#include "tm/task_management_ports.h"

namespace tb {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

// Per-upload INFO lines would drown the table.
const bool kQuiet = [] {
  SetMinLogLevel(LogLevel::kWarning);
  return true;
}();

const std::string& Checkpoint100MB() {
  static const std::string data = [] {
    std::mt19937 rng(42);
    std::normal_distribution<float> dist(0.f, 0.05f);
    std::string s(100u << 20, '\0');
    float* f = reinterpret_cast<float*>(s.data());
    for (size_t i = 0; i < s.size() / 4; ++i) f[i] = dist(rng);
    return s;
  }();
  return data;
}

std::string TempRoot() {
  const char* t = std::getenv("TMPDIR");
  std::string dir = std::string(t ? t : "/tmp") + "/tb-storage-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

void BM_LocalPut100MB(benchmark::State& state) {
  const std::string root = TempRoot();
  storage::LocalBlobStore store(root);
  const std::string& data = Checkpoint100MB();
  for (auto _ : state) {
    absl::Status s = store.Put("pop/1/0/s/0/checkpoint", data);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_LocalPut100MB)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_Gzip100MB(benchmark::State& state) {
  const std::string& data = Checkpoint100MB();
  size_t out = 0;
  for (auto _ : state) {
    auto z = storage::GzipCompress(data, static_cast<int>(state.range(0)));
    out = z->size();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.counters["ratio"] = static_cast<double>(out) / static_cast<double>(data.size());
}
BENCHMARK(BM_Gzip100MB)->Arg(1)->Arg(6)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

void BM_GcsPut100MB(benchmark::State& state) {
  if (std::getenv("STORAGE_EMULATOR_HOST") == nullptr) {
    state.SkipWithError("set STORAGE_EMULATOR_HOST (bench/storage/run.sh starts an emulator)");
    return;
  }
  storage::GcsOptions o;
  o.endpoint = storage::GcsEndpointFromEnvironment();
  o.credentials = storage::NoAccessToken();
  o.chunk_size = uint64_t{16} << 20;
  storage::GcsBlobStore store(o);
  const bool gzip = state.range(0) != 0;
  const std::string& data = Checkpoint100MB();
  for (auto _ : state) {
    absl::Status s = store.Put("gs://bench-bucket/pop/1/0/s/0/checkpoint", data, {.gzip = gzip});
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_GcsPut100MB)->ArgName("gzip")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

odp::Task Training(const std::string& pop) {
  odp::Task t;
  t.set_population_name(pop);
  t.mutable_info()->mutable_training_info();
  return t;
}

// One create per iteration, each in a new population (ODP allows one active training task per population).
void BM_TmCreateEmbedded(benchmark::State& state) {
  const std::string root = TempRoot();
  tm::EmbeddedTaskManagementOptions o;
  o.storage_root = root + "/artifacts";
  o.database_path = root + "/tm.db";
  auto tm = tm::EmbeddedTaskManagement::Open(o);
  int i = 0;
  for (auto _ : state) {
    auto t = (*tm)->CreateTask(Training("pop" + std::to_string(i++)));
    if (!t.ok()) state.SkipWithError(std::string(t.status().message()).c_str());
  }
  tm->reset();
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_TmCreateEmbedded)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_TmCreateOverHttp(benchmark::State& state) {
  const std::string root = TempRoot();
  tm::EmbeddedTaskManagementOptions o;
  o.storage_root = root + "/artifacts";
  o.database_path = root + "/tm.db";
  auto tm = tm::EmbeddedTaskManagement::Open(o);
  auto server = http::Server::Start({.address = "127.0.0.1"}, tm::MakeTaskManagementHandler(&(*tm)->service()));
  tm::TaskManagementClientOptions co;
  co.server_url = "http://127.0.0.1:" + std::to_string((*server)->port());
  tm::TaskManagementClient client(co);
  int i = 0;
  for (auto _ : state) {
    const std::string suffix = std::to_string(i++);
    auto t = client.CreateTask(Training("pop" + suffix), "key-" + suffix);
    if (!t.ok()) state.SkipWithError(std::string(t.status().message()).c_str());
  }
  (*server)->Shutdown();
  tm->reset();
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_TmCreateOverHttp)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The transactional publish (create both tasks, check URLs, upload, confirm) against plain uploads of the same
// artifacts: the difference is what transactionality costs.
struct PublishFixture {
  std::string root = TempRoot();
  std::unique_ptr<tm::EmbeddedTaskManagement> tm;
  std::unique_ptr<storage::PipelineBlobStore> store;
  pipeline::TaskArtifacts artifacts;
  PublishFixture() {
    tm::EmbeddedTaskManagementOptions o;
    o.storage_root = root + "/artifacts";
    o.database_path = root + "/tm.db";
    tm = std::move(*tm::EmbeddedTaskManagement::Open(o));
    storage::PipelineBlobStoreOptions so;
    so.write_root = root + "/artifacts";
    store = std::make_unique<storage::PipelineBlobStore>(so);
    artifacts.plan = std::string(200 << 10, 'p');
    artifacts.client_only_plan = std::string(100 << 10, 'c');
    artifacts.initial_checkpoint = Checkpoint100MB().substr(0, 1 << 20);
  }
  ~PublishFixture() {
    tm.reset();
    std::filesystem::remove_all(root);
  }
};

void BM_PublishTransactional(benchmark::State& state) {
  PublishFixture f;
  int i = 0;
  for (auto _ : state) {
    pipeline::PublishPlan plan;
    plan.main = Training("pop" + std::to_string(i++));
    plan.optional = Training(plan.main.population_name());
    plan.optional->mutable_info()->mutable_evaluation_info()->set_training_population_name(plan.main.population_name());
    plan.main_artifacts = &f.artifacts;
    plan.optional_artifacts = &f.artifacts;
    auto out = pipeline::PublishTaskGroup(std::move(plan), f.tm.get(), *f.store);
    if (!out.ok) state.SkipWithError(out.error_message.c_str());
  }
}
BENCHMARK(BM_PublishTransactional)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PublishUploadsOnly(benchmark::State& state) {
  PublishFixture f;
  int i = 0;
  for (auto _ : state) {
    const std::string base = f.root + "/artifacts/raw" + std::to_string(i++) + "/";
    for (int task = 0; task < 2; ++task) {
      const std::string dir = base + std::to_string(task) + "/";
      (void)f.store->Put(dir + "checkpoint", f.artifacts.initial_checkpoint);
      (void)f.store->Put(dir + "server_phase", f.artifacts.plan);
      (void)f.store->Put(dir + "client_only_plan", f.artifacts.client_only_plan);
    }
  }
}
BENCHMARK(BM_PublishUploadsOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tb
