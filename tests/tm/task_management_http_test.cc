// The TM client against real loopback servers: our embedded service behind http::Server, and stand-ins that
// misbehave the ways an external TM can (down, slow, 500, 409, garbage, no cancel route).
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "tests/testing/testing.h"
#include "tm/task_management_client.h"
#include "tm/task_management_http.h"
#include "tm/task_management_ports.h"

namespace tb::tm {
namespace {

std::string Url(const http::Server& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }

odp::Task Training(const std::string& pop) {
  odp::Task t;
  t.set_population_name(pop);
  t.set_min_aggregation_size(3);
  return t;
}

TaskManagementClientOptions FastOptions(const std::string& url) {
  TaskManagementClientOptions o;
  o.server_url = url;
  o.retry.initial_backoff = std::chrono::milliseconds(10);
  o.retry.max_attempts = 3;
  o.http.timeout = std::chrono::milliseconds(3000);
  return o;
}

class EmbeddedOverHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedTaskManagementOptions o;
    o.storage_root = dir_.Join("artifacts");
    o.database_path = dir_.Join("tm.db");
    auto tm = EmbeddedTaskManagement::Open(o);
    ASSERT_TRUE(tm.ok()) << tm.status();
    tm_ = std::move(*tm);
    auto server = http::Server::Start({.address = "127.0.0.1"}, MakeTaskManagementHandler(&tm_->service()));
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
  }
  testing::TempDir dir_;
  std::unique_ptr<EmbeddedTaskManagement> tm_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(EmbeddedOverHttp, CreateGetCancelRoundTrip) {
  TaskManagementClient client(FastOptions(Url(*server_) + "/"));  // one trailing slash is stripped
  ASSERT_TRUE(client.CheckReachable().ok());
  EXPECT_TRUE(client.server_supports_idempotency());
  auto t = client.CreateTask(Training("my_pop"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->task_id(), 1);
  EXPECT_EQ(t->status(), odp::TaskStatus::CREATED);
  EXPECT_EQ(t->init_checkpoint_url(0), "file://" + dir_.Join("artifacts") + "/my_pop/1/0/s/0/checkpoint");
  auto got = client.GetTask("my_pop", 1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), t->SerializeAsString());
  auto cancelled = client.CancelTask("my_pop", 1);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status(), odp::TaskStatus::CANCELED);
  EXPECT_EQ(client.GetTask("my_pop", 1)->status(), odp::TaskStatus::CANCELED);
  auto missing = client.GetTask("my_pop", 42);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "404: Not Found: no task 42 in population my_pop");
}

TEST_F(EmbeddedOverHttp, ConflictAndBadPopulationCarryTheServerExplanation) {
  TaskManagementClient client(FastOptions(Url(*server_)));
  ASSERT_TRUE(client.CreateTask(Training("p")).ok());
  auto dup = client.CreateTask(Training("p"));
  EXPECT_EQ(dup.status().message(),
            "409: Conflict: failed to create new created task: only one active training and/or one evaluation "
            "task is allowed under one population, there are already active tasks: [p/1]");
  // The population is percent-encoded on the way out and decoded by the server, which then refuses it.
  auto odd = client.CreateTask(Training("a b/c?d"));
  EXPECT_EQ(odd.status().message(),
            "400: Bad Request: population name 'a b/c?d' may contain only letters, digits, '.', '_', '~' and '-'");
}

TEST_F(EmbeddedOverHttp, IdempotencyKeyOverTheWire) {
  TaskManagementClient client(FastOptions(Url(*server_)));
  auto a = client.CreateTask(Training("p"), "key-xyz");
  auto b = client.CreateTask(Training("p"), "key-xyz");
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
  EXPECT_EQ(a->task_id(), b->task_id());
}

TEST_F(EmbeddedOverHttp, RejectsWrongContentTypeAndGarbage) {
  http::Client raw;
  const std::string url = Url(*server_) + "/taskmanagement/v1/population/p:create-task";
  auto wrong_type = raw.Send({.method = "POST", .url = url, .headers = {{"Content-Type", "text/plain"}}, .body = "x"});
  EXPECT_EQ(wrong_type->status, 415);
  auto garbage = raw.Send(
      {.method = "POST", .url = url, .headers = {{"Content-Type", "application/x-protobuf"}}, .body = "\xff\xff\xff"});
  EXPECT_EQ(garbage->status, 400);
  auto bad_id = raw.Send({.method = "GET", .url = Url(*server_) + "/taskmanagement/v1/population/p/tasks/x:get",
                          .headers = {}, .body = ""});
  EXPECT_EQ(bad_id->status, 400);
  auto ready = raw.Send({.method = "GET", .url = Url(*server_) + "/ready", .headers = {}, .body = ""});
  EXPECT_EQ(ready->body, "Greetings from Task Management Spring Boot! Ready check. \n");
  auto health = raw.Send({.method = "GET", .url = Url(*server_) + "/healthz", .headers = {}, .body = ""});
  EXPECT_EQ(health->body, "Greetings from Task Management Spring Boot! Health check. \n");
}

TEST(TaskManagementEndpointTest, BuildsTheOriginalsUrls) {
  EXPECT_EQ(TaskManagementEndpoint("https://mock-server", "test", ":create-task"),
            "https://mock-server/taskmanagement/v1/population/test:create-task");
  EXPECT_EQ(TaskManagementEndpoint("https://mock-server/", "test", ":cancel"),
            "https://mock-server/taskmanagement/v1/population/test:cancel");
  EXPECT_EQ(TaskManagementEndpoint("https://h//", "a b/c", "/tasks/3:get"),
            "https://h//taskmanagement/v1/population/a%20b%2Fc/tasks/3:get");
  EXPECT_TRUE(IsLocalUrl("http://localhost:8082"));
  EXPECT_TRUE(IsLocalUrl("http://127.0.0.1:1"));
  EXPECT_FALSE(IsLocalUrl("https://tm-abc.run.app"));
}

// A stand-in TM that answers whatever the test says.
struct StandIn {
  std::function<http::ServerResponse(const http::ServerRequest&)> answer;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<http::ServerRequest> seen;
  std::unique_ptr<http::Server> server;
  StandIn() {
    auto s = http::Server::Start({.address = "127.0.0.1"}, [this](const http::ServerRequest& r) {
      ++calls;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(r);
      }
      return answer(r);
    });
    EXPECT_TRUE(s.ok());
    server = std::move(*s);
  }
};

TEST(TaskManagementClientFaults, DownSlow500GarbageAndNoCancel) {
  // Down: nothing listens.
  TaskManagementClient down(FastOptions("http://127.0.0.1:" + std::to_string(testing::PickUnusedPort())));
  auto d = down.CreateTask(Training("p"));
  EXPECT_EQ(d.status().message(), "Fail to connect: " + down.server_url() + "/taskmanagement/v1/population/p:create-task");

  // 500 without a body: the original's text exactly; a create is not retried (the server may have acted).
  StandIn err;
  err.answer = [](const http::ServerRequest&) {
    return http::ServerResponse{.status = 500, .content_type = "application/json", .headers = {}, .body = ""};
  };
  TaskManagementClient c500(FastOptions(Url(*err.server)));
  EXPECT_EQ(c500.CreateTask(Training("p")).status().message(), "500: Internal Server Error");
  EXPECT_EQ(err.calls.load(), 1);

  // Garbage 200.
  StandIn garbage;
  garbage.answer = [](const http::ServerRequest&) {
    return http::ServerResponse{.status = 200, .content_type = "application/x-protobuf", .headers = {},
                                .body = "\x0a\xff\xff\xff\xff"};
  };
  TaskManagementClient cg(FastOptions(Url(*garbage.server)));
  EXPECT_EQ(cg.CreateTask(Training("p")).status().message(), "Server returned unreadable response.");

  // Slow: the call times out instead of hanging.
  StandIn slow;
  slow.answer = [](const http::ServerRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return http::ServerResponse{};
  };
  TaskManagementClientOptions so = FastOptions(Url(*slow.server));
  so.http.timeout = std::chrono::milliseconds(300);
  TaskManagementClient cs(so);
  const auto start = std::chrono::steady_clock::now();
  auto s = cs.CreateTask(Training("p"));
  EXPECT_TRUE(absl::StartsWith(s.status().message(), "Fail to connect: ")) << s.status();
  EXPECT_EQ(slow.calls.load(), 1);  // a timed-out create may have been acted on: never retried blind
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));

  // ODP's Java TM has no cancel route: Unimplemented naming the server.
  StandIn java;
  java.answer = [](const http::ServerRequest&) {
    return http::ServerResponse{.status = 404, .content_type = "application/json", .headers = {}, .body = "{}"};
  };
  TaskManagementClient cj(FastOptions(Url(*java.server)));
  auto cancel = cj.CancelTask("p", 1);
  EXPECT_EQ(cancel.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(cancel.status().message().find("has no cancel endpoint"), std::string::npos);
}

TEST(TaskManagementClientFaults, RetriesOnlyWhereSafe) {
  std::atomic<int> n{0};
  StandIn flaky;
  flaky.answer = [&](const http::ServerRequest& r) {
    if (r.path == "/ready") {
      return http::ServerResponse{.status = 200, .content_type = "text/plain",
                                  .headers = {{kIdempotencySupportHeader, "supported"}}, .body = "ok"};
    }
    if (++n <= 2) return http::ServerResponse{.status = 503, .content_type = "text/plain", .headers = {}, .body = ""};
    odp::CreateTaskResponse resp;
    resp.mutable_task()->set_task_id(7);
    resp.mutable_task()->set_population_name("p");
    return http::ServerResponse{.status = 200, .content_type = "application/x-protobuf",
                                .headers = {{kIdempotencySupportHeader, "supported"}},
                                .body = resp.SerializeAsString()};
  };
  TaskManagementClient client(FastOptions(Url(*flaky.server)));
  // Without a key (or before the server said it deduplicates), a 503 is final.
  EXPECT_EQ(client.CreateTask(Training("p")).status().message(), "503: Service Unavailable");
  ASSERT_TRUE(client.CheckReachable().ok());
  ASSERT_TRUE(client.server_supports_idempotency());
  auto t = client.CreateTask(Training("p"), "key-1");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->task_id(), 7);
  std::lock_guard<std::mutex> lock(flaky.mu);
  int with_key = 0;
  for (const auto& r : flaky.seen) {
    if (r.Header(kIdempotencyKeyHeader) == "key-1") ++with_key;
  }
  EXPECT_EQ(with_key, 2);  // the retried create carried the same key
}

TEST(TaskManagementClientAuth, SendsTheIdTokenPerRequestForRemoteUrls) {
  StandIn md;
  md.answer = [](const http::ServerRequest& r) {
    return http::ServerResponse{.status = 200, .content_type = "text/plain", .headers = {},
                                .body = "token-for-" + r.QueryParam("audience")};
  };
  StandIn tm;
  tm.answer = [](const http::ServerRequest& r) {
    odp::CreateTaskResponse resp;
    resp.mutable_task()->set_task_id(1);
    return http::ServerResponse{.status = 200, .content_type = "application/x-protobuf", .headers = {},
                                .body = resp.SerializeAsString()};
  };
  TaskManagementClientOptions o = FastOptions(Url(*tm.server) + "/");
  o.local_without_token = false;
  o.id_tokens = std::make_shared<storage::MetadataIdTokenSource>(Url(*md.server));
  TaskManagementClient client(o);
  ASSERT_TRUE(client.CreateTask(Training("p")).ok());
  TaskManagementClient local(FastOptions(Url(*tm.server)));
  ASSERT_TRUE(local.CreateTask(Training("p")).ok());
  std::lock_guard<std::mutex> lock(tm.mu);
  ASSERT_EQ(tm.seen.size(), 2u);
  // The audience is the raw configured URL, trailing slash included (behavior.md §7.3).
  EXPECT_EQ(tm.seen[0].Header("Authorization"), "Bearer token-for-" + Url(*tm.server) + "/");
  EXPECT_EQ(tm.seen[0].Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(tm.seen[1].Header("Authorization"), "");  // no token leaks into later local requests
}

TEST(RemoteTaskManagementTest, PortChecksAvailabilityBeforeAnyBuild) {
  RemoteTaskManagementOptions none;
  none.locator.use_environment = false;
  none.locator.use_secret_manager = false;
  RemoteTaskManagement missing(none);
  EXPECT_EQ(missing.CheckAvailable().message(), "Cannot find task management server.");
  EXPECT_EQ(missing.CheckAvailable().code(), absl::StatusCode::kNotFound);

  RemoteTaskManagementOptions down;
  down.locator.explicit_url = "http://127.0.0.1:" + std::to_string(testing::PickUnusedPort());
  down.client.retry.initial_backoff = std::chrono::milliseconds(5);
  RemoteTaskManagement unreachable(down);
  EXPECT_EQ(unreachable.CheckAvailable().message(), "Fail to connect: " + down.locator.explicit_url + "/ready");
}

}  // namespace
}  // namespace tb::tm
