// DeriveDpParameters = the original's validate_fcp_dp (behavior.md §4.1, §11 config_validator/dp cases), plus
// the deliberate fixes of §12 (bad values and impossible setups rejected in the validator's message format).
#include "dp/dp_parameters.h"

#include <cmath>
#include <string>
#include <vector>

#include "base/logging.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/dp/tolerance.h"
#include "tests/testing/testing.h"

namespace tb::dp {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

// test_utils.get_good_training_and_eval_task_config() (behavior.md §11).
constexpr char kGood[] = R"pb(
  mode: TRAINING_AND_EVAL
  population_name: "my_new_population"
  label_name: "y"
  policies {
    min_separation_policy { minimum_separation: 3 }
    data_availability_policy { min_example_count: 100 }
    model_release_policy { dp_target_epsilon: 6 dp_delta: 1e-9 num_max_training_rounds: 1000 }
    dataset_policy { batch_size: 3 max_training_batches_per_client: 100 }
  }
  federated_learning {
    learning_process {
      client_learning_rate: 0.01
      server_learning_rate: 1.0
      runtime_config { report_goal: 2000 over_selection_rate: 0.3 example_selector_uri: "training_collection" }
    }
    evaluation {
      source_training_population: "source_population"
      checkpoint_selector: "every_2_round"
      evaluation_traffic: 0.1
      report_goal: 200
      over_selection_rate: 0.3
      example_selector_uri: "eval_collection"
      source_training_task_id: 1
    }
  }
  differential_privacy { noise_multiplier: 6.0 clip_norm: 0.1 }
)pb";

odp::TaskConfig Good() {
  odp::TaskConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kGood, &c));
  return c;
}

constexpr char kNotPrivate[] =
    "[Invalid task config]: differential_privacy setup is not private enough to pass DP accounting check.";

TEST(DpParametersTest, GoodConfig) {
  std::vector<std::string> logs;
  ScopedLogCapture capture([&](LogLevel, std::string_view m) { logs.emplace_back(m); });
  auto p = DeriveDpParameters(Good(), odp::ExperimentFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->clip_norm, 0.1);
  EXPECT_EQ(p->noise_multiplier, 6.0);
  EXPECT_EQ(p->delta, 1e-9);
  EXPECT_EQ(p->num_training_rounds, 1000);
  EXPECT_EQ(p->aggregator_type, 1);
  EXPECT_LT(p->epsilon, 0.2);
  EXPECT_NEAR(p->epsilon, 0.017875321190415894, 0.017875321190415894 * 2e-5);  // δ = 1e-9 noise floor
  // What the TaskReport carries (float32): behavior.md §11 additional case 2.
  EXPECT_EQ(static_cast<float>(p->delta), 9.999999717180685e-10f);
  // ε as float32 is 0.017875321209430695 in the original; at δ = 1e-9 the reference's own floating-point noise
  // (tests/dp/tolerance.h) is larger than a float32 ulp, so only closeness is asserted.
  EXPECT_NEAR(static_cast<float>(p->epsilon), 0.017875321209430695f, 0.017875321209430695 * 2e-5);
  EXPECT_EQ(static_cast<float>(p->clip_norm), 0.10000000149011612f);
  EXPECT_FALSE(p->calibrated);
  EXPECT_EQ(p->population, 3000000);
  EXPECT_EQ(p->accountant, "PLD");
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs[0], "`dp_aggregator_type` is set to default FIXED_GAUSSIAN");
  bool found = false;
  for (const auto& l : logs) {
    if (l.rfind("DP Parameters: noise_multiplier=6.0, dp_clip_norm=0.1, dp_delta=1e-09, dp_epsilon=0.0178753", 0) ==
        0) {
      found = l.find(", num_training_rounds=1000, dp_aggregator_type=1") != std::string::npos;
    }
  }
  EXPECT_TRUE(found);
}

TEST(DpParametersTest, CalibrationReportsTheTarget) {
  odp::TaskConfig c = Good();
  c.mutable_differential_privacy()->set_noise_multiplier(0);
  auto p = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(CalibratedNear(p->noise_multiplier, 0.5058570047153839, 1e-9));
  EXPECT_EQ(p->epsilon, 6.0);
  EXPECT_LE(p->achieved_epsilon, 6.0);
  EXPECT_TRUE(p->calibrated);
  EXPECT_EQ(p->clip_norm, 0.1);
  EXPECT_EQ(p->delta, 1e-9);
}

TEST(DpParametersTest, AdaptiveDefaultsInitClip) {
  odp::TaskConfig c = Good();
  c.mutable_differential_privacy()->set_type(odp::DpAggregator::ADAPTIVE_GAUSSIAN);
  auto p = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->clip_norm, 0.1);
  EXPECT_EQ(p->aggregator_type, 3);
  c.mutable_differential_privacy()->set_init_clip_norm(0.7);
  EXPECT_EQ(DeriveDpParameters(c, odp::ExperimentFlags())->clip_norm, 0.7);
  // Out-of-range enum values use PLD and the (undefaulted) init clip, as the original.
  c.mutable_differential_privacy()->set_type(static_cast<odp::DpAggregator::Enum>(7));
  c.mutable_differential_privacy()->set_init_clip_norm(0);
  auto seven = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(seven.ok()) << seven.status();
  EXPECT_EQ(seven->clip_norm, 0.0);
  EXPECT_EQ(seven->aggregator_type, 7);
  EXPECT_EQ(seven->accountant, "PLD");
}

TEST(DpParametersTest, TreeAggregation) {
  odp::TaskConfig c = Good();
  c.mutable_differential_privacy()->set_type(odp::DpAggregator::TREE_AGGREGATION);
  auto p = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->epsilon, 3.2376879430550742);
  EXPECT_EQ(p->accountant, "RDP_TREE");
  c.mutable_differential_privacy()->set_noise_multiplier(0);
  auto calibrated = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(calibrated.ok());
  EXPECT_EQ(calibrated->noise_multiplier, 3.3890440446152126);
}

TEST(DpParametersTest, NotPrivateEnoughUnlessSkipped) {
  odp::TaskConfig c = Good();
  c.mutable_differential_privacy()->set_noise_multiplier(0.5);  // ε = 6.194758582487926 > 6
  auto p = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), kNotPrivate);
  odp::ExperimentFlags skip;
  skip.set_skip_dp_check(true);
  auto skipped = DeriveDpParameters(c, skip);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_NEAR(skipped->epsilon, 6.194758582487926, 6.194758582487926 * 2e-5);
  EXPECT_NEAR(static_cast<float>(skipped->epsilon), 6.194758415222168f, 6.194758415222168 * 2e-5);
}

TEST(DpParametersTest, DefaultsForDeltaAndTarget) {
  odp::TaskConfig c = Good();
  c.mutable_policies()->mutable_model_release_policy()->set_dp_delta(0);
  c.mutable_policies()->mutable_model_release_policy()->set_dp_target_epsilon(0);
  c.mutable_differential_privacy()->set_type(odp::DpAggregator::TREE_AGGREGATION);
  c.mutable_differential_privacy()->set_noise_multiplier(0);
  std::vector<std::string> logs;
  ScopedLogCapture capture([&](LogLevel, std::string_view m) { logs.emplace_back(m); });
  auto p = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->delta, 1.0 / 3000000);
  EXPECT_EQ(p->epsilon, 10);
  EXPECT_EQ(p->noise_multiplier, 1.8602835037747605);
  EXPECT_EQ(logs[0], "`dp_delta` is set to default value: 3.3333333333333335e-07");
  EXPECT_EQ(logs[1], "`dp_target_epsilon` is set to default value: 10");
  EXPECT_NE(logs[2].find("dp_epsilon=10, "), std::string::npos) << logs[2];
}

TEST(DpParametersTest, RejectsWhatCrashedTheOriginal) {
  auto message = [](const odp::TaskConfig& c, const DpOptions& o = {}) {
    auto p = DeriveDpParameters(c, odp::ExperimentFlags(), o);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(p.status().message());
  };
  odp::TaskConfig c = Good();
  c.mutable_federated_learning()->mutable_learning_process()->mutable_runtime_config()->set_report_goal(3000001);
  EXPECT_EQ(message(c),
            "[Invalid task config]: key `report_goal` has a bad value: `3000001` in `runtime_config`. report_goal "
            "must not exceed the population of 3000000 devices assumed by DP accounting.");
  DpOptions bigger;
  bigger.population = 10000000;
  odp::ExperimentFlags skip;
  skip.set_skip_dp_check(true);
  auto with_bigger_population = DeriveDpParameters(c, skip, bigger);
  ASSERT_TRUE(with_bigger_population.ok()) << with_bigger_population.status();
  EXPECT_EQ(with_bigger_population->population, 10000000);
  EXPECT_DOUBLE_EQ(with_bigger_population->sampling_probability, 0.3000001);

  c = Good();
  c.mutable_differential_privacy()->set_noise_multiplier(0);
  c.mutable_policies()->mutable_model_release_policy()->set_num_max_training_rounds(0);
  EXPECT_EQ(message(c).rfind("[Invalid task config]: key `num_max_training_rounds` has a bad value: `0` in "
                             "`model_release_policy`. num_max_training_rounds must be positive",
                             0),
            0u);
  c = Good();
  c.mutable_differential_privacy()->set_noise_multiplier(NAN);
  EXPECT_EQ(message(c),
            "[Invalid task config]: key `noise_multiplier` has a bad value: `nan` in "
            "`differential_privacy`. noise_multiplier must be a finite nonnegative number.");
  c.mutable_differential_privacy()->set_noise_multiplier(INFINITY);
  EXPECT_NE(message(c).find("`inf`"), std::string::npos);
  c = Good();
  c.mutable_policies()->mutable_model_release_policy()->set_dp_delta(NAN);
  EXPECT_EQ(message(c),
            "[Invalid task config]: key `dp_delta` has a bad value: `nan` in `model_release_policy`. "
            "dp_delta must be a float number between 0 and 3.333333E-07");
  c = Good();
  c.mutable_policies()->mutable_model_release_policy()->set_dp_target_epsilon(NAN);
  EXPECT_NE(message(c).find("dp_target_epsilon must be a float number between 0 and 10.000000"), std::string::npos);
  c = Good();
  c.mutable_differential_privacy()->set_noise_multiplier(1e-6);
  EXPECT_EQ(message(c).rfind("[Invalid task config]: differential_privacy setup cannot be accounted for: ", 0), 0u);
  // skip_dp_check builds anyway; ε is unbounded rather than an error (σ = 0.01 is beyond the accountant's bounds).
  c.mutable_differential_privacy()->set_noise_multiplier(0.01);
  EXPECT_EQ(message(c).rfind("[Invalid task config]: differential_privacy setup cannot be accounted for: ", 0), 0u);
  auto unbounded = DeriveDpParameters(c, skip);
  ASSERT_TRUE(unbounded.ok()) << unbounded.status();
  EXPECT_EQ(unbounded->epsilon, INFINITY);
  EXPECT_EQ(unbounded->noise_multiplier, 0.01);

  // Zero rounds with a noise multiplier: ε = 0, no error.
  c = Good();
  c.mutable_policies()->mutable_model_release_policy()->set_num_max_training_rounds(0);
  auto zero = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->epsilon, 0.0);
  EXPECT_EQ(zero->accountant, "NONE");
}

std::string ReadFixtureConfig(const std::string& path, odp::TaskConfig* c) {
  const std::string text = testing::ReadFileOrDie(path);
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, c));
  return text;
}

TEST(DpParametersTest, KerasFixtureCalibratesLikeTheOriginal) {
  TB_REQUIRE_FIXTURE(path, "keras/input/keras_task_config.pbtxt");
  odp::TaskConfig c;
  ReadFixtureConfig(path, &c);
  auto p = DeriveDpParameters(c, odp::ExperimentFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(CalibratedNear(p->noise_multiplier, 0.22200350938986962, 1.0 / 3000000));
  EXPECT_EQ(p->epsilon, 10);
  EXPECT_LE(p->achieved_epsilon, 10);
  EXPECT_EQ(p->delta, 1.0 / 3000000);
  EXPECT_EQ(p->clip_norm, 0.1);
}

TEST(DpParametersTest, MnistFixtureFailsTheCheck) {
  TB_REQUIRE_FIXTURE(path, "mnist/input/mnist_cnn_task_config.pbtxt");
  odp::TaskConfig c;
  ReadFixtureConfig(path, &c);
  EXPECT_EQ(DeriveDpParameters(c, odp::ExperimentFlags()).status().message(), kNotPrivate);
  odp::ExperimentFlags skip;
  skip.set_skip_dp_check(true);
  auto p = DeriveDpParameters(c, skip);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_NEAR(p->epsilon, 66.21971620661581, 66.21971620661581 * 6e-8);
}

}  // namespace
}  // namespace tb::dp
