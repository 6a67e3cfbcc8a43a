// An HTTP/1.1 server that serves one request handler: Boost.Beast with C++20 coroutines on a few I/O threads,
// handlers on a worker pool (so slow builds never block health checks), strict limits on headers, bodies,
// connections and slow clients, and a graceful shutdown that finishes in-flight requests.
// It knows nothing about routes or protobufs: server/ (the build API) and tm/ (task management) supply handlers.
#ifndef TASKBUILDER_HTTP_SERVER_H_
#define TASKBUILDER_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::http {

struct ServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path plus optional "?query"
  std::string path;    // target up to '?', percent-decoding NOT applied (ODP paths contain ':' literally)
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;

  // Case-insensitive; empty when absent.
  std::string Header(std::string_view name) const;
  // First value of a query parameter; empty when absent.
  std::string QueryParam(const std::string& name) const;
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (e.g. Allow)
  std::string body;
};

// Must not throw; runs on a worker thread (or the I/O thread when ServerOptions::run_inline says so).
using Handler = std::function<ServerResponse(const ServerRequest&)>;

struct ServerOptions {
  std::string address = "0.0.0.0";
  int port = 0;  // 0 picks a free port (see Server::port())
  int io_threads = 1;
  int worker_threads = 2;
  size_t header_limit = 16 * 1024;               // request line + headers
  uint64_t body_limit = uint64_t{256} << 20;     // 256 MiB
  std::chrono::milliseconds read_timeout{30000};  // to receive one whole request once it has started
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive wait for the next request
  int max_connections = 1024;
  // Requests for which this returns true run directly on the I/O thread (cheap, non-blocking handlers such as
  // health checks), so they answer even when every worker is busy.
  std::function<bool(const ServerRequest&)> run_inline;
  std::string server_header = "taskbuilder";
};

class Server {
 public:
  // Binds, listens and starts serving in background threads.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);
  ~Server();  // Shutdown(0) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;

  // Stops accepting, lets in-flight requests finish (up to `grace`), then closes every connection and joins the
  // threads. Idempotent.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(30000));

  // Blocks until Shutdown() has completed (from another thread or a signal; see WaitForSignalAndShutdown).
  void Wait();

  // Number of requests currently being handled.
  int in_flight() const;

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks until SIGTERM or SIGINT arrives, then calls server.Shutdown(grace). For `serve`-style commands.
void WaitForSignalAndShutdown(Server& server, std::chrono::milliseconds grace);

}  // namespace tb::http

#endif  // TASKBUILDER_HTTP_SERVER_H_
