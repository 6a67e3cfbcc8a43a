// The DP aggregators' arithmetic, run in the IR interpreter: the Gaussian noise has the configured standard
// deviation (a statistical test on many coordinates), clipping bounds the update norm exactly as TF's
// clip_by_global_norm does, zeroing drops updates above the L-infinity norm, the adaptive clip moves as the
// quantile estimator says, and the tree aggregator releases its stored first node, then grows its levels as a
// binary counter.
#include <cmath>
#include <functional>
#include <random>

#include "absl/strings/str_cat.h"
#include "fl/aggregator.h"
#include "gtest/gtest.h"
#include "runtime/interpreter/ir_interpreter.h"

namespace tb::fl {
namespace {

using EmitFn = std::function<std::vector<Output>(const graph::Builder&, const std::vector<Output>&)>;

// Builds a function of `arg_types` whose returns `emit` computes, and runs it once on `args`.
std::vector<tf::Tensor> RunFunction(const std::vector<graph::TensorType>& arg_types, const EmitFn& emit,
                            const std::vector<tf::Tensor>& args, uint64_t seed = 1) {
  graph::FunctionLibrary lib;
  graph::Function* fn = *lib.Create("f");
  std::vector<Output> a;
  for (size_t i = 0; i < arg_types.size(); ++i) a.push_back(*fn->AddArg(absl::StrCat("a", i), arg_types[i]));
  graph::Builder b(fn);
  std::vector<Output> out = emit(b, a);
  EXPECT_TRUE(b.ok()) << b.status();
  for (size_t i = 0; i < out.size(); ++i) EXPECT_TRUE(fn->AddReturn(absl::StrCat("r", i), b.Identity(out[i])).ok());
  runtime::IrInterpreter interpreter(&lib, seed);
  auto r = interpreter.Call(*fn, args);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<tf::Tensor>{};
}

std::vector<graph::TensorType> Types(const std::vector<tf::Tensor>& ts) {
  std::vector<graph::TensorType> out;
  for (const auto& t : ts) out.push_back({t.dtype(), graph::PartialShape(t.shape())});
  return out;
}

std::vector<tf::Tensor> Initial(const Aggregator& agg) {
  std::vector<tf::Tensor> out;
  for (const StateTensor& s : agg.InitialState()) out.push_back(s.initial);
  return out;
}

// Runs the aggregator's server step on `state` and `sums`; returns (new state, value, measurements) flattened.
Aggregator::ServerResult RunServer(const Aggregator& agg, const std::vector<tf::Tensor>& state,
                                   const std::vector<tf::Tensor>& sums, std::vector<tf::Tensor>* new_state,
                                   std::vector<tf::Tensor>* value, uint64_t seed = 1) {
  std::vector<tf::Tensor> args = state;
  args.insert(args.end(), sums.begin(), sums.end());
  size_t ns = 0, nv = 0;
  auto out = RunFunction(Types(args),
                 [&](const graph::Builder& b, const std::vector<Output>& a) {
                   std::vector<Output> s(a.begin(), a.begin() + state.size());
                   std::vector<Output> u(a.begin() + state.size(), a.end());
                   Aggregator::ServerResult r = agg.EmitServer(b, s, u);
                   ns = r.state.size();
                   nv = r.value.size();
                   std::vector<Output> all = r.state;
                   all.insert(all.end(), r.value.begin(), r.value.end());
                   all.insert(all.end(), r.measurements.begin(), r.measurements.end());
                   return all;
                 },
                 args, seed);
  new_state->assign(out.begin(), out.begin() + ns);
  value->assign(out.begin() + ns, out.begin() + ns + nv);
  return {};
}

std::pair<double, double> MeanAndStddev(const tf::Tensor& t) {
  double sum = 0, sq = 0;
  const auto v = t.flat<float>();
  for (float x : v) sum += x;
  const double mean = sum / v.size();
  for (float x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / (v.size() - 1))};
}

TEST(AggregatorTest, GaussianFixedAddsNoiseWithTheConfiguredStddev) {
  const graph::TensorType big{tf::DType::kFloat, graph::PartialShape({200000})};
  AggregatorSpec spec;
  spec.kind = AggregatorKind::kFixedGaussian;
  spec.clip_norm = 0.5;
  spec.noise_multiplier = 1.2;
  spec.clients_per_round = 4;
  auto agg = MakeAggregator(spec, Algorithm::kFedAvg, {big});
  ASSERT_TRUE(agg.ok()) << agg.status();
  std::vector<tf::Tensor> state, value;
  RunServer(**agg, Initial(**agg), {tf::Tensor(tf::DType::kFloat, {200000})}, &state, &value);
  ASSERT_EQ(value.size(), 1u);
  auto [mean, stddev] = MeanAndStddev(value[0]);
  // N(0, (C z)^2) on the sum, divided by R: stddev C z / R = 0.15. The sample stddev of 200k draws is within
  // 0.5% of it with overwhelming probability (its relative standard error is 1/sqrt(2N) = 0.16%).
  EXPECT_NEAR(stddev, 0.5 * static_cast<float>(1.2) / 4, 0.15 * 0.005);
  EXPECT_NEAR(mean, 0.0, 5 * 0.15 / std::sqrt(200000.0));
  // The state carries the event of this round and is no longer the initial one.
  EXPECT_FLOAT_EQ(state[5].flat<float>()[0], static_cast<float>(0.5 * static_cast<float>(1.2)) / 0.5f);
  EXPECT_FALSE(state[6].flat<bool>()[0]);
}

TEST(AggregatorTest, ClippingBoundsTheGlobalNorm) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  for (float scale : {0.01f, 1.0f, 100.0f}) {
    tf::Tensor a(tf::DType::kFloat, {3, 4}), b(tf::DType::kFloat, {5});
    for (float& v : a.flat<float>()) v = scale * normal(rng);
    for (float& v : b.flat<float>()) v = scale * normal(rng);
    const float clip = 0.7f;
    auto out = RunFunction(Types({a, b, tf::Tensor::Scalar<float>(clip)}),
                   [](const graph::Builder& g, const std::vector<Output>& x) {
                     Clipped c = EmitClipByGlobalNorm(g, {x[0], x[1]}, x[2]);
                     return std::vector<Output>{c.values[0], c.values[1], c.norm};
                   },
                   {a, b, tf::Tensor::Scalar<float>(clip)});
    double before = 0, after = 0;
    for (float v : a.flat<float>()) before += double(v) * v;
    for (float v : b.flat<float>()) before += double(v) * v;
    for (int i = 0; i < 2; ++i) {
      for (float v : out[i].flat<float>()) after += double(v) * v;
    }
    EXPECT_NEAR(out[2].flat<float>()[0], std::sqrt(before), 1e-5 * std::sqrt(before));
    EXPECT_LE(std::sqrt(after), clip * (1 + 1e-6));
    if (std::sqrt(before) <= clip) {
      EXPECT_NEAR(std::sqrt(after), std::sqrt(before), 1e-6 * clip);
    }
  }
}

TEST(AggregatorTest, ZeroingDropsUpdatesAboveTheNormAndCountsThem) {
  const graph::TensorType t{tf::DType::kFloat, graph::PartialShape({3})};
  AggregatorSpec spec;
  spec.kind = AggregatorKind::kTreeAggregation;
  spec.clip_norm = 0.01;  // zeroing norm 1.0
  spec.noise_multiplier = 0;
  spec.clients_per_round = 1;
  spec.tree_seeds = [] { return std::array<int64_t, 2>{1, 2}; };
  auto agg = MakeAggregator(spec, Algorithm::kFedAvg, {t});
  ASSERT_TRUE(agg.ok()) << agg.status();
  for (float big : {0.5f, 2.0f}) {
    tf::Tensor u = tf::Tensor::FromVector<float>({0.001f, -big, 0.0f});
    auto out = RunFunction(Types({tf::Tensor::Scalar<float>(1.0f), tf::Tensor::Scalar<float>(0.01f), u}),
                   [&](const graph::Builder& g, const std::vector<Output>& x) {
                     return (*agg)->EmitClient(g, {x[0], x[1]}, {x[2]}, Output());
                   },
                   {tf::Tensor::Scalar<float>(1.0f), tf::Tensor::Scalar<float>(0.01f), u});
    ASSERT_EQ(out.size(), 2u);
    const bool zeroed = big > 1.0f;
    EXPECT_EQ(out[1].flat<int32_t>()[0], zeroed ? 1 : 0);
    double norm = 0;
    for (float v : out[0].flat<float>()) norm += double(v) * v;
    EXPECT_EQ(norm == 0, zeroed);
  }
}

TEST(AggregatorTest, AdaptiveGaussianMovesTheClipGeometrically) {
  const graph::TensorType t{tf::DType::kFloat, graph::PartialShape({2})};
  AggregatorSpec spec;
  spec.kind = AggregatorKind::kAdaptiveGaussian;
  spec.clip_norm = 0.1;
  spec.noise_multiplier = 0;  // no noise: the update is exact
  spec.clients_per_round = 10;
  auto agg = MakeAggregator(spec, Algorithm::kFedAvg, {t});
  ASSERT_TRUE(agg.ok()) << agg.status();
  // All 10 clients were below the estimate: B = 10 * 0.5, so the unclipped fraction is 1 and the clip grows by
  // exp(0.2 * 0.5).
  std::vector<tf::Tensor> state, value;
  RunServer(**agg, Initial(**agg), {tf::Tensor::FromVector<float>({1.0f, 2.0f}), tf::Tensor::Scalar<float>(5.0f)},
            &state, &value);
  const float expected = 0.1f * std::exp(-(0.2f * (1.0f - 0.5f)));
  EXPECT_FLOAT_EQ(state[3].flat<float>()[0], expected);  // current_estimate
  EXPECT_FLOAT_EQ(state[1].flat<float>()[0], expected);  // the new clip (used from the next round)
  EXPECT_FLOAT_EQ(value[0].flat<float>()[1], 2.0f / 10);
  // report_goal <= 10 x noise cannot be built (no noise would be left for the update).
  spec.noise_multiplier = 1.0;
  auto refused = MakeAggregator(spec, Algorithm::kFedAvg, {t});
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("report_goal"), std::string::npos) << refused.status();
}

TEST(AggregatorTest, TreeAggregationReleasesItsFirstNodeThenCountsLevelsInBinary) {
  const graph::TensorType t{tf::DType::kFloat, graph::PartialShape({4})};
  AggregatorSpec spec;
  spec.kind = AggregatorKind::kTreeAggregation;
  spec.clip_norm = 1.0;
  spec.noise_multiplier = 0.5;
  spec.clients_per_round = 2;
  spec.num_training_rounds = 100;
  spec.tree_seeds = [] { return std::array<int64_t, 2>{5, 6}; };
  auto agg = MakeAggregator(spec, Algorithm::kFedAvg, {t});
  ASSERT_TRUE(agg.ok()) << agg.status();
  std::vector<tf::Tensor> state = Initial(**agg);
  // Layout: level_buffer/0, level_buffer_idx, seeds, stddev, clip_value, previous_tree_noise/0, denominator, ...
  const tf::Tensor v0 = state[0];
  ASSERT_EQ(v0.shape(), (tf::Shape{1, 4}));
  const tf::Tensor sum = tf::Tensor::FromVector<float>({1.0f, 2.0f, 3.0f, 4.0f});
  const std::vector<std::vector<int32_t>> levels = {{1}, {0, 1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}, {3}};
  for (size_t round = 0; round < levels.size(); ++round) {
    std::vector<tf::Tensor> next, value;
    RunServer(**agg, state, {sum, tf::Tensor::Scalar<int32_t>(0)}, &next, &value, 100 + round);
    if (round == 0) {
      // Round 1 adds exactly the stored first node: (S + v0 - 0) / R.
      for (int i = 0; i < 4; ++i) {
        EXPECT_FLOAT_EQ(value[0].flat<float>()[i], (sum.flat<float>()[i] + v0.flat<float>()[i]) / 2.0f);
      }
    }
    const auto idx = next[1].flat<int32_t>();
    EXPECT_EQ(std::vector<int32_t>(idx.begin(), idx.end()), levels[round]) << "round " << round;
    EXPECT_EQ(next[0].dim(0), static_cast<int64_t>(levels[round].size()));
    state = next;
  }
}

}  // namespace
}  // namespace tb::fl
