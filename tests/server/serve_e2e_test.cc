// End to end: the real `taskbuilder serve` binary on loopback, real protobuf bodies over real HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/client.h"
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
    EXPECT_EQ(response->body, pipeline::SerializeDeterministic(expected));
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
  if (r.error_info().error_type() == odp::ErrorType::ARTIFACT_BUILDING_ERROR) {
    // This build has no DP accounting yet: the error names it.
    EXPECT_THAT(r.error_info().error_message(), HasSubstr("differential privacy accounting is not available"));
    return;
  }
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
  if (big.ok()) EXPECT_EQ(big->status, 413);  // or the connection is closed while sending; both refuse it
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
