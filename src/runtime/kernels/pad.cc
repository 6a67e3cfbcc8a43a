// Pad with zeros (empty strings): output dim k = paddings[k][0] + input dim k + paddings[k][1].
#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status Pad(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& in = ctx.input(0);
  if (!IsMovable(in.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", in.DebugType()));
  const tf::Tensor& p = ctx.input(1);
  if (p.rank() != 2 || p.dim(0) != in.rank() || p.dim(1) != 2) {
    return ctx.Error(absl::StrCat("paddings must be a matrix of shape [", in.rank(), ",2], got ", p.DebugType()));
  }
  std::vector<int64_t> pads;
  if (p.dtype() == tf::DType::kInt32) {
    for (int32_t v : p.flat<int32_t>()) pads.push_back(v);
  } else if (p.dtype() == tf::DType::kInt64) {
    for (int64_t v : p.flat<int64_t>()) pads.push_back(v);
  } else {
    return ctx.Error("paddings must be int32 or int64");
  }
  const int r = in.rank();
  tf::Shape out_shape(r);
  for (int k = 0; k < r; ++k) {
    if (pads[2 * k] < 0 || pads[2 * k + 1] < 0 || pads[2 * k] > graph::kMaxDim || pads[2 * k + 1] > graph::kMaxDim) {
      return ctx.Error("paddings must be non-negative");
    }
    out_shape[k] = in.dim(k) + pads[2 * k] + pads[2 * k + 1];
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(in.dtype(), out_shape));
  if (in.num_elements() == 0) {
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  if (r == 0) {
    CopyElements(in, 0, out, 0, 1);
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  // Copy each innermost input row to its padded position.
  std::vector<int64_t> out_strides(r);
  int64_t s = 1;
  for (int k = r - 1; k >= 0; --k) {
    out_strides[k] = s;
    s *= out_shape[k];
  }
  const int64_t row = in.dim(r - 1);
  const int64_t rows = in.num_elements() / row;
  std::vector<int64_t> idx(r - 1, 0);
  for (int64_t i = 0; i < rows; ++i) {
    int64_t off = pads[2 * (r - 1)];
    for (int k = 0; k < r - 1; ++k) off += (idx[k] + pads[2 * k]) * out_strides[k];
    CopyElements(in, i * row, out, off, row);
    for (int k = r - 2; k >= 0; --k) {
      if (++idx[k] < in.dim(k)) break;
      idx[k] = 0;
    }
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Pad", Pad);

}  // namespace tb::runtime
