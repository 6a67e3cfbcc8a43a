// Writes TensorFlow V1 checkpoints: the SSTable of SavedTensorSlices protos that TF's SaveSlices op (and the
// TensorSliceWriter behind it) produces, which is the format of every checkpoint an ODP plan exchanges
// (initial_state.server.ckp, client updates). Given the same tensors in the same order the bytes equal TF's:
// a metadata record under key "", one full-slice record per tensor under its OrderedCode key, packed *_val
// values, 256 KiB uncompressed blocks with TF's large-entry flush. Large float tensors are streamed, not copied.
#ifndef TASKBUILDER_TF_CHECKPOINT_WRITER_H_
#define TASKBUILDER_TF_CHECKPOINT_WRITER_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tf/file_io.h"
#include "tf/tensor.h"

namespace tb::tf {

// The table key of a whole-tensor slice of `name` with `rank` dimensions (TF's EncodeTensorNameSlice).
std::string EncodeTensorNameSliceKey(std::string_view name, int rank);

// Writes the checkpoint to `out` (not closed). Names must be unique and non-empty; the metadata lists tensors in
// the given order (SaveSlices' input order), data records are sorted by key. Supported dtypes: float, double,
// int8/16/32/64, uint8, bool, string.
absl::Status WriteCheckpoint(WritableFile* out, absl::Span<const NamedTensor> tensors);

// To a file, published atomically.
absl::Status WriteCheckpointFile(const std::string& path, absl::Span<const NamedTensor> tensors,
                                 WriteOptions options = {});

// In memory.
absl::StatusOr<std::string> SerializeCheckpoint(absl::Span<const NamedTensor> tensors);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_CHECKPOINT_WRITER_H_
