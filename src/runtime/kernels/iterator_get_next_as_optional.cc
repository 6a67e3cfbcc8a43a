// IteratorGetNextAsOptional(iterator) -> an Optional variant: the next element, or none at the end.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status IteratorGetNextAsOptional(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  auto it = data::IteratorFromTensor(ctx.input(0));
  if (!it.ok()) return ctx.Error(absl::StrCat("input 0: ", it.status().message()));
  auto next = (*it)->GetNext();
  if (!next.ok()) return ctx.Annotate(next.status());
  if (next->has_value() && ctx.FindAttr("output_types") != nullptr) {
    TB_ASSIGN_OR_RETURN(std::vector<tf::DType> types, ctx.GetTypeList("output_types"));
    if (types.size() != (*next)->size()) {
      return ctx.Error(absl::StrCat("the iterator yields ", (*next)->size(), " components, output_types declares ",
                                    types.size()));
    }
    for (size_t i = 0; i < types.size(); ++i) {
      if ((**next)[i].dtype() != types[i]) {
        return ctx.Error(absl::StrCat("component ", i, " is ", (**next)[i].DebugType(), ", output_types declares ",
                                      ToAbsl(tf::DTypeName(types[i]))));
      }
    }
  }
  ctx.set_output(0, data::OpaqueScalar(tf::DType::kVariant, std::make_shared<data::OptionalValue>(std::move(*next))));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("IteratorGetNextAsOptional", IteratorGetNextAsOptional);

}  // namespace tb::runtime
