// Ops that change only the shape, sharing storage with the input: Reshape (one -1 inferred), Squeeze,
// ExpandDims.
#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status Reshape(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& in = ctx.input(0);
  if (ctx.input(1).rank() != 1) return ctx.Error(absl::StrCat("shape must be a vector, got ", ctx.input(1).DebugType()));
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReadInts(ctx, ctx.input(1), "shape"));
  if (dims.size() > static_cast<size_t>(graph::kMaxRank)) return ctx.Error("shape has too many dimensions");
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (infer >= 0) return ctx.Error("only one input size may be -1");
      infer = static_cast<int>(i);
    } else if (dims[i] < 0) {
      return ctx.Error(absl::StrCat("size ", i, " must be non-negative, not ", dims[i]));
    } else {
      if (dims[i] != 0 && known > INT64_MAX / dims[i]) return ctx.Error("shape is too large");
      known *= dims[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || in.num_elements() % known != 0) {
      return ctx.Error(absl::StrCat("Input to reshape is a tensor with ", in.num_elements(),
                                    " values, but the requested shape requires a multiple of ", known));
    }
    dims[infer] = in.num_elements() / known;
  } else if (known != in.num_elements()) {
    return ctx.Error(absl::StrCat("Input to reshape is a tensor with ", in.num_elements(),
                                  " values, but the requested shape has ", known));
  }
  auto out = in.Reshaped(dims);
  if (!out.ok()) return ctx.Annotate(out.status());
  ctx.set_output(0, std::move(*out));
  return absl::OkStatus();
}

absl::Status Squeeze(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  const tf::Tensor& in = ctx.input(0);
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.GetIntList("squeeze_dims"));
  std::vector<bool> drop(in.rank(), false);
  for (int64_t a : axes) {
    TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, a, in.rank()));
    if (in.dim(axis) != 1) {
      return ctx.Error(absl::StrCat("Can not squeeze dim[", axis, "], expected a dimension of 1, got ", in.dim(axis)));
    }
    drop[axis] = true;
  }
  tf::Shape dims;
  for (int i = 0; i < in.rank(); ++i) {
    if (axes.empty() ? in.dim(i) == 1 : drop[i]) continue;
    dims.push_back(in.dim(i));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, in.Reshaped(dims));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ExpandDims(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& in = ctx.input(0);
  TB_ASSIGN_OR_RETURN(int64_t a, ReadScalarInt(ctx, ctx.input(1), "dim"));
  const int rank = in.rank() + 1;
  if (a < -rank || a >= rank) return ctx.Error(absl::StrCat("dim ", a, " is out of range for rank ", in.rank()));
  if (a < 0) a += rank;
  if (rank > graph::kMaxRank) return ctx.Error("rank too large");
  tf::Shape dims = in.shape();
  dims.insert(dims.begin() + a, 1);
  TB_ASSIGN_OR_RETURN(tf::Tensor out, in.Reshaped(dims));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Reshape", Reshape);
TB_REGISTER_KERNEL("Squeeze", Squeeze);
TB_REGISTER_KERNEL("ExpandDims", ExpandDims);

}  // namespace tb::runtime
