#include "storage/blob_uri.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::storage {
namespace {

constexpr std::string_view kGsPrefix = "gs://";
constexpr std::string_view kFilePrefix = "file://";
constexpr std::string_view kCompatPrefix = "Cannot build artifacts because createTask returns invalid URLs: ";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

absl::Status Invalid(std::string_view uri, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid storage URI '", ToAbsl(uri), "': ", ToAbsl(why)));
}

}  // namespace

std::string BlobUri::ToString() const {
  if (scheme == Scheme::kGcs) return absl::StrCat("gs://", bucket, object.empty() ? "" : "/", object);
  return path;
}

absl::Status ValidateGcsBucketName(std::string_view bucket) {
  // 3-63 characters (up to 222 when dotted, each dot-separated part at most 63), lowercase letters, digits,
  // '-', '_' and '.', starting and ending with a letter or digit.
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bucket name '", ToAbsl(bucket), "' ", ToAbsl(why)));
  };
  if (bucket.empty()) return absl::InvalidArgumentError("bucket name is empty");
  const bool dotted = bucket.find('.') != std::string_view::npos;
  if (bucket.size() < 3 || bucket.size() > (dotted ? 222u : 63u)) {
    return bad(dotted ? "must be 3 to 222 characters long" : "must be 3 to 63 characters long");
  }
  for (char c : bucket) {
    if (!IsLowerAlnum(c) && c != '-' && c != '_' && c != '.') {
      return bad("may contain only lowercase letters, digits, '-', '_' and '.'");
    }
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    return bad("must start and end with a lowercase letter or a digit");
  }
  size_t start = 0;
  while (start <= bucket.size()) {
    size_t dot = bucket.find('.', start);
    if (dot == std::string_view::npos) dot = bucket.size();
    if (dot - start > 63) return bad("has a dot-separated part longer than 63 characters");
    if (dot == start) return bad("has an empty dot-separated part");
    start = dot + 1;
  }
  return absl::OkStatus();
}

absl::Status ValidateGcsObjectName(std::string_view object) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("object name '", ToAbsl(object), "' ", ToAbsl(why)));
  };
  if (object.empty()) return absl::InvalidArgumentError("object name is empty");
  if (object.size() > 1024) return bad("is longer than 1024 bytes");
  if (object == "." || object == "..") return bad("may not be '.' or '..'");
  for (unsigned char c : object) {
    if (c < 0x20 || c == 0x7f) return bad("contains a control character");
  }
  return absl::OkStatus();
}

absl::StatusOr<BlobUri> ParseBlobUri(std::string_view uri, const ParseOptions& options) {
  if (uri.empty()) return absl::InvalidArgumentError("invalid storage URI: empty URI");
  if (uri.find('\0') != std::string_view::npos) return Invalid(uri, "contains a NUL byte");
  BlobUri out;
  if (uri.substr(0, kGsPrefix.size()) == kGsPrefix) {
    out.scheme = Scheme::kGcs;
    std::string_view rest = uri.substr(kGsPrefix.size());
    const size_t slash = rest.find('/');
    out.bucket = std::string(rest.substr(0, slash));
    if (out.bucket.empty()) return Invalid(uri, "the bucket name is empty");
    if (absl::Status s = ValidateGcsBucketName(out.bucket); !s.ok()) return Invalid(uri, FromAbsl(s.message()));
    if (slash != std::string_view::npos) out.object = std::string(rest.substr(slash + 1));
    if (out.object.empty()) {
      if (!options.allow_bucket_only) return Invalid(uri, "the object name is empty");
      return out;
    }
    if (absl::Status s = ValidateGcsObjectName(out.object); !s.ok()) return Invalid(uri, FromAbsl(s.message()));
    return out;
  }
  if (uri.substr(0, kFilePrefix.size()) == kFilePrefix) {
    std::string_view rest = uri.substr(kFilePrefix.size());
    if (rest.substr(0, 9) == "localhost") rest.remove_prefix(9);
    if (rest.empty() || rest.front() != '/') {
      return Invalid(uri, "a file:// URI must name an absolute path on this machine (file:///path)");
    }
    out.path = std::string(rest);
    return out;
  }
  // Anything else that looks like scheme://… is a scheme we do not speak; refuse it rather than treating
  // "s3://b/k" as a relative local path.
  const size_t sep = uri.find("://");
  if (sep != std::string_view::npos && sep > 0) {
    bool scheme_like = true;
    for (char c : uri.substr(0, sep)) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
            c == '.')) {
        scheme_like = false;
      }
    }
    if (scheme_like) return Invalid(uri, "unsupported scheme (supported: gs://, file:// and local paths)");
  }
  out.path = std::string(uri);
  return out;
}

absl::StatusOr<GcsObjectId> ParseGcsUriCompat(std::string_view uri, bool allow_empty_blob) {
  if (uri.empty()) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(kCompatPrefix), "empty URI."));
  if (uri.substr(0, kGsPrefix.size()) != kGsPrefix) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(kCompatPrefix), ToAbsl(uri)));
  }
  std::string_view rest = uri.substr(kGsPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    if (allow_empty_blob) return GcsObjectId{std::string(rest), ""};
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(kCompatPrefix), ToAbsl(uri)));
  }
  return GcsObjectId{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

}  // namespace tb::storage
