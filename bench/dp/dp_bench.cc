// Privacy accounting speed: ε evaluations and noise calibrations on the keras sample's config (report goal 2,
// 1000 rounds, δ = 1/3e6; the original needed 83 s to calibrate it) and on a grid of (report goal, rounds, δ).
// Figures and the Python baseline: bench/README.md, "Privacy accounting".
#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
#include "dp/accounting.h"
#include "dp/fft.h"

namespace tb::dp {
namespace {

constexpr double kDefaultDelta = 1.0 / 3000000;

AccountingParams Params(int type, int64_t report_goal, int64_t rounds, double delta) {
  AccountingParams p;
  p.aggregator_type = type;
  p.report_goal = report_goal;
  p.rounds = rounds;
  p.delta = delta;
  return p;
}

// Every case runs warm, as a long-lived server does: one untimed call first builds the FFT plans and faults in the
// pooled buffers (a fresh process pays that once; bench/README.md times it separately).
void BM_EpsilonKeras(benchmark::State& state) {
  const AccountingParams p = Params(kFixedGaussian, 2, 1000, kDefaultDelta);
  benchmark::DoNotOptimize(NoiseToEpsilon(p, 0.22200350938986962).value());
  for (auto _ : state) benchmark::DoNotOptimize(NoiseToEpsilon(p, 0.22200350938986962).value());
}
BENCHMARK(BM_EpsilonKeras)->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_CalibrateKeras(benchmark::State& state) {
  const AccountingParams p = Params(kFixedGaussian, 2, 1000, kDefaultDelta);
  CalibrationStats stats;
  benchmark::DoNotOptimize(EpsilonToNoise(p, 10.0).value());
  for (auto _ : state) benchmark::DoNotOptimize(EpsilonToNoise(p, 10.0, &stats).value());
  state.counters["evaluations"] = stats.evaluations;
  state.counters["surrogate_evaluations"] = stats.surrogate_evaluations;
}
BENCHMARK(BM_CalibrateKeras)->Unit(benchmark::kMillisecond)->Iterations(3);

// ε at σ = 1 over report goal × rounds (δ = 1e-6).
void BM_EpsilonGrid(benchmark::State& state) {
  const AccountingParams p = Params(kFixedGaussian, state.range(0), state.range(1), 1e-6);
  benchmark::DoNotOptimize(NoiseToEpsilon(p, 1.0).value());
  for (auto _ : state) benchmark::DoNotOptimize(NoiseToEpsilon(p, 1.0).value());
}
BENCHMARK(BM_EpsilonGrid)
    ->ArgsProduct({{100, 2000, 30000}, {10, 100, 1000}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

// Calibration for ε = 4 over report goal × rounds × δ ∈ {1e-6, 1/3e6 (as 3)}.
void BM_CalibrateGrid(benchmark::State& state) {
  const double delta = state.range(2) == 3 ? kDefaultDelta : 1e-6;
  const AccountingParams p = Params(kFixedGaussian, state.range(0), state.range(1), delta);
  CalibrationStats stats;
  benchmark::DoNotOptimize(EpsilonToNoise(p, 4.0).value());
  for (auto _ : state) benchmark::DoNotOptimize(EpsilonToNoise(p, 4.0, &stats).value());
  state.counters["evaluations"] = stats.evaluations;
  state.counters["surrogate_evaluations"] = stats.surrogate_evaluations;
}
BENCHMARK(BM_CalibrateGrid)
    ->ArgsProduct({{100, 2000, 30000}, {10, 1000}, {6, 3}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

void BM_CalibrateTree(benchmark::State& state) {
  const AccountingParams p = Params(kTreeAggregation, 2000, 1000, 1e-6);
  for (auto _ : state) benchmark::DoNotOptimize(EpsilonToNoise(p, 4.0).value());
}
BENCHMARK(BM_CalibrateTree)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tb::dp

namespace tb::dp {
namespace {

// One real forward and one Hermitian inverse transform of length N (the self-composition's two FFTs).
void BM_RealFftPair(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<double> x(n / 2, 1e-6);
  x[0] = 0.99;
  for (auto _ : state) {
    std::vector<Complex> spectrum = RealForwardFft(x.data(), x.size(), n);
    benchmark::DoNotOptimize(HermitianInverseFft(spectrum, n).data());
  }
}
// The keras config's reference lengths (2^4·3·11^4, 3^6·5^2·7^2), the fast even lengths chosen for the same
// windows, and powers of two.
BENCHMARK(BM_RealFftPair)
    ->Arg(702768)
    ->Arg(893025)
    ->Arg(708588)
    ->Arg(900000)
    ->Arg(1 << 20)
    ->Arg(737280)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb::dp
