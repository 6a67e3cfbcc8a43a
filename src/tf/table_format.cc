#include "tf/table_format.h"

#include <snappy.h>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/status_macros.h"

namespace tb::tf::table {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* input) {
  return GetVarint64(input, &offset) && GetVarint64(input, &size);
}

std::string Footer::Encode() const {
  std::string out;
  metaindex.EncodeTo(&out);
  index.EncodeTo(&out);
  out.resize(2 * kMaxBlockHandleSize, '\0');
  PutFixed64(&out, kTableMagic);
  return out;
}

absl::StatusOr<Footer> Footer::Decode(std::string_view bytes, const std::string& file_name) {
  if (bytes.size() != kFooterSize) {
    return absl::DataLossError(absl::StrCat(file_name, ": too short to be a table (", bytes.size(), " bytes)"));
  }
  const uint64_t magic = DecodeFixed64(bytes.data() + 2 * kMaxBlockHandleSize);
  if (magic != kTableMagic) {
    return absl::DataLossError(absl::StrCat(file_name, ": not a table file (bad magic number 0x",
                                            absl::Hex(magic, absl::kZeroPad16), ")"));
  }
  Footer footer;
  std::string_view in = bytes.substr(0, 2 * kMaxBlockHandleSize);
  if (!footer.metaindex.DecodeFrom(&in) || !footer.index.DecodeFrom(&in)) {
    return absl::DataLossError(absl::StrCat(file_name, ": corrupted table footer (bad block handles)"));
  }
  return footer;
}

std::string BlockTrailer(uint32_t crc_of_contents, Compression type) {
  std::string trailer(1, static_cast<char>(type));
  const uint32_t crc = crc32c::Extend(crc_of_contents, trailer.data(), 1);
  PutFixed32(&trailer, crc32c::Mask(crc));
  return trailer;
}

absl::StatusOr<ByteBuffer> ReadBlock(const RandomAccessFile& file, const BlockHandle& handle,
                                      const ReadBlockOptions& options) {
  const uint64_t file_size = file.size();
  if (handle.offset > file_size || handle.size > file_size - handle.offset ||
      kBlockTrailerSize > file_size - handle.offset - handle.size) {
    return absl::DataLossError(absl::StrCat(file.name(), ": block handle (offset ", handle.offset, ", size ",
                                            handle.size, ") points past the end of the file (", file_size,
                                            " bytes)"));
  }
  if (handle.size > options.max_block_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(file.name(), ": block at offset ", handle.offset, " is ",
                                                     handle.size, " bytes, more than the limit of ",
                                                     options.max_block_bytes));
  }
  ByteBuffer raw = ByteBuffer::Allocate(static_cast<size_t>(handle.size + kBlockTrailerSize));
  TB_RETURN_IF_ERROR(file.Read(handle.offset, raw.size, raw.data.get()));
  const size_t n = static_cast<size_t>(handle.size);
  const uint8_t type = static_cast<uint8_t>(raw.data[n]);
  if (options.verify_checksums) {
    const uint32_t stored = crc32c::Unmask(DecodeFixed32(raw.data.get() + n + 1));
    const uint32_t actual = crc32c::Value(raw.data.get(), n + 1);
    if (stored != actual) {
      return absl::DataLossError(absl::StrCat(file.name(), ": block at offset ", handle.offset,
                                              " has a checksum mismatch (stored 0x", absl::Hex(stored),
                                              ", computed 0x", absl::Hex(actual), ")"));
    }
  }
  switch (static_cast<Compression>(type)) {
    case Compression::kNone:
      raw.size = n;  // Drop the trailer from the view; the allocation stays.
      return raw;
    case Compression::kSnappy: {
      size_t ulen = 0;
      if (!snappy::GetUncompressedLength(raw.data.get(), n, &ulen)) {
        return absl::DataLossError(
            absl::StrCat(file.name(), ": block at offset ", handle.offset, " has a corrupted snappy header"));
      }
      // Snappy cannot expand more than ~22x; a larger claim is corruption, not data.
      if (ulen > options.max_block_bytes || ulen / 32 > n) {
        return absl::DataLossError(absl::StrCat(file.name(), ": block at offset ", handle.offset, " claims ", ulen,
                                                " uncompressed bytes from ", n, " compressed bytes"));
      }
      ByteBuffer out = ByteBuffer::Allocate(ulen);
      if (!snappy::RawUncompress(raw.data.get(), n, out.data.get())) {
        return absl::DataLossError(
            absl::StrCat(file.name(), ": block at offset ", handle.offset, " is not valid snappy data"));
      }
      return out;
    }
  }
  return absl::DataLossError(absl::StrCat(file.name(), ": block at offset ", handle.offset,
                                          " has unknown compression type ", type));
}

}  // namespace tb::tf::table
