// The HTTP client and server tested against each other on loopback, plus raw-socket probes for the limits a
// browser-shaped client would never hit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "http/client.h"
#include "http/server.h"

namespace tb::http {
namespace {

using std::chrono::milliseconds;

std::string Url(const Server& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + path;
}

ServerResponse Echo(const ServerRequest& req) {
  ServerResponse r;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("X-Method", req.method);
  r.headers.emplace_back("X-Path", req.path);
  r.headers.emplace_back("X-Key", req.QueryParam("key"));
  r.headers.emplace_back("X-Header", req.Header("x-custom"));
  r.body = req.body;
  return r;
}

// Sends raw bytes and returns whatever the server answers before closing (or until timeout).
std::string RawExchange(int port, const std::string& bytes, milliseconds timeout = milliseconds(3000)) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "connect failed";
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
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

TEST(HttpTest, EchoRoundTripWithQueryHeadersAndBinaryBody) {
  auto server = Server::Start({.address = "127.0.0.1"}, Echo);
  ASSERT_TRUE(server.ok()) << server.status();
  Client client;
  std::string body("\x00\x01\xff protobuf-ish", 16);
  auto resp = client.Send({.method = "POST",
                           .url = Url(**server, "/taskbuilder/v1:build-task-group?key=a%20b&x=1"),
                           .headers = {{"X-Custom", "yes"}},
                           .body = body});
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->reason, "OK");
  EXPECT_EQ(resp->body, body);
  EXPECT_EQ(resp->Header("x-method"), "POST");
  EXPECT_EQ(resp->Header("X-Path"), "/taskbuilder/v1:build-task-group");
  EXPECT_EQ(resp->Header("X-Key"), "a b");
  EXPECT_EQ(resp->Header("X-Header"), "yes");
  EXPECT_EQ(resp->Header("Content-Type"), "application/octet-stream");
}

// Whether this process has libcurl mapped (http/curl_library.h: it is loaded on the first request, not at start).
bool LibcurlIsMapped() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("libcurl") != std::string::npos) return true;
  }
  return false;
}

TEST(HttpTest, LibcurlIsLoadedByTheFirstRequestNotAtStartUp) {
  // In a fresh process (a death-test child re-executes this binary), so earlier tests' requests do not count.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto server = Server::Start({.address = "127.0.0.1"}, Echo);
        if (!server.ok()) std::exit(2);
        Client client;
        if (LibcurlIsMapped()) std::exit(3);  // linked or loaded before any request
        auto resp = client.Send({.method = "GET", .url = Url(**server, "/x")});
        if (!resp.ok() || resp->status != 200) std::exit(4);
        std::exit(LibcurlIsMapped() ? 0 : 5);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(HttpTest, HeadHasLengthButNoBody) {
  auto server = Server::Start({.address = "127.0.0.1"}, [](const ServerRequest&) {
    ServerResponse r;
    r.body = "hello world";
    return r;
  });
  ASSERT_TRUE(server.ok());
  const std::string raw = RawExchange((*server)->port(), "HEAD /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("Content-Length: 11"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("hello world"), std::string::npos) << raw;
}

TEST(HttpTest, ErrorStatusIsAResponseWithItsReason) {
  auto server = Server::Start({.address = "127.0.0.1"}, [](const ServerRequest&) {
    ServerResponse r;
    r.status = 409;
    return r;
  });
  ASSERT_TRUE(server.ok());
  auto resp = Client().Send({.url = Url(**server, "/")});
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 409);
  EXPECT_EQ(resp->reason, "Conflict");
  EXPECT_FALSE(resp->ok());
}

TEST(HttpTest, ConnectionRefusedIsUnavailableNamingTheUrl) {
  const std::string url = "http://127.0.0.1:1/nothing";
  auto resp = Client({.connect_timeout = milliseconds(500)}).Send({.url = url});
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(resp.status().message().find(url), std::string::npos);
}

TEST(HttpTest, ClientTimeoutIsDeadlineExceeded) {
  auto server = Server::Start({.address = "127.0.0.1"}, [](const ServerRequest&) {
    std::this_thread::sleep_for(milliseconds(1500));
    return ServerResponse{};
  });
  ASSERT_TRUE(server.ok());
  auto resp = Client({.timeout = milliseconds(200)}).Send({.url = Url(**server, "/slow")});
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(HttpTest, ResponseSizeLimitIsEnforced) {
  auto server = Server::Start({.address = "127.0.0.1"}, [](const ServerRequest&) {
    ServerResponse r;
    r.body = std::string(100000, 'x');
    return r;
  });
  ASSERT_TRUE(server.ok());
  auto resp = Client({.max_response_bytes = 1000}).Send({.url = Url(**server, "/")});
  EXPECT_FALSE(resp.ok());
}

TEST(HttpTest, RetriesTransientFailuresThenSucceeds) {
  std::atomic<int> calls{0};
  auto server = Server::Start({.address = "127.0.0.1"}, [&](const ServerRequest&) {
    ServerResponse r;
    r.status = ++calls < 3 ? 503 : 200;
    return r;
  });
  ASSERT_TRUE(server.ok());
  int retries = 0;
  RetryPolicy policy{.max_attempts = 5, .initial_backoff = milliseconds(1)};
  policy.on_retry = [&](int, const std::string&) { ++retries; };
  auto resp = Client().SendWithRetries({.url = Url(**server, "/")}, policy);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(retries, 2);
}

TEST(HttpTest, RetriesAreBounded) {
  std::atomic<int> calls{0};
  auto server = Server::Start({.address = "127.0.0.1"}, [&](const ServerRequest&) {
    ++calls;
    ServerResponse r;
    r.status = 500;
    return r;
  });
  ASSERT_TRUE(server.ok());
  auto resp = Client().SendWithRetries({.url = Url(**server, "/")},
                                       RetryPolicy{.max_attempts = 3, .initial_backoff = milliseconds(1)});
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 500);
  EXPECT_EQ(calls.load(), 3);
}

TEST(HttpTest, NoRetryOnClientErrors) {
  std::atomic<int> calls{0};
  auto server = Server::Start({.address = "127.0.0.1"}, [&](const ServerRequest&) {
    ++calls;
    ServerResponse r;
    r.status = 404;
    return r;
  });
  ASSERT_TRUE(server.ok());
  auto resp = Client().SendWithRetries({.url = Url(**server, "/")}, RetryPolicy{.initial_backoff = milliseconds(1)});
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpTest, OversizedBodyGets413) {
  auto server = Server::Start({.address = "127.0.0.1", .body_limit = 1024}, Echo);
  ASSERT_TRUE(server.ok());
  auto resp = Client().Send({.method = "POST", .url = Url(**server, "/"), .body = std::string(4096, 'x')});
  // The server may close before reading the whole body; either way the request must not be served.
  if (resp.ok()) {
    EXPECT_EQ(resp->status, 413);
  }
}

TEST(HttpTest, HugeHeadersGet431AndUnboundedHeaderStreamIsCut) {
  auto server = Server::Start({.address = "127.0.0.1", .header_limit = 1024}, Echo);
  ASSERT_TRUE(server.ok());
  const std::string raw = RawExchange((*server)->port(), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " +
                                                              std::string(8192, 'a') + "\r\n\r\n");
  EXPECT_NE(raw.find("431"), std::string::npos) << raw.substr(0, 200);
  // A header that never ends: the server must stop reading and close, not buffer forever.
  const std::string endless = "GET / HTTP/1.1\r\nX: " + std::string(1 << 20, 'b');
  const std::string raw2 = RawExchange((*server)->port(), endless);
  EXPECT_EQ(raw2.find("200 OK"), std::string::npos);
}

TEST(HttpTest, GarbageGets400) {
  auto server = Server::Start({.address = "127.0.0.1"}, Echo);
  ASSERT_TRUE(server.ok());
  const std::string raw = RawExchange((*server)->port(), "\x01\x02 garbage\r\n\r\n");
  EXPECT_NE(raw.find("400"), std::string::npos) << raw;
}

TEST(HttpTest, SlowClientIsDisconnected) {
  auto server = Server::Start({.address = "127.0.0.1", .read_timeout = milliseconds(200)}, Echo);
  ASSERT_TRUE(server.ok());
  const auto start = std::chrono::steady_clock::now();
  // Sends half a request line and then nothing: the server must hang up after its read timeout.
  const std::string raw = RawExchange((*server)->port(), "GET /slo", milliseconds(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(4000));
  EXPECT_EQ(raw.find("200"), std::string::npos);
}

TEST(HttpTest, InlineHandlersAnswerWhileWorkersAreBusy) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ServerOptions options{.address = "127.0.0.1", .worker_threads = 1};
  options.run_inline = [](const ServerRequest& r) { return r.path == "/healthz"; };
  auto server = Server::Start(options, [&](const ServerRequest& r) {
    if (r.path == "/build") released.wait();
    ServerResponse resp;
    resp.body = r.path;
    return resp;
  });
  ASSERT_TRUE(server.ok());
  auto slow = std::async(std::launch::async, [&] { return Client().Send({.url = Url(**server, "/build")}); });
  std::this_thread::sleep_for(milliseconds(100));
  auto health = Client({.timeout = milliseconds(2000)}).Send({.url = Url(**server, "/healthz")});
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->body, "/healthz");
  release.set_value();
  auto built = slow.get();
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->body, "/build");
}

TEST(HttpTest, GracefulShutdownFinishesInFlightRequests) {
  std::atomic<bool> entered{false};
  auto server = Server::Start({.address = "127.0.0.1"}, [&](const ServerRequest&) {
    entered = true;
    std::this_thread::sleep_for(milliseconds(300));
    ServerResponse r;
    r.body = "finished";
    return r;
  });
  ASSERT_TRUE(server.ok());
  const std::string url = Url(**server, "/work");
  auto in_flight = std::async(std::launch::async, [&] { return Client().Send({.url = url}); });
  while (!entered) std::this_thread::sleep_for(milliseconds(5));
  (*server)->Shutdown(milliseconds(5000));
  auto resp = in_flight.get();
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->body, "finished");
  // After shutdown nothing listens any more.
  EXPECT_FALSE(Client({.connect_timeout = milliseconds(300)}).Send({.url = url}).ok());
}

TEST(HttpTest, KeepAliveServesManyRequestsAndHandlerExceptionsBecome500) {
  auto server = Server::Start({.address = "127.0.0.1"}, [](const ServerRequest& r) -> ServerResponse {
    if (r.path == "/throw") throw std::runtime_error("boom");
    return ServerResponse{};
  });
  ASSERT_TRUE(server.ok());
  std::string pipelined;
  for (int i = 0; i < 3; ++i) pipelined += "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
  pipelined += "GET /throw HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  const std::string raw = RawExchange((*server)->port(), pipelined);
  size_t count = 0;
  for (size_t pos = 0; (pos = raw.find("HTTP/1.1 200", pos)) != std::string::npos; ++pos) ++count;
  EXPECT_EQ(count, 3u) << raw;
  EXPECT_NE(raw.find("HTTP/1.1 500"), std::string::npos);
}

TEST(HttpTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("my pop/a:b?c#d~e_f.g-h"), "my%20pop%2Fa%3Ab%3Fc%23d~e_f.g-h");
  EXPECT_EQ(ReasonPhrase(500), "Internal Server Error");
}

}  // namespace
}  // namespace tb::http
