// Client of an ODP task-management service (ours or ODP's Java one), behavior.md §7: endpoints built with the
// population percent-encoded, protobuf bodies, per-request headers (an ID token from the metadata server unless
// the URL is local), timeouts on every call, and retries only where they are safe — GET and cancel always;
// create only when the request never reached the server, or when the server honours Idempotency-Key.
// Error texts are the original's: "Fail to connect: <endpoint>", "<code>: <reason>" (plus the server's one-line
// text/plain explanation when it sent one), "Server returned unreadable response.".
#ifndef TASKBUILDER_TM_TASK_MANAGEMENT_CLIENT_H_
#define TASKBUILDER_TM_TASK_MANAGEMENT_CLIENT_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "http/client.h"
#include "odp/task.pb.h"
#include "storage/gcp_credentials.h"

namespace tb::tm {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

struct TaskManagementClientOptions {
  std::string server_url;  // as configured; also the ID token's audience, unmodified (behavior.md §7.3)
  // Null: the metadata server, except for local URLs (which get no token, as the original did for "localhost").
  std::shared_ptr<storage::IdTokenSource> id_tokens;
  // The original sends no token to "localhost" URLs; we extend that to loopback addresses. Tests of the auth path
  // turn it off.
  bool local_without_token = true;
  http::ClientOptions http = [] {
    http::ClientOptions o;
    o.connect_timeout = std::chrono::milliseconds(5000);
    o.timeout = std::chrono::milliseconds(60000);
    o.max_response_bytes = 16 << 20;
    return o;
  }();
  http::RetryPolicy retry;
};

// base (one trailing slash stripped) + "/taskmanagement/v1/population/" + percent-encoded population + suffix,
// e.g. suffix ":create-task" or "/tasks/3:get".
std::string TaskManagementEndpoint(const std::string& server_url, const std::string& population,
                                   const std::string& suffix);

// True for URLs whose host is localhost or a loopback address: no ID token is fetched for them.
bool IsLocalUrl(const std::string& url);

class TaskManagementClient {
 public:
  explicit TaskManagementClient(TaskManagementClientOptions options);

  // POST {pop}:create-task. With a non-empty key, sends Idempotency-Key so a retried create cannot duplicate.
  absl::StatusOr<odp::Task> CreateTask(const odp::Task& task, const std::string& idempotency_key = "");
  // GET {pop}/tasks/{id}:get.
  absl::StatusOr<odp::Task> GetTask(const std::string& population, int64_t task_id);
  // POST {pop}/tasks/{id}:cancel. Unimplemented when the server has no such route (ODP's Java service).
  absl::StatusOr<odp::Task> CancelTask(const std::string& population, int64_t task_id);
  // GET /ready: Unavailable "Fail to connect: <url>" when the server cannot be reached. HTTP errors are not
  // failures here (a gateway may not route /ready); they are only logged.
  absl::Status CheckReachable();

  // Whether the server said it honours Idempotency-Key (learned from any answer).
  bool server_supports_idempotency() const { return supports_idempotency_.load(); }
  const std::string& server_url() const { return options_.server_url; }

 private:
  absl::StatusOr<http::Headers> Headers(bool protobuf_body);
  void Learn(const http::Response& response);
  absl::StatusOr<http::Response> SendCreate(const http::Request& request, bool retry_all);

  TaskManagementClientOptions options_;
  http::Client client_;
  std::atomic<bool> supports_idempotency_{false};
};

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_TASK_MANAGEMENT_CLIENT_H_
