// The on-disk layout shared by TensorFlow's tables (tensor-bundle indexes, V1 checkpoints) and LevelDB's .ldb
// files: blocks with a 5-byte trailer (compression type + masked CRC-32C), block handles, and the 48-byte footer
// ending in the table magic. Decoders here check every length and offset against the bytes they were given.
#ifndef TASKBUILDER_TF_TABLE_FORMAT_H_
#define TASKBUILDER_TF_TABLE_FORMAT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tf/file_io.h"

namespace tb::tf::table {

inline constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
inline constexpr size_t kBlockTrailerSize = 5;
// Two handles padded to 40 bytes, then the 8-byte magic.
inline constexpr size_t kMaxBlockHandleSize = 20;
inline constexpr size_t kFooterSize = 2 * kMaxBlockHandleSize + 8;

enum class Compression : uint8_t { kNone = 0, kSnappy = 1 };

// Where a block lives: offset of its first byte and its size without the trailer.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  void EncodeTo(std::string* dst) const;
  // Parses from the front of *input and advances it; false on truncated or over-long varints.
  bool DecodeFrom(std::string_view* input);
};

struct Footer {
  BlockHandle metaindex;
  BlockHandle index;
  // Exactly kFooterSize bytes.
  std::string Encode() const;
  // `bytes` must be the last kFooterSize bytes of the file.
  static absl::StatusOr<Footer> Decode(std::string_view bytes, const std::string& file_name);
};

// Computes the trailer of a block: type byte then fixed32 mask(crc32c(contents ‖ type)).
std::string BlockTrailer(uint32_t crc_of_contents, Compression type);

// A heap buffer that is not zero-filled on allocation (blocks can be gigabytes; they are overwritten anyway).
struct ByteBuffer {
  std::unique_ptr<char[]> data;
  size_t size = 0;

  static ByteBuffer Allocate(size_t n) { return ByteBuffer{std::unique_ptr<char[]>(new char[n == 0 ? 1 : n]), n}; }
  std::string_view view() const { return std::string_view(data.get(), size); }
};

struct ReadBlockOptions {
  bool verify_checksums = true;
  // Largest block (after decompression) a reader will allocate.
  uint64_t max_block_bytes = uint64_t{4} << 30;
};

// Reads the block at `handle` with its trailer, verifies the CRC and decompresses it. Errors name the file and
// the block offset.
absl::StatusOr<ByteBuffer> ReadBlock(const RandomAccessFile& file, const BlockHandle& handle,
                                      const ReadBlockOptions& options);

}  // namespace tb::tf::table

#endif  // TASKBUILDER_TF_TABLE_FORMAT_H_
