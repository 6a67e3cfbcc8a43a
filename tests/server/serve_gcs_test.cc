// `taskbuilder serve --storage=gs://BUCKET` as a deployment runs it, against a real Cloud Storage JSON API on
// loopback (tests/js/gcs-emulator, found through STORAGE_EMULATOR_HOST as Google's client libraries do): a task
// group is built end to end with the embedded task management, every artifact lands in the bucket under the URL the
// task names, and reads back as the Plan, ClientOnlyPlan and checkpoint it should be.
#include <string>

#include "fcp/plan.pb.h"
#include "gtest/gtest.h"
#include "odp/task_builder.pb.h"
#include "storage/gcs_blob_store.h"
#include "tests/config/good_config.h"
#include "tests/server/serve_process.h"
#include "tests/storage/gcs_emulator.h"
#include "tests/testing/testing.h"
#include "http/client.h"

namespace tb::server {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

TEST(ServeGcsTest, TaskGroupEndToEndIntoABucket) {
  TB_REQUIRE_GCS_EMULATOR(emu);
  testing::TempDir dir;
  auto model = testing::Run({testing::TaskbuilderBinary(), "example-model", "--kind=mlp", "--out=" + dir.Join("m")});
  ASSERT_EQ(model.exit_code, 0) << model.err;

  testing::ServeProcess server({"--storage=gs://fcp-test-bucket"}, {{"STORAGE_EMULATOR_HOST", emu->endpoint()}});
  ASSERT_TRUE(server.ready());
  odp::BuildTaskRequest request;
  request.mutable_saved_model()->set_uri(dir.Join("m"));
  *request.mutable_task_config() = testing::GoodTaskConfig();
  request.mutable_task_config()->mutable_federated_learning()->mutable_evaluation()->clear_source_training_population();
  http::Request post;
  post.method = "POST";
  post.url = server.Url("/taskbuilder/v1:build-task-group");
  post.headers.emplace_back("Content-Type", "application/x-protobuf");
  post.body = request.SerializeAsString();
  auto response = http::Client(http::ClientOptions{}).Send(post);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->status, 200);
  odp::BuildTaskResponse r;
  ASSERT_TRUE(r.ParseFromString(response->body));
  ASSERT_TRUE(r.has_task_group()) << r.error_info().error_message() << "\n" << server.process().Stderr();

  storage::GcsOptions options;
  options.endpoint = emu->endpoint();
  options.credentials = storage::NoAccessToken();
  storage::GcsBlobStore bucket(options);
  for (const odp::Task* task : {&r.task_group().training_task(), &r.task_group().eval_task()}) {
    ASSERT_EQ(task->status(), odp::TaskStatus::CREATED);
    ASSERT_EQ(task->server_phase_url_size(), 1);
    EXPECT_EQ(task->server_phase_url(0).rfind("gs://fcp-test-bucket/", 0), 0u) << task->server_phase_url(0);
    auto plan_bytes = bucket.Get(task->server_phase_url(0));
    ASSERT_TRUE(plan_bytes.ok()) << plan_bytes.status();
    google::internal::federated::plan::Plan plan;
    EXPECT_TRUE(plan.ParseFromString(*plan_bytes));
    EXPECT_GT(plan.phase_size(), 0);
    auto client_bytes = bucket.Get(task->client_only_plan_url(0));
    ASSERT_TRUE(client_bytes.ok()) << client_bytes.status();
    google::internal::federated::plan::ClientOnlyPlan client;
    EXPECT_TRUE(client.ParseFromString(*client_bytes));
    EXPECT_FALSE(client.tflite_graph().empty());
    auto checkpoint = bucket.Get(task->init_checkpoint_url(0));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    EXPECT_GT(checkpoint->size(), 800'000u);  // the MLP's 201k float weights and more
  }
}

}  // namespace
}  // namespace tb::server
