#include "storage/gzip.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tb::storage {

absl::StatusOr<std::string> GzipCompress(std::string_view data, int level) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper; zlib writes mtime 0 and no name, so output is deterministic.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT32_MAX));
  const char* in = data.data();
  size_t left = data.size();
  int rc = Z_OK;
  do {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
    zs.avail_in = chunk;
    in += chunk;
    left -= chunk;
    rc = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
  } while (left > 0 && rc == Z_OK);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return absl::InternalError(absl::StrCat("gzip compression failed (zlib code ", rc, ")"));
  out.resize(produced);
  return out;
}

absl::StatusOr<std::string> GzipDecompress(std::string_view data, uint64_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return absl::InternalError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT32_MAX));
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return absl::DataLossError(absl::StrCat("corrupt gzip data (zlib code ", rc, ")"));
    }
    const size_t got = sizeof(buf) - zs.avail_out;
    if (out.size() + got > max_bytes) {
      inflateEnd(&zs);
      return absl::ResourceExhaustedError(absl::StrCat("gzip data expands past the limit of ", max_bytes, " bytes"));
    }
    out.append(buf, got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return absl::DataLossError("truncated gzip data");
    }
  }
  inflateEnd(&zs);
  return out;
}

bool LooksGzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;
}

}  // namespace tb::storage
