// Reads TensorFlow V1 checkpoints (SSTables of SavedTensorSlices, as written by SaveSlices and by
// checkpoint_writer.h): the tensor list from the metadata record and each tensor's values. Whole-tensor slices
// and partitioned tensors (several slices that tile the tensor) are both read. Never trusts the file: every
// record is checked against the metadata's dtype and shape before values are copied.
#ifndef TASKBUILDER_TF_CHECKPOINT_READER_H_
#define TASKBUILDER_TF_CHECKPOINT_READER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensorflow/saved_tensor_slice.pb.h"
#include "tf/file_io.h"
#include "tf/table_reader.h"
#include "tf/tensor.h"

namespace tb::tf {

struct CheckpointTensorInfo {
  std::string name;
  DType dtype = DType::kInvalid;
  Shape shape;
  // The slices stored for it; one all-empty slice for a whole tensor.
  std::vector<tensorflow::TensorSliceProto> slices;
};

struct CheckpointReadOptions {
  table::TableReadOptions table;
  uint64_t max_tensor_bytes = kMaxTensorBytes;
  uint64_t max_tensors = 1 << 20;
};

class CheckpointReader {
 public:
  static absl::StatusOr<std::unique_ptr<CheckpointReader>> Open(const std::string& path,
                                                                CheckpointReadOptions options = {});
  static absl::StatusOr<std::unique_ptr<CheckpointReader>> Open(std::unique_ptr<RandomAccessFile> file,
                                                                CheckpointReadOptions options = {});

  // In metadata order (the writer's input order).
  const std::vector<CheckpointTensorInfo>& tensors() const { return tensors_; }
  const CheckpointTensorInfo* Find(std::string_view name) const;
  const tensorflow::VersionDef& versions() const { return versions_; }
  const std::string& name() const { return table_->file().name(); }

  absl::StatusOr<Tensor> Read(std::string_view name) const;
  // Every tensor, in metadata order.
  absl::StatusOr<std::vector<NamedTensor>> ReadAll() const;

 private:
  CheckpointReader() = default;
  // Large float/double records fill a block of their own (the writer's large-entry flush): read their values
  // straight into the tensor. nullopt when the block does not have that exact shape (then the generic path runs).
  absl::StatusOr<std::optional<Tensor>> ReadLargeSliceDirect(const CheckpointTensorInfo& info, const std::string& key,
                                                             const Shape& slice_shape) const;
  absl::StatusOr<Tensor> ReadSlice(const CheckpointTensorInfo& info, const tensorflow::TensorSliceProto& slice,
                                   const Shape& slice_shape) const;

  std::unique_ptr<table::TableReader> table_;
  CheckpointReadOptions options_;
  std::vector<CheckpointTensorInfo> tensors_;
  tensorflow::VersionDef versions_;
};

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_CHECKPOINT_READER_H_
