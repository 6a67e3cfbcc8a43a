// The original's config_validator_test.py cases (behavior.md §11), each step cumulative as in the source, plus
// the rejections we add where the original crashed or let nonsense through (§12).
#include "config/validator.h"

#include <cmath>
#include <limits>
#include <string>

#include "config/checkpoint_selector.h"
#include "config/task_config_text.h"
#include "gtest/gtest.h"
#include "tests/config/good_config.h"

namespace tb::config {
namespace {

using ::tb::testing::GoodTaskConfig;

std::string Error(const odp::TaskConfig& config, const ValidationOptions& options = {}) {
  absl::Status status = ValidateTaskConfig(config, options);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

constexpr char kNonNeg[] = " must be a nonnegative number.";

TEST(ValidatorTest, GoodConfigsPassInEveryMode) {
  odp::TaskConfig config = GoodTaskConfig();
  EXPECT_EQ(Error(config), "OK");
  config.set_mode(odp::TaskMode::EVAL_ONLY);
  EXPECT_EQ(Error(config), "OK");
  config.set_mode(odp::TaskMode::TRAINING_ONLY);
  EXPECT_EQ(Error(config), "OK");
}

TEST(ValidatorTest, RequiredString) {
  odp::TaskConfig config = GoodTaskConfig();
  config.set_population_name("");
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `population_name` has a bad value: `` in `task_config`. population_name is "
            "required and must be set to an non-empty string.");
}

TEST(ValidatorTest, PositiveNumberBadValueSequence) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* policies = config.mutable_policies();
  auto* lp = config.mutable_federated_learning()->mutable_learning_process();
  auto* ev = config.mutable_federated_learning()->mutable_evaluation();
  auto* dp = config.mutable_differential_privacy();

  policies->mutable_min_separation_policy()->set_minimum_separation(-1);
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `minimum_separation` has a bad value: `-1` in "
                                       "`min_separation_policy`. minimum_separation") + kNonNeg);
  policies->mutable_min_separation_policy()->set_minimum_separation(3);
  policies->mutable_data_availability_policy()->set_min_example_count(-1);
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `min_example_count` has a bad value: `-1` in "
                                       "`data_availability_policy`. min_example_count") + kNonNeg);
  policies->mutable_data_availability_policy()->set_min_example_count(100);
  policies->mutable_model_release_policy()->set_num_max_training_rounds(-1);
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `num_max_training_rounds` has a bad value: `-1` in "
                                       "`model_release_policy`. num_max_training_rounds") + kNonNeg);
  policies->mutable_model_release_policy()->set_num_max_training_rounds(1000);
  dp->set_noise_multiplier(-0.1);
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `noise_multiplier` has a bad value: `-0.1` in "
                                       "`differential_privacy`. noise_multiplier") + kNonNeg);
  dp->set_clip_norm(0.1);
  lp->mutable_runtime_config()->set_over_selection_rate(-0.1);  // the FL checks precede the DP ones
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `over_selection_rate` has a bad value: `-0.1` in "
                                       "`runtime_config`. over_selection_rate") + kNonNeg);
  lp->mutable_runtime_config()->set_over_selection_rate(0.3);
  ev->set_over_selection_rate(-0.1);
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `over_selection_rate` has a bad value: `-0.1` in "
                                       "`evaluation`. over_selection_rate") + kNonNeg);
  ev->set_over_selection_rate(0.3);
  policies->mutable_dataset_policy()->set_batch_size(-1);
  EXPECT_EQ(Error(config), std::string("[Invalid task config]: key `batch_size` has a bad value: `-1` in "
                                       "`dataset_policy`. batch_size") + kNonNeg);
  policies->mutable_dataset_policy()->set_batch_size(3);
  ev->set_source_training_task_id(0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `source_training_task_id` has a bad value: `0` in `evaluation`. "
            "source_training_task_id is required and must be a positive number.");
}

TEST(ValidatorTest, ProbabilityBadValueSequence) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* lp = config.mutable_federated_learning()->mutable_learning_process();
  lp->set_client_learning_rate(-1.0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `client_learning_rate` has a bad value: `-1.0` in `learning_process`. "
            "client_learning_rate must be a probability.");
  lp->set_client_learning_rate(0.01);
  lp->set_server_learning_rate(-1.0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `server_learning_rate` has a bad value: `-1.0` in `learning_process`. "
            "server_learning_rate must be a probability.");
  lp->set_server_learning_rate(1);
  config.mutable_federated_learning()->mutable_evaluation()->set_evaluation_traffic(2.0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `evaluation_traffic` has a bad value: `2.0` in `evaluation`. "
            "evaluation_traffic must be a probability.");
}

TEST(ValidatorTest, DpDeltaAndTargetEpsilon) {
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_policies()->mutable_model_release_policy()->set_dp_delta(0.001);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `dp_delta` has a bad value: `0.001` in `model_release_policy`. dp_delta must "
            "be a float number between 0 and 3.333333E-07");
  config = GoodTaskConfig();
  config.mutable_policies()->mutable_model_release_policy()->set_dp_target_epsilon(12.0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `dp_target_epsilon` has a bad value: `12.0` in `model_release_policy`. "
            "dp_target_epsilon must be a float number between 0 and 10.000000");
  // The bounds themselves are inside the range.
  config.mutable_policies()->mutable_model_release_policy()->set_dp_target_epsilon(10);
  config.mutable_policies()->mutable_model_release_policy()->set_dp_delta(1.0 / 3000000);
  EXPECT_EQ(Error(config), "OK");
  config.mutable_policies()->mutable_model_release_policy()->set_dp_delta(3.4e-07);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `dp_delta` has a bad value: `3.4e-07` in `model_release_policy`. dp_delta "
            "must be a float number between 0 and 3.333333E-07");
}

TEST(ValidatorTest, CheckpointSelector) {
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_federated_learning()->mutable_evaluation()->set_checkpoint_selector("every_*redacted*_round");
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `checkpoint_selector` has a bad value: `every_*redacted*_round` in "
            "`evaluation`. checkpoint_selector must be in the format of every_k_round or every_k_hour, where k is a "
            "positive integer.");
}

TEST(ValidatorTest, CheckpointSelectorEdgeCases) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* ev = config.mutable_federated_learning()->mutable_evaluation();
  for (const char* ok : {"", "every_1_round", "every_0_round", "every_007_hour", "every_24_hour"}) {
    ev->set_checkpoint_selector(ok);
    EXPECT_EQ(Error(config), "OK") << ok;
  }
  // ASCII digits only: the original accepted any Unicode numeric and then crashed on most of them (HTTP 500).
  for (const char* bad : {"every__round", "every_1_minute", "Every_1_round", "every_-1_round", "every_+1_round",
                          "every_1_round_", "every_1", "every_ 1_round", "every_\xd9\xa3_round", "every_\xc2\xbd_round",
                          "every_\xc2\xb2_round", "every_\xe4\xb8\x89_round", "every_99999999999999999999_round"}) {
    ev->set_checkpoint_selector(bad);
    EXPECT_EQ(Error(config),
              std::string("[Invalid task config]: key `checkpoint_selector` has a bad value: `") + bad +
                  "` in `evaluation`. checkpoint_selector must be in the format of every_k_round or every_k_hour, "
                  "where k is a positive integer.")
        << bad;
  }
  // TRAINING_ONLY ignores the evaluation block entirely.
  config.set_mode(odp::TaskMode::TRAINING_ONLY);
  EXPECT_EQ(Error(config), "OK");
}

TEST(ValidatorTest, ParseCheckpointSelectorValues) {
  auto every_7_hours = ParseCheckpointSelector("every_007_hour");
  ASSERT_TRUE(every_7_hours.has_value());
  EXPECT_EQ(every_7_hours->unit, CheckpointSelector::Unit::kHour);
  EXPECT_EQ(every_7_hours->k, 7);
  auto max = ParseCheckpointSelector("every_9223372036854775807_round");
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(max->k, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(ParseCheckpointSelector("every_9223372036854775808_round").has_value());
}

TEST(ValidatorTest, ReportGoalSequence) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* fl = config.mutable_federated_learning();
  fl->mutable_evaluation()->set_report_goal(0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `report_goal` has a bad value: `0` in `evaluation`. report_goal is required "
            "and must be set to an integer strictly greater than zero.");
  fl->mutable_evaluation()->set_report_goal(200);
  fl->mutable_learning_process()->mutable_runtime_config()->set_report_goal(0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `report_goal` has a bad value: `0` in `runtime_config`. report_goal is "
            "required and must be set to an integer strictly greater than zero.");
}

TEST(ValidatorTest, ClipNormSequence) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* dp = config.mutable_differential_privacy();
  dp->set_clip_norm(0.0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `clip_norm` has a bad value: `0.0` in `differential_privacy`. clip_norm is "
            "required and must be a positive float when using FIXED_GAUSSIAN or TREE_AGGREGATION DP Aggregator.");
  dp->set_init_clip_norm(-1.0);
  dp->set_type(odp::DpAggregator::ADAPTIVE_GAUSSIAN);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `init_clip_norm` has a bad value: `-1.0` in `differential_privacy`. "
            "init_clip_norm must be a positive float or be left empty when using ADAPTIVE_GAUSSIAN or ADAPTIVE_TREE "
            "DP Aggregator.");
  dp->set_init_clip_norm(0);  // "left empty" is fine (defaults to 0.1 in DP derivation)
  EXPECT_EQ(Error(config), "OK");
  dp->set_type(odp::DpAggregator::TREE_AGGREGATION);
  EXPECT_NE(Error(config).find("key `clip_norm` has a bad value: `0.0`"), std::string::npos);
  // An out-of-range aggregator number skips both clip checks, as in the original.
  dp->set_type(static_cast<odp::DpAggregator::Enum>(7));
  EXPECT_EQ(Error(config), "OK");
}

TEST(ValidatorTest, UnknownModeIsValidatedLikeAnEvalMode) {
  odp::TaskConfig config = GoodTaskConfig();
  config.set_mode(odp::TaskMode::UNKNOWN);
  config.mutable_federated_learning()->mutable_evaluation()->set_report_goal(0);
  EXPECT_NE(Error(config).find("in `evaluation`"), std::string::npos);
  config.set_mode(odp::TaskMode::TRAINING_ONLY);
  EXPECT_EQ(Error(config), "OK");
}

TEST(ValidatorTest, FieldsTheOriginalNeverValidatedStayUnvalidated) {
  odp::TaskConfig config = GoodTaskConfig();
  config.set_label_name("");
  config.mutable_policies()->mutable_dataset_policy()->set_max_training_batches_per_client(-5);
  config.mutable_federated_learning()->mutable_learning_process()->mutable_runtime_config()->set_example_selector_uri(
      "");
  config.mutable_federated_learning()->mutable_learning_process()->add_metrics()->set_name("not-a-metric");
  EXPECT_EQ(Error(config), "OK");
}

TEST(ValidatorTest, NonFiniteValuesAreRejectedWhereTheOriginalLetThemThrough) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_differential_privacy()->set_noise_multiplier(inf);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `noise_multiplier` has a bad value: `inf` in `differential_privacy`. "
            "noise_multiplier must be a finite number.");
  config.mutable_differential_privacy()->set_noise_multiplier(-inf);  // the original's own message
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `noise_multiplier` has a bad value: `-inf` in `differential_privacy`. "
            "noise_multiplier must be a nonnegative number.");
  config = GoodTaskConfig();
  config.mutable_federated_learning()->mutable_learning_process()->mutable_runtime_config()->set_over_selection_rate(
      nan);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `over_selection_rate` has a bad value: `nan` in `runtime_config`. "
            "over_selection_rate must be a finite number.");
  config = GoodTaskConfig();
  config.mutable_federated_learning()->mutable_learning_process()->set_client_learning_rate(nan);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `client_learning_rate` has a bad value: `nan` in `learning_process`. "
            "client_learning_rate must be a probability.");
  config = GoodTaskConfig();
  config.mutable_policies()->mutable_model_release_policy()->set_dp_target_epsilon(nan);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `dp_target_epsilon` has a bad value: `nan` in `model_release_policy`. "
            "dp_target_epsilon must be a float number between 0 and 10.000000");
  config = GoodTaskConfig();
  config.mutable_policies()->mutable_model_release_policy()->set_dp_delta(nan);
  EXPECT_NE(Error(config).find("key `dp_delta` has a bad value: `nan`"), std::string::npos);
  config = GoodTaskConfig();
  config.mutable_differential_privacy()->set_clip_norm(nan);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `clip_norm` has a bad value: `nan` in `differential_privacy`. clip_norm must "
            "be a finite number.");
  config.mutable_differential_privacy()->set_clip_norm(-inf);
  EXPECT_NE(Error(config).find("`-inf` in `differential_privacy`. clip_norm is required"), std::string::npos);
  config = GoodTaskConfig();
  config.mutable_differential_privacy()->set_type(odp::DpAggregator::ADAPTIVE_TREE);
  config.mutable_differential_privacy()->set_init_clip_norm(inf);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `init_clip_norm` has a bad value: `inf` in `differential_privacy`. "
            "init_clip_norm must be a finite number.");
  config = GoodTaskConfig();
  config.mutable_federated_learning()->mutable_evaluation()->set_evaluation_traffic(nan);
  EXPECT_NE(Error(config).find("`nan` in `evaluation`. evaluation_traffic must be a probability."), std::string::npos);
}

TEST(ValidatorTest, ReportGoalAboveTheAssumedPopulationIsRejectedForSampledAccounting) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* rc = config.mutable_federated_learning()->mutable_learning_process()->mutable_runtime_config();
  rc->set_report_goal(3000000);  // q == 1 is allowed
  EXPECT_EQ(Error(config), "OK");
  rc->set_report_goal(3000001);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `report_goal` has a bad value: `3000001` in `runtime_config`. report_goal "
            "must not exceed the total population of 3000000 assumed by DP accounting.");
  ValidationOptions bigger;
  bigger.population = 10000000;
  EXPECT_EQ(Error(config, bigger), "OK");
  // Tree aggregators are accounted without sampling, so the population does not bound them.
  config.mutable_differential_privacy()->set_type(odp::DpAggregator::TREE_AGGREGATION);
  EXPECT_EQ(Error(config), "OK");
}

TEST(ValidatorTest, CalibratingNoiseForZeroRoundsIsRejected) {
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_policies()->mutable_model_release_policy()->set_num_max_training_rounds(0);
  EXPECT_EQ(Error(config), "OK");  // noise is given: epsilon is 0
  config.mutable_differential_privacy()->set_noise_multiplier(0);
  EXPECT_EQ(Error(config),
            "[Invalid task config]: key `num_max_training_rounds` has a bad value: `0` in `model_release_policy`. "
            "num_max_training_rounds must be positive when noise_multiplier is left empty to be calibrated.");
}

TEST(ValidatorTest, EmptyConfigFailsOnPopulationName) {
  EXPECT_EQ(Error(odp::TaskConfig()),
            "[Invalid task config]: key `population_name` has a bad value: `` in `task_config`. population_name is "
            "required and must be set to an non-empty string.");
}

TEST(TaskConfigTextTest, ReportsLineAndColumn) {
  auto bad = ParseTaskConfigText("population_name: \"x\"\nno_such_field: 1\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("line 2 column"), std::string::npos) << bad.status();
  EXPECT_NE(std::string(bad.status().message()).find("no_such_field"), std::string::npos);
  EXPECT_FALSE(ParseTaskConfigText(std::string(kMaxTaskConfigTextBytes + 1, ' ')).ok());
}

TEST(TaskConfigTextTest, FixtureConfigsParseAndValidate) {
  for (const char* name : {"keras/input/keras_task_config.pbtxt", "keras/input/keras_task_config_build_artifact_only.pbtxt",
                           "mnist/input/mnist_cnn_task_config.pbtxt",
                           "mnist/input/mnist_cnn_task_config_build_artifact_only.pbtxt"}) {
    TB_REQUIRE_FIXTURE(path, name);
    auto config = ParseTaskConfigText(::tb::testing::ReadFileOrDie(path));
    ASSERT_TRUE(config.ok()) << name << ": " << config.status();
    EXPECT_FALSE(config->population_name().empty());
    EXPECT_EQ(Error(*config), "OK") << name;
  }
}

}  // namespace
}  // namespace tb::config
