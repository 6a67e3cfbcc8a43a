// Transpose (any movable dtype, perm int32/int64) and InvertPermutation.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status Transpose(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  if (!IsMovable(ctx.input(0).dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", ctx.input(0).DebugType()));
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> perm64, ReadInts(ctx, ctx.input(1), "perm"));
  if (static_cast<int>(perm64.size()) != ctx.input(0).rank()) {
    return ctx.Error(absl::StrCat("transpose expects a vector of size ", ctx.input(0).rank(),
                                  ". But input(1) is a vector of size ", perm64.size()));
  }
  std::vector<int> perm;
  for (int64_t p : perm64) {
    if (p < 0 || p >= ctx.input(0).rank()) return ctx.Error(absl::StrCat(p, " is out of range [0 .. ", ctx.input(0).rank(), ")"));
    perm.push_back(static_cast<int>(p));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, TransposeTensor(ctx, ctx.input(0), perm));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status InvertPermutation(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_RETURN_IF_ERROR(ctx.CheckRank(0, 1));
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> p, ReadInts(ctx, ctx.input(0), "x"));
  const int64_t n = static_cast<int64_t>(p.size());
  std::vector<int64_t> inv(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] < 0 || p[i] >= n || inv[p[i]] != -1) return ctx.Error("x is not a permutation");
    inv[p[i]] = i;
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(ctx.input(0).dtype(), {n}));
  for (int64_t i = 0; i < n; ++i) {
    if (out.dtype() == tf::DType::kInt32) out.flat<int32_t>()[i] = static_cast<int32_t>(inv[i]);
    else out.flat<int64_t>()[i] = inv[i];
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Transpose", Transpose);
TB_REGISTER_KERNEL("InvertPermutation", InvertPermutation);

}  // namespace tb::runtime
