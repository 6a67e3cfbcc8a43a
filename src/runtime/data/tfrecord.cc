#include "runtime/data/tfrecord.h"

#include <zlib.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/status_macros.h"

namespace tb::runtime::data {
namespace {

constexpr size_t kHeaderBytes = 12;  // uint64 length + uint32 masked CRC of it
constexpr size_t kFooterBytes = 4;

bool IsGzip(const tf::RandomAccessFile& file) {
  if (file.size() < 2) return false;
  char magic[2];
  if (!file.Read(0, 2, magic).ok()) return false;
  return static_cast<uint8_t>(magic[0]) == 0x1f && static_cast<uint8_t>(magic[1]) == 0x8b;
}

// Inflates a gzip stream (possibly several members) with an output cap.
absl::StatusOr<std::string> Gunzip(const tf::RandomAccessFile& file, uint64_t max_bytes) {
  if (file.size() > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(file.name(), ": ", file.size(), " bytes exceed the limit of ",
                                                     max_bytes));
  }
  std::string in(file.size(), '\0');
  TB_RETURN_IF_ERROR(file.Read(0, in.size(), in.data()));
  std::string out;
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("zlib inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[1 << 16];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      return absl::ResourceExhaustedError(absl::StrCat(file.name(), ": decompressed TFRecord data exceeds ",
                                                       max_bytes, " bytes"));
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // a concatenated gzip member follows
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return absl::DataLossError(absl::StrCat(file.name(), ": corrupt or truncated GZIP data (zlib code ", rc, ")"));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TFRecordReader>> TFRecordReader::Open(const std::string& path, TFRecordLimits limits) {
  auto file = tf::OpenRandomAccessFile(path);
  if (!file.ok()) return file.status();
  return Open(std::move(*file), limits);
}

absl::StatusOr<std::unique_ptr<TFRecordReader>> TFRecordReader::Open(std::unique_ptr<tf::RandomAccessFile> file,
                                                                     TFRecordLimits limits) {
  if (IsGzip(*file)) {
    std::string name = file->name();
    TB_ASSIGN_OR_RETURN(std::string plain, Gunzip(*file, limits.max_file_bytes));
    file = tf::NewOwnedMemoryFile(std::move(name), std::move(plain));
  }
  if (file->size() > limits.max_file_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(file->name(), ": ", file->size(), " bytes exceed the limit of ",
                                                     limits.max_file_bytes));
  }
  return std::unique_ptr<TFRecordReader>(new TFRecordReader(std::move(file), limits));
}

absl::Status TFRecordReader::Corrupt(std::string_view what) const {
  return absl::DataLossError(absl::StrCat(file_->name(), ": TFRecord ", records_, " at byte ", offset_, ": ",
                                          ToAbsl(what)));
}

absl::StatusOr<std::optional<std::string>> TFRecordReader::Next() {
  const uint64_t size = file_->size();
  if (offset_ == size) return std::optional<std::string>();
  if (size - offset_ < kHeaderBytes) {
    return Corrupt(absl::StrCat("truncated header (", size - offset_, " bytes left)"));
  }
  if (static_cast<uint64_t>(records_) >= limits_.max_records) {
    return absl::ResourceExhaustedError(absl::StrCat(file_->name(), ": more than ", limits_.max_records, " records"));
  }
  char header[kHeaderBytes];
  TB_RETURN_IF_ERROR(file_->Read(offset_, kHeaderBytes, header));
  const uint64_t length = DecodeFixed64(header);
  if (crc32c::Unmask(DecodeFixed32(header + 8)) != crc32c::Value(header, 8)) {
    return Corrupt("length CRC mismatch (not a TFRecord file, or corrupted)");
  }
  if (length > limits_.max_record_bytes) {
    return Corrupt(absl::StrCat("record of ", length, " bytes exceeds the limit of ", limits_.max_record_bytes));
  }
  if (length + kFooterBytes > size - offset_ - kHeaderBytes) {
    return Corrupt(absl::StrCat("record of ", length, " bytes is truncated (", size - offset_ - kHeaderBytes,
                                " bytes left)"));
  }
  std::string data(length + kFooterBytes, '\0');
  TB_RETURN_IF_ERROR(file_->Read(offset_ + kHeaderBytes, data.size(), data.data()));
  const uint32_t stored = crc32c::Unmask(DecodeFixed32(data.data() + length));
  data.resize(length);
  if (stored != crc32c::Value(data)) return Corrupt("data CRC mismatch");
  offset_ += kHeaderBytes + length + kFooterBytes;
  ++records_;
  return std::optional<std::string>(std::move(data));
}

absl::StatusOr<std::vector<std::string>> ReadTFRecordFile(const std::string& path, TFRecordLimits limits) {
  TB_ASSIGN_OR_RETURN(auto reader, TFRecordReader::Open(path, limits));
  std::vector<std::string> records;
  while (true) {
    TB_ASSIGN_OR_RETURN(std::optional<std::string> record, reader->Next());
    if (!record.has_value()) break;
    records.push_back(std::move(*record));
  }
  return records;
}

std::string EncodeTFRecord(std::string_view data) {
  std::string out;
  out.reserve(kHeaderBytes + data.size() + kFooterBytes);
  PutFixed64(&out, data.size());
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out.data(), 8)));
  out.append(data);
  PutFixed32(&out, crc32c::Mask(crc32c::Value(data)));
  return out;
}

absl::StatusOr<std::unique_ptr<TFRecordWriter>> TFRecordWriter::Open(const std::string& path) {
  TB_ASSIGN_OR_RETURN(auto file, tf::NewWritableFile(path));
  return std::make_unique<TFRecordWriter>(std::move(file));
}

absl::Status TFRecordWriter::Write(std::string_view record) { return file_->Append(EncodeTFRecord(record)); }

absl::Status TFRecordWriter::Close() { return file_->Close(); }

absl::Status WriteTFRecordFile(const std::string& path, const std::vector<std::string>& records) {
  TB_ASSIGN_OR_RETURN(auto writer, TFRecordWriter::Open(path));
  for (const std::string& r : records) TB_RETURN_IF_ERROR(writer->Write(r));
  return writer->Close();
}

}  // namespace tb::runtime::data
