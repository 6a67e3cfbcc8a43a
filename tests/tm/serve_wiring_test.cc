// The composition root `taskbuilder serve` uses (server::BuildServices + BuildRoutes) with no flags: the embedded
// TM over local storage, the Idempotency-Key journal, and start-up recovery. The artifact compiler is the
// pipeline tests' scripted one (the compiler itself is not what this checks).
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "server/build_routes.h"
#include "server/build_services.h"
#include "tests/config/good_config.h"
#include "tests/pipeline/pipeline_fakes.h"
#include "tests/tm/publish_support.h"
#include "tm/task_management_ports.h"

namespace tb::tm {
namespace {

constexpr char kBuildTaskGroup[] = "/taskbuilder/v1:build-task-group";

http::ServerRequest Post(const std::string& body, const std::string& key) {
  http::ServerRequest r;
  r.method = "POST";
  r.path = kBuildTaskGroup;
  r.target = kBuildTaskGroup;
  r.body = body;
  r.headers = {{"Content-Type", "application/x-protobuf"}};
  if (!key.empty()) r.headers.emplace_back("Idempotency-Key", key);
  return r;
}

TEST(ServeWiringTest, NoFlagsMeansEmbeddedTmLocalStorageJournalAndRecovery) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.Join("model"));
  odp::BuildTaskRequest request;
  request.mutable_saved_model()->set_uri(dir.Join("model"));
  *request.mutable_task_config() = ::tb::testing::GoodTaskConfig();
  request.mutable_task_config()->mutable_federated_learning()->mutable_evaluation()->set_source_training_population(
      "my_new_population");
  pipeline::testing::ScriptedArtifactBuilder builder;
  std::string first_bytes;
  {
    auto services = server::BuildServices::Create({.storage = dir.Join("data")});
    ASSERT_TRUE(services.ok()) << services.status();
    const std::string described = absl::StrJoin((*services)->Describe(), "\n");
    EXPECT_TRUE(absl::StrContains(described, "task management: embedded")) << described;
    ASSERT_NE((*services)->journal(), nullptr);
    pipeline::PipelineServices ports = (*services)->pipeline();
    ports.artifact_builder = &builder;
    ports.model_loader = [](const std::string&) -> absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>> {
      return pipeline::testing::OpaqueModel();
    };
    ports.dp_deriver = [](const odp::TaskConfig&, const odp::ExperimentFlags&) -> absl::StatusOr<pipeline::DpSettings> {
      return pipeline::testing::GoodDp();
    };
    server::BuildRoutes routes(&ports, {.api_key = "", .journal = (*services)->journal()});
    http::ServerResponse r1 = routes.Handle(Post(request.SerializeAsString(), "retry-me"));
    odp::BuildTaskResponse response;
    ASSERT_TRUE(response.ParseFromString(r1.body));
    ASSERT_FALSE(response.has_error_info()) << response.error_info().error_message();
    const odp::Task& training = response.task_group().training_task();
    EXPECT_EQ(training.task_id(), 1);
    EXPECT_EQ(training.init_checkpoint_url(0),
              "file://" + dir.Join("data") + "/my_new_population/1/0/s/0/checkpoint");
    EXPECT_EQ(testing::ReadFileOrDie(dir.Join("data/my_new_population/1/0/s/0/checkpoint")),
              "checkpoint:training:my_new_population");
    // The client retries (say its connection dropped): same answer, no second task group.
    http::ServerResponse r2 = routes.Handle(Post(request.SerializeAsString(), "retry-me"));
    EXPECT_EQ(r2.body, r1.body);
    first_bytes = r1.body;
    // A task left CREATED without artifacts, as a build killed between create and upload would leave it.
    odp::Task orphan = testing_support::TrainingTask("orphan_pop");
    ASSERT_TRUE(ports.task_management->CreateTask(orphan).ok());
  }
  // "Restart": the orphan is cancelled at start-up; the completed group is untouched; the key still answers.
  auto services = server::BuildServices::Create({.storage = dir.Join("data")});
  ASSERT_TRUE(services.ok()) << services.status();
  const std::string described = absl::StrJoin((*services)->Describe(), "\n");
  EXPECT_TRUE(absl::StrContains(described, "start-up recovery cancelled 1 abandoned task(s)")) << described;
  auto* embedded = dynamic_cast<EmbeddedTaskManagement*>((*services)->pipeline().task_management);
  ASSERT_NE(embedded, nullptr);
  storage::LocalBlobStore blobs(dir.Join("data"));
  auto census = testing_support::TakeCensus(embedded->service(), blobs);
  EXPECT_EQ(census.complete, 2);
  EXPECT_EQ(census.cancelled, 1);
  EXPECT_EQ(census.half_created, 0) << absl::StrJoin(census.problems, "; ");
  server::BuildRoutes routes(&(*services)->pipeline(), {.api_key = "", .journal = (*services)->journal()});
  EXPECT_EQ(routes.Handle(Post(request.SerializeAsString(), "retry-me")).body, first_bytes);
}

}  // namespace
}  // namespace tb::tm
