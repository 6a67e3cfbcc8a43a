// BlobStore: the one interface taskbuilder uses to read models and write artifacts, whatever the backend
// (a local directory or Cloud Storage). Every call names a whole URI; backends refuse URIs of other schemes.
// Implementations are thread-safe. They never return partial data as success, and a Put is all-or-nothing:
// readers see the old object or the whole new one.
#ifndef TASKBUILDER_STORAGE_BLOB_STORE_H_
#define TASKBUILDER_STORAGE_BLOB_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tb::storage {

// Upper bound for one Get unless the caller asks for less: 4 GiB.
inline constexpr uint64_t kDefaultMaxBlobBytes = uint64_t{4} << 30;

struct PutOptions {
  std::string content_type = "application/octet-stream";
  // Store the bytes gzip-compressed with Content-Encoding: gzip (Cloud Storage only; readers get the original
  // bytes back through decompressive transcoding). The ODP scheduler re-gzips any object without it
  // (ecosystem.md §1.2), so artifacts are uploaded this way by default. Local files are always stored plain.
  bool gzip = false;
};

struct BlobInfo {
  std::string uri;   // full URI of the object
  std::string name;  // path relative to the listed prefix ("variables/variables.index")
  uint64_t size = 0;
  std::optional<uint32_t> crc32c;  // of the stored bytes, when the backend knows it
  std::string content_encoding;    // "gzip" when stored compressed
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Writes (overwrites) one object. Atomic: on error, the object is either unchanged or absent.
  virtual absl::Status Put(const std::string& uri, std::string_view data, const PutOptions& options = {}) = 0;

  // Reads one whole object (decompressed if it was stored with gzip). NotFound names the URI;
  // ResourceExhausted when it is larger than `max_bytes`.
  virtual absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes = kDefaultMaxBlobBytes) = 0;

  // Metadata of one object, or nullopt when it does not exist.
  virtual absl::StatusOr<std::optional<BlobInfo>> Stat(const std::string& uri) = 0;

  // Every object under the directory `prefix_uri` (directory-boundary semantics: "gs://b/model" lists
  // "model/..." but never "model2/..."; "gs://b" lists the whole bucket), sorted by name. Fails with
  // ResourceExhausted past `max_objects` rather than returning a truncated list.
  virtual absl::StatusOr<std::vector<BlobInfo>> List(const std::string& prefix_uri, size_t max_objects = 100000) = 0;

  // Deletes one object; a missing object is not an error.
  virtual absl::Status Delete(const std::string& uri) = 0;
};

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_BLOB_STORE_H_
