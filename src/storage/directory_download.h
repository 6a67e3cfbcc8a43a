// Copies a "directory" of objects (a SavedModel) from any BlobStore into a local directory. Object names come
// from outside, so each is checked before it becomes a path: no "..", no absolute names, no empty segments —
// the fix for the original's path traversal (behavior.md §12.27). Totals are bounded.
#ifndef TASKBUILDER_STORAGE_DIRECTORY_DOWNLOAD_H_
#define TASKBUILDER_STORAGE_DIRECTORY_DOWNLOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "storage/blob_store.h"

namespace tb::storage {

struct DownloadLimits {
  size_t max_files = 10000;
  uint64_t max_total_bytes = uint64_t{8} << 30;
};

// Downloads every object under `prefix_uri` into `local_dir` (created if missing), keeping relative names.
// Returns the number of files written. NotFound when the prefix holds no object.
absl::StatusOr<size_t> DownloadDirectory(BlobStore& store, const std::string& prefix_uri, const std::string& local_dir,
                                         const DownloadLimits& limits = {});

// InvalidArgument unless `name` is a safe relative path: non-empty segments, none "." or "..", not absolute,
// no backslash or NUL.
absl::Status ValidateRelativeName(std::string_view name);

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_DIRECTORY_DOWNLOAD_H_
