// Defaults (behavior.md §3.3) and the metrics report (§5).
#include "config/defaults.h"
#include "config/metrics.h"
#include "gtest/gtest.h"
#include "tests/config/good_config.h"

namespace tb::config {
namespace {

TEST(DefaultsTest, FalsyFieldsTakeTheOriginalsDefaults) {
  odp::TaskConfig config;
  config.set_population_name("pop");
  const EffectiveSettings s = ResolveDefaults(config);
  EXPECT_EQ(s.learning_algo, odp::LearningAlgo::FED_AVG);
  EXPECT_EQ(s.client_optimizer, odp::Optimizer::SGD);
  EXPECT_EQ(s.server_optimizer, odp::Optimizer::SGD);
  EXPECT_EQ(s.client_learning_rate, 0.1);
  EXPECT_EQ(s.server_learning_rate, 1.0);
  EXPECT_EQ(s.batch_size, 3);
  EXPECT_EQ(s.max_training_batches_per_client, -1);
  EXPECT_EQ(s.training_over_selection_rate, 0.3);
  EXPECT_EQ(s.evaluation_over_selection_rate, 0.3);
  EXPECT_EQ(s.checkpoint_selector, "every_1_round");
  EXPECT_EQ(s.source_training_population, "pop");
  EXPECT_EQ(s.dp_aggregator, odp::DpAggregator::FIXED_GAUSSIAN);
  EXPECT_EQ(kDefaultDpDelta, 1.0 / 3000000);
}

TEST(DefaultsTest, GivenValuesWin) {
  odp::TaskConfig config = ::tb::testing::GoodTaskConfig();
  auto* lp = config.mutable_federated_learning()->mutable_learning_process();
  lp->set_type(odp::LearningAlgo::FED_SGD);
  lp->set_client_optimizer(odp::Optimizer::ADAM);
  config.mutable_differential_privacy()->set_type(odp::DpAggregator::ADAPTIVE_TREE);
  const EffectiveSettings s = ResolveDefaults(config);
  EXPECT_EQ(s.learning_algo, odp::LearningAlgo::FED_SGD);
  EXPECT_EQ(s.client_optimizer, odp::Optimizer::ADAM);
  EXPECT_EQ(s.server_optimizer, odp::Optimizer::SGD);
  EXPECT_EQ(s.client_learning_rate, 0.01);
  EXPECT_EQ(s.batch_size, 3);
  EXPECT_EQ(s.max_training_batches_per_client, 100);
  EXPECT_EQ(s.checkpoint_selector, "every_2_round");
  EXPECT_EQ(s.source_training_population, "source_population");
  EXPECT_EQ(s.dp_aggregator, odp::DpAggregator::ADAPTIVE_TREE);
}

TEST(DefaultsTest, ModeSemantics) {
  odp::TaskConfig config;
  EXPECT_FALSE(IsTrainingAndEval(config));
  EXPECT_FALSE(IsEvalOnly(config));
  config.set_mode(odp::TaskMode::TRAINING_AND_EVAL);
  EXPECT_TRUE(IsTrainingAndEval(config));
  config.set_mode(odp::TaskMode::EVAL_ONLY);
  EXPECT_TRUE(IsEvalOnly(config));
}

google::protobuf::RepeatedPtrField<odp::Metric> Metrics(std::initializer_list<const char*> names) {
  google::protobuf::RepeatedPtrField<odp::Metric> out;
  for (const char* name : names) out.Add()->set_name(name);
  return out;
}

TEST(MetricsTest, AllowlistHasTheTwentyOriginalNames) {
  EXPECT_EQ(MetricsAllowlist().size(), 20u);
  EXPECT_TRUE(IsAllowlistedMetric("auc-roc"));
  EXPECT_TRUE(IsAllowlistedMetric("sparse_categorical_crossentropy_from_logits"));
  EXPECT_FALSE(IsAllowlistedMetric("auc"));
  EXPECT_FALSE(IsAllowlistedMetric("Precision"));  // case-sensitive
  EXPECT_FALSE(IsAllowlistedMetric("loss"));
}

TEST(MetricsTest, PrecisionAcceptedAucRejected) {
  MetricOutcome outcome = ClassifyMetrics(Metrics({"precision", "auc"}));
  EXPECT_EQ(outcome.accepted_report(), "precision");
  EXPECT_EQ(outcome.rejected_report(), "auc");
}

TEST(MetricsTest, OrderAndDuplicatesAreKeptAndOnlyLeadingSpaceIsStripped) {
  MetricOutcome outcome = ClassifyMetrics(Metrics({"recall", " x", "recall", "auc-pr", "y ", ""}));
  EXPECT_EQ(outcome.accepted_report(), "recall, recall, auc-pr");
  EXPECT_EQ(outcome.rejected_report(), "x, y , ");
  EXPECT_EQ(ClassifyMetrics(Metrics({})).accepted_report(), "");
  EXPECT_EQ(ClassifyMetrics(Metrics({"", "mean"})).rejected_report(), "");
}

}  // namespace
}  // namespace tb::config
