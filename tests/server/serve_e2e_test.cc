// End to end: the real `taskbuilder serve` binary on loopback, real protobuf bodies over real HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/client.h"
#include "fcp/plan.pb.h"
#include "odp/task_builder.pb.h"
#include "pipeline/build_pipeline.h"
#include "tests/config/good_config.h"
#include "tests/server/serve_process.h"

namespace tb::server {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;
using ::tb::testing::ServeProcess;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<http::Response> Send(const std::string& method, const std::string& url, std::string body = "",
                                    http::Headers headers = {}) {
  http::Request request;
  request.method = method;
  request.url = url;
  request.body = std::move(body);
  request.headers = std::move(headers);
  if (method == "POST") request.headers.emplace_back("Content-Type", "application/x-protobuf");
  return http::Client().Send(request);
}

odp::BuildTaskResponse Post(const ServeProcess& server, const std::string& path, const std::string& body) {
  auto response = Send("POST", server.Url(path), body);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return {};
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Content-Type"), "application/x-protobuf");
  odp::BuildTaskResponse parsed;
  EXPECT_TRUE(parsed.ParseFromString(response->body));
  EXPECT_TRUE(parsed.has_task_report());
  return parsed;
}

// Sends raw bytes on a fresh connection and returns what comes back before the server closes it.
std::string RawExchange(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServeProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServeProcess* server_;
};
ServeProcess* ServeTest::server_ = nullptr;

TEST_F(ServeTest, ReadyAndHealthChecks) {
  ASSERT_TRUE(server_->ready());
  auto ready = Send("GET", server_->Url("/ready"));
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "Greetings from Task Builder Flask! Ready check. \n");
  EXPECT_EQ(ready->Header("Content-Type"), "text/html; charset=utf-8");
  auto health = Send("GET", server_->Url("/healthz"));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->body, "Greetings from Task Builder Flask! Health check. \n");
  auto head = Send("HEAD", server_->Url("/healthz"));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
}

TEST_F(ServeTest, GetOnABuildRouteIs405AndUnknownPathsAre404) {
  auto get = Send("GET", server_->Url("/taskbuilder/v1:build-task-group"));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->Header("Allow"), "OPTIONS, POST");
  EXPECT_THAT(get->body, HasSubstr("<title>405 Method Not Allowed</title>"));
  auto missing = Send("POST", server_->Url("/taskbuilder/v1:build-task"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("<title>404 Not Found</title>"));
}

TEST_F(ServeTest, EmptyBodyAnswersTheOriginalsBytes) {
  for (const char* path : {"/taskbuilder/v1:build-task-group", "/taskbuilder/v1:build-artifacts"}) {
    auto response = Send("POST", server_->Url(path));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 200);
    odp::BuildTaskResponse expected;
    expected.mutable_error_info()->set_error_type(odp::ErrorType::INVALID_REQUEST);
    expected.mutable_error_info()->set_error_message(
        "Task config is invalid: [Invalid task config]: key `population_name` has a bad value: `` in `task_config`. "
        "population_name is required and must be set to an non-empty string.");
    expected.mutable_task_report();
    EXPECT_EQ(response->body, ::tb::SerializeDeterministic(expected));
    EXPECT_EQ(response->body.substr(response->body.size() - 2), std::string("\x1a\x00", 2));
  }
}

TEST_F(ServeTest, BadBodiesAnswerProtobufErrorsNotHtml500s) {
  for (const std::string& body : {std::string("\xff\xff\xff\xff"), std::string(300, '\x7b')}) {
    odp::BuildTaskResponse r = Post(*server_, "/taskbuilder/v1:build-task-group", body);
    EXPECT_EQ(r.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
    EXPECT_THAT(r.error_info().error_message(), StartsWith("Unable to decode request body: "));
  }
  // A config that validates but cannot be built here still gets a protobuf answer naming what failed.
  odp::BuildTaskRequest request;
  request.mutable_saved_model()->set_uri("/nonexistent/model");
  *request.mutable_task_config() = ::tb::testing::GoodTaskConfig();
  odp::BuildTaskResponse r = Post(*server_, "/taskbuilder/v1:build-task-group", request.SerializeAsString());
  EXPECT_TRUE(r.has_error_info());
  EXPECT_FALSE(r.error_info().error_message().empty());
  request.clear_saved_model();
  r = Post(*server_, "/taskbuilder/v1:build-artifacts", request.SerializeAsString());
  EXPECT_TRUE(r.has_error_info());
}

TEST_F(ServeTest, RequestsWithoutSavedModelFailInStageB) {
  odp::BuildTaskRequest request;
  *request.mutable_task_config() = ::tb::testing::GoodTaskConfig();
  odp::BuildTaskResponse r = Post(*server_, "/taskbuilder/v1:build-task-group", request.SerializeAsString());
  EXPECT_EQ(r.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(r.error_info().error_message(),
            "Failed to build learning algorithm based on `learning_process` config: 'NoneType' object has no attribute "
            "'input_spec'");
  // The original's float32 epsilon is 0.017875321209430695; at delta 1e-9 the PLD accountant agrees to ~2e-5
  // relative (the reference's own floating-point noise floor, see tests/dp/dp_parameters_test.cc).
  EXPECT_NEAR(r.task_report().dp_hyperparameters().dp_epsilon(), 0.017875321209430695, 0.017875321209430695 * 2e-5);
  EXPECT_EQ(r.task_report().dp_hyperparameters().noise_multiplier(), 6.0f);
  EXPECT_EQ(r.task_report().dp_hyperparameters().num_training_rounds(), 1000);
}

TEST_F(ServeTest, OversizedBodiesAndHeadersAreRefused) {
  auto big = Send("POST", server_->Url("/taskbuilder/v1:build-task-group"),
                  std::string(pipeline::kMaxRequestBytes + 1, 'x'));
  if (big.ok()) {  // or the connection is closed while sending; both refuse it
    EXPECT_EQ(big->status, 413);
  }
  const std::string huge_header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') +
                                  "\r\n\r\n";
  EXPECT_THAT(RawExchange(server_->port(), huge_header), StartsWith("HTTP/1.1 431"));
  EXPECT_THAT(RawExchange(server_->port(), "NOT HTTP AT ALL\r\n\r\n"), StartsWith("HTTP/1.1 400"));
  // The server is still healthy afterwards.
  auto health = Send("GET", server_->Url("/healthz"));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServeTest, KeepAliveServesManyRequestsOnOneConnection) {
  std::string requests;
  for (int i = 0; i < 3; ++i) requests += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string answers = RawExchange(server_->port(), requests);
  size_t count = 0;
  for (size_t pos = 0; (pos = answers.find("HTTP/1.1 200", pos)) != std::string::npos; ++pos) ++count;
  EXPECT_EQ(count, 4u);
  EXPECT_THAT(answers, HasSubstr("Ready check."));
}

TEST(ServeApiKeyTest, BuildRoutesNeedTheKeyProbesDoNot) {
  ServeProcess server({"--api_key=k3y"});
  ASSERT_TRUE(server.ready());
  auto health = Send("GET", server.Url("/healthz"));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto without = Send("POST", server.Url("/taskbuilder/v1:build-task-group"));
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->status, 401);
  auto wrong = Send("POST", server.Url("/taskbuilder/v1:build-task-group?key=nope"));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  auto with_query = Send("POST", server.Url("/taskbuilder/v1:build-task-group?key=k3y"));
  ASSERT_TRUE(with_query.ok());
  EXPECT_EQ(with_query->status, 200);
  EXPECT_EQ(with_query->Header("Content-Type"), "application/x-protobuf");
  auto with_header = Send("POST", server.Url("/taskbuilder/v1:build-artifacts"), "", {{"x-api-key", "k3y"}});
  ASSERT_TRUE(with_header.ok());
  EXPECT_EQ(with_header->status, 200);
}

TEST(ServeShutdownTest, SigtermStopsCleanly) {
  ServeProcess server;
  ASSERT_TRUE(server.ready());
  auto health = Send("GET", server.Url("/healthz"));
  ASSERT_TRUE(health.ok());
  server.process().Signal(SIGTERM);
  auto code = server.process().Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "serve did not exit after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(server.process().Stderr(), HasSubstr("taskbuilder serve: stopped"));
}

// A request whose DP noise must be calibrated keeps a worker busy for a while (PLD accounting at every Brent
// step): long enough to see the probes answer meanwhile, and to send SIGTERM while it is in flight.
odp::BuildTaskRequest SlowRequest() {
  odp::BuildTaskRequest request;
  *request.mutable_task_config() = ::tb::testing::GoodTaskConfig();
  request.mutable_task_config()->mutable_differential_privacy()->set_noise_multiplier(0);
  request.mutable_task_config()
      ->mutable_federated_learning()
      ->mutable_learning_process()
      ->mutable_runtime_config()
      ->set_report_goal(30000);
  return request;
}

TEST(ServeConcurrencyTest, ProbesAnswerWhileBuildsRunAndSigtermLetsThemFinish) {
  ServeProcess server({"--workers=1"});
  ASSERT_TRUE(server.ready());
  const std::string body = SlowRequest().SerializeAsString();
  std::atomic<int> builds_done{0};
  std::vector<odp::BuildTaskResponse> responses(2);
  std::vector<std::thread> builds;
  for (int i = 0; i < 2; ++i) {
    builds.emplace_back([&, i] {
      responses[i] = Post(server, "/taskbuilder/v1:build-task-group", body);
      builds_done.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto health = Send("GET", server.Url("/healthz"));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  const bool observed_during_build = builds_done.load() < 2;

  server.process().Signal(SIGTERM);  // in-flight builds finish; the queued one too (it was already read)
  for (auto& t : builds) t.join();
  auto code = server.process().Wait(std::chrono::seconds(120));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  for (const auto& r : responses) {
    ASSERT_TRUE(r.has_error_info());
    // Calibration finished and reported its noise before the build stopped at the missing model.
    EXPECT_GT(r.task_report().dp_hyperparameters().noise_multiplier(), 0) << r.error_info().error_message();
    EXPECT_EQ(r.task_report().dp_hyperparameters().dp_epsilon(), 6.0f);
  }
  if (!observed_during_build) GTEST_SKIP() << "both builds finished before the health check; nothing observed";
}

// `taskbuilder serve` with no flags as a complete local build service: the keras sample model and the GOOD
// config through :build-task-group (embedded task management, local storage), then :build-artifacts.
TEST(ServeEndToEndTest, KerasTaskGroupWithEmbeddedTaskManagementAndLocalStorage) {
  TB_REQUIRE_FIXTURE(model, "keras/input/keras_model");
  ServeProcess server;
  ASSERT_TRUE(server.ready());
  odp::BuildTaskRequest request;
  request.mutable_saved_model()->set_uri(model);
  *request.mutable_task_config() = ::tb::testing::GoodTaskConfig();
  request.mutable_task_config()->mutable_federated_learning()->mutable_evaluation()->clear_source_training_population();
  odp::BuildTaskResponse r = Post(server, "/taskbuilder/v1:build-task-group", request.SerializeAsString());
  ASSERT_TRUE(r.has_task_group()) << r.error_info().error_message();
  const odp::Task& training = r.task_group().training_task();
  const odp::Task& eval = r.task_group().eval_task();
  EXPECT_GT(training.task_id(), 0);
  EXPECT_EQ(training.status(), odp::TaskStatus::CREATED);
  EXPECT_EQ(eval.info().evaluation_info().training_task_id(), training.task_id());
  EXPECT_EQ(r.task_report().applied_algorithms().dp_aggregator(), odp::DpAggregator::FIXED_GAUSSIAN);
  for (const odp::Task* task : {&training, &eval}) {
    ASSERT_EQ(task->server_phase_url_size(), 1);
    ASSERT_EQ(task->client_only_plan_url_size(), 1);
    ASSERT_EQ(task->init_checkpoint_url_size(), 1);
    // Local storage hands out file:// URLs under the server's storage root.
    for (const std::string& url :
         {task->server_phase_url(0), task->client_only_plan_url(0), task->init_checkpoint_url(0)}) {
      EXPECT_EQ(url.rfind("file://" + server.home(), 0), 0u) << url;
    }
    auto local = [](const std::string& url) { return url.substr(std::string("file://").size()); };
    google::internal::federated::plan::Plan plan;
    EXPECT_TRUE(plan.ParseFromString(::tb::testing::ReadFileOrDie(local(task->server_phase_url(0)))));
    EXPECT_GT(plan.phase_size(), 0);
    EXPECT_FALSE(::tb::testing::ReadFileOrDie(local(task->client_only_plan_url(0))).empty());
    EXPECT_FALSE(::tb::testing::ReadFileOrDie(local(task->init_checkpoint_url(0))).empty());
  }

  // :build-artifacts writes where the config says (inside the storage root) and creates no task.
  auto* lp = request.mutable_task_config()->mutable_federated_learning()->mutable_learning_process();
  auto* ev = request.mutable_task_config()->mutable_federated_learning()->mutable_evaluation();
  for (auto [building, prefix] : {std::pair{lp->mutable_artifact_building(), "train"},
                                  std::pair{ev->mutable_artifact_building(), "eval"}}) {
    building->set_plan_url(server.home() + "/out/" + prefix + "_plan.pb");
    building->set_client_plan_url(server.home() + "/out/" + prefix + "_client_only_plan.pb");
    building->set_checkpoint_url(server.home() + "/out/" + prefix + "_initial_state.server.ckp");
  }
  r = Post(server, "/taskbuilder/v1:build-artifacts", request.SerializeAsString());
  ASSERT_TRUE(r.has_task_group()) << r.error_info().error_message();
  EXPECT_EQ(r.task_group().training_task().task_id(), 0);
  google::internal::federated::plan::ClientOnlyPlan client;
  EXPECT_TRUE(client.ParseFromString(::tb::testing::ReadFileOrDie(server.home() + "/out/eval_client_only_plan.pb")));
}

TEST(ServeStartupTest, SaysWhatServesEachCapability) {
  ServeProcess server;
  ASSERT_TRUE(server.ready());
  const std::string log = server.process().Stderr();
  EXPECT_THAT(log, HasSubstr("storage: " + server.home()));
  EXPECT_THAT(log, HasSubstr("task management: "));
  EXPECT_THAT(log, HasSubstr("artifact compiler: "));
  EXPECT_THAT(log, HasSubstr("listening on http://127.0.0.1:" + std::to_string(server.port())));
}

TEST(ServeFlagsTest, BadFlagsExitWithUsage) {
  auto result = ::tb::testing::Run({::tb::testing::TaskbuilderBinary(), "serve", "--port=abc"});
  EXPECT_EQ(result.exit_code, 2);
  result = ::tb::testing::Run({::tb::testing::TaskbuilderBinary(), "serve", "--no_such_flag=1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("unknown flag --no_such_flag"));
}

}  // namespace
}  // namespace tb::server
