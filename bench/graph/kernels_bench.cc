// Reference-kernel throughput against this machine's measured single-core peak: MatMul (square, and the keras
// model's layers) and Conv2D (the mnist model's second layer) in GFLOP/s, next to a multiply-add loop compiled with
// the same flags as the kernels (so "peak" means what this build can reach, not the CPU's datasheet figure).
#include <benchmark/benchmark.h>

#include <random>

#include "graph/attrs.h"
#include "runtime/kernels/kernel.h"

namespace tb {
namespace {

tf::Tensor Random(tf::Shape shape) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1, 1);
  tf::Tensor t(tf::DType::kFloat, shape);
  for (float& v : t.flat<float>()) v = d(rng);
  return t;
}

// 16 independent multiply-add chains of 8 floats: enough parallelism for the compiler to keep every vector unit
// busy with the flags this project builds with.
void BM_PeakMultiplyAdd(benchmark::State& state) {
  alignas(64) float acc[16][8] = {};
  alignas(64) float a[8], b[8];
  for (int i = 0; i < 8; ++i) {
    a[i] = 1.0f + 1e-7f * i;
    b[i] = 1e-7f;
  }
  const int64_t iters = 1 << 20;
  for (auto _ : state) {
    for (int64_t it = 0; it < iters; ++it) {
      for (int c = 0; c < 16; ++c) {
        for (int l = 0; l < 8; ++l) acc[c][l] = acc[c][l] * a[l] + b[l];
      }
    }
    benchmark::DoNotOptimize(acc);
  }
  state.counters["FLOPS"] =
      benchmark::Counter(static_cast<double>(iters) * 16 * 8 * 2 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PeakMultiplyAdd)->Unit(benchmark::kMillisecond);

void BM_MatMul(benchmark::State& state) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  std::vector<tf::Tensor> in = {Random({m, k}), Random({k, n})};
  graph::AttrMap attrs;
  for (auto _ : state) {
    auto out = runtime::RunKernel("MatMul", "bench", graph::AttrView(attrs), in);
    if (!out.ok()) std::abort();
    benchmark::DoNotOptimize(out->data());
  }
  state.counters["FLOPS"] = benchmark::Counter(2.0 * m * k * n * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MatMul)->Args({256, 256, 256})->Args({1024, 1024, 1024})->Args({32, 784, 256})->Args({32, 256, 2})
    ->Unit(benchmark::kMillisecond);

void BM_Conv2D(benchmark::State& state) {
  const int64_t batch = state.range(0);
  std::vector<tf::Tensor> in = {Random({batch, 14, 14, 32}), Random({5, 5, 32, 64})};
  graph::AttrMap attrs = {{"strides", graph::AttrIntList({1, 1, 1, 1})}, {"padding", graph::AttrString("SAME")}};
  for (auto _ : state) {
    auto out = runtime::RunKernel("Conv2D", "bench", graph::AttrView(attrs), in);
    if (!out.ok()) std::abort();
    benchmark::DoNotOptimize(out->data());
  }
  const double flops = 2.0 * batch * 14 * 14 * 64 * 5 * 5 * 32;
  state.counters["FLOPS"] = benchmark::Counter(flops * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Conv2D)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb
