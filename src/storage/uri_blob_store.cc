#include "storage/uri_blob_store.h"

#include "base/status_macros.h"
#include "storage/blob_uri.h"

namespace tb::storage {

GcsOptions UriBlobStore::DefaultGcsOptions() {
  GcsOptions o;
  o.endpoint = GcsEndpointFromEnvironment();
  return o;
}

UriBlobStore::UriBlobStore(std::string local_root, GcsOptions gcs)
    : local_(std::move(local_root)), gcs_options_(std::move(gcs)) {}

absl::StatusOr<BlobStore*> UriBlobStore::For(const std::string& uri) {
  ParseOptions po;
  po.allow_bucket_only = true;
  TB_ASSIGN_OR_RETURN(BlobUri parsed, ParseBlobUri(uri, po));
  if (parsed.scheme == Scheme::kLocal) return &local_;
  std::call_once(gcs_once_, [this] { gcs_ = std::make_unique<GcsBlobStore>(gcs_options_); });
  return gcs_.get();
}

absl::Status UriBlobStore::Put(const std::string& uri, std::string_view data, const PutOptions& options) {
  TB_ASSIGN_OR_RETURN(BlobStore * store, For(uri));
  return store->Put(uri, data, options);
}
absl::StatusOr<std::string> UriBlobStore::Get(const std::string& uri, uint64_t max_bytes) {
  TB_ASSIGN_OR_RETURN(BlobStore * store, For(uri));
  return store->Get(uri, max_bytes);
}
absl::StatusOr<std::optional<BlobInfo>> UriBlobStore::Stat(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(BlobStore * store, For(uri));
  return store->Stat(uri);
}
absl::StatusOr<std::vector<BlobInfo>> UriBlobStore::List(const std::string& prefix_uri, size_t max_objects) {
  TB_ASSIGN_OR_RETURN(BlobStore * store, For(prefix_uri));
  return store->List(prefix_uri, max_objects);
}
absl::Status UriBlobStore::Delete(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(BlobStore * store, For(uri));
  return store->Delete(uri);
}

}  // namespace tb::storage
