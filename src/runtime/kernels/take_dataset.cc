// TakeDataset(input_dataset, count: int64) -> the first `count` elements (all when count < 0).
#include "base/status_macros.h"
#include "runtime/data/dataset_ops.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status TakeDataset(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_ASSIGN_OR_RETURN(data::DatasetPtr input, DatasetInput(ctx, 0));
  TB_ASSIGN_OR_RETURN(int64_t count, ReadScalarInt(ctx, ctx.input(1), "count"));
  ctx.set_output(0, data::OpaqueScalar(tf::DType::kVariant, data::MakeTakeDataset(std::move(input), count)));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("TakeDataset", TakeDataset);

}  // namespace tb::runtime
