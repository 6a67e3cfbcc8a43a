// A small blocking HTTP client over libcurl for every outbound call taskbuilder makes (GCS, task management,
// metadata server, `taskbuilder client`). Timeouts are always set; retries happen only when the caller asks for
// them with a RetryPolicy, because only the caller knows whether a request is idempotent.
#ifndef TASKBUILDER_HTTP_CLIENT_H_
#define TASKBUILDER_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  std::string reason;  // the reason phrase as received; the standard phrase when the server sent none (HTTP/2)
  Headers headers;     // as received, in order
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
  // Case-insensitive lookup of the last header named `name`; empty when absent.
  std::string Header(std::string_view name) const;
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{120000};  // whole request, including the body transfer
  uint64_t max_response_bytes = uint64_t{1} << 30;
  bool follow_redirects = true;
  std::string ca_file;  // empty: the system trust store
};

struct RetryPolicy {
  int max_attempts = 4;  // including the first
  std::chrono::milliseconds initial_backoff{200};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{5000};
  bool retry_on_connection_error = true;
  bool retry_on_429 = true;
  bool retry_on_5xx = true;
  // Called before each sleep (attempt number starting at 1, the reason); for logs and tests.
  std::function<void(int, const std::string&)> on_retry;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});

  // Performs one request. A transport failure (DNS, refused, TLS, timeout, oversize response) is an
  // UnavailableError (DeadlineExceeded for timeouts) whose message starts with the URL; an HTTP error status is
  // not a Status error: it is returned as a Response with status >= 400.
  absl::StatusOr<Response> Send(const Request& request) const;

  // Send() with bounded retries and exponential backoff (jitter-free, so tests are deterministic) on the failures
  // the policy names. Returns the last response or error.
  absl::StatusOr<Response> SendWithRetries(const Request& request, const RetryPolicy& policy) const;

  const ClientOptions& options() const { return options_; }

 private:
  ClientOptions options_;
};

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), for one path segment or
// query value.
std::string PercentEncode(std::string_view text);

// The standard reason phrase for a status code ("Internal Server Error"); "Unknown" for unlisted codes.
std::string_view ReasonPhrase(int status);

}  // namespace tb::http

#endif  // TASKBUILDER_HTTP_CLIENT_H_
