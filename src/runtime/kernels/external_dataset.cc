// ExternalDataset(token, selector) -> dataset of scalar serialized tf.Examples: FCP's example-store op. The token
// names the examples the host registered (dataset_kernel_util.h: ExternalDatasetKey); the selector (a serialized
// ExampleSelector) is accepted as-is, since one host store serves one task.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/dataset_ops.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/kernels/resource.h"

namespace tb::runtime {
namespace {

absl::Status ExternalDataset(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  for (int i = 0; i < 2; ++i) {
    if (ctx.input(i).dtype() != tf::DType::kString || ctx.input(i).num_elements() != 1) {
      return ctx.Error(absl::StrCat("input ", i, " must be a scalar string, got ", ctx.input(i).DebugType()));
    }
  }
  const std::string& token = ctx.input(0).flat<std::string>()[0];
  if (ctx.env().resources == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(ctx.op(), " node '", ctx.node_name(),
                                                      "' needs an example store (KernelEnv::resources)"));
  }
  const tf::Tensor* examples = ctx.env().resources->Get(ExternalDatasetKey(token));
  if (examples == nullptr) {
    return ctx.Error(absl::StrCat("no examples are registered for data token '", token, "'"));
  }
  if (examples->dtype() != tf::DType::kString || examples->rank() != 1) {
    return ctx.Error(absl::StrCat("the examples registered for token '", token, "' are ", examples->DebugType(),
                                  ", expected a string vector"));
  }
  auto records = std::make_shared<std::vector<std::string>>(examples->flat<std::string>().begin(),
                                                             examples->flat<std::string>().end());
  data::DatasetPtr ds = data::MakeStringsDataset(std::move(records), token);
  ctx.set_output(0, data::OpaqueScalar(tf::DType::kVariant, std::move(ds)));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("ExternalDataset", ExternalDataset);

}  // namespace tb::runtime
