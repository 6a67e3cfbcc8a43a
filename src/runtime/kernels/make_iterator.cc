// MakeIterator(dataset, iterator): (re)starts `iterator` at the beginning of `dataset`. No outputs.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status MakeIterator(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_ASSIGN_OR_RETURN(data::DatasetPtr ds, DatasetInput(ctx, 0));
  auto it = data::IteratorFromTensor(ctx.input(1));
  if (!it.ok()) return ctx.Error(absl::StrCat("input 1: ", it.status().message()));
  TB_RETURN_IF_ERROR(ctx.Annotate((*it)->Bind(*ds)));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("MakeIterator", MakeIterator);

}  // namespace tb::runtime
