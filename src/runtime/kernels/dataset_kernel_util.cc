#include "runtime/kernels/dataset_kernel_util.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::runtime {

absl::StatusOr<data::DatasetPtr> DatasetInput(const KernelContext& ctx, int i) {
  auto ds = data::DatasetFromTensor(ctx.input(i));
  if (!ds.ok()) return ctx.Error(absl::StrCat("input ", i, ": ", ds.status().message()));
  return ds;
}

absl::StatusOr<data::DatasetFunction> BindFunction(KernelContext& ctx, const tensorflow::NameAttrList& fn,
                                                   std::vector<tf::Tensor> captured,
                                                   std::vector<tf::DType> output_types) {
  FunctionRunner* runner = ctx.env().functions;
  if (runner == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(ctx.op(), " node '", ctx.node_name(),
                                                      "' needs a function runner (KernelEnv::functions)"));
  }
  std::string op = ctx.op();
  return data::DatasetFunction(
      [runner, fn, captured = std::move(captured), output_types = std::move(output_types),
       op](std::vector<tf::Tensor> args) -> absl::StatusOr<std::vector<tf::Tensor>> {
        for (const tf::Tensor& c : captured) args.push_back(c);
        TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> out, runner->RunFunction(fn, std::move(args)));
        if (!output_types.empty()) {
          if (out.size() != output_types.size()) {
            return absl::InvalidArgumentError(absl::StrCat("function '", fn.name(), "' returned ", out.size(),
                                                           " components, ", op, " declares ", output_types.size()));
          }
          for (size_t i = 0; i < out.size(); ++i) {
            if (out[i].dtype() != output_types[i]) {
              return absl::InvalidArgumentError(absl::StrCat("function '", fn.name(), "' returned ",
                                                             out[i].DebugType(), " for component ", i, ", ", op,
                                                             " declares ", ToAbsl(tf::DTypeName(output_types[i]))));
            }
          }
        }
        return out;
      });
}

}  // namespace tb::runtime
