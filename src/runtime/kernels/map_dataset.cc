// MapDataset(input_dataset, other_arguments: Targuments) with attr f -> dataset of f(element..., other...).
// f runs lazily, when the dataset is iterated, through KernelEnv::functions.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/dataset_ops.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status MapDataset(KernelContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Error("needs an input dataset");
  TB_ASSIGN_OR_RETURN(data::DatasetPtr input, DatasetInput(ctx, 0));
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList f, ctx.GetFunc("f"));
  std::vector<tf::Tensor> captured(ctx.inputs().begin() + 1, ctx.inputs().end());
  std::vector<tf::DType> types;
  if (ctx.FindAttr("output_types") != nullptr) {
    TB_ASSIGN_OR_RETURN(types, ctx.GetTypeList("output_types"));
  }
  TB_ASSIGN_OR_RETURN(data::DatasetFunction fn, BindFunction(ctx, f, std::move(captured), std::move(types)));
  data::DatasetPtr ds = data::MakeMapDataset(std::move(input), std::move(fn), f.name());
  ctx.set_output(0, data::OpaqueScalar(tf::DType::kVariant, std::move(ds)));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("MapDataset", MapDataset);

}  // namespace tb::runtime
