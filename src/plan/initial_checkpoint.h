// The initial server checkpoint: the server state of a learning process as the TF V1 checkpoint the plan's
// server_savepoint writes — one "server/<path>" tensor per state tensor, in sorted name order (SaveSlices input
// order of the savepoint), byte-identical to the original for the same values (artifacts.md §6).
#ifndef TASKBUILDER_PLAN_INITIAL_CHECKPOINT_H_
#define TASKBUILDER_PLAN_INITIAL_CHECKPOINT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/map_reduce_program.h"
#include "tf/file_io.h"

namespace tb::plan {

// The checkpoint's tensors in savepoint order.
std::vector<tf::NamedTensor> InitialCheckpointTensors(const std::vector<fl::StateTensor>& state);

absl::StatusOr<std::string> SerializeInitialCheckpoint(const std::vector<fl::StateTensor>& state);
// Streams to `out` (large models never hold a second copy of their weights in memory).
absl::Status WriteInitialCheckpoint(const std::vector<fl::StateTensor>& state, tf::WritableFile* out);

}  // namespace tb::plan

#endif  // TASKBUILDER_PLAN_INITIAL_CHECKPOINT_H_
