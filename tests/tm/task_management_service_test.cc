#include "tm/task_management_service.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "storage/local_blob_store.h"
#include "tests/testing/testing.h"

namespace tb::tm {
namespace {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = TaskStore::Open(dir_.Join("db/tm.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto service = TaskManagementService::Create(
        store_.get(), {.storage_root = dir_.Join("artifacts/"), .now_ms = [this] { return now_ms_; }});
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
  }

  odp::Task Training(const std::string& pop = "body_pop") {
    odp::Task t;
    t.set_population_name(pop);
    t.set_min_aggregation_size(100);
    t.set_max_aggregation_size(130);
    t.set_min_client_version("0");
    t.set_max_client_version("999999999");
    t.add_client_only_plan_url("gs://attacker/x");  // request URL lists are dropped
    return t;
  }
  odp::Task Eval() {
    odp::Task t = Training();
    t.mutable_info()->set_traffic_weight(5);
    t.mutable_info()->mutable_evaluation_info()->set_training_task_id(1);
    return t;
  }

  testing::TempDir dir_;
  int64_t now_ms_ = 1700000000123;
  std::unique_ptr<TaskStore> store_;
  std::unique_ptr<TaskManagementService> service_;
};

TEST_F(ServiceTest, CreateFollowsOdpSemantics) {
  auto t = service_->CreateTask("my_pop", Training());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->population_name(), "my_pop");  // the path wins over the body
  EXPECT_EQ(t->task_id(), 1);
  EXPECT_EQ(t->status(), odp::TaskStatus::CREATED);
  EXPECT_EQ(t->info().traffic_weight(), 1);
  EXPECT_TRUE(t->info().has_training_info());
  EXPECT_EQ(t->created_time().seconds(), 1700000000);
  EXPECT_EQ(t->created_time().nanos(), 123000000);
  EXPECT_EQ(t->min_aggregation_size(), 100);
  EXPECT_EQ(t->max_client_version(), "999999999");
  const std::string root = "file://" + dir_.Join("artifacts");
  ASSERT_EQ(t->client_only_plan_url_size(), 1);
  EXPECT_EQ(t->client_only_plan_url(0), root + "/my_pop/1/0/s/0/client_only_plan");
  EXPECT_EQ(t->server_phase_url(0), root + "/my_pop/1/0/s/0/server_phase");
  EXPECT_EQ(t->init_checkpoint_url(0), root + "/my_pop/1/0/s/0/checkpoint");
  EXPECT_EQ(t->metrics_url(0), root + "/my_pop/1/0/s/0/metrics");
  auto got = service_->GetTask("my_pop", 1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), t->SerializeAsString());
}

TEST_F(ServiceTest, GcsRootsGiveOdpBucketUrls) {
  auto service = TaskManagementService::Create(store_.get(), {.storage_root = "gs://fcp-dev-m-0", .now_ms = nullptr});
  ASSERT_TRUE(service.ok());
  auto t = (*service)->CreateTask("p", Training());
  EXPECT_EQ(t->init_checkpoint_url(0), "gs://fcp-dev-m-0/p/1/0/s/0/checkpoint");
  EXPECT_FALSE(TaskManagementService::Create(store_.get(), {.storage_root = "relative/dir", .now_ms = nullptr}).ok());
  EXPECT_FALSE(TaskManagementService::Create(store_.get(), {.storage_root = "s3://b", .now_ms = nullptr}).ok());
}

TEST_F(ServiceTest, OneActiveTaskPerKindWithTheJavaMessage) {
  ASSERT_TRUE(service_->CreateTask("p", Training()).ok());
  ASSERT_TRUE(service_->CreateTask("p", Eval()).ok());  // evaluation is the other kind
  auto dup = service_->CreateTask("p", Training());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(dup.status().message(),
            "409: Conflict: failed to create new created task: only one active training and/or one evaluation "
            "task is allowed under one population, there are already active tasks: [p/1]");
  ASSERT_TRUE(service_->CancelTask("p", 1, "test").ok());
  auto next = service_->CreateTask("p", Training());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->task_id(), 3);
}

TEST_F(ServiceTest, CancelIsIdempotentAndRefusesFinishedTasks) {
  ASSERT_TRUE(service_->CreateTask("p", Training()).ok());
  auto c1 = service_->CancelTask("p", 1, "first");
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->status(), odp::TaskStatus::CANCELED);
  EXPECT_TRUE(service_->CancelTask("p", 1, "second").ok());
  EXPECT_EQ(service_->CancelTask("p", 7, "x").status().message(), "404: Not Found: no task 7 in population p");
  ASSERT_TRUE(service_->CreateTask("q", Training()).ok());
  ASSERT_TRUE(store_->SetStatus("q", 1, {odp::TaskStatus::CREATED}, odp::TaskStatus::COMPLETED, "done", 1).ok());
  auto finished = service_->CancelTask("q", 1, "x");
  EXPECT_EQ(finished.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(finished.status().message(), "409: Conflict: task q/1 is COMPLETED and cannot become CANCELED");
  EXPECT_EQ(service_->GetTask("q", 2).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ServiceTest, IdempotencyKeyReturnsTheSameTask) {
  auto a = service_->CreateTask("p", Training(), "key-1");
  auto b = service_->CreateTask("p", Training(), "key-1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->task_id(), b->task_id());
  odp::Task different = Training();
  different.set_min_aggregation_size(7);
  auto c = service_->CreateTask("p", different, "key-1");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(absl::StartsWith(c.status().message(), "422: Unprocessable Entity: idempotency key 'key-1'"));
}

TEST_F(ServiceTest, PopulationNamesMustBeSafe) {
  for (const char* bad : {"", "a/b", "..", ".hidden", "a b", "a:b", "a?b", "a%2Fb"}) {
    auto t = service_->CreateTask(bad, Training());
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(service_->CreateTask("com.example.app-pop_1~x", Training()).ok());
}

TEST_F(ServiceTest, RecoveryCancelsTasksWithoutArtifactsAndKeepsCompleteOnes) {
  storage::LocalBlobStore blobs(dir_.Join("artifacts"));
  auto complete = service_->CreateTask("done", Training());
  auto partial = service_->CreateTask("partial", Training());
  auto eval = service_->CreateTask("eval", Eval());
  for (const std::string& url :
       {complete->client_only_plan_url(0), complete->server_phase_url(0), complete->init_checkpoint_url(0),
        partial->init_checkpoint_url(0), eval->client_only_plan_url(0), eval->server_phase_url(0)}) {
    ASSERT_TRUE(blobs.Put(url, "artifact").ok()) << url;
  }
  // Too young to be abandoned: nothing happens.
  auto young = service_->RecoverIncompleteTasks(blobs, 60000);
  ASSERT_TRUE(young.ok());
  EXPECT_TRUE(young->cancelled.empty());
  now_ms_ += 120000;
  auto report = service_->RecoverIncompleteTasks(blobs, 60000);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->cancelled.size(), 1u);
  EXPECT_EQ(report->cancelled[0].population_name(), "partial");
  EXPECT_EQ(report->complete.size(), 2u);  // the eval task needs no checkpoint
  EXPECT_EQ(service_->GetTask("partial", 1)->status(), odp::TaskStatus::CANCELED);
  EXPECT_EQ(service_->GetTask("done", 1)->status(), odp::TaskStatus::CREATED);
  auto history = store_->History("partial", 1);
  EXPECT_NE(history->back().reason.find("client_only_plan"), std::string::npos);
}

}  // namespace
}  // namespace tb::tm
