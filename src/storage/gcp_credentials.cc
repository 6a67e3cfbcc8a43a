#include "storage/gcp_credentials.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace tb::storage {
namespace {

http::ClientOptions MetadataClientOptions() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.timeout = std::chrono::milliseconds(10000);
  o.max_response_bytes = 1 << 20;
  o.follow_redirects = false;
  return o;
}

http::RetryPolicy MetadataRetries() {
  http::RetryPolicy p;
  p.max_attempts = 3;
  p.initial_backoff = std::chrono::milliseconds(100);
  return p;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

class StaticSource : public AccessTokenSource {
 public:
  explicit StaticSource(std::string token) : token_(std::move(token)) {}
  absl::StatusOr<std::string> Token() override { return token_; }

 private:
  std::string token_;
};

absl::StatusOr<std::string> MetadataGet(const http::Client& client, const std::string& url) {
  http::Request req;
  req.url = url;
  req.headers = {{"Metadata-Flavor", "Google"}};
  absl::StatusOr<http::Response> resp = client.SendWithRetries(req, MetadataRetries());
  if (!resp.ok()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "cannot get Google credentials from the metadata server (", resp.status().message(),
        "); outside GCP set GOOGLE_OAUTH_ACCESS_TOKEN (e.g. from `gcloud auth print-access-token`)"));
  }
  if (!resp->ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("metadata server answered ", resp->status, " ", resp->reason, " for ", url));
  }
  return resp->body;
}

}  // namespace

std::string MetadataServerBase() {
  const std::string host = Env("GCE_METADATA_HOST");
  if (host.empty()) return "http://metadata.google.internal";
  if (host.find("://") != std::string::npos) return host;
  return "http://" + host;
}

std::shared_ptr<AccessTokenSource> NoAccessToken() { return std::make_shared<StaticSource>(""); }
std::shared_ptr<AccessTokenSource> StaticAccessToken(std::string token) {
  return std::make_shared<StaticSource>(std::move(token));
}

MetadataAccessTokenSource::MetadataAccessTokenSource(std::string metadata_base)
    : base_(std::move(metadata_base)), client_(MetadataClientOptions()) {}

absl::StatusOr<std::string> MetadataAccessTokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!token_.empty() && now < expires_) return token_;
  const std::string url = base_ + "/computeMetadata/v1/instance/service-accounts/default/token";
  TB_ASSIGN_OR_RETURN(std::string body, MetadataGet(client_, url));
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) {
    return absl::UnauthenticatedError(absl::StrCat("metadata server token response from ", url,
                                                   " has no access_token string"));
  }
  int64_t expires_in = 300;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) expires_in = j["expires_in"].get<int64_t>();
  token_ = j["access_token"].get<std::string>();
  expires_ = now + std::chrono::seconds(std::max<int64_t>(0, expires_in - 60));
  return token_;
}

MetadataIdTokenSource::MetadataIdTokenSource(std::string metadata_base)
    : base_(std::move(metadata_base)), client_(MetadataClientOptions()) {}

absl::StatusOr<std::string> MetadataIdTokenSource::IdToken(const std::string& audience) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  auto it = cache_.find(audience);
  if (it != cache_.end() && now < it->second.second) return it->second.first;
  const std::string url = absl::StrCat(base_, "/computeMetadata/v1/instance/service-accounts/default/identity?audience=",
                                       http::PercentEncode(audience), "&format=full");
  TB_ASSIGN_OR_RETURN(std::string token, MetadataGet(client_, url));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return absl::UnauthenticatedError(absl::StrCat("metadata server returned an empty ID token: ", url));
  cache_[audience] = {token, now + std::chrono::minutes(10)};
  return token;
}

std::shared_ptr<AccessTokenSource> DefaultStorageCredentials() {
  if (!Env("STORAGE_EMULATOR_HOST").empty()) return NoAccessToken();
  for (const char* name : {"GOOGLE_OAUTH_ACCESS_TOKEN", "CLOUDSDK_AUTH_ACCESS_TOKEN"}) {
    std::string token = Env(name);
    if (!token.empty()) return StaticAccessToken(std::move(token));
  }
  return std::make_shared<MetadataAccessTokenSource>();
}

}  // namespace tb::storage
