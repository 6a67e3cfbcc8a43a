// The example models learn when their built artifacts run as ODP runs them: `taskbuilder example-model` →
// `taskbuilder build` → `taskbuilder simulate` on the synthetic learnable task (labels are a fixed linear teacher's
// argmax over the features, seeded, the same rule for every client), and the training loss of round 20 is at most
// half that of round 1. Everything is seeded, so each run gives the same numbers.
//
// Sizes and DP are chosen for a test that runs in about a second and means what it says:
// - MLP (16 → 16 → 2 logits, 306 weights): FIXED_GAUSSIAN with the noise the builder calibrates itself for
//   ε = 10 over the 20 rounds (δ = 1/3e6, report goal 2: σ ≈ 0.186), clip 1.0 — the DP that ODP would apply to
//   this config, no skip flags. At 784 → 256 (200k weights) that noise on a 2-client mean has norm ≈ 40× the
//   clipped update and nothing could learn in 20 rounds; a small model keeps the signal-to-noise of a real task.
// - CNN (8×8×1, two 3×3 conv blocks of 8 and 16 filters, dense 32, 2 classes; 3.4k weights): no DP aggregator
//   (--skip_dp_aggregator, TFF's plain mean). Under server Adam every coordinate's step is normalized, and the
//   smallest noise the accountant can account for (σ ≈ 0.05) already exceeds the 2-client mean's per-coordinate
//   signal (measured: the loss then falls by 13–27% in 20 rounds, not half). DP convergence is the MLP's test.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/testing.h"

namespace tb::runtime {
namespace {

// The keras sample's task shape with a larger client step (0.5, 100 examples in batches of 10 per client and round)
// so 20 rounds are enough; the DP noise is left for the builder to calibrate.
constexpr char kMlpConfig[] = R"pb(
  mode: TRAINING_AND_EVAL
  population_name: "convergence_mlp"
  policies {
    min_separation_policy { minimum_separation: 0 }
    data_availability_policy { min_example_count: 1 }
    model_release_policy { num_max_training_rounds: 20 }
    dataset_policy { batch_size: 10 }
  }
  federated_learning {
    learning_process {
      type: FED_AVG
      client_optimizer: SGD
      client_learning_rate: 0.5
      server_optimizer: SGD
      server_learning_rate: 1.0
      runtime_config { report_goal: 2 }
      metrics { name: "binary_accuracy" }
    }
    evaluation {
      source_training_task_id: 1
      checkpoint_selector: "every_1_round"
      evaluation_traffic: 0.2
      report_goal: 2
    }
  }
  differential_privacy { type: FIXED_GAUSSIAN clip_norm: 1.0 }
)pb";

// The mnist sample's optimizers (client SGD, server Adam).
constexpr char kCnnConfig[] = R"pb(
  mode: TRAINING_AND_EVAL
  population_name: "convergence_cnn"
  policies {
    min_separation_policy { minimum_separation: 0 }
    data_availability_policy { min_example_count: 1 }
    model_release_policy { num_max_training_rounds: 20 }
    dataset_policy { batch_size: 10 }
  }
  federated_learning {
    learning_process {
      type: FED_AVG
      client_optimizer: SGD
      client_learning_rate: 0.1
      server_optimizer: ADAM
      server_learning_rate: 0.02
      runtime_config { report_goal: 2 }
      metrics { name: "sparse_categorical_accuracy" }
    }
    evaluation {
      source_training_task_id: 1
      checkpoint_selector: "every_1_round"
      evaluation_traffic: 0.2
      report_goal: 2
    }
  }
  differential_privacy { type: FIXED_GAUSSIAN clip_norm: 1.0 }
)pb";

constexpr int kRounds = 20;

struct Training {
  std::vector<double> loss;  // per round
  std::vector<nlohmann::json> rounds;
  nlohmann::json task_report;
};

// example-model → build → simulate for kRounds rounds of 2 clients with 100 synthetic examples each.
Training Train(const std::vector<std::string>& model_flags, const std::string& config,
               const std::vector<std::string>& build_flags, const std::string& loss_metric, int num_classes) {
  testing::TempDir dir;
  Training t;
  std::vector<std::string> make = {testing::TaskbuilderBinary(), "example-model", "--out=" + dir.Join("model")};
  make.insert(make.end(), model_flags.begin(), model_flags.end());
  auto made = testing::Run(make);
  EXPECT_EQ(made.exit_code, 0) << made.err;
  testing::WriteFileOrDie(dir.Join("task.pbtxt"), config);
  std::vector<std::string> build = {testing::TaskbuilderBinary(), "build", "--saved_model=" + dir.Join("model"),
                                    "--task_config=" + dir.Join("task.pbtxt"), "--out=" + dir.Join("artifacts"),
                                    "--quiet"};
  build.insert(build.end(), build_flags.begin(), build_flags.end());
  auto built = testing::Run(build, std::chrono::seconds(300));
  EXPECT_EQ(built.exit_code, 0) << built.err << built.out;
  if (built.exit_code != 0) return t;
  t.task_report = nlohmann::json::parse(testing::ReadFileOrDie(dir.Join("artifacts/task_report.json")));
  auto sim = testing::Run({testing::TaskbuilderBinary(), "simulate", "--artifacts=" + dir.Join("artifacts"),
                           "--rounds=" + std::to_string(kRounds), "--clients=2", "--examples_per_client=100",
                           "--num_classes=" + std::to_string(num_classes), "--seed=1", "--noprogress"},
                          std::chrono::seconds(300));
  EXPECT_EQ(sim.exit_code, 0) << sim.err;
  std::istringstream lines(sim.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line);
    if (!j.contains("round")) continue;
    EXPECT_TRUE(j["metrics"].contains(loss_metric)) << line;
    t.loss.push_back(j["metrics"].value(loss_metric, std::nan("")));
    t.rounds.push_back(std::move(j));
  }
  return t;
}

std::string Curve(const std::vector<double>& loss) {
  std::ostringstream s;
  for (double v : loss) s << " " << v;
  return s.str();
}

TEST(ConvergenceTest, MlpLossHalvesWithinTwentyRoundsUnderCalibratedDp) {
  const Training t = Train({"--kind=mlp", "--input_dim=16", "--hidden_units=16"}, kMlpConfig, {},
                           "server/client_work/train/loss", 2);
  ASSERT_EQ(t.loss.size(), static_cast<size_t>(kRounds));
  // DP really was applied, with the noise the builder calibrated for ε = 10.
  const nlohmann::json& dp = t.task_report["dp_hyperparameters"];
  EXPECT_EQ(t.task_report["applied_algorithms"]["dp_aggregator"], "FIXED_GAUSSIAN");
  EXPECT_NEAR(dp["dp_epsilon"].get<double>(), 10.0, 1e-5);
  EXPECT_GT(dp["noise_multiplier"].get<double>(), 0.1);
  EXPECT_EQ(t.rounds[0]["clip_norm"], 1.0);
  for (double v : t.loss) ASSERT_TRUE(std::isfinite(v)) << Curve(t.loss);
  EXPECT_LE(t.loss.back(), 0.5 * t.loss.front()) << "loss per round:" << Curve(t.loss);
  // It learned the rule, not just the loss: binary accuracy ends well above chance.
  EXPECT_GT(t.rounds.back()["metrics"]["server/client_work/train/binary_accuracy"].get<double>(), 0.8);
}

// The keras sample's head (Dense(2)+sigmoid before the softmax) keeps p = softmax(sigmoid(z))[0] within
// [1/(1+e), e/(1+e)], so binary cross-entropy is at least -log(e/(1+e)) ≈ 0.3133 whatever the weights: the reason
// the default MLP has linear logits instead. Same data, same DP, same optimizer as the test above.
TEST(ConvergenceTest, KerasSampleHeadCannotFitItsLabels) {
  const Training t = Train({"--kind=mlp", "--input_dim=16", "--hidden_units=16", "--keras_sample_head"}, kMlpConfig,
                           {}, "server/client_work/train/loss", 2);
  ASSERT_EQ(t.loss.size(), static_cast<size_t>(kRounds));
  const double floor = -std::log(std::exp(1.0) / (1.0 + std::exp(1.0)));
  for (double v : t.loss) EXPECT_GE(v, floor) << Curve(t.loss);
  EXPECT_LT(t.loss.back(), t.loss.front()) << "it still trains:" << Curve(t.loss);
}

TEST(ConvergenceTest, CnnLossHalvesWithinTwentyRounds) {
  const Training t = Train({"--kind=cnn", "--height=8", "--width=8", "--kernel_size=3", "--filters1=8",
                            "--filters2=16", "--dense_units=32", "--classes=2"},
                           kCnnConfig, {"--skip_dp_aggregator"}, "server/client_work/train/loss", 2);
  ASSERT_EQ(t.loss.size(), static_cast<size_t>(kRounds));
  EXPECT_FALSE(t.task_report["applied_algorithms"].contains("dp_aggregator"));
  for (double v : t.loss) ASSERT_TRUE(std::isfinite(v)) << Curve(t.loss);
  EXPECT_LE(t.loss.back(), 0.5 * t.loss.front()) << "loss per round:" << Curve(t.loss);
  EXPECT_GT(t.rounds.back()["metrics"]["server/client_work/train/sparse_categorical_accuracy"].get<double>(), 0.8);
}

}  // namespace
}  // namespace tb::runtime
