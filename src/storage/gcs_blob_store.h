// The gs:// BlobStore: the Cloud Storage JSON API over libcurl. Small objects go up in one media (or, with gzip,
// multipart) request, large ones in a chunked resumable session that resumes from the server's offset after a
// failure. Every response is checked: uploads against the CRC-32C the server reports, downloads against
// x-goog-hash. Transient failures (429, 5xx, connection errors, timeouts) are retried a bounded number of times
// with exponential backoff; nothing is retried forever and no request runs without a timeout.
#ifndef TASKBUILDER_STORAGE_GCS_BLOB_STORE_H_
#define TASKBUILDER_STORAGE_GCS_BLOB_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "http/client.h"
#include "storage/blob_store.h"
#include "storage/gcp_credentials.h"

namespace tb::storage {

struct GcsOptions {
  // Where the JSON API lives. https://storage.googleapis.com in production; GcsEndpointFromEnvironment() maps
  // STORAGE_EMULATOR_HOST ("host:port" or a URL) here.
  std::string endpoint = "https://storage.googleapis.com";
  std::shared_ptr<AccessTokenSource> credentials;  // null: DefaultStorageCredentials()
  http::ClientOptions http;                         // per-request connect/total timeouts
  http::RetryPolicy retry;                          // for each request (and each resumable chunk)
  uint64_t resumable_threshold = uint64_t{8} << 20;  // bodies larger than this use a resumable session
  uint64_t chunk_size = uint64_t{8} << 20;           // a multiple of 256 KiB, as the API requires
  int max_session_restarts = 2;                      // new resumable sessions after the server forgot one
  int list_page_size = 1000;                         // objects per list page (the API's maximum)
  // zlib level for gzip uploads. 1: trained weights barely compress at any level (float noise: 92.7% at 1,
  // 92.5% at 6) while level 6 costs ~15% more CPU; plans compress well at either (bench/README.md).
  int gzip_level = 1;
};

// STORAGE_EMULATOR_HOST as an endpoint URL, or the production endpoint when unset.
std::string GcsEndpointFromEnvironment();

class GcsBlobStore : public BlobStore {
 public:
  explicit GcsBlobStore(GcsOptions options = {});

  absl::Status Put(const std::string& uri, std::string_view data, const PutOptions& options = {}) override;
  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes = kDefaultMaxBlobBytes) override;
  absl::StatusOr<std::optional<BlobInfo>> Stat(const std::string& uri) override;
  absl::StatusOr<std::vector<BlobInfo>> List(const std::string& prefix_uri, size_t max_objects = 100000) override;
  absl::Status Delete(const std::string& uri) override;

  const GcsOptions& options() const { return options_; }

  struct Target;  // a parsed gs:// URI (defined in the .cc)

 private:
  absl::StatusOr<http::Headers> AuthHeaders();
  absl::StatusOr<http::Response> Call(const http::Request& request, bool retry);
  absl::StatusOr<std::string> UploadSimple(const Target& t, std::string_view body, const PutOptions& options);
  absl::StatusOr<std::string> UploadResumable(const Target& t, std::string_view body, const PutOptions& options);

  GcsOptions options_;
  http::Client client_;           // follows no redirects: a resumable 308 is a status, not a redirect
};

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_GCS_BLOB_STORE_H_
