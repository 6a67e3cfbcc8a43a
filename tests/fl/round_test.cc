// Federated rounds of the lowered learning processes, run in the IR interpreter: the loss falls on a learnable
// task, client updates are what the aggregator promises (clipped, zeroed, the raw delta), and every aggregator x
// optimizer x algorithm combination builds and runs.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "fl/learning_process.h"
#include "gtest/gtest.h"
#include "runtime/data/synthetic_examples.h"
#include "tests/fl/metric_models.h"
#include "tests/fl/round_harness.h"
#include "tf/example_models.h"

namespace tb::fl {
namespace {

using testing::RoundHarness;

// Learnable examples for the MLP's input spec: x float[12], y int64[1] in {0, 1}.
std::vector<std::vector<std::string>> Clients(int clients, int examples, uint64_t round_seed) {
  runtime::data::SyntheticTaskSpec spec;
  spec.inputs = {{"x", tf::DType::kFloat, {12}}};
  spec.label = {"y", tf::DType::kInt64, {1}};
  std::vector<std::vector<std::string>> out;
  for (int c = 0; c < clients; ++c) {
    auto ex = runtime::data::GenerateSyntheticExamples(spec, examples, /*task_seed=*/42, round_seed * 1000 + c);
    EXPECT_TRUE(ex.ok()) << ex.status();
    out.push_back(*ex);
  }
  return out;
}

LearningSpec Spec(AggregatorKind kind) {
  LearningSpec spec;
  spec.client_optimizer = {OptimizerKind::kSgd, 0.1};
  spec.server_optimizer = {OptimizerKind::kSgd, 1.0};
  spec.aggregator.kind = kind;
  spec.aggregator.clip_norm = 0.1;
  spec.aggregator.noise_multiplier = 0.0;
  spec.aggregator.clients_per_round = 4;
  spec.aggregator.num_training_rounds = 100;
  spec.aggregator.tree_seeds = [] { return std::array<int64_t, 2>{11, 12}; };
  spec.batch_size = 5;
  return spec;
}

float Scalar(const tf::Tensor& t) { return t.flat<float>()[0]; }

double GlobalNorm(const std::map<std::string, tf::Tensor>& update, const std::string& prefix) {
  double sum = 0;
  for (const auto& [name, t] : update) {
    if (name.rfind(prefix, 0) != 0 || t.dtype() != tf::DType::kFloat) continue;
    for (float v : t.flat<float>()) sum += static_cast<double>(v) * v;
  }
  return std::sqrt(sum);
}

TEST(FederatedRoundTest, FedAvgLossFallsOnALearnableTask) {
  tf::FunctionalModel model = testing::SmallExampleMlp();
  LearningSpec spec = Spec(AggregatorKind::kNone);
  spec.client_optimizer.learning_rate = 0.5;
  auto program = BuildTrainingProcess(model, spec);
  ASSERT_TRUE(program.ok()) << program.status();
  RoundHarness harness(*program);
  std::vector<float> losses;
  for (int round = 0; round < 20; ++round) {
    auto r = harness.RunRound(Clients(4, 40, round));
    ASSERT_TRUE(r.ok()) << r.status();
    losses.push_back(Scalar(r->metrics.at("client_work/train/loss")));
    EXPECT_EQ(r->metrics.at("finalizer/update_non_finite").flat<int32_t>()[0], 0);
  }
  // A steady fall of a sixth over 20 rounds is learning, noise is not (the simulator's convergence test asks the
  // example MLP for a halving, end to end).
  EXPECT_LT(losses.back(), losses.front() * 0.85) << "first " << losses.front() << " last " << losses.back();
  float last_half = 0, first_half = 0;
  for (size_t i = 0; i < losses.size() / 2; ++i) first_half += losses[i];
  for (size_t i = losses.size() / 2; i < losses.size(); ++i) last_half += losses[i];
  EXPECT_LT(last_half, first_half);
}

TEST(FederatedRoundTest, FixedGaussianClipsEveryClientUpdate) {
  tf::FunctionalModel model = testing::SmallExampleMlp();
  LearningSpec spec = Spec(AggregatorKind::kFixedGaussian);
  spec.client_optimizer.learning_rate = 1.0;  // big steps, so the raw delta is far above the clip
  auto program = BuildTrainingProcess(model, spec);
  ASSERT_TRUE(program.ok()) << program.status();
  RoundHarness harness(*program);
  auto r = harness.RunRound(Clients(3, 30, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& update : r->client_updates) {
    EXPECT_LE(GlobalNorm(update, "update/1/"), 0.1 * (1 + 1e-5));
    EXPECT_GT(GlobalNorm(update, "update/1/"), 0.1 * (1 - 1e-5)) << "the clip should bind";
    EXPECT_GT(Scalar(update.at("update/0/loss/1")), 0);  // examples seen
  }
}

TEST(FederatedRoundTest, EveryAggregatorOptimizerAndAlgorithmBuildsAndRuns) {
  tf::FunctionalModel model = testing::SmallExampleMlp();
  for (Algorithm algorithm : {Algorithm::kFedAvg, Algorithm::kFedSgd}) {
    for (AggregatorKind kind : {AggregatorKind::kNone, AggregatorKind::kFixedGaussian,
                                AggregatorKind::kAdaptiveGaussian, AggregatorKind::kTreeAggregation,
                                AggregatorKind::kAdaptiveTree}) {
      for (OptimizerKind client : {OptimizerKind::kSgd, OptimizerKind::kAdam}) {
        for (OptimizerKind server : {OptimizerKind::kSgd, OptimizerKind::kAdam}) {
          LearningSpec spec = Spec(kind);
          spec.algorithm = algorithm;
          spec.client_optimizer.kind = client;
          spec.server_optimizer.kind = server;
          spec.aggregator.noise_multiplier = 0.1;  // adaptive variants need report_goal > 10 x noise
          spec.aggregator.clients_per_round = 4;
          SCOPED_TRACE(absl::StrCat("algorithm ", static_cast<int>(algorithm), " aggregator ", static_cast<int>(kind),
                                    " client ", static_cast<int>(client), " server ", static_cast<int>(server)));
          auto program = BuildTrainingProcess(model, spec);
          ASSERT_TRUE(program.ok()) << program.status();
          RoundHarness harness(*program);
          for (int round = 0; round < 2; ++round) {
            auto r = harness.RunRound(Clients(2, 12, round));
            ASSERT_TRUE(r.ok()) << r.status();
            EXPECT_TRUE(std::isfinite(Scalar(r->metrics.at("client_work/train/loss"))));
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tb::fl
