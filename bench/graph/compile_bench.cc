// Compile-time costs of the compiler: importing a model's FunctionDefs, composing predict+loss, reverse-mode
// autodiff, clean-up passes (CSE, folding, DCE) and export, for the keras fixture (when present), the generated
// example models and a 200-layer MLP built with the Builder.
#include <benchmark/benchmark.h>

#include "graph/autodiff/gradients.h"
#include "graph/builder.h"
#include "graph/export.h"
#include "graph/model_import.h"
#include "graph/passes/passes.h"
#include "runtime/interpreter/kernel_evaluator.h"
#include "tests/graph/model_programs.h"
#include "tests/testing/testing.h"
#include "tf/example_models.h"

namespace tb {
namespace {

using graph::Output;

// Gradients, then CSE + folding + DCE, then export: what compiling a training step costs after import.
void CompileTrainingStep(testing::ModelProgram& p) {
  auto grads = graph::AddGradients(*p.graph, {p.loss}, p.weights);
  if (!grads.ok()) std::abort();
  std::vector<Output> roots = *grads;
  roots.push_back(p.loss);
  std::vector<graph::Node*> keep;
  for (const Output& o : roots) keep.push_back(o.node);
  for (const Output& o : p.weights) keep.push_back(o.node);
  if (!graph::EliminateCommonSubexpressions(*p.graph, keep).ok()) std::abort();
  runtime::KernelEvaluator evaluator;
  graph::FoldOptions fold;
  fold.keep = keep;
  if (!graph::FoldConstants(*p.graph, &evaluator, fold).ok()) std::abort();
  if (!graph::EliminateDeadCode(*p.graph, roots).ok()) std::abort();
  auto gdef = graph::ExportGraphDef(*p.graph);
  if (!gdef.ok()) std::abort();
  benchmark::DoNotOptimize(gdef->node_size());
}

void RunModel(benchmark::State& state, const tf::FunctionalModel& model) {
  int64_t nodes = 0;
  for (auto _ : state) {
    auto p = testing::BuildModelProgram(model, {});
    if (!p.ok()) {
      state.SkipWithError(std::string(p.status().message()).c_str());
      return;
    }
    CompileTrainingStep(*p);
    nodes = p->graph->num_nodes();
  }
  state.counters["nodes"] = static_cast<double>(nodes);
}

void BM_KerasFixtureImport(benchmark::State& state) {
  auto dir = testing::FixturePath("keras/input/keras_model");
  if (!dir) {
    state.SkipWithError("keras fixture not present");
    return;
  }
  auto model = tf::LoadFunctionalModel(*dir);
  if (!model.ok()) {
    state.SkipWithError("keras fixture does not load");
    return;
  }
  for (auto _ : state) {
    auto fns = graph::ImportModelFunctions(*model);
    if (!fns.ok()) std::abort();
    benchmark::DoNotOptimize(fns->library->size());
  }
}
BENCHMARK(BM_KerasFixtureImport)->Unit(benchmark::kMillisecond);

void BM_KerasFixtureImportAutodiffPasses(benchmark::State& state) {
  auto dir = testing::FixturePath("keras/input/keras_model");
  auto model = dir ? tf::LoadFunctionalModel(*dir) : absl::StatusOr<tf::FunctionalModel>(absl::NotFoundError(""));
  if (!model.ok()) {
    state.SkipWithError("keras fixture not present");
    return;
  }
  RunModel(state, *model);
}
BENCHMARK(BM_KerasFixtureImportAutodiffPasses)->Unit(benchmark::kMillisecond);

void BM_ExampleMlpImportAutodiffPasses(benchmark::State& state) {
  auto model = tf::BuildMlpModel({});
  RunModel(state, *model);
}
BENCHMARK(BM_ExampleMlpImportAutodiffPasses)->Unit(benchmark::kMillisecond);

void BM_ExampleCnnImportAutodiffPasses(benchmark::State& state) {
  auto model = tf::BuildCnnModel({});
  RunModel(state, *model);
}
BENCHMARK(BM_ExampleCnnImportAutodiffPasses)->Unit(benchmark::kMillisecond);

// A 200-layer MLP (width 64, ReLU, softmax cross-entropy) built with the Builder, then compiled.
void BM_Mlp200LayersBuildAutodiffPasses(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  int64_t nodes = 0;
  for (auto _ : state) {
    testing::ModelProgram p;
    p.library = std::make_unique<graph::FunctionLibrary>();
    p.graph = std::make_unique<graph::Graph>(p.library.get());
    graph::Builder b(p.graph.get());
    Output h = b.Placeholder(tf::DType::kFloat, graph::PartialShape({-1, 64}), "x");
    for (int l = 0; l < layers; ++l) {
      graph::Builder s = b.WithScope("dense_" + std::to_string(l));
      Output w = s.Placeholder(tf::DType::kFloat, graph::PartialShape({64, 64}), "kernel");
      Output bias = s.Placeholder(tf::DType::kFloat, graph::PartialShape({64}), "bias");
      p.weights.push_back(w);
      p.weights.push_back(bias);
      h = s.Relu(s.BiasAdd(s.MatMul(h, w), bias));
    }
    Output labels = b.Placeholder(tf::DType::kInt64, graph::PartialShape({-1}), "y");
    p.loss = b.Mean(b.Ops("SparseSoftmaxCrossEntropyWithLogits", {h, labels})[0], {0});
    if (!b.ok()) std::abort();
    CompileTrainingStep(p);
    nodes = p.graph->num_nodes();
  }
  state.counters["nodes"] = static_cast<double>(nodes);
}
BENCHMARK(BM_Mlp200LayersBuildAutodiffPasses)->Arg(200)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb
