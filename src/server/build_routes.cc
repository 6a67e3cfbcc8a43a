#include "server/build_routes.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::server {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kBuildAllow[] = "OPTIONS, POST";
constexpr char kProbeAllow[] = "GET, HEAD, OPTIONS";

// Werkzeug's error page layout, so clients that show the body see what the original sent.
http::ServerResponse WerkzeugError(int status, std::string_view title, std::string_view description) {
  http::ServerResponse r;
  r.status = status;
  r.content_type = kHtml;
  r.body = absl::StrCat("<!doctype html>\n<html lang=en>\n<title>", status, " ", ToAbsl(title), "</title>\n<h1>",
                        ToAbsl(title), "</h1>\n<p>", ToAbsl(description), "</p>\n");
  return r;
}

http::ServerResponse NotFound() {
  return WerkzeugError(404, "Not Found",
                       "The requested URL was not found on the server. If you entered the URL manually please check "
                       "your spelling and try again.");
}

http::ServerResponse MethodNotAllowed(const char* allow) {
  http::ServerResponse r = WerkzeugError(405, "Method Not Allowed", "The method is not allowed for the requested URL.");
  r.headers.emplace_back("Allow", allow);
  return r;
}

http::ServerResponse Options(const char* allow) {
  http::ServerResponse r;
  r.content_type = kHtml;
  r.headers.emplace_back("Allow", allow);
  return r;
}

http::ServerResponse Text(std::string body) {
  http::ServerResponse r;
  r.content_type = kHtml;
  r.body = std::move(body);
  return r;
}

http::ServerResponse Protobuf(const odp::BuildTaskResponse& response) {
  http::ServerResponse r;
  r.content_type = "application/x-protobuf";
  r.body = ::tb::SerializeDeterministic(response);
  return r;
}

enum class Route { kBuildTaskGroup, kBuildArtifacts, kReady, kHealth, kUnknown };

Route RouteOf(const http::ServerRequest& request) {
  const std::string path = PercentDecodePath(request.path);
  if (path == kBuildTaskGroupPath) return Route::kBuildTaskGroup;
  if (path == kBuildArtifactsPath) return Route::kBuildArtifacts;
  if (path == "/ready") return Route::kReady;
  if (path == "/healthz") return Route::kHealth;
  return Route::kUnknown;
}

bool IsBuild(Route route) { return route == Route::kBuildTaskGroup || route == Route::kBuildArtifacts; }

// Compares without an early exit, so the time taken says nothing about how much of a guess was right.
bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char g = i < given.size() ? given[i] : '\0';
    diff |= static_cast<unsigned char>(g ^ expected[i]);
  }
  return diff == 0;
}

}  // namespace

std::string PercentDecodePath(std::string_view path) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && hex(path[i + 1]) >= 0 && hex(path[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(path[i + 1]) * 16 + hex(path[i + 2])));
      i += 2;
    } else {
      out.push_back(path[i]);
    }
  }
  return out;
}

BuildRoutes::BuildRoutes(const pipeline::PipelineServices* services, RouteOptions options)
    : services_(services), options_(std::move(options)) {}

bool BuildRoutes::Authorized(const http::ServerRequest& request) const {
  if (options_.api_key.empty()) return true;
  std::string given = request.QueryParam("key");
  if (given.empty()) given = request.Header("x-api-key");
  return ConstantTimeEquals(given, options_.api_key);
}

bool BuildRoutes::IsCheap(const http::ServerRequest& request) const {
  const Route route = RouteOf(request);
  return !IsBuild(route) || request.method != "POST" || !Authorized(request);
}

http::ServerResponse BuildRoutes::Handle(const http::ServerRequest& request) const {
  const Route route = RouteOf(request);
  const std::string& method = request.method;
  switch (route) {
    case Route::kUnknown:
      return NotFound();
    case Route::kReady:
    case Route::kHealth:
      if (method == "GET" || method == "HEAD") return Text(route == Route::kReady ? kReadyBody : kHealthBody);
      if (method == "OPTIONS") return Options(kProbeAllow);
      return MethodNotAllowed(kProbeAllow);
    case Route::kBuildTaskGroup:
    case Route::kBuildArtifacts:
      break;
  }
  if (method == "OPTIONS") return Options(kBuildAllow);
  if (method != "POST") return MethodNotAllowed(kBuildAllow);
  if (!Authorized(request)) {
    http::ServerResponse r;
    r.status = 401;
    r.body = "missing or invalid API key: pass ?key=<key> or an x-api-key header\n";
    return r;
  }
  const bool artifact_only = route == Route::kBuildArtifacts;
  TB_LOG(INFO) << "POST " << (artifact_only ? kBuildArtifactsPath : kBuildTaskGroupPath) << " from "
               << request.remote_address << " (" << request.body.size() << " bytes)";
  try {
    return Protobuf(pipeline::HandleIdempotentBuildRequest(options_.journal,
                                                           request.Header(pipeline::kIdempotencyKeyHeader),
                                                           request.body, artifact_only, *services_)
                        .response);
  } catch (const std::exception& e) {
    // The pipeline does not throw; this catches what it cannot rule out (allocation failure), so the caller still
    // gets a protobuf answer rather than an HTML 500.
    TB_LOG(ERROR) << "build failed with an exception: " << e.what();
    odp::BuildTaskResponse response;
    response.mutable_task_report();
    response.mutable_error_info()->set_error_type(odp::ErrorType::ARTIFACT_BUILDING_ERROR);
    response.mutable_error_info()->set_error_message(absl::StrCat("Internal error while building: ", e.what()));
    return Protobuf(response);
  }
}

}  // namespace tb::server
