// The pipeline's BlobStore port (pipeline/ports.h) over the storage backends: gs:// through Cloud Storage,
// file:// and plain paths through root-confined local stores — one root for what builds may read (models,
// configs) and one for where artifacts may be written. Artifacts go to Cloud Storage gzip-encoded by default,
// so ODP's scheduler does not have to rewrite them.
#ifndef TASKBUILDER_STORAGE_PIPELINE_BLOB_STORE_H_
#define TASKBUILDER_STORAGE_PIPELINE_BLOB_STORE_H_

#include <memory>
#include <mutex>
#include <string>

#include "pipeline/ports.h"
#include "storage/directory_download.h"
#include "storage/gcs_blob_store.h"
#include "storage/local_blob_store.h"

namespace tb::storage {

struct PipelineBlobStoreOptions {
  std::string read_root = "/";   // local models and configs must be under it
  std::string write_root = "/";  // local artifacts must be under it
  PutOptions artifact_put = {.content_type = "application/octet-stream", .gzip = true};
  GcsOptions gcs = [] {
    GcsOptions o;
    o.endpoint = GcsEndpointFromEnvironment();
    return o;
  }();
  DownloadLimits download_limits;
};

class PipelineBlobStore : public pipeline::BlobStore {
 public:
  explicit PipelineBlobStore(PipelineBlobStoreOptions options = {});

  absl::Status CheckArtifactUri(const std::string& uri) override;
  absl::Status Put(const std::string& uri, std::string_view data) override;
  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes) override;
  absl::StatusOr<std::string> FetchDirectory(const std::string& uri, const std::string& scratch_dir) override;
  absl::StatusOr<bool> Exists(const std::string& uri) override;

  // The backend for `uri` (for Stat/Delete/List by recovery and tests): the write store for local URIs.
  absl::StatusOr<storage::BlobStore*> For(const std::string& uri, bool for_write);

 private:
  PipelineBlobStoreOptions options_;
  LocalBlobStore reads_;
  LocalBlobStore writes_;
  std::once_flag gcs_once_;
  std::unique_ptr<GcsBlobStore> gcs_;
};

// The write side of a PipelineBlobStore as a plain BlobStore (Stat/Delete of artifacts), e.g. for
// TaskManagementService::RecoverIncompleteTasks.
class ArtifactBlobStoreView : public BlobStore {
 public:
  explicit ArtifactBlobStoreView(PipelineBlobStore* store) : store_(store) {}
  absl::Status Put(const std::string& uri, std::string_view data, const PutOptions& options = {}) override;
  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes = kDefaultMaxBlobBytes) override;
  absl::StatusOr<std::optional<BlobInfo>> Stat(const std::string& uri) override;
  absl::StatusOr<std::vector<BlobInfo>> List(const std::string& prefix_uri, size_t max_objects = 100000) override;
  absl::Status Delete(const std::string& uri) override;

 private:
  PipelineBlobStore* store_;
};

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_PIPELINE_BLOB_STORE_H_
