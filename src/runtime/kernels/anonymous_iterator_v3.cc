// AnonymousIteratorV3() -> a resource handle to a fresh, unbound iterator (MakeIterator binds a dataset to it).
#include "base/status_macros.h"
#include "runtime/data/dataset.h"
#include "runtime/kernels/kernel.h"

namespace tb::runtime {
namespace {

absl::Status AnonymousIteratorV3(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(0));
  ctx.set_output(0, data::OpaqueScalar(tf::DType::kResource, std::make_shared<data::IteratorResource>()));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("AnonymousIteratorV3", AnonymousIteratorV3);

}  // namespace tb::runtime
