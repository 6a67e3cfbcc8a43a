// `taskbuilder task-management` as a real process: serving ODP's API, persisting across a SIGKILL, recovering
// abandoned tasks at start-up, and refusing to share its database with a second process.
#include <signal.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/local_blob_store.h"
#include "pipeline/publish.h"
#include "storage/pipeline_blob_store.h"
#include "tests/testing/testing.h"
#include "tests/tm/publish_support.h"
#include "tm/task_management_client.h"
#include "tm/task_management_ports.h"

namespace tb::tm {
namespace {

// Starts the command and waits for its JSON "listening" line; returns the URL ("" on failure).
std::string StartTm(testing::Subprocess& p) {
  for (int i = 0; i < 400; ++i) {
    const std::string out = p.Stdout();
    if (out.find('\n') != std::string::npos) {
      nlohmann::json j = nlohmann::json::parse(out.substr(0, out.find('\n')), nullptr, false);
      if (j.is_object() && j.contains("task_management_server")) return j["task_management_server"];
    }
    if (p.Wait(std::chrono::milliseconds(50)).has_value()) break;
  }
  ADD_FAILURE() << "task-management did not start: " << p.Stderr();
  return "";
}

odp::Task Training(const std::string& pop) {
  odp::Task t;
  t.set_population_name(pop);
  return t;
}

TEST(TaskManagementCommandTest, ServesPersistsAndRecoversAcrossAKill) {
  testing::TempDir dir;
  const std::vector<std::string> argv = {testing::TaskbuilderBinary(), "task-management", "--port=0",
                                         "--storage=" + dir.Join("artifacts"), "--recover_after_minutes=0"};
  odp::Task complete, abandoned;
  {
    testing::Subprocess tm({.argv = argv, .env = {}, .working_dir = ""});
    const std::string url = StartTm(tm);
    ASSERT_FALSE(url.empty());
    TaskManagementClientOptions o;
    o.server_url = url;
    TaskManagementClient client(o);
    auto a = client.CreateTask(Training("done_pop"));
    auto b = client.CreateTask(Training("dead_pop"));
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    complete = *a;
    abandoned = *b;
    EXPECT_EQ(complete.init_checkpoint_url(0), "file://" + dir.Join("artifacts") + "/done_pop/1/0/s/0/checkpoint");
    // Only the first task gets its artifacts before the kill.
    storage::LocalBlobStore blobs(dir.Join("artifacts"));
    for (const auto& u : {complete.init_checkpoint_url(0), complete.server_phase_url(0), complete.client_only_plan_url(0)}) {
      ASSERT_TRUE(blobs.Put(u, "bytes").ok());
    }
    ASSERT_TRUE(blobs.Put(abandoned.server_phase_url(0), "bytes").ok());
    tm.Signal(SIGKILL);
    tm.Wait(std::chrono::seconds(10));
  }
  testing::Subprocess tm({.argv = argv, .env = {}, .working_dir = ""});
  const std::string url = StartTm(tm);
  ASSERT_FALSE(url.empty());
  TaskManagementClientOptions o;
  o.server_url = url;
  TaskManagementClient client(o);
  auto a = client.GetTask("done_pop", 1);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->status(), odp::TaskStatus::CREATED);
  EXPECT_EQ(a->created_time().seconds(), complete.created_time().seconds());
  auto b = client.GetTask("dead_pop", 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->status(), odp::TaskStatus::CANCELED);
  EXPECT_NE(tm.Stderr().find("recovery: cancelled dead_pop/1"), std::string::npos) << tm.Stderr();
  // The population is free again.
  EXPECT_TRUE(client.CreateTask(Training("dead_pop")).ok());

  // A second process on the same database is refused.
  testing::RunResult second = testing::Run({testing::TaskbuilderBinary(), "task-management", "--port=0",
                                            "--storage=" + dir.Join("artifacts")});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("in use by another taskbuilder process"), std::string::npos) << second.err;
  tm.Signal(SIGTERM);
  EXPECT_EQ(tm.Wait(std::chrono::seconds(20)), 0);
}

TEST(TaskManagementCommandTest, ConcurrentBuildersAgainstOneTmProcessLoseNothing) {
  testing::TempDir dir;
  testing::Subprocess tm({.argv = {testing::TaskbuilderBinary(), "task-management", "--port=0",
                                   "--storage=" + dir.Join("artifacts")},
                          .env = {},
                          .working_dir = ""});
  const std::string url = StartTm(tm);
  ASSERT_FALSE(url.empty());
  storage::PipelineBlobStoreOptions so;
  so.write_root = dir.Join("artifacts");
  storage::PipelineBlobStore store(so);
  pipeline::TaskArtifacts artifacts = testing_support::Artifacts(3);
  std::atomic<int> ok{0};
  std::vector<std::thread> builders;
  for (int i = 0; i < 8; ++i) {
    builders.emplace_back([&, i] {
      RemoteTaskManagementOptions o;
      o.locator.explicit_url = url;
      RemoteTaskManagement remote(o);
      if (!remote.CheckAvailable().ok()) return;
      pipeline::PublishPlan plan;
      plan.main = testing_support::TrainingTask(i % 2 == 0 ? "even" : "odd");  // two populations, four builders each
      plan.optional = testing_support::EvalTask(plan.main.population_name());
      plan.main_artifacts = &artifacts;
      plan.optional_artifacts = &artifacts;
      if (pipeline::PublishTaskGroup(std::move(plan), &remote, store).ok) ++ok;
    });
  }
  for (auto& b : builders) b.join();
  EXPECT_EQ(ok.load(), 2);  // one task group per population
  // Every task the TM process holds is complete or cancelled.
  TaskManagementClientOptions o;
  o.server_url = url;
  TaskManagementClient client(o);
  storage::LocalBlobStore blobs(dir.Join("artifacts"));
  int complete = 0;
  for (const char* pop : {"even", "odd"}) {
    for (int id = 1;; ++id) {
      auto t = client.GetTask(pop, id);
      if (!t.ok()) break;
      if (t->status() == odp::TaskStatus::CANCELED) continue;
      for (const auto& u : {t->client_only_plan_url(0), t->server_phase_url(0)}) {
        EXPECT_TRUE(blobs.Stat(u)->has_value()) << pop << "/" << id << " lacks " << u;
      }
      ++complete;
    }
  }
  EXPECT_EQ(complete, 4);
}

TEST(TaskManagementCommandTest, FlagsAreChecked) {
  testing::RunResult missing = testing::Run({testing::TaskbuilderBinary(), "task-management"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--storage is required"), std::string::npos);
  testing::RunResult unknown =
      testing::Run({testing::TaskbuilderBinary(), "task-management", "--storage=/tmp", "--bogus=1"});
  EXPECT_EQ(unknown.exit_code, 2);
  testing::RunResult help = testing::Run({testing::TaskbuilderBinary(), "task-management", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--recover_after_minutes"), std::string::npos);
}

}  // namespace
}  // namespace tb::tm
