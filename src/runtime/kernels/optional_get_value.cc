// OptionalGetValue(optional) -> the element's components; InvalidArgument when the optional is empty (TF's
// "The optional does not have a value").
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status OptionalGetValue(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  auto opt = data::OptionalFromTensor(ctx.input(0));
  if (!opt.ok()) return ctx.Error(absl::StrCat("input 0: ", opt.status().message()));
  if (!(*opt)->has_value()) return ctx.Error("The optional does not have a value");
  TB_ASSIGN_OR_RETURN(std::vector<tf::DType> types, ctx.GetTypeList("output_types"));
  const data::Element& value = (*opt)->value();
  if (types.size() != value.size()) {
    return ctx.Error(absl::StrCat("the optional holds ", value.size(), " components, output_types declares ",
                                  types.size()));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i].dtype() != types[i]) {
      return ctx.Error(absl::StrCat("component ", i, " is ", value[i].DebugType(), ", output_types declares ",
                                    ToAbsl(tf::DTypeName(types[i]))));
    }
    ctx.set_output(static_cast<int>(i), value[i]);
  }
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("OptionalGetValue", OptionalGetValue);

}  // namespace tb::runtime
