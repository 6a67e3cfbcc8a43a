// Emission of device programs: IR client program -> verified TFLite flatbuffer (+ the ODP device check), for the
// keras-sized MLP (784 -> 256 -> 2, the fixture's model) and the mnist-sized CNN, training and evaluation. The
// IR programs are built once outside the timed loop; counters report the program size and shape.
#include <memory>

#include "benchmark/benchmark.h"
#include "fl/learning_process.h"
#include "tf/example_models.h"
#include "tflite/device_program.h"
#include "tflite/inspect.h"
#include "tflite/lowering.h"

namespace tb::tflite {
namespace {

fl::LearningSpec Spec() {
  fl::LearningSpec spec;
  spec.client_optimizer = {fl::OptimizerKind::kSgd, 0.1};
  spec.aggregator.kind = fl::AggregatorKind::kFixedGaussian;
  spec.aggregator.clip_norm = 0.1;
  spec.aggregator.noise_multiplier = 0.2;
  spec.aggregator.clients_per_round = 100;
  spec.aggregator.num_training_rounds = 1000;
  return spec;
}

tf::FunctionalModel Model(bool cnn) {
  if (cnn) return *tf::BuildCnnModel(tf::CnnOptions());
  return *tf::BuildMlpModel(tf::MlpOptions());
}

const fl::MapReduceProgram* Program(bool cnn, bool training) {
  static std::unique_ptr<fl::MapReduceProgram> programs[2][2];
  auto& p = programs[cnn][training];
  if (!p) {
    static tf::FunctionalModel models[2] = {Model(false), Model(true)};
    fl::LearningSpec spec = Spec();
    if (cnn) spec.metrics = {"sparse_categorical_accuracy"};
    auto built = training ? fl::BuildTrainingProcess(models[cnn], spec) : fl::BuildEvaluationProcess(models[cnn], spec);
    if (!built.ok()) return nullptr;  // the benchmark reports the error
    p = std::make_unique<fl::MapReduceProgram>(std::move(*built));
  }
  return p.get();
}

void BM_Lower(benchmark::State& state, bool cnn, bool training) {
  const fl::MapReduceProgram* program = Program(cnn, training);
  if (program == nullptr) {
    state.SkipWithError("building the client program failed");
    return;
  }
  size_t bytes = 0;
  int operators = 0, subgraphs = 0;
  for (auto _ : state) {
    auto lowered = LowerClientProgram(program->client);
    if (!lowered.ok()) {
      state.SkipWithError(std::string(lowered.status().message()).c_str());
      return;
    }
    bytes = lowered->flatbuffer.size();
    operators = lowered->num_operators;
    subgraphs = lowered->num_subgraphs;
    benchmark::DoNotOptimize(lowered->flatbuffer.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["operators"] = operators;
  state.counters["subgraphs"] = subgraphs;
}

void BM_DeviceProgram(benchmark::State& state, bool cnn) {
  const fl::MapReduceProgram* program = Program(cnn, true);
  if (program == nullptr) {
    state.SkipWithError("building the client program failed");
    return;
  }
  for (auto _ : state) {
    auto device = BuildDeviceProgram(program->client, /*skip_flex_ops_check=*/false);
    if (!device.ok()) {
      state.SkipWithError(std::string(device.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(device->tflite.data());
  }
}

void BM_Inspect(benchmark::State& state, bool cnn) {
  const fl::MapReduceProgram* program = Program(cnn, true);
  if (program == nullptr) {
    state.SkipWithError("building the client program failed");
    return;
  }
  auto lowered = LowerClientProgram(program->client);
  if (!lowered.ok()) {
    state.SkipWithError("lowering failed");
    return;
  }
  for (auto _ : state) {
    auto json = InspectToJson(lowered->flatbuffer);
    benchmark::DoNotOptimize(json->data());
  }
}

BENCHMARK_CAPTURE(BM_Lower, keras_mlp_training, false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lower, keras_mlp_evaluation, false, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lower, mnist_cnn_training, true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lower, mnist_cnn_evaluation, true, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DeviceProgram, keras_mlp_training, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DeviceProgram, mnist_cnn_training, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Inspect, keras_mlp_training, false)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb::tflite
