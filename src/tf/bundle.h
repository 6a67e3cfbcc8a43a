// TensorFlow V2 checkpoints ("tensor bundles"): <prefix>.index, a table mapping each tensor name to a
// BundleEntryProto (dtype, shape, location, CRC), and <prefix>.data-NNNNN-of-MMMMM holding the raw bytes.
// This is how SavedModels store variables (variables/variables.*). The writer matches TF's bytes (snappy index
// blocks, insertion-ordered data, TF's string layout); the reader verifies every CRC and bounds every size, and
// reads tensors from the data files with positional reads so large bundles are never loaded whole.
#ifndef TASKBUILDER_TF_BUNDLE_H_
#define TASKBUILDER_TF_BUNDLE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensorflow/tensor_bundle.pb.h"
#include "tf/file_io.h"
#include "tf/table_builder.h"
#include "tf/table_reader.h"
#include "tf/tensor.h"

namespace tb::tf {

// "<prefix>.index" and "<prefix>.data-00000-of-00001" (shard 0 of 1).
std::string BundleIndexPath(const std::string& prefix);
std::string BundleDataPath(const std::string& prefix, int shard, int num_shards);

// The key under which TF stores a bundle's TrackableObjectGraph.
inline constexpr std::string_view kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";

struct BundleWriteOptions {
  WriteOptions file;
  // TF writes snappy-compressed index blocks; kNone gives output independent of the snappy version.
  table::Compression index_compression = table::Compression::kSnappy;
};

// Writes a single-shard bundle. Tensors go to the data file in the order added; the index is sorted at Finish().
class BundleWriter {
 public:
  static absl::StatusOr<std::unique_ptr<BundleWriter>> Create(const std::string& prefix,
                                                              BundleWriteOptions options = {});
  // Fixed-size or string tensors; InvalidArgument for a duplicate or empty key.
  absl::Status Add(std::string_view key, const Tensor& tensor);
  // Writes the index and publishes both files.
  absl::Status Finish();

 private:
  BundleWriter() = default;
  std::string prefix_;
  BundleWriteOptions options_;
  std::unique_ptr<WritableFile> data_;
  std::vector<std::pair<std::string, tensorflow::BundleEntryProto>> entries_;
  bool finished_ = false;
};

// Convenience: writes `tensors` (name, tensor) in the given order.
absl::Status WriteBundle(const std::string& prefix, const std::vector<std::pair<std::string, Tensor>>& tensors,
                         BundleWriteOptions options = {});

struct BundleEntry {
  std::string key;
  tensorflow::BundleEntryProto proto;
  DType dtype = DType::kInvalid;  // kInvalid when the proto's dtype is not one we can read.
  Shape shape;
};

struct BundleReadOptions {
  table::TableReadOptions index;
  // Largest single tensor Read() will allocate.
  uint64_t max_tensor_bytes = kMaxTensorBytes;
  // Most index entries accepted.
  uint64_t max_entries = 1 << 22;
};

class BundleReader {
 public:
  // Reads and validates the whole index. Data files are opened on first use, so a missing data file is reported
  // (with its path) by Read().
  static absl::StatusOr<std::unique_ptr<BundleReader>> Open(const std::string& prefix, BundleReadOptions options = {});
  // For tests and fuzzing: the index from memory and data files resolved by `open_data(shard)`.
  using DataOpener = std::function<absl::StatusOr<std::unique_ptr<RandomAccessFile>>(int shard)>;
  static absl::StatusOr<std::unique_ptr<BundleReader>> OpenFrom(std::unique_ptr<RandomAccessFile> index,
                                                                DataOpener open_data, BundleReadOptions options = {});

  const tensorflow::BundleHeaderProto& header() const { return header_; }
  // Sorted by key; the header entry is not included.
  const std::vector<BundleEntry>& entries() const { return entries_; }
  const BundleEntry* Find(std::string_view key) const;

  // Reads a tensor and verifies its CRC. Errors name the key and the data file.
  absl::StatusOr<Tensor> Read(std::string_view key) const;
  absl::StatusOr<Tensor> Read(const BundleEntry& entry) const;
  // Streams the stored bytes through the CRC without materializing the tensor (for `inspect`).
  absl::Status VerifyChecksum(const BundleEntry& entry) const;

  const std::string& index_name() const { return index_name_; }
  std::string DataFileName(int shard) const;

 private:
  BundleReader() = default;
  absl::StatusOr<const RandomAccessFile*> DataFile(int shard) const;
  absl::StatusOr<std::string> ReadRaw(const BundleEntry& entry) const;

  std::string prefix_;
  std::string index_name_;
  BundleReadOptions options_;
  DataOpener open_data_;
  tensorflow::BundleHeaderProto header_;
  std::vector<BundleEntry> entries_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<RandomAccessFile>> data_files_;
};

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_BUNDLE_H_
