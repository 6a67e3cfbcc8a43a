// The original's GOOD task config (behavior.md §11), read from tests/testdata/service/good_training_and_eval.pbtxt.
// Shared by the config, tasks, pipeline, server and cli tests.
#ifndef TASKBUILDER_TESTS_CONFIG_GOOD_CONFIG_H_
#define TASKBUILDER_TESTS_CONFIG_GOOD_CONFIG_H_

#include "config/task_config_text.h"
#include "gtest/gtest.h"
#include "odp/task_builder.pb.h"
#include "tests/testing/testing.h"

namespace tb::testing {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

inline odp::TaskConfig GoodTaskConfig() {
  auto config = config::ParseTaskConfigText(ReadFileOrDie(TestDataPath("service/good_training_and_eval.pbtxt")));
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : odp::TaskConfig();
}

}  // namespace tb::testing

#endif  // TASKBUILDER_TESTS_CONFIG_GOOD_CONFIG_H_
