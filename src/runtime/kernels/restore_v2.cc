// RestoreV2(prefix, tensor_names, shape_and_slices) with attr dtypes: reads whole tensors from the TF V1
// (tensor-slice) checkpoint at `prefix` — the format of every checkpoint an ODP plan exchanges. Slice specs must
// be empty. A missing file, a missing tensor or a dtype that differs from `dtypes` is an error naming both.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "tf/checkpoint_reader.h"

namespace tb::runtime {
namespace {

absl::Status RestoreV2(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_ASSIGN_OR_RETURN(std::vector<tf::DType> dtypes, ctx.GetTypeList("dtypes"));
  const tf::Tensor& prefix = ctx.input(0);
  const tf::Tensor& names = ctx.input(1);
  const tf::Tensor& slices = ctx.input(2);
  if (prefix.dtype() != tf::DType::kString || prefix.num_elements() != 1) {
    return ctx.Error(absl::StrCat("prefix must be a scalar string, got ", prefix.DebugType()));
  }
  if (names.dtype() != tf::DType::kString || slices.dtype() != tf::DType::kString || names.rank() != 1 ||
      names.shape() != slices.shape() || names.num_elements() != static_cast<int64_t>(dtypes.size())) {
    return ctx.Error(absl::StrCat("tensor_names ", names.DebugType(), " and shape_and_slices ", slices.DebugType(),
                                  " must be string vectors of length ", dtypes.size()));
  }
  const std::string& path = prefix.flat<std::string>()[0];
  auto reader = tf::CheckpointReader::Open(path);
  if (!reader.ok()) {
    return absl::Status(reader.status().code(),
                        ctx.Error(absl::StrCat("cannot read checkpoint '", path, "': ", reader.status().message()))
                            .message());
  }
  for (int64_t i = 0; i < names.num_elements(); ++i) {
    const std::string& name = names.flat<std::string>()[i];
    if (!slices.flat<std::string>()[i].empty()) {
      return ctx.Error(absl::StrCat("slice '", slices.flat<std::string>()[i], "' of '", name,
                                    "': only whole tensors can be restored"));
    }
    const tf::CheckpointTensorInfo* info = (*reader)->Find(name);
    if (info == nullptr) {
      return absl::NotFoundError(
          ctx.Error(absl::StrCat("Key ", name, " not found in checkpoint '", path, "'")).message());
    }
    if (info->dtype != dtypes[i]) {
      return ctx.Error(absl::StrCat("tensor '", name, "' in '", path, "' is ", ToAbsl(tf::DTypeName(info->dtype)),
                                    ", dtypes[", i, "] expects ", ToAbsl(tf::DTypeName(dtypes[i]))));
    }
    auto value = (*reader)->Read(name);
    if (!value.ok()) {
      return absl::Status(value.status().code(),
                          ctx.Error(absl::StrCat("reading '", name, "' from '", path, "': ", value.status().message()))
                              .message());
    }
    ctx.set_output(static_cast<int>(i), std::move(*value));
  }
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("RestoreV2", RestoreV2);

}  // namespace tb::runtime
