#include "storage/pipeline_blob_store.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/blob_uri.h"

namespace tb::storage {

PipelineBlobStore::PipelineBlobStore(PipelineBlobStoreOptions options)
    : options_(std::move(options)), reads_(options_.read_root), writes_(options_.write_root) {}

absl::StatusOr<storage::BlobStore*> PipelineBlobStore::For(const std::string& uri, bool for_write) {
  TB_ASSIGN_OR_RETURN(BlobUri parsed, ParseBlobUri(uri, {.allow_bucket_only = true}));
  if (parsed.scheme == Scheme::kLocal) return for_write ? &writes_ : &reads_;
  std::call_once(gcs_once_, [this] { gcs_ = std::make_unique<GcsBlobStore>(options_.gcs); });
  return gcs_.get();
}

absl::Status PipelineBlobStore::CheckArtifactUri(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(BlobUri parsed, ParseBlobUri(uri));
  if (parsed.scheme == Scheme::kLocal) {
    TB_ASSIGN_OR_RETURN(std::string path, writes_.Resolve(uri));
    if (path == writes_.root()) return absl::InvalidArgumentError(absl::StrCat("'", uri, "' names a directory"));
  }
  return absl::OkStatus();
}

absl::Status PipelineBlobStore::Put(const std::string& uri, std::string_view data) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * store, For(uri, true));
  return store->Put(uri, data, options_.artifact_put);
}

absl::StatusOr<std::string> PipelineBlobStore::Get(const std::string& uri, uint64_t max_bytes) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * store, For(uri, false));
  return store->Get(uri, max_bytes);
}

absl::StatusOr<std::string> PipelineBlobStore::FetchDirectory(const std::string& uri, const std::string& scratch_dir) {
  TB_ASSIGN_OR_RETURN(BlobUri parsed, ParseBlobUri(uri, {.allow_bucket_only = true}));
  if (parsed.scheme == Scheme::kLocal) {
    TB_ASSIGN_OR_RETURN(std::string path, reads_.Resolve(uri));
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return absl::NotFoundError(absl::StrCat(uri, " does not exist"));
    if (!S_ISDIR(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat(uri, " is not a directory"));
    return path;
  }
  TB_ASSIGN_OR_RETURN(storage::BlobStore * store, For(uri, false));
  TB_RETURN_IF_ERROR(DownloadDirectory(*store, uri, scratch_dir, options_.download_limits).status());
  return scratch_dir;
}

absl::StatusOr<bool> PipelineBlobStore::Exists(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * store, For(uri, true));
  TB_ASSIGN_OR_RETURN(std::optional<BlobInfo> info, store->Stat(uri));
  return info.has_value();
}

absl::Status ArtifactBlobStoreView::Put(const std::string& uri, std::string_view data, const PutOptions& options) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * s, store_->For(uri, true));
  return s->Put(uri, data, options);
}
absl::StatusOr<std::string> ArtifactBlobStoreView::Get(const std::string& uri, uint64_t max_bytes) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * s, store_->For(uri, true));
  return s->Get(uri, max_bytes);
}
absl::StatusOr<std::optional<BlobInfo>> ArtifactBlobStoreView::Stat(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * s, store_->For(uri, true));
  return s->Stat(uri);
}
absl::StatusOr<std::vector<BlobInfo>> ArtifactBlobStoreView::List(const std::string& prefix_uri, size_t max_objects) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * s, store_->For(prefix_uri, true));
  return s->List(prefix_uri, max_objects);
}
absl::Status ArtifactBlobStoreView::Delete(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(storage::BlobStore * s, store_->For(uri, true));
  return s->Delete(uri);
}

}  // namespace tb::storage
