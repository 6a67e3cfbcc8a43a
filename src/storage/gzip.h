// gzip (RFC 1952) compression for Cloud Storage uploads with Content-Encoding: gzip, and bounded
// decompression for reading such objects back when a server does not transcode them.
#ifndef TASKBUILDER_STORAGE_GZIP_H_
#define TASKBUILDER_STORAGE_GZIP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tb::storage {

// Deterministic output (no file name, zero mtime) so the same artifact always has the same stored bytes.
// `level` is zlib's 1..9; 6 is its default balance of speed and size.
absl::StatusOr<std::string> GzipCompress(std::string_view data, int level = 6);

// Fails with DataLoss on corrupt input and ResourceExhausted past `max_bytes` of output.
absl::StatusOr<std::string> GzipDecompress(std::string_view data, uint64_t max_bytes);

// True when `data` starts with the gzip magic bytes.
bool LooksGzipped(std::string_view data);

}  // namespace tb::storage

#endif  // TASKBUILDER_STORAGE_GZIP_H_
