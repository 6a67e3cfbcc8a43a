#include "plan/initial_checkpoint.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tf/checkpoint_writer.h"

namespace tb::plan {
namespace {

// An upper bound of the V1 checkpoint's size for `tensors`, so the bytes are written once into a buffer of the
// right size: a growing string would copy a 400 MB checkpoint several times over and fault in twice its pages.
// Per tensor: its values (float/double raw; other types as varints, at most 11 bytes an element, strings with
// their lengths), its name three times (table key, SavedSlice, metadata), per-dimension extents and varints, and
// the table's per-block trailer and index entry; then the footer.
size_t CheckpointSizeBound(const std::vector<tf::NamedTensor>& tensors) {
  size_t bound = 4096;
  for (const tf::NamedTensor& nt : tensors) {
    const tf::Tensor& t = nt.tensor;
    if (t.dtype() == tf::DType::kString) {
      for (const std::string& s : t.flat<std::string>()) bound += s.size() + 11;
    } else if (t.dtype() == tf::DType::kFloat || t.dtype() == tf::DType::kDouble) {
      bound += t.byte_size();
    } else {
      bound += static_cast<size_t>(t.num_elements()) * 11;
    }
    bound += 3 * nt.name.size() + 32 * static_cast<size_t>(t.rank()) + 128;
  }
  return bound;
}

}  // namespace

std::vector<tf::NamedTensor> InitialCheckpointTensors(const std::vector<fl::StateTensor>& state) {
  std::vector<tf::NamedTensor> out;
  out.reserve(state.size());
  for (const fl::StateTensor& s : state) out.push_back(tf::NamedTensor{absl::StrCat("server/", s.slot.path), s.initial});
  std::sort(out.begin(), out.end(), [](const tf::NamedTensor& a, const tf::NamedTensor& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<std::string> SerializeInitialCheckpoint(const std::vector<fl::StateTensor>& state) {
  const std::vector<tf::NamedTensor> tensors = InitialCheckpointTensors(state);
  std::string out;
  out.reserve(CheckpointSizeBound(tensors));
  {
    auto file = tf::NewStringWritableFile("initial checkpoint", &out);
    TB_RETURN_IF_ERROR(tf::WriteCheckpoint(file.get(), tensors));
  }
  return out;
}

absl::Status WriteInitialCheckpoint(const std::vector<fl::StateTensor>& state, tf::WritableFile* out) {
  return tf::WriteCheckpoint(out, InitialCheckpointTensors(state));
}

}  // namespace tb::plan
