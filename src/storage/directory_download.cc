#include "storage/directory_download.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/file.h"
#include "base/status_macros.h"

namespace tb::storage {

absl::Status ValidateRelativeName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("refusing object name '", ToAbsl(name), "': ", ToAbsl(why)));
  };
  if (name.empty()) return bad("empty");
  if (name.front() == '/') return bad("absolute path");
  if (name.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (name.find('\\') != std::string_view::npos) return bad("contains a backslash");
  for (absl::string_view seg : absl::StrSplit(ToAbsl(name), '/')) {
    if (seg.empty()) return bad("contains an empty path segment");
    if (seg == "." || seg == "..") return bad("contains a '.' or '..' segment");
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> DownloadDirectory(BlobStore& store, const std::string& prefix_uri, const std::string& local_dir,
                                         const DownloadLimits& limits) {
  TB_ASSIGN_OR_RETURN(std::vector<BlobInfo> objects, store.List(prefix_uri, limits.max_files));
  if (objects.empty()) return absl::NotFoundError(absl::StrCat("no objects under ", prefix_uri));
  uint64_t total = 0;
  for (const BlobInfo& o : objects) {
    TB_RETURN_IF_ERROR(ValidateRelativeName(o.name));
    total += o.size;
    if (total > limits.max_total_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(prefix_uri, " holds more than ", limits.max_total_bytes, " bytes; refusing to download it"));
    }
  }
  uint64_t budget = limits.max_total_bytes;
  for (const BlobInfo& o : objects) {
    TB_ASSIGN_OR_RETURN(std::string data, store.Get(o.uri, budget));
    budget -= std::min<uint64_t>(budget, data.size());
    TB_RETURN_IF_ERROR(WriteFileAtomic(absl::StrCat(local_dir, "/", o.name), data));
  }
  return objects.size();
}

}  // namespace tb::storage
