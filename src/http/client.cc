#include "http/client.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "http/curl_library.h"

namespace tb::http {
namespace {

struct Transfer {
  Response* response;
  uint64_t max_bytes;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  if (t->response->body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a redirect or a 100 Continue): start over.
    t->response->headers.clear();
    t->response->reason.clear();
    const size_t sp1 = line.find(' ');
    if (sp1 != std::string_view::npos) {
      const size_t sp2 = line.find(' ', sp1 + 1);
      if (sp2 != std::string_view::npos) t->response->reason = std::string(line.substr(sp2 + 1));
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  t->response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return n;
}

bool IsTransient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable || status.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  std::string found;
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(k), ToAbsl(name))) found = v;
  }
  return found;
}

Client::Client(ClientOptions options) : options_(std::move(options)) {}

absl::StatusOr<Response> Client::Send(const Request& request) const {
  TB_ASSIGN_OR_RETURN(const CurlLibrary* lib, LoadCurlLibrary());
  CURL* curl = lib->easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Response response;
  Transfer transfer{&response, options_.max_response_bytes};
  curl_slist* header_list = nullptr;
  for (const auto& [k, v] : request.headers) {
    header_list = lib->slist_append(header_list, absl::StrCat(k, ": ", v).c_str());
  }
  // libcurl adds "Expect: 100-continue" to large POSTs, which costs a round trip against servers that ignore it.
  header_list = lib->slist_append(header_list, "Expect:");

  lib->easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  lib->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  lib->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  lib->easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  lib->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, options_.follow_redirects ? 1L : 0L);
  lib->easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  lib->easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  lib->easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  lib->easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  lib->easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  lib->easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (!options_.ca_file.empty()) lib->easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (request.method == "GET") {
    lib->easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    lib->easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    lib->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method != "DELETE" || !request.body.empty()) {
      lib->easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      lib->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  }

  const CURLcode rc = lib->easy_perform(curl);
  long status = 0;
  lib->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  lib->slist_free_all(header_list);
  lib->easy_cleanup(curl);

  if (transfer.too_large) {
    return absl::UnavailableError(absl::StrCat(request.url, ": response larger than ", options_.max_response_bytes,
                                               " bytes"));
  }
  if (rc != CURLE_OK) {
    const std::string msg = absl::StrCat(request.url, ": ", lib->easy_strerror(rc));
    if (rc == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(msg);
    return absl::UnavailableError(msg);
  }
  response.status = static_cast<int>(status);
  if (response.reason.empty()) response.reason = std::string(ReasonPhrase(response.status));
  return response;
}

absl::StatusOr<Response> Client::SendWithRetries(const Request& request, const RetryPolicy& policy) const {
  std::chrono::milliseconds backoff = policy.initial_backoff;
  absl::StatusOr<Response> result;
  for (int attempt = 1;; ++attempt) {
    result = Send(request);
    std::string reason;
    if (!result.ok()) {
      if (!policy.retry_on_connection_error || !IsTransient(result.status())) return result;
      reason = std::string(result.status().message());
    } else if ((result->status == 429 && policy.retry_on_429) || (result->status >= 500 && policy.retry_on_5xx)) {
      reason = absl::StrCat("HTTP ", result->status);
    } else {
      return result;
    }
    if (attempt >= policy.max_attempts) return result;
    if (policy.on_retry) policy.on_retry(attempt, reason);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(policy.max_backoff,
                       std::chrono::milliseconds(static_cast<int64_t>(backoff.count() * policy.multiplier)));
  }
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace tb::http
