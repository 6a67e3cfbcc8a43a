#include "tm/task_management_client.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "tm/task_management_http.h"

namespace tb::tm {
namespace {

// libcurl's texts for failures before any byte of the request was sent; only these make a blind create retry
// safe against a server without idempotency keys.
bool NeverReachedServer(const absl::Status& s) {
  return absl::StrContains(s.message(), "Couldn't connect to server") ||
         absl::StrContains(s.message(), "Could not resolve host") ||
         absl::StrContains(s.message(), "Couldn't resolve host name");
}

bool Transient(const absl::StatusOr<http::Response>& r) {
  if (!r.ok()) {
    return r.status().code() == absl::StatusCode::kUnavailable ||
           r.status().code() == absl::StatusCode::kDeadlineExceeded;
  }
  return r->status == 429 || r->status >= 500;
}

// "<code>: <reason>", plus the first line of a short text/plain body (our service's explanation).
std::string StatusText(const http::Response& r) {
  std::string text = absl::StrCat(r.status, ": ", r.reason);
  if (absl::StartsWith(r.Header("Content-Type"), "text/plain") && !r.body.empty()) {
    std::string line = r.body.substr(0, r.body.find('\n'));
    if (line.size() > 500) line = line.substr(0, 500) + "...";
    absl::StripAsciiWhitespace(&line);
    if (!line.empty()) absl::StrAppend(&text, ": ", line);
  }
  return text;
}

absl::Status HttpStatusError(const http::Response& r) {
  const std::string msg = StatusText(r);
  switch (r.status) {
    case 400: case 415: case 422: return absl::InvalidArgumentError(msg);
    case 401: case 403: return absl::PermissionDeniedError(msg);
    case 404: return absl::NotFoundError(msg);
    case 409: return absl::FailedPreconditionError(msg);
    default: return r.status >= 500 ? absl::UnavailableError(msg) : absl::UnknownError(msg);
  }
}

template <typename Response>
absl::StatusOr<odp::Task> ParseTaskResponse(const http::Response& r) {
  Response parsed;
  if (!parsed.ParseFromString(r.body)) return absl::DataLossError("Server returned unreadable response.");
  return parsed.task();
}

}  // namespace

std::string TaskManagementEndpoint(const std::string& server_url, const std::string& population,
                                   const std::string& suffix) {
  std::string base = server_url;
  if (!base.empty() && base.back() == '/') base.pop_back();  // exactly one, as the original
  return absl::StrCat(base, "/taskmanagement/v1/population/", http::PercentEncode(population), suffix);
}

bool IsLocalUrl(const std::string& url) {
  if (absl::StrContains(url, "localhost")) return true;  // the original's test (behavior.md §7.3)
  std::string_view rest = url;
  const size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  return absl::StartsWith(ToAbsl(rest), "127.") || absl::StartsWith(ToAbsl(rest), "[::1]");
}

TaskManagementClient::TaskManagementClient(TaskManagementClientOptions options)
    : options_(std::move(options)), client_(options_.http) {
  const bool local = options_.local_without_token && IsLocalUrl(options_.server_url);
  if (!options_.id_tokens && !local) {
    options_.id_tokens = std::make_shared<storage::MetadataIdTokenSource>();
  }
}

absl::StatusOr<http::Headers> TaskManagementClient::Headers(bool protobuf_body) {
  http::Headers h;
  if (protobuf_body) h.emplace_back("Content-Type", "application/x-protobuf");
  h.emplace_back("Accept", "application/x-protobuf");
  if (options_.local_without_token && IsLocalUrl(options_.server_url)) {
    TB_LOG(DEBUG) << "Local testing is enabled. No authorization token is generated.";
  } else if (options_.id_tokens) {
    TB_ASSIGN_OR_RETURN(std::string token, options_.id_tokens->IdToken(options_.server_url));
    h.emplace_back("Authorization", "Bearer " + token);
  }
  return h;
}

void TaskManagementClient::Learn(const http::Response& response) {
  if (response.Header(kIdempotencySupportHeader) == "supported") supports_idempotency_.store(true);
}

absl::StatusOr<http::Response> TaskManagementClient::SendCreate(const http::Request& request, bool retry_all) {
  std::chrono::milliseconds backoff = options_.retry.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<http::Response> r = client_.Send(request);
    if (r.ok()) Learn(*r);
    const bool may_retry = retry_all ? Transient(r) : (!r.ok() && NeverReachedServer(r.status()));
    if (!may_retry || attempt >= options_.retry.max_attempts) return r;
    TB_LOG(WARNING) << "create-task attempt " << attempt << " failed ("
                    << (r.ok() ? StatusText(*r) : std::string(r.status().message())) << "); retrying";
    std::this_thread::sleep_for(backoff);
    backoff = std::min(options_.retry.max_backoff,
                       std::chrono::milliseconds(static_cast<int64_t>(backoff.count() * options_.retry.multiplier)));
  }
}

absl::StatusOr<odp::Task> TaskManagementClient::CreateTask(const odp::Task& task, const std::string& idempotency_key) {
  const std::string endpoint = TaskManagementEndpoint(options_.server_url, task.population_name(), ":create-task");
  TB_ASSIGN_OR_RETURN(http::Headers headers, Headers(true));
  if (!idempotency_key.empty()) headers.emplace_back(kIdempotencyKeyHeader, idempotency_key);
  odp::CreateTaskRequest body;
  *body.mutable_task() = task;
  http::Request req{.method = "POST", .url = endpoint, .headers = std::move(headers), .body = ""};
  body.SerializeToString(&req.body);
  TB_LOG(INFO) << "Send HTTP request to: " << endpoint;
  // A create that may have reached the server is retried only if the server deduplicates by key.
  const bool retry_all = !idempotency_key.empty() && supports_idempotency_.load();
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<http::Response> r = SendCreate(req, retry_all);
    if (!r.ok()) return absl::UnavailableError(absl::StrCat("Fail to connect: ", endpoint));
    if (r->status >= 400) return HttpStatusError(*r);
    absl::StatusOr<odp::Task> task = ParseTaskResponse<odp::CreateTaskResponse>(*r);
    // An unreadable answer may hide a task the server did create; with a key the server deduplicates, asking
    // again returns that task instead of leaving it unknown.
    if (task.ok() || !retry_all || attempt >= options_.retry.max_attempts) return task;
    TB_LOG(WARNING) << "create-task answer was unreadable; asking again with the same idempotency key";
  }
}

absl::StatusOr<odp::Task> TaskManagementClient::GetTask(const std::string& population, int64_t task_id) {
  const std::string endpoint = TaskManagementEndpoint(options_.server_url, population, absl::StrCat("/tasks/", task_id, ":get"));
  TB_ASSIGN_OR_RETURN(http::Headers headers, Headers(false));
  absl::StatusOr<http::Response> r =
      client_.SendWithRetries({.method = "GET", .url = endpoint, .headers = std::move(headers), .body = ""},
                              options_.retry);
  if (!r.ok()) return absl::UnavailableError(absl::StrCat("Fail to connect: ", endpoint));
  Learn(*r);
  if (r->status >= 400) return HttpStatusError(*r);
  return ParseTaskResponse<odp::GetTaskByIdResponse>(*r);
}

absl::StatusOr<odp::Task> TaskManagementClient::CancelTask(const std::string& population, int64_t task_id) {
  const std::string endpoint =
      TaskManagementEndpoint(options_.server_url, population, absl::StrCat("/tasks/", task_id, ":cancel"));
  TB_ASSIGN_OR_RETURN(http::Headers headers, Headers(true));
  // Cancel is idempotent (cancelling a cancelled task returns it), so every transient failure is retried.
  absl::StatusOr<http::Response> r =
      client_.SendWithRetries({.method = "POST", .url = endpoint, .headers = std::move(headers), .body = ""},
                              options_.retry);
  if (!r.ok()) return absl::UnavailableError(absl::StrCat("Fail to connect: ", endpoint));
  Learn(*r);
  const bool ours = r->Header(kIdempotencySupportHeader) == "supported";
  if (!ours && (r->status == 404 || r->status == 405 || r->status == 501)) {
    return absl::UnimplementedError(absl::StrCat("the task management service at ", options_.server_url,
                                                 " has no cancel endpoint (", StatusText(*r), ")"));
  }
  if (r->status >= 400) return HttpStatusError(*r);
  return ParseTaskResponse<odp::GetTaskByIdResponse>(*r);
}

absl::Status TaskManagementClient::CheckReachable() {
  std::string base = options_.server_url;
  if (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/ready";
  TB_ASSIGN_OR_RETURN(http::Headers headers, Headers(false));
  http::RetryPolicy policy = options_.retry;
  policy.retry_on_5xx = false;
  policy.retry_on_429 = false;
  absl::StatusOr<http::Response> r =
      client_.SendWithRetries({.method = "GET", .url = url, .headers = std::move(headers), .body = ""}, policy);
  if (!r.ok()) return absl::UnavailableError(absl::StrCat("Fail to connect: ", url));
  Learn(*r);
  if (!r->ok()) {
    TB_LOG(WARNING) << "task management readiness check " << url << " answered " << StatusText(*r);
  }
  return absl::OkStatus();
}

}  // namespace tb::tm
