// Parsing and validation of the storage locations taskbuilder reads models from and writes artifacts to:
// gs://bucket/object (Cloud Storage naming rules), file:///absolute/path and plain local paths.
// It only looks at strings: it never touches the file system or the network.
#ifndef TASKBUILDER_STORAGE_BLOB_URI_H_
#define TASKBUILDER_STORAGE_BLOB_URI_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tb::storage {

enum class Scheme { kLocal, kGcs };

struct BlobUri {
  Scheme scheme = Scheme::kLocal;
  std::string bucket;  // kGcs only
  std::string object;  // kGcs only; empty for a whole-bucket prefix
  std::string path;    // kLocal only: the path as written (file:// stripped), not normalized

  // gs://bucket/object, or the local path.
  std::string ToString() const;
};

struct ParseOptions {
  // Accept gs://bucket with no object (a listing prefix). Artifact URLs always need an object.
  bool allow_bucket_only = false;
};

// Parses gs://, file:// and plain paths. InvalidArgument names the URI and the rule it breaks: an empty bucket
// (gs:///x), an empty object (gs://b/), a bucket or object name GCS would reject, an unknown scheme (s3://…),
// a file:// URI with a host, an empty string, or a NUL byte.
absl::StatusOr<BlobUri> ParseBlobUri(std::string_view uri, const ParseOptions& options = {});

// Cloud Storage naming rules (cloud.google.com/storage/docs/buckets#naming, objects#naming).
absl::Status ValidateGcsBucketName(std::string_view bucket);
absl::Status ValidateGcsObjectName(std::string_view object);

// The original builder's parser, kept for its exact error texts (behavior.md §8.1): only gs:// is accepted;
// empty bucket/object names are accepted as the original did. Messages: "Cannot build artifacts because
// createTask returns invalid URLs: empty URI." and "...invalid URLs: <uri>".
struct GcsObjectId {
  std::string bucket;
  std::string name;
};
absl::StatusOr<GcsObjectId> ParseGcsUriCompat(std::string_view uri, bool allow_empty_blob = false);

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_BLOB_URI_H_
