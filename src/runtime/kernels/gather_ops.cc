// Indexing by value: GatherV2 (with batch_dims; out-of-range indices are errors, as on TF's CPU) and its gradient
// partner UnsortedSegmentSum (negative ids are dropped, ids >= num_segments are errors).
#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status GatherV2(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  const tf::Tensor& params = ctx.input(0);
  const tf::Tensor& indices = ctx.input(1);
  if (!IsMovable(params.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", params.DebugType()));
  if (params.rank() == 0) return ctx.Error("params must be at least 1-D");
  TB_ASSIGN_OR_RETURN(int64_t axis_v, ReadScalarInt(ctx, ctx.input(2), "axis"));
  TB_ASSIGN_OR_RETURN(int axis, CanonicalAxis(ctx, axis_v, params.rank()));
  TB_ASSIGN_OR_RETURN(int64_t batch_dims, ctx.GetInt("batch_dims"));
  if (batch_dims < 0) batch_dims += indices.rank();
  if (batch_dims < 0 || batch_dims > axis || batch_dims > indices.rank()) {
    return ctx.Error(absl::StrCat("batch_dims ", batch_dims, " must be in [0, min(axis, rank(indices))]"));
  }
  for (int d = 0; d < batch_dims; ++d) {
    if (params.dim(d) != indices.dim(d)) return ctx.Error("params and indices must agree in the batch dimensions");
  }
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadInts(ctx, indices.rank() <= 1 ? indices : *indices.Reshaped({indices.num_elements()}), "indices"));
  int64_t B = 1, O = 1, I = 1;
  for (int d = 0; d < batch_dims; ++d) B *= params.dim(d);
  for (int d = static_cast<int>(batch_dims); d < axis; ++d) O *= params.dim(d);
  for (int d = axis + 1; d < params.rank(); ++d) I *= params.dim(d);
  const int64_t N = params.dim(axis);
  const int64_t K = B == 0 ? 0 : static_cast<int64_t>(idx.size()) / B;
  tf::Shape out_shape(params.shape().begin(), params.shape().begin() + axis);
  out_shape.insert(out_shape.end(), indices.shape().begin() + batch_dims, indices.shape().end());
  out_shape.insert(out_shape.end(), params.shape().begin() + axis + 1, params.shape().end());
  if (out_shape.size() > static_cast<size_t>(graph::kMaxRank)) return ctx.Error("output rank too large");
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < 0 || idx[i] >= N) {
      return ctx.Error(absl::StrCat("indices[", i, "] = ", idx[i], " is not in [0, ", N, ")"));
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(params.dtype(), out_shape));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t o = 0; o < O; ++o) {
      for (int64_t k = 0; k < K; ++k) {
        const int64_t src = ((b * O + o) * N + idx[b * K + k]) * I;
        const int64_t dst = ((b * O + o) * K + k) * I;
        CopyElements(params, src, out, dst, I);
      }
    }
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status UnsortedSegmentSum(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  const tf::Tensor& data = ctx.input(0);
  const tf::Tensor& ids_t = ctx.input(1);
  TB_ASSIGN_OR_RETURN(int64_t segments, ReadScalarInt(ctx, ctx.input(2), "num_segments"));
  if (segments < 0) return ctx.Error("num_segments must be non-negative");
  if (ids_t.rank() > data.rank()) return ctx.Error("segment_ids must not have a higher rank than data");
  for (int d = 0; d < ids_t.rank(); ++d) {
    if (ids_t.dim(d) != data.dim(d)) {
      return ctx.Error(absl::StrCat("data.shape = ", tf::ShapeToString(data.shape()),
                                    " does not start with segment_ids.shape = ", tf::ShapeToString(ids_t.shape())));
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor flat_ids, ids_t.Reshaped({ids_t.num_elements()}));
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ReadInts(ctx, flat_ids, "segment_ids"));
  tf::Shape out_shape = {segments};
  int64_t inner = 1;
  for (int d = ids_t.rank(); d < data.rank(); ++d) {
    out_shape.push_back(data.dim(d));
    inner *= data.dim(d);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= segments) {
      return ctx.Error(absl::StrCat("segment_ids[", i, "] = ", ids[i], " is out of range [0, ", segments, ")"));
    }
  }
  return DispatchNumeric(ctx, data.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(data.dtype(), out_shape));
    const T* src = data.flat<T>().data();
    T* dst = out.flat<T>().data();
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0) continue;
      for (int64_t j = 0; j < inner; ++j) dst[ids[i] * inner + j] += src[i * inner + j];
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("GatherV2", GatherV2);
TB_REGISTER_KERNEL("UnsortedSegmentSum", UnsortedSegmentSum);

}  // namespace tb::runtime
