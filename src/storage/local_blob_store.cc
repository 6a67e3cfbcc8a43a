#include "storage/local_blob_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "storage/blob_uri.h"

namespace tb::storage {
namespace fs = std::filesystem;
namespace {

std::string NormalizeDir(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool IsWithin(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (absl::StartsWith(ToAbsl(path), ToAbsl(root)) && path[root.size()] == '/');
}

// base/file.h's WriteFileAtomic writes "<path>.tmp-<pid>-<n>" next to the target; listings must not show them.
bool IsTempFile(std::string_view name) {
  const size_t pos = name.rfind(".tmp-");
  if (pos == std::string_view::npos) return false;
  std::string_view tail = name.substr(pos + 5);
  const size_t dash = tail.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == tail.size()) return false;
  return std::all_of(tail.begin(), tail.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

LocalBlobStore::LocalBlobStore(std::string root) {
  std::error_code ec;
  fs::path p = fs::absolute(root.empty() ? fs::path(".") : fs::path(root), ec);
  root_ = NormalizeDir(p);
  fs::path canonical = fs::weakly_canonical(root_, ec);
  canonical_root_ = ec ? root_ : NormalizeDir(canonical);
}

absl::StatusOr<std::string> LocalBlobStore::Resolve(const std::string& uri) const {
  TB_ASSIGN_OR_RETURN(BlobUri parsed, ParseBlobUri(uri));
  if (parsed.scheme != Scheme::kLocal) {
    return absl::InvalidArgumentError(absl::StrCat("'", uri, "' is not a local path or file:// URI"));
  }
  fs::path p(parsed.path);
  if (p.is_relative()) p = fs::path(root_) / p;
  const std::string normal = NormalizeDir(p);
  auto outside = [&]() {
    return absl::PermissionDeniedError(
        absl::StrCat("'", uri, "' resolves to ", normal, ", outside the storage root ", root_));
  };
  if (!IsWithin(normal, root_)) return outside();
  // A symlink inside the root may still point out of it; resolve what exists of the path.
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(normal, ec);
  if (!ec && !IsWithin(NormalizeDir(canonical), canonical_root_)) return outside();
  return normal;
}

absl::Status LocalBlobStore::Put(const std::string& uri, std::string_view data, const PutOptions& options) {
  TB_ASSIGN_OR_RETURN(std::string path, Resolve(uri));
  if (path == root_) return absl::InvalidArgumentError(absl::StrCat("'", uri, "' names the storage root itself"));
  return WriteFileAtomic(path, data);
}

absl::StatusOr<std::string> LocalBlobStore::Get(const std::string& uri, uint64_t max_bytes) {
  TB_ASSIGN_OR_RETURN(std::string path, Resolve(uri));
  return ReadFile(path, max_bytes);
}

absl::StatusOr<std::optional<BlobInfo>> LocalBlobStore::Stat(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(std::string path, Resolve(uri));
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<BlobInfo>();
    return absl::InternalError(absl::StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) return std::optional<BlobInfo>();
  BlobInfo info;
  info.uri = uri;
  info.name = fs::path(path).filename().string();
  info.size = static_cast<uint64_t>(st.st_size);
  return std::optional<BlobInfo>(std::move(info));
}

absl::StatusOr<std::vector<BlobInfo>> LocalBlobStore::List(const std::string& prefix_uri, size_t max_objects) {
  TB_ASSIGN_OR_RETURN(std::string dir, Resolve(prefix_uri));
  std::vector<BlobInfo> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;  // like an empty Cloud Storage prefix
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
    // Symlinks are skipped: following them could leave the root, and a SavedModel never needs them.
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    const std::string name = fs::path(it->path()).lexically_relative(dir).string();
    if (IsTempFile(name)) continue;
    if (out.size() >= max_objects) {
      return absl::ResourceExhaustedError(
          absl::StrCat("more than ", max_objects, " files under ", prefix_uri, "; refusing to list them all"));
    }
    BlobInfo info;
    info.name = name;
    info.uri = (fs::path(dir) / name).string();
    info.size = static_cast<uint64_t>(it->file_size(ec));
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const BlobInfo& a, const BlobInfo& b) { return a.name < b.name; });
  return out;
}

absl::Status LocalBlobStore::Delete(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(std::string path, Resolve(uri));
  std::error_code ec;
  fs::remove(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::InternalError(absl::StrCat("cannot delete ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace tb::storage
