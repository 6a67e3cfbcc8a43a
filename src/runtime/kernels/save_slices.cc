// SaveSlices(filename, tensor_names, shapes_and_slices, data: T) writes a TF V1 (tensor-slice) checkpoint holding
// each data tensor whole under its name — the format of ODP client updates and server checkpoints. Slice specs must
// be empty; names must be unique. The file is published atomically.
#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "tf/checkpoint_writer.h"

namespace tb::runtime {
namespace {

absl::Status SaveSlices(KernelContext& ctx) {
  if (ctx.num_inputs() < 3) return ctx.Error("needs filename, tensor_names and shapes_and_slices");
  const tf::Tensor& filename = ctx.input(0);
  const tf::Tensor& names = ctx.input(1);
  const tf::Tensor& slices = ctx.input(2);
  const int64_t n = ctx.num_inputs() - 3;
  if (filename.dtype() != tf::DType::kString || filename.num_elements() != 1) {
    return ctx.Error(absl::StrCat("filename must be a scalar string, got ", filename.DebugType()));
  }
  if (names.dtype() != tf::DType::kString || slices.dtype() != tf::DType::kString || names.num_elements() != n ||
      slices.num_elements() != n) {
    return ctx.Error(absl::StrCat("tensor_names ", names.DebugType(), " and shapes_and_slices ", slices.DebugType(),
                                  " must each hold one string per data tensor (", n, ")"));
  }
  std::vector<tf::NamedTensor> tensors;
  std::set<std::string> seen;
  for (int64_t i = 0; i < n; ++i) {
    const std::string& name = names.flat<std::string>()[i];
    if (!slices.flat<std::string>()[i].empty()) {
      return ctx.Error(absl::StrCat("slice spec '", slices.flat<std::string>()[i], "' for '", name,
                                    "': only whole tensors are saved"));
    }
    if (name.empty() || !seen.insert(name).second) {
      return ctx.Error(absl::StrCat("tensor name '", name, "' is empty or repeated"));
    }
    tensors.push_back({name, ctx.input(3 + static_cast<int>(i))});
  }
  const std::string& path = filename.flat<std::string>()[0];
  absl::Status s = tf::WriteCheckpointFile(path, tensors, tf::WriteOptions{.sync = false});
  if (!s.ok()) return absl::Status(s.code(), ctx.Error(absl::StrCat("writing '", path, "': ", s.message())).message());
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("SaveSlices", SaveSlices);

}  // namespace tb::runtime
