// TFRecord files: the format apps' example stores and `tf.data.TFRecordDataset` use. Each record is
// uint64 length, masked CRC-32C of the length, the bytes, masked CRC-32C of the bytes (all little-endian).
// GZIP-compressed files are recognised by their magic and inflated. The reader checks every length against the
// file and the limits before allocating and every CRC before returning a record; errors name the file, the record
// index and its byte offset. It never returns a record it has not verified.
#ifndef TASKBUILDER_RUNTIME_DATA_TFRECORD_H_
#define TASKBUILDER_RUNTIME_DATA_TFRECORD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tf/file_io.h"

namespace tb::runtime::data {

struct TFRecordLimits {
  uint64_t max_record_bytes = uint64_t{64} << 20;     // one serialized example
  uint64_t max_records = uint64_t{1} << 26;
  uint64_t max_file_bytes = uint64_t{8} << 30;        // after decompression
};

class TFRecordReader {
 public:
  // Opens a local file. NotFound names the path.
  static absl::StatusOr<std::unique_ptr<TFRecordReader>> Open(const std::string& path, TFRecordLimits limits = {});
  // Reads from `file` (e.g. an in-memory file).
  static absl::StatusOr<std::unique_ptr<TFRecordReader>> Open(std::unique_ptr<tf::RandomAccessFile> file,
                                                              TFRecordLimits limits = {});

  // The next record, or nullopt at the end of the file. DataLoss on truncation or a CRC mismatch.
  absl::StatusOr<std::optional<std::string>> Next();

  int64_t records_read() const { return records_; }
  const std::string& name() const { return file_->name(); }

 private:
  TFRecordReader(std::unique_ptr<tf::RandomAccessFile> file, TFRecordLimits limits)
      : file_(std::move(file)), limits_(limits) {}
  absl::Status Corrupt(std::string_view what) const;

  std::unique_ptr<tf::RandomAccessFile> file_;
  TFRecordLimits limits_;
  uint64_t offset_ = 0;
  int64_t records_ = 0;
};

// Every record of a file.
absl::StatusOr<std::vector<std::string>> ReadTFRecordFile(const std::string& path, TFRecordLimits limits = {});

// One framed record.
std::string EncodeTFRecord(std::string_view data);

// Writes framed records; Close() publishes the file atomically.
class TFRecordWriter {
 public:
  static absl::StatusOr<std::unique_ptr<TFRecordWriter>> Open(const std::string& path);
  explicit TFRecordWriter(std::unique_ptr<tf::WritableFile> file) : file_(std::move(file)) {}
  absl::Status Write(std::string_view record);
  absl::Status Close();

 private:
  std::unique_ptr<tf::WritableFile> file_;
};

absl::Status WriteTFRecordFile(const std::string& path, const std::vector<std::string>& records);

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_TFRECORD_H_
