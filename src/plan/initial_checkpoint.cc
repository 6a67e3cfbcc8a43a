#include "plan/initial_checkpoint.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tf/checkpoint_writer.h"

namespace tb::plan {

std::vector<tf::NamedTensor> InitialCheckpointTensors(const std::vector<fl::StateTensor>& state) {
  std::vector<tf::NamedTensor> out;
  out.reserve(state.size());
  for (const fl::StateTensor& s : state) out.push_back(tf::NamedTensor{absl::StrCat("server/", s.slot.path), s.initial});
  std::sort(out.begin(), out.end(), [](const tf::NamedTensor& a, const tf::NamedTensor& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<std::string> SerializeInitialCheckpoint(const std::vector<fl::StateTensor>& state) {
  return tf::SerializeCheckpoint(InitialCheckpointTensors(state));
}

absl::Status WriteInitialCheckpoint(const std::vector<fl::StateTensor>& state, tf::WritableFile* out) {
  return tf::WriteCheckpoint(out, InitialCheckpointTensors(state));
}

}  // namespace tb::plan
