// Bearer tokens for Google APIs: OAuth access tokens for Cloud Storage and ID tokens for Cloud Run services
// (task management), from the environment or the GCE metadata server. Tokens are passed per request by the
// caller; nothing here ever writes a token into shared/global headers (behavior.md §12.9).
#ifndef TASKBUILDER_STORAGE_GCP_CREDENTIALS_H_
#define TASKBUILDER_STORAGE_GCP_CREDENTIALS_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "http/client.h"

namespace tb::storage {

// http://metadata.google.internal, or http://$GCE_METADATA_HOST when set (the variable Google's client
// libraries honour; tests point it at a loopback server).
std::string MetadataServerBase();

// Supplies an access token; an empty token means "send no Authorization header".
class AccessTokenSource {
 public:
  virtual ~AccessTokenSource() = default;
  virtual absl::StatusOr<std::string> Token() = 0;
};

// Supplies an ID token whose audience is `audience`.
class IdTokenSource {
 public:
  virtual ~IdTokenSource() = default;
  virtual absl::StatusOr<std::string> IdToken(const std::string& audience) = 0;
};

// Always "", e.g. for the storage emulator, which ignores auth.
std::shared_ptr<AccessTokenSource> NoAccessToken();
// A fixed token (GOOGLE_OAUTH_ACCESS_TOKEN, or a test's).
std::shared_ptr<AccessTokenSource> StaticAccessToken(std::string token);

// GET {metadata}/computeMetadata/v1/instance/service-accounts/default/token with Metadata-Flavor: Google.
// Cached until one minute before it expires; thread-safe. Errors name the metadata URL and say how to
// provide a token instead.
class MetadataAccessTokenSource : public AccessTokenSource {
 public:
  explicit MetadataAccessTokenSource(std::string metadata_base = MetadataServerBase());
  absl::StatusOr<std::string> Token() override;

 private:
  std::string base_;
  http::Client client_;
  std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
};

// GET {metadata}/computeMetadata/v1/instance/service-accounts/default/identity?audience=A&format=full
// (behavior.md §7.3). Cached per audience for ten minutes (Google ID tokens live an hour).
class MetadataIdTokenSource : public IdTokenSource {
 public:
  explicit MetadataIdTokenSource(std::string metadata_base = MetadataServerBase());
  absl::StatusOr<std::string> IdToken(const std::string& audience) override;

 private:
  std::string base_;
  http::Client client_;
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> cache_;
};

// Cloud Storage credentials in order: none when STORAGE_EMULATOR_HOST is set; $GOOGLE_OAUTH_ACCESS_TOKEN or
// $CLOUDSDK_AUTH_ACCESS_TOKEN; else the metadata server (asked lazily, on the first request).
std::shared_ptr<AccessTokenSource> DefaultStorageCredentials();

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_GCP_CREDENTIALS_H_
