#include "tm/task_management_locator.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/crc32c.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "http/client.h"
#include "nlohmann/json.hpp"

namespace tb::tm {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

http::Client ShortClient() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(3000);
  o.timeout = std::chrono::milliseconds(15000);
  o.max_response_bytes = 1 << 20;
  return http::Client(o);
}

}  // namespace

TaskManagementLocator::TaskManagementLocator(TaskManagementLocatorOptions options) : options_(std::move(options)) {
  if (!options_.credentials) {
    options_.credentials = std::make_shared<storage::MetadataAccessTokenSource>(options_.metadata_base);
  }
}

absl::StatusOr<std::string> TaskManagementLocator::Resolve() {
  if (!options_.explicit_url.empty()) return options_.explicit_url;
  if (options_.use_environment) {
    std::string env = Env("TASK_MANAGEMENT_SERVER_URL");
    if (!env.empty()) return env;
  }
  const absl::Status not_found = absl::NotFoundError("Cannot find task management server.");
  if (!options_.use_secret_manager) return not_found;
  std::lock_guard<std::mutex> lock(mu_);
  if (!cached_.empty() && std::chrono::steady_clock::now() < cached_until_) return cached_;
  absl::StatusOr<std::string> project = ProjectId();
  if (!project.ok() || project->empty()) return not_found;
  TB_ASSIGN_OR_RETURN(std::string url, FromSecretManager(*project));
  if (url.empty()) return not_found;
  cached_ = url;
  cached_until_ = std::chrono::steady_clock::now() + options_.cache_ttl;
  return url;
}

absl::StatusOr<std::string> TaskManagementLocator::ProjectId() {
  if (!options_.project_id.empty()) return options_.project_id;
  std::string env = Env("GOOGLE_CLOUD_PROJECT");
  if (!env.empty()) return env;
  http::Client client = ShortClient();
  const std::string url = options_.metadata_base + "/computeMetadata/v1/project/project-id";
  absl::StatusOr<http::Response> r =
      client.Send({.method = "GET", .url = url, .headers = {{"Metadata-Flavor", "Google"}}, .body = ""});
  if (!r.ok()) {
    TB_LOG(WARNING) << "Fail to connect to VM metadata server: " << options_.metadata_base << "/computeMetadata/v1/";
    return std::string();
  }
  if (!r->ok()) return std::string();
  return r->body;
}

absl::StatusOr<std::string> TaskManagementLocator::FromSecretManager(const std::string& project) {
  const std::string env = Env("ENV");
  const std::string secret_id =
      env.empty() ? "fc-TASK_MANAGEMENT_SERVER_URL" : absl::StrCat("fc-", env, "-TASK_MANAGEMENT_SERVER_URL");
  const std::string url = absl::StrCat(options_.secret_manager_endpoint, "/v1/projects/", http::PercentEncode(project),
                                       "/secrets/", secret_id, "/versions/latest:access");
  TB_ASSIGN_OR_RETURN(std::string token, options_.credentials->Token());
  http::Request req{.method = "GET", .url = url, .headers = {}, .body = ""};
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  http::Client client = ShortClient();
  absl::StatusOr<http::Response> r = client.SendWithRetries(req, http::RetryPolicy{});
  if (!r.ok()) return absl::UnavailableError(absl::StrCat("cannot read secret ", secret_id, ": ", r.status().message()));
  if (r->status == 404) {
    TB_LOG(WARNING) << secret_id << " does not exist in " << project << ".";
    return std::string();
  }
  if (!r->ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read secret ", secret_id, " of ", project, ": ", r->status, " ", r->reason));
  }
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("payload") || !j["payload"].is_object() || !j["payload"].contains("data") ||
      !j["payload"]["data"].is_string()) {
    return absl::DataLossError(absl::StrCat("unreadable Secret Manager answer for ", secret_id));
  }
  std::string data;
  if (!absl::Base64Unescape(j["payload"]["data"].get<std::string>(), &data)) {
    return absl::DataLossError(absl::StrCat("secret ", secret_id, " payload is not base64"));
  }
  if (j["payload"].contains("dataCrc32c")) {
    int64_t want = -1;
    const auto& c = j["payload"]["dataCrc32c"];
    if (c.is_string()) absl::SimpleAtoi(c.get<std::string>(), &want);
    if (c.is_number_integer()) want = c.get<int64_t>();
    if (want != static_cast<int64_t>(crc32c::Value(data))) {
      TB_LOG(WARNING) << "Data corruption detected.";
      return std::string();
    }
  }
  absl::StripAsciiWhitespace(&data);
  return data;
}

}  // namespace tb::tm
