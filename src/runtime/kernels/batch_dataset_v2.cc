// BatchDatasetV2(input_dataset, batch_size: int64, drop_remainder: bool) -> dataset of stacked elements.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/dataset_ops.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status BatchDatasetV2(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_ASSIGN_OR_RETURN(data::DatasetPtr input, DatasetInput(ctx, 0));
  TB_ASSIGN_OR_RETURN(int64_t batch_size, ReadScalarInt(ctx, ctx.input(1), "batch_size"));
  if (ctx.input(2).dtype() != tf::DType::kBool || ctx.input(2).num_elements() != 1) {
    return ctx.Error(absl::StrCat("drop_remainder must be a scalar bool, got ", ctx.input(2).DebugType()));
  }
  auto ds = data::MakeBatchDataset(std::move(input), batch_size, ctx.input(2).flat<bool>()[0]);
  if (!ds.ok()) return ctx.Annotate(ds.status());
  ctx.set_output(0, data::OpaqueScalar(tf::DType::kVariant, std::move(*ds)));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("BatchDatasetV2", BatchDatasetV2);

}  // namespace tb::runtime
