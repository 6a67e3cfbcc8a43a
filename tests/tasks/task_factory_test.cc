// The original's task_utils_test.py cases (behavior.md §11) and the rest of §6.
#include "tasks/task_factory.h"

#include "gtest/gtest.h"
#include "tests/config/good_config.h"

namespace tb::tasks {
namespace {

using ::tb::testing::GoodTaskConfig;

void ExpectValidTrainingTask(const odp::Task& task) {
  EXPECT_EQ(task.population_name(), "my_new_population");
  EXPECT_EQ(task.total_iteration(), 1000);
  EXPECT_EQ(task.min_aggregation_size(), 2000);
  EXPECT_EQ(task.max_aggregation_size(), 2600);
  EXPECT_EQ(task.min_client_version(), "0");
  EXPECT_EQ(task.max_client_version(), "999999999");
  EXPECT_EQ(task.info().traffic_weight(), 100);
  ASSERT_TRUE(task.info().has_training_info());
  const auto& policies = task.info().training_info().eligibility_task_info().eligibility_policies();
  ASSERT_EQ(policies.size(), 2);
  EXPECT_EQ(policies[0].min_sep_policy().minimum_separation(), 3);
  EXPECT_EQ(policies[1].data_availability_policy().min_example_count(), 100);
  EXPECT_EQ(policies[0].id(), "");
  // Everything TM assigns is left unset.
  EXPECT_EQ(task.task_id(), 0);
  EXPECT_EQ(task.status(), odp::TaskStatus::UNKNOWN);
  EXPECT_FALSE(task.has_created_time());
  EXPECT_EQ(task.client_only_plan_url_size(), 0);
  EXPECT_EQ(task.server_phase_url_size(), 0);
  EXPECT_EQ(task.init_checkpoint_url_size(), 0);
}

void ExpectValidEvalTask(const odp::Task& task, int64_t traffic_weight = 11) {
  EXPECT_EQ(task.population_name(), "my_new_population");
  EXPECT_EQ(task.total_iteration(), 1000);
  EXPECT_EQ(task.min_aggregation_size(), 200);
  EXPECT_EQ(task.max_aggregation_size(), 260);
  EXPECT_EQ(task.min_client_version(), "0");
  EXPECT_EQ(task.max_client_version(), "999999999");
  EXPECT_EQ(task.info().traffic_weight(), traffic_weight);
  ASSERT_TRUE(task.info().has_evaluation_info());
  const auto& eval = task.info().evaluation_info();
  EXPECT_EQ(eval.training_population_name(), "source_population");
  EXPECT_EQ(eval.training_task_id(), 1);
  EXPECT_EQ(eval.check_point_selector().iteration_selector().size(), 2);
}

TEST(TaskFactoryTest, CreateTasks) {
  auto pair = CreateTasks(GoodTaskConfig());
  ASSERT_TRUE(pair.ok()) << pair.status();
  ExpectValidTrainingTask(pair->main);
  ASSERT_TRUE(pair->optional.has_value());
  ExpectValidEvalTask(*pair->optional);
}

TEST(TaskFactoryTest, CreateTrainingOnlyTask) {
  odp::TaskConfig config = GoodTaskConfig();
  config.set_mode(odp::TaskMode::TRAINING_ONLY);
  auto pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  ExpectValidTrainingTask(pair->main);
  EXPECT_FALSE(pair->optional.has_value());
}

TEST(TaskFactoryTest, UnknownModeBuildsTrainingOnly) {
  odp::TaskConfig config = GoodTaskConfig();
  config.set_mode(odp::TaskMode::UNKNOWN);
  auto pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  ExpectValidTrainingTask(pair->main);
  EXPECT_FALSE(pair->optional.has_value());
}

TEST(TaskFactoryTest, CreateEvalOnlyTask) {
  odp::TaskConfig config = GoodTaskConfig();
  config.set_mode(odp::TaskMode::EVAL_ONLY);
  auto pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  ExpectValidEvalTask(pair->main);
  EXPECT_FALSE(pair->optional.has_value());
  config.mutable_federated_learning()->mutable_evaluation()->set_evaluation_traffic(1.0);
  pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  ExpectValidEvalTask(pair->main, 10000);
}

TEST(TaskFactoryTest, CheckpointSelectorVariants) {
  odp::TaskConfig config = GoodTaskConfig();
  auto* ev = config.mutable_federated_learning()->mutable_evaluation();
  ev->set_checkpoint_selector("every_007_hour");
  auto pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  const auto& selector = pair->optional->info().evaluation_info().check_point_selector();
  ASSERT_TRUE(selector.has_duration_selector());
  EXPECT_EQ(selector.duration_selector().hours(), 7);

  ev->set_checkpoint_selector("");  // every_1_round
  pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->optional->info().evaluation_info().check_point_selector().iteration_selector().size(), 1);

  ev->set_checkpoint_selector("every_0_round");  // accepted, as in the original: size 0 but present
  pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  const auto& zero = pair->optional->info().evaluation_info().check_point_selector();
  EXPECT_TRUE(zero.has_iteration_selector());
  EXPECT_EQ(zero.iteration_selector().size(), 0);
  EXPECT_EQ(zero.SerializeAsString(), std::string("\x0a\x00", 2));

  ev->set_checkpoint_selector("every_\xc2\xbd_round");  // the original crashed with HTTP 500 here
  pair = CreateTasks(config);
  ASSERT_FALSE(pair.ok());
  EXPECT_NE(std::string(pair.status().message()).find("key `checkpoint_selector`"), std::string::npos);
}

TEST(TaskFactoryTest, SourceTrainingPopulationDefaultsToThePopulation) {
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_federated_learning()->mutable_evaluation()->clear_source_training_population();
  auto pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->optional->info().evaluation_info().training_population_name(), "my_new_population");
}

TEST(TaskFactoryTest, EligibilityPoliciesArePresentEvenWhenUnset) {
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_policies()->clear_min_separation_policy();
  config.mutable_policies()->clear_data_availability_policy();
  config.mutable_policies()->mutable_min_separation_policy()->set_current_index(42);
  auto pair = CreateTasks(config);
  ASSERT_TRUE(pair.ok());
  const auto& policies = pair->main.info().training_info().eligibility_task_info().eligibility_policies();
  ASSERT_EQ(policies.size(), 2);
  EXPECT_TRUE(policies[0].has_min_sep_policy());
  EXPECT_EQ(policies[0].min_sep_policy().current_index(), 42);  // copied whole
  EXPECT_TRUE(policies[1].has_data_availability_policy());
}

TEST(TaskFactoryTest, OverflowingAggregationSizeIsAnError) {
  odp::TaskConfig config = GoodTaskConfig();
  config.mutable_federated_learning()->mutable_learning_process()->mutable_runtime_config()->set_report_goal(
      9000000000000000000);
  auto pair = CreateTasks(config);
  ASSERT_FALSE(pair.ok());
  EXPECT_EQ(pair.status().message(),
            "[Invalid task config]: key `over_selection_rate` has a bad value: `0.3` in `runtime_config`. "
            "over_selection_rate is too large: report_goal * (1 + over_selection_rate) must fit in a 64-bit "
            "integer.");
}

TEST(TaskFactoryTest, CreateTasksForArtifactOnlyRequest) {
  TaskPair pair = CreateTasksForArtifactOnly(GoodTaskConfig());
  ASSERT_TRUE(pair.optional.has_value());
  for (const odp::Task* task : {&pair.main, &*pair.optional}) {
    ASSERT_EQ(task->client_only_plan_url_size(), 1);
    ASSERT_EQ(task->server_phase_url_size(), 1);
    ASSERT_EQ(task->init_checkpoint_url_size(), 1);
    EXPECT_EQ(task->client_only_plan_url(0), "gs://mock-bucket/mock_blob");
    EXPECT_EQ(task->server_phase_url(0), "gs://mock-bucket/mock_blob");
    EXPECT_EQ(task->init_checkpoint_url(0), "gs://mock-bucket/mock_blob");
    EXPECT_EQ(task->population_name(), "");
    EXPECT_FALSE(task->has_info());
  }
}

TEST(TaskFactoryTest, ArtifactOnlyTasksFollowTheModeAndKeepEmptyUrls) {
  odp::TaskConfig config;
  auto* train = config.mutable_federated_learning()->mutable_learning_process()->mutable_artifact_building();
  train->set_plan_url("p");
  train->set_client_plan_url("c");
  config.mutable_federated_learning()->mutable_evaluation()->mutable_artifact_building()->set_plan_url("ep");
  TaskPair pair = CreateTasksForArtifactOnly(config);  // UNKNOWN: training only
  EXPECT_FALSE(pair.optional.has_value());
  EXPECT_EQ(pair.main.server_phase_url(0), "p");
  EXPECT_EQ(pair.main.client_only_plan_url(0), "c");
  ASSERT_EQ(pair.main.init_checkpoint_url_size(), 1);
  EXPECT_EQ(pair.main.init_checkpoint_url(0), "");
  config.set_mode(odp::TaskMode::EVAL_ONLY);
  pair = CreateTasksForArtifactOnly(config);
  EXPECT_EQ(pair.main.server_phase_url(0), "ep");
  EXPECT_FALSE(pair.optional.has_value());
  config.set_mode(odp::TaskMode::TRAINING_AND_EVAL);
  pair = CreateTasksForArtifactOnly(config);
  EXPECT_EQ(pair.main.server_phase_url(0), "p");
  EXPECT_EQ(pair.optional->server_phase_url(0), "ep");
}

}  // namespace
}  // namespace tb::tasks
