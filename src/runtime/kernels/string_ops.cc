// String helpers of checkpoint-saving graphs: StringJoin (scalars broadcast against one common shape) and
// ShardedFilename ("<basename>-<shard:05d>-of-<num_shards:05d>").
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status StringJoin(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(std::string sep, ctx.GetString("separator"));
  tf::Shape shape;
  bool have_shape = false;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    TB_RETURN_IF_ERROR(ctx.CheckDType(i, tf::DType::kString));
    if (ctx.input(i).rank() == 0) continue;
    if (have_shape && ctx.input(i).shape() != shape) return ctx.Error("inputs must be scalars or have one shape");
    shape = ctx.input(i).shape();
    have_shape = true;
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(tf::DType::kString, shape));
  auto o = out.flat<std::string>();
  uint64_t total = 0;
  for (size_t k = 0; k < o.size(); ++k) {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const auto in = ctx.input(i).flat<std::string>();
      if (i) o[k] += sep;
      o[k] += in[in.size() == 1 ? 0 : k];
    }
    total += o[k].size();
    if (total > tf::kMaxTensorBytes) return ctx.Error("joined strings are too large");
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ShardedFilename(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kString));
  if (ctx.input(0).num_elements() != 1) return ctx.Error("basename must be a scalar");
  TB_ASSIGN_OR_RETURN(int64_t shard, ReadScalarInt(ctx, ctx.input(1), "shard"));
  TB_ASSIGN_OR_RETURN(int64_t num, ReadScalarInt(ctx, ctx.input(2), "num_shards"));
  ctx.set_output(0, tf::Tensor::StringScalar(
                        absl::StrFormat("%s-%05d-of-%05d", ctx.input(0).flat<std::string>()[0], shard, num)));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("StringJoin", StringJoin);
TB_REGISTER_KERNEL("ShardedFilename", ShardedFilename);

}  // namespace tb::runtime
