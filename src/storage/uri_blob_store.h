// A BlobStore that routes each URI to the backend for its scheme: gs:// to Cloud Storage, file:// and plain
// paths to a local directory store. This is what the CLI and the server inject into the pipeline, so a model
// or config can live anywhere and artifacts go wherever task management says.
#ifndef TASKBUILDER_STORAGE_URI_BLOB_STORE_H_
#define TASKBUILDER_STORAGE_URI_BLOB_STORE_H_

#include <memory>
#include <mutex>

#include "storage/blob_store.h"
#include "storage/gcs_blob_store.h"
#include "storage/local_blob_store.h"

namespace tb::storage {

class UriBlobStore : public BlobStore {
 public:
  // `local_root` confines local paths ("/" for none); the Cloud Storage backend is created on first use with
  // `gcs` (endpoint and credentials default from the environment).
  explicit UriBlobStore(std::string local_root = "/", GcsOptions gcs = DefaultGcsOptions());

  static GcsOptions DefaultGcsOptions();

  absl::Status Put(const std::string& uri, std::string_view data, const PutOptions& options = {}) override;
  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes = kDefaultMaxBlobBytes) override;
  absl::StatusOr<std::optional<BlobInfo>> Stat(const std::string& uri) override;
  absl::StatusOr<std::vector<BlobInfo>> List(const std::string& prefix_uri, size_t max_objects = 100000) override;
  absl::Status Delete(const std::string& uri) override;

  LocalBlobStore& local() { return local_; }

 private:
  absl::StatusOr<BlobStore*> For(const std::string& uri);

  LocalBlobStore local_;
  GcsOptions gcs_options_;
  std::once_flag gcs_once_;
  std::unique_ptr<GcsBlobStore> gcs_;
};

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_URI_BLOB_STORE_H_
