// The only translation unit that includes Boost.Beast (it compiles slowly; dependencies.md §2).
#include "http/server.h"

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding of one query component.
std::string QueryDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::multimap<std::string, std::string> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace(QueryDecode(part), "");
    } else {
      out.emplace(QueryDecode(part.substr(0, eq)), QueryDecode(part.substr(eq + 1)));
    }
  }
  return out;
}

ServerResponse ErrorResponse(int status, std::string_view message) {
  ServerResponse r;
  r.status = status;
  r.body = absl::StrCat(ToAbsl(message), "\n");
  return r;
}

}  // namespace

std::string ServerRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(k), ToAbsl(name))) return v;
  }
  return "";
}

std::string ServerRequest::QueryParam(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        ioc_(options_.io_threads),
        workers_(static_cast<size_t>(std::max(1, options_.worker_threads))),
        acceptor_(ioc_) {}

  absl::Status Listen() {
    beast::error_code ec;
    const auto address = net::ip::make_address(options_.address, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen address '", options_.address, "'"));
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options_.address, ":", options_.port, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, AcceptLoop(), net::detached);
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      io_threads_.emplace_back([this] { ioc_.run(); });
    }
    return absl::OkStatus();
  }

  void Shutdown(std::chrono::milliseconds grace) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_started_) {
        // Another thread is shutting down; wait for it.
      } else {
        shutdown_started_ = true;
        stopping_.store(true);
      }
    }
    std::call_once(shutdown_once_, [&] {
      net::post(ioc_, [this] {
        beast::error_code ec;
        acceptor_.close(ec);
      });
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, grace, [this] { return in_flight_.load() == 0; });
      }
      ioc_.stop();
      for (auto& t : io_threads_) {
        if (t.joinable()) t.join();
      }
      workers_.join();
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      cv_.notify_all();
    });
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
  }

  int port() const { return port_; }
  int in_flight() const { return in_flight_.load(); }

 private:
  net::awaitable<void> AcceptLoop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(net::make_strand(ioc_));
      co_await acceptor_.async_accept(socket, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (stopping_.load() || ec == net::error::operation_aborted) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      if (connections_.load() >= options_.max_connections) {
        socket.close(ec);
        continue;
      }
      const auto executor = socket.get_executor();
      net::co_spawn(executor, Session(std::move(socket)), net::detached);
    }
  }

  static ServerResponse CallHandler(const Handler& handler, const ServerRequest& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      TB_LOG(ERROR) << "handler threw for " << request.method << " " << request.target << ": " << e.what();
    } catch (...) {
      TB_LOG(ERROR) << "handler threw for " << request.method << " " << request.target;
    }
    return ErrorResponse(500, "internal error");
  }

  net::awaitable<void> WriteResponse(beast::tcp_stream& stream, const ServerResponse& response, unsigned version,
                                     bool head, bool keep_alive, beast::error_code& ec) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
    res.set(bhttp::field::server, options_.server_header);
    res.set(bhttp::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = response.body;
    res.prepare_payload();
    if (head) {
      res.body().clear();
      res.content_length(response.body.size());
    }
    stream.expires_after(options_.read_timeout);
    co_await bhttp::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
  }

  net::awaitable<void> Session(tcp::socket socket) {
    connections_.fetch_add(1);
    beast::error_code ec;
    std::string remote;
    {
      auto endpoint = socket.remote_endpoint(ec);
      if (!ec) remote = endpoint.address().to_string();
    }
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
      parser.body_limit(options_.body_limit);
      // A new connection gets read_timeout for its first request; a kept-alive one may idle longer first.
      stream.expires_after(first ? options_.read_timeout : options_.idle_timeout);
      co_await bhttp::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        int status = 0;
        if (ec == bhttp::error::body_limit) status = 413;
        if (ec == bhttp::error::header_limit) status = 431;
        if (ec == bhttp::error::bad_method || ec == bhttp::error::bad_target || ec == bhttp::error::bad_version ||
            ec == bhttp::error::bad_field || ec == bhttp::error::bad_value ||
            ec == bhttp::error::bad_content_length || ec == bhttp::error::bad_transfer_encoding ||
            ec == bhttp::error::bad_chunk || ec == bhttp::error::bad_line_ending) {
          status = 400;
        }
        if (status != 0) {
          beast::error_code wec;
          co_await WriteResponse(stream, ErrorResponse(status, ReasonPhraseFor(status)), 11, false, false, wec);
        }
        break;  // end of stream, timeout or a protocol error: close the connection
      }
      auto& req = parser.get();
      ServerRequest request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      const size_t q = request.target.find('?');
      request.path = request.target.substr(0, q);
      if (q != std::string::npos) request.query = ParseQuery(std::string_view(request.target).substr(q + 1));
      for (const auto& field : req) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = std::move(req.body());
      request.remote_address = remote;
      const unsigned version = req.version();
      const bool head = req.method() == bhttp::verb::head;
      const bool client_keep_alive = req.keep_alive();

      in_flight_.fetch_add(1);
      ServerResponse response;
      if (options_.run_inline && options_.run_inline(request)) {
        response = CallHandler(handler_, request);
      } else {
        const Handler& handler = handler_;
        response = co_await net::co_spawn(
            workers_.get_executor(),
            [&handler, &request]() -> net::awaitable<ServerResponse> { co_return CallHandler(handler, request); },
            net::use_awaitable);
      }
      const bool keep_alive = client_keep_alive && !stopping_.load();
      co_await WriteResponse(stream, response, version, head, keep_alive, ec);
      if (in_flight_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        cv_.notify_all();
      }
      if (ec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    connections_.fetch_sub(1);
  }

  static std::string_view ReasonPhraseFor(int status) {
    switch (status) {
      case 400: return "Bad Request";
      case 413: return "Payload Too Large";
      case 431: return "Request Header Fields Too Large";
      default: return "Error";
    }
  }

  ServerOptions options_;
  Handler handler_;
  net::io_context ioc_;
  net::thread_pool workers_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> io_threads_;
  int port_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::once_flag shutdown_once_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_started_ = false;
  bool done_ = false;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  // Our threads must never take SIGTERM/SIGINT: the caller's thread decides what they mean (usually through
  // WaitForSignalAndShutdown). Threads inherit the mask in effect when they are created.
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &previous);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  const absl::Status listening = impl->Listen();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  TB_RETURN_IF_ERROR(listening);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { impl_->Shutdown(std::chrono::milliseconds(0)); }
int Server::port() const { return impl_->port(); }
void Server::Shutdown(std::chrono::milliseconds grace) { impl_->Shutdown(grace); }
void Server::Wait() { impl_->Wait(); }
int Server::in_flight() const { return impl_->in_flight(); }

void WaitForSignalAndShutdown(Server& server, std::chrono::milliseconds grace) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Server::Start blocked these in its own threads; block them here too so sigwait receives them.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int signal = 0;
  sigwait(&set, &signal);
  TB_LOG(INFO) << "received signal " << signal << ", finishing in-flight requests";
  server.Shutdown(grace);
}

}  // namespace tb::http
