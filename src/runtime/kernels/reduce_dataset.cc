// ReduceDataset(input_dataset, initial_state: Tstate, other_arguments: Targuments) with attr f: folds
// state = f(state..., element..., other...) over the dataset and returns the final state (one output per Tstate).
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/dataset_ops.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status ReduceDataset(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(std::vector<tf::DType> state_types, ctx.GetTypeList("Tstate"));
  std::vector<tf::DType> arg_types;
  if (ctx.FindAttr("Targuments") != nullptr) {
    TB_ASSIGN_OR_RETURN(arg_types, ctx.GetTypeList("Targuments"));
  }
  const int want = 1 + static_cast<int>(state_types.size() + arg_types.size());
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(want));
  TB_ASSIGN_OR_RETURN(data::DatasetPtr input, DatasetInput(ctx, 0));
  std::vector<tf::Tensor> state;
  for (size_t i = 0; i < state_types.size(); ++i) {
    const tf::Tensor& s = ctx.input(1 + static_cast<int>(i));
    if (s.dtype() != state_types[i]) {
      return ctx.Error(absl::StrCat("initial state ", i, " is ", s.DebugType(), ", Tstate says ",
                                    ToAbsl(tf::DTypeName(state_types[i]))));
    }
    state.push_back(s);
  }
  std::vector<tf::Tensor> captured(ctx.inputs().begin() + 1 + state_types.size(), ctx.inputs().end());
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList f, ctx.GetFunc("f"));
  TB_ASSIGN_OR_RETURN(data::DatasetFunction fn, BindFunction(ctx, f, std::move(captured), state_types));
  auto result = data::ReduceDataset(*input, std::move(state), fn, f.name());
  if (!result.ok()) return ctx.Annotate(result.status());
  for (size_t i = 0; i < result->size(); ++i) ctx.set_output(static_cast<int>(i), std::move((*result)[i]));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("ReduceDataset", ReduceDataset);

}  // namespace tb::runtime
