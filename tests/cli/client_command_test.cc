// `taskbuilder client` (behavior.md §9) driven as a real process: against a recording loopback server (to see the
// exact request it sends and to answer what the original client had to cope with) and against `taskbuilder serve`.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "odp/task_builder.pb.h"
#include "tests/server/serve_process.h"
#include "tests/testing/testing.h"

namespace tb::cli {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;
using ::tb::testing::RunResult;
using ::tb::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// A loopback server that records every request and answers what the test scripted.
class RecordingServer {
 public:
  // `handler`, when given, answers instead of the fixed `response`.
  explicit RecordingServer(http::Handler handler = nullptr) : handler_(std::move(handler)) {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    auto server = http::Server::Start(options, [this](const http::ServerRequest& r) {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(r);
      return handler_ ? handler_(r) : response;
    });
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  std::vector<http::ServerRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int port() const { return server_->port(); }

  http::ServerResponse response;

 private:
  http::Handler handler_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<http::ServerRequest> requests_;
};

std::string ConfigFile(const TempDir& dir, const std::string& text = "") {
  const std::string path = dir.Join("config.pbtxt");
  ::tb::testing::WriteFileOrDie(
      path, text.empty() ? ::tb::testing::ReadFileOrDie(::tb::testing::TestDataPath("service/good_training_and_eval.pbtxt"))
                         : text);
  return path;
}

RunResult Client(std::vector<std::string> flags, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {::tb::testing::TaskbuilderBinary(), "client"};
  for (auto& f : flags) argv.push_back(std::move(f));
  // Keep a developer's real credentials and metadata server out of the test.
  env.emplace("GCE_METADATA_HOST", "127.0.0.1:9");
  return ::tb::testing::Run(argv, std::chrono::seconds(60), env);
}

http::ServerResponse Protobuf(const odp::BuildTaskResponse& response) {
  http::ServerResponse r;
  r.content_type = "application/x-protobuf";
  r.body = response.SerializeAsString();
  return r;
}

odp::BuildTaskResponse Success() {
  odp::BuildTaskResponse response;
  auto* task = response.mutable_task_group()->mutable_training_task();
  task->set_population_name("my_new_population");
  task->set_task_id(7);
  task->add_server_phase_url("gs://b/my_new_population/7/0/s/0/server_phase");
  response.mutable_task_report()->mutable_applied_algorithms()->set_learning_algo(odp::LearningAlgo::FED_AVG);
  return response;
}

TEST(ClientTest, RequiredFlagsInTheOriginalsOrder) {
  RunResult r = Client({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("`--saved_model` is required but not set."));
  r = Client({"--saved_model=gs://b/model"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("`--task_config` is required but not set."));
}

TEST(ClientTest, UnreadableConfigIsReported) {
  TempDir dir;
  RunResult r = Client({"--saved_model=/m", "--task_config=" + dir.Join("missing.pbtxt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Cannot load task config from " + dir.Join("missing.pbtxt") + "."));
  r = Client({"--saved_model=/m", "--task_config=" + ConfigFile(dir, "population_name: 3 nonsense {")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Cannot load task config from"));
  EXPECT_THAT(r.err, HasSubstr("line 1"));
}

// io_utils_test load_task_config: a gs:// config is read through Cloud Storage (here a loopback JSON API).
TEST(ClientTest, TaskConfigFromCloudStorage) {
  const std::string text = "population_name: \"my_new_population\" ";
  RecordingServer gcs([&text](const http::ServerRequest& r) {
    http::ServerResponse out;
    out.content_type = "application/json";
    if (r.path.rfind("/download/", 0) == 0) {
      out.content_type = "text/plain";
      out.body = text;
    } else {
      out.body = "{\"bucket\": \"mock-task-config\", \"name\": \"mock-task-config.pbtxt\", \"size\": \"" +
                 std::to_string(text.size()) + "\"}";
    }
    return out;
  });
  RecordingServer server;
  server.response = Protobuf(Success());
  RunResult r = Client({"--saved_model=gs://b/m", "--task_config=gs://mock-task-config/mock-task-config.pbtxt",
                        "--task_builder_server=" + server.Url()},
                       {{"STORAGE_EMULATOR_HOST", "127.0.0.1:" + std::to_string(gcs.port())}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(server.requests().size(), 1u);
  odp::BuildTaskRequest request;
  ASSERT_TRUE(request.ParseFromString(server.requests()[0].body));
  EXPECT_EQ(request.task_config().population_name(), "my_new_population");

  // The storage server is gone: the original's message, then the cause.
  const int closed = ::tb::testing::PickUnusedPort();
  r = Client({"--saved_model=gs://b/m", "--task_config=gs://mock-task-config/mock-task-config.pbtxt",
              "--task_builder_server=" + server.Url()},
             {{"STORAGE_EMULATOR_HOST", "127.0.0.1:" + std::to_string(closed)}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Cannot load task config from gs://mock-task-config/mock-task-config.pbtxt."));
}

TEST(ClientTest, SendsTheRequestTheOriginalSends) {
  TempDir dir;
  RecordingServer server;
  server.response = Protobuf(Success());
  RunResult r = Client({"--saved_model=gs://bucket/model", "--task_config=" + ConfigFile(dir),
                        "--task_builder_server=" + server.Url("/"), "--skip_dp_check", "--skip_flex_ops_check",
                        "--population_name=e2e_population"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::ServerRequest& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/taskbuilder/v1:build-task-group");  // one trailing slash stripped
  EXPECT_EQ(sent.Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(sent.Header("Authorization"), "Bearer None");  // localhost/loopback: no token, as the original
  odp::BuildTaskRequest request;
  ASSERT_TRUE(request.ParseFromString(sent.body));
  EXPECT_EQ(request.saved_model().uri(), "gs://bucket/model");
  EXPECT_EQ(request.task_config().population_name(), "e2e_population");
  EXPECT_EQ(request.task_config().federated_learning().learning_process().runtime_config().report_goal(), 2000);
  EXPECT_TRUE(request.flags().skip_dp_check());
  EXPECT_TRUE(request.flags().skip_flex_ops_check());
  EXPECT_FALSE(request.flags().skip_dp_aggregator());
  // Success output, as the original logged it.
  EXPECT_THAT(r.err, HasSubstr("Success! Tasks are built, and artifacts are uploaded to the cloud."));
  EXPECT_THAT(r.err, HasSubstr("learning_algo: FED_AVG"));
  EXPECT_THAT(r.err, HasSubstr("task_id: 7"));
  EXPECT_THAT(r.err, HasSubstr("Send HTTP request to: " + server.Url("/taskbuilder/v1:build-task-group")));
  EXPECT_EQ(r.out, "");  // nothing on stdout without --json
}

TEST(ClientTest, ArtifactOnlyApiKeyAndRelativeModelPaths) {
  TempDir dir;
  RecordingServer server;
  server.response = Protobuf(Success());
  const std::string base = server.Url("");  // no trailing slash
  RunResult r = Client({"--saved_model=relative/model", "--task_config=" + ConfigFile(dir),
                        "--task_builder_server=" + base + "//", "--build_artifact_only", "--api_key=a+b/c"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  // Only one trailing slash is stripped, as in the original; the key goes raw into the query string.
  EXPECT_EQ(requests[0].target, "//taskbuilder/v1:build-artifacts?key=a+b/c");
  EXPECT_EQ(requests[0].Header("Authorization"), "");
  odp::BuildTaskRequest request;
  ASSERT_TRUE(request.ParseFromString(requests[0].body));
  EXPECT_EQ(request.saved_model().uri(), std::filesystem::current_path().string() + "/relative/model");
  EXPECT_THAT(r.err, Not(HasSubstr("a+b/c")));  // the key is never logged
}

TEST(ClientTest, BuildErrorsExitZeroLikeTheOriginalUnlessStrict) {
  TempDir dir;
  RecordingServer server;
  odp::BuildTaskResponse failed;
  failed.mutable_error_info()->set_error_type(odp::ErrorType::TASK_MANAGEMENT_ERROR);
  failed.mutable_error_info()->set_error_message("Cannot find task management server.");
  failed.mutable_task_report();
  server.response = Protobuf(failed);
  const std::vector<std::string> flags = {"--saved_model=/m", "--task_config=" + ConfigFile(dir),
                                          "--task_builder_server=" + server.Url()};
  RunResult r = Client(flags);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("Failed to create task group. Error type: 2; Error message: Cannot find task "
                               "management server."));
  std::vector<std::string> strict = flags;
  strict.push_back("--strict");
  EXPECT_EQ(Client(strict).exit_code, 3);
}

TEST(ClientTest, JsonOutputOnStdout) {
  TempDir dir;
  RecordingServer server;
  server.response = Protobuf(Success());
  RunResult r = Client({"--saved_model=/m", "--task_config=" + ConfigFile(dir),
                        "--task_builder_server=" + server.Url(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"taskGroup\""));
  EXPECT_THAT(r.out, HasSubstr("\"taskId\": \"7\""));
}

TEST(ClientTest, HttpErrorsUnreadableBodiesAndRefusedConnections) {
  TempDir dir;
  RecordingServer server;
  const std::vector<std::string> flags = {"--saved_model=/m", "--task_config=" + ConfigFile(dir),
                                          "--task_builder_server=" + server.Url()};
  server.response.status = 500;
  server.response.body = "boom";
  RunResult r = Client(flags);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("500: Internal Server Error"));

  server.response.status = 200;
  server.response.body = "bad-content";
  r = Client(flags);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Server returned unreadable response."));

  const int closed_port = ::tb::testing::PickUnusedPort();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(closed_port);
  r = Client({"--saved_model=/m", "--task_config=" + ConfigFile(dir), "--task_builder_server=" + endpoint,
              "--api_key=secret"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Fail to connect: " + endpoint + "/taskbuilder/v1:build-task-group?key=<redacted>"));
  EXPECT_THAT(r.err, Not(HasSubstr("secret")));
}

TEST(ClientTest, MetadataServerIdTokenForRemoteEndpoints) {
  TempDir dir;
  RecordingServer server;
  server.response = Protobuf(Success());
  RecordingServer metadata;
  metadata.response.body = "id-token-123";
  // 0.0.0.0 reaches the local server but is not a loopback name, so the client asks the metadata server.
  const std::string endpoint = "http://0.0.0.0:" + std::to_string(server.port());
  RunResult r = Client({"--saved_model=/m", "--task_config=" + ConfigFile(dir), "--task_builder_server=" + endpoint},
                       {{"GCE_METADATA_HOST", "127.0.0.1:" + std::to_string(metadata.port())}});
  // Client() puts its own GCE_METADATA_HOST after ours; env.emplace keeps the first, ours.
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto asked = metadata.requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].path, "/computeMetadata/v1/instance/service-accounts/default/identity");
  EXPECT_EQ(asked[0].QueryParam("audience"), endpoint + "/taskbuilder/v1:build-task-group");
  EXPECT_EQ(asked[0].QueryParam("format"), "full");
  EXPECT_EQ(asked[0].Header("Metadata-Flavor"), "Google");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].Header("Authorization"), "Bearer id-token-123");

  // No metadata server: the token failure is a connection failure, as in the original.
  r = Client({"--saved_model=/m", "--task_config=" + ConfigFile(dir), "--task_builder_server=" + endpoint});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Fail to connect: " + endpoint + "/taskbuilder/v1:build-task-group"));
}

TEST(ClientTest, ImpersonatedServiceAccountTokenFromIamCredentials) {
  TempDir dir;
  RecordingServer server;
  server.response = Protobuf(Success());
  RecordingServer iam;
  iam.response.content_type = "application/json";
  iam.response.body = "{\"token\": \"impersonated-id-token\"}";
  const std::string endpoint = "http://0.0.0.0:" + std::to_string(server.port());
  RunResult r = Client({"--saved_model=/m", "--task_config=" + ConfigFile(dir), "--task_builder_server=" + endpoint,
                        "--impersonate_service_account=builder@p.iam.gserviceaccount.com",
                        "--iam_credentials_endpoint=" + iam.Url()},
                       {{"GOOGLE_OAUTH_ACCESS_TOKEN", "user-access-token"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto asked = iam.requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].path, "/v1/projects/-/serviceAccounts/builder%40p.iam.gserviceaccount.com:generateIdToken");
  EXPECT_EQ(asked[0].Header("Authorization"), "Bearer user-access-token");
  EXPECT_THAT(asked[0].body, HasSubstr("\"audience\": \"" + endpoint + "/taskbuilder/v1:build-task-group\""));
  EXPECT_THAT(asked[0].body, HasSubstr("\"includeEmail\": true"));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].Header("Authorization"), "Bearer impersonated-id-token");
}

TEST(ClientTest, AgainstOurServer) {
  TempDir dir;
  ::tb::testing::ServeProcess serve;
  ASSERT_TRUE(serve.ready());
  RunResult r = Client({"--saved_model=" + dir.path(), "--task_config=" + ConfigFile(dir),
                        "--task_builder_server=" + serve.Url("/"), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  odp::BuildTaskResponse response;
  EXPECT_THAT(r.out, HasSubstr("\"errorInfo\""));  // nothing can be built here yet without the compiler
  EXPECT_THAT(r.err, HasSubstr("Failed to create task group. Error type: "));

  // An invalid config comes back as the server's validation error.
  r = Client({"--saved_model=" + dir.path(),
              "--task_config=" + ConfigFile(dir, "population_name: \"p\" policies { dataset_policy { batch_size: -1 } }"),
              "--task_builder_server=" + serve.Url("/"), "--strict"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("Error type: 1; Error message: Task config is invalid: [Invalid task config]: key "
                               "`batch_size` has a bad value: `-1` in `dataset_policy`."));
}

}  // namespace
}  // namespace tb::cli
