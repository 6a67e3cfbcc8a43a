// The local-directory BlobStore (the embedded default): plain paths and file:// URIs under one root directory.
// Writes are atomic (temp file + fsync + rename). It must never touch a path outside the root: relative paths
// resolve against the root, and "..", absolute paths elsewhere and symlinks leading out are refused.
#ifndef TASKBUILDER_STORAGE_LOCAL_BLOB_STORE_H_
#define TASKBUILDER_STORAGE_LOCAL_BLOB_STORE_H_

#include <string>

#include "storage/blob_store.h"

namespace tb::storage {

class LocalBlobStore : public BlobStore {
 public:
  // `root` is made absolute; "/" allows the whole file system (used by the CLI for user-given paths).
  explicit LocalBlobStore(std::string root);

  const std::string& root() const { return root_; }

  // The absolute, normalized file path for `uri`, or InvalidArgument/PermissionDenied naming the URI when it is
  // not a local URI or lies outside the root.
  absl::StatusOr<std::string> Resolve(const std::string& uri) const;

  absl::Status Put(const std::string& uri, std::string_view data, const PutOptions& options = {}) override;
  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes = kDefaultMaxBlobBytes) override;
  absl::StatusOr<std::optional<BlobInfo>> Stat(const std::string& uri) override;
  absl::StatusOr<std::vector<BlobInfo>> List(const std::string& prefix_uri, size_t max_objects = 100000) override;
  absl::Status Delete(const std::string& uri) override;

 private:
  std::string root_;            // absolute, lexically normal, no trailing slash (except "/")
  std::string canonical_root_;  // with symlinks resolved
};

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_LOCAL_BLOB_STORE_H_
