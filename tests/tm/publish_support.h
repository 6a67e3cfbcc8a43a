// Shared pieces of the publish fault tests: deterministic artifacts, ODP-shaped tasks, and the invariant every
// fault test ends with — no task is left CREATED (or OPEN) without all of its artifacts.
#ifndef TASKBUILDER_TESTS_TM_PUBLISH_SUPPORT_H_
#define TASKBUILDER_TESTS_TM_PUBLISH_SUPPORT_H_

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "pipeline/ports.h"
#include "storage/blob_store.h"
#include "tm/task_management_service.h"

namespace tb::tm::testing_support {

inline std::string Bytes(size_t n, int seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 16);  // compressible, like real checkpoints
  return s;
}

inline pipeline::TaskArtifacts Artifacts(int seed, size_t checkpoint_bytes = 200000) {
  pipeline::TaskArtifacts a;
  a.plan = "plan-" + Bytes(5000, seed);
  a.client_only_plan = "client-plan-" + Bytes(3000, seed + 1);
  a.initial_checkpoint = "ckpt-" + Bytes(checkpoint_bytes, seed + 2);
  return a;
}

inline odp::Task TrainingTask(const std::string& pop) {
  odp::Task t;
  t.set_population_name(pop);
  t.set_min_aggregation_size(100);
  t.set_max_aggregation_size(130);
  t.set_min_client_version("0");
  t.set_max_client_version("999999999");
  t.mutable_info()->set_traffic_weight(100);
  t.mutable_info()->mutable_training_info();
  return t;
}

inline odp::Task EvalTask(const std::string& pop) {
  odp::Task t = TrainingTask(pop);
  t.mutable_info()->set_traffic_weight(11);
  t.mutable_info()->mutable_evaluation_info()->set_training_population_name(pop);
  t.mutable_info()->mutable_evaluation_info()->set_training_task_id(99);  // a stale guess from the config
  return t;
}

struct Census {
  int complete = 0;   // CREATED/OPEN with every artifact present
  int cancelled = 0;
  int half_created = 0;  // CREATED/OPEN with an artifact missing: must always be 0
  std::vector<std::string> problems;
};

// Walks every task the service holds and checks its artifacts in `blobs`.
inline Census TakeCensus(TaskManagementService& service, storage::BlobStore& blobs) {
  Census c;
  for (auto status : {odp::TaskStatus::CREATED, odp::TaskStatus::OPEN, odp::TaskStatus::CANCELED}) {
    auto tasks = service.store().ListByStatus(status);
    EXPECT_TRUE(tasks.ok()) << tasks.status();
    if (!tasks.ok()) continue;
    for (const odp::Task& t : *tasks) {
      if (status == odp::TaskStatus::CANCELED) {
        ++c.cancelled;
        continue;
      }
      std::vector<std::string> urls(t.client_only_plan_url().begin(), t.client_only_plan_url().end());
      urls.insert(urls.end(), t.server_phase_url().begin(), t.server_phase_url().end());
      if (!t.info().has_evaluation_info()) {
        urls.insert(urls.end(), t.init_checkpoint_url().begin(), t.init_checkpoint_url().end());
      }
      bool all = true;
      for (const auto& u : urls) {
        auto st = blobs.Stat(u);
        if (!st.ok() || !st->has_value()) {
          all = false;
          c.problems.push_back(t.population_name() + "/" + std::to_string(t.task_id()) + " lacks " + u);
        }
      }
      all ? ++c.complete : ++c.half_created;
    }
  }
  return c;
}

}  // namespace tb::tm::testing_support

#endif  // TASKBUILDER_TESTS_TM_PUBLISH_SUPPORT_H_
