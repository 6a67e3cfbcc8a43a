// Per-request CPU of the service's own work: decoding a BuildTaskRequest, validating its TaskConfig, building the
// Task protos, answering through the routes, and the Python float repr used in messages. DP accounting is
// stubbed (bench/dp measures it).
#include <string>

#include "benchmark/benchmark.h"
#include "config/python_format.h"
#include "config/task_config_text.h"
#include "config/validator.h"
#include "pipeline/build_pipeline.h"
#include "server/build_routes.h"
#include "tasks/task_factory.h"

namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

// The original's GOOD test config (behavior.md §11).
constexpr char kGood[] = R"pb(
  mode: TRAINING_AND_EVAL population_name: "my_new_population" label_name: "y"
  policies {
    min_separation_policy { minimum_separation: 3 }
    data_availability_policy { min_example_count: 100 }
    model_release_policy { dp_target_epsilon: 6 dp_delta: 1e-9 num_max_training_rounds: 1000 }
    dataset_policy { batch_size: 3 max_training_batches_per_client: 100 }
  }
  federated_learning {
    learning_process {
      client_learning_rate: 0.01 server_learning_rate: 1.0
      runtime_config { report_goal: 2000 over_selection_rate: 0.3 example_selector_uri: "training_collection" }
      metrics { name: "precision" } metrics { name: "auc" }
    }
    evaluation {
      source_training_population: "source_population" checkpoint_selector: "every_2_round"
      evaluation_traffic: 0.1 report_goal: 200 over_selection_rate: 0.3 example_selector_uri: "eval_collection"
      source_training_task_id: 1
    }
  }
  differential_privacy { noise_multiplier: 6.0 clip_norm: 0.1 }
)pb";

odp::TaskConfig Good() { return *tb::config::ParseTaskConfigText(kGood); }

std::string GoodRequestBytes() {
  odp::BuildTaskRequest request;
  *request.mutable_task_config() = Good();
  return request.SerializeAsString();
}

tb::pipeline::PipelineServices StubbedServices() {
  tb::pipeline::PipelineServices services;
  services.dp_deriver = [](const odp::TaskConfig&, const odp::ExperimentFlags&)
      -> absl::StatusOr<tb::pipeline::DpSettings> { return tb::pipeline::DpSettings{}; };
  return services;
}

void BM_ValidateGoodConfig(benchmark::State& state) {
  const odp::TaskConfig config = Good();
  for (auto _ : state) benchmark::DoNotOptimize(tb::config::ValidateTaskConfig(config));
}
BENCHMARK(BM_ValidateGoodConfig);

void BM_ValidateFailingConfig(benchmark::State& state) {
  odp::TaskConfig config = Good();
  config.mutable_differential_privacy()->set_clip_norm(0);  // rule 18: the message is built
  for (auto _ : state) benchmark::DoNotOptimize(tb::config::ValidateTaskConfig(config));
}
BENCHMARK(BM_ValidateFailingConfig);

void BM_DecodeRequest(benchmark::State& state) {
  const std::string bytes = GoodRequestBytes();
  for (auto _ : state) benchmark::DoNotOptimize(tb::pipeline::DecodeBuildTaskRequest(bytes));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_DecodeRequest);

// Decode, validate, (stubbed) DP, and the stage-B answer, serialized: what the server does for a request
// without a model.
void BM_HandleRequestToResponseBytes(benchmark::State& state) {
  const std::string bytes = GoodRequestBytes();
  const tb::pipeline::PipelineServices services = StubbedServices();
  for (auto _ : state) {
    auto result = tb::pipeline::HandleBuildRequest(bytes, false, services);
    benchmark::DoNotOptimize(tb::SerializeDeterministic(result.response));
  }
}
BENCHMARK(BM_HandleRequestToResponseBytes);

void BM_RoutesHealthz(benchmark::State& state) {
  const tb::pipeline::PipelineServices services = StubbedServices();
  tb::server::BuildRoutes routes(&services, {});
  tb::http::ServerRequest request;
  request.method = "GET";
  request.target = request.path = "/healthz";
  for (auto _ : state) benchmark::DoNotOptimize(routes.Handle(request));
}
BENCHMARK(BM_RoutesHealthz);

void BM_CreateTasks(benchmark::State& state) {
  const odp::TaskConfig config = Good();
  for (auto _ : state) benchmark::DoNotOptimize(tb::tasks::CreateTasks(config));
}
BENCHMARK(BM_CreateTasks);

void BM_PyFloatRepr(benchmark::State& state) {
  double v = 3.3333333333333335e-07;
  for (auto _ : state) benchmark::DoNotOptimize(tb::config::PyFloatRepr(v));
}
BENCHMARK(BM_PyFloatRepr);

}  // namespace
