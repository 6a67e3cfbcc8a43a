// Loss building blocks: L2Loss (Σt²/2), SparseSoftmaxCrossEntropyWithLogits (labels are class ids; an id outside
// [0, classes) is an error, as on TF's CPU) and SoftmaxCrossEntropyWithLogits (labels are distributions, both
// operands broadcast to [batch, classes]). Both cross-entropies return (loss, backprop = softmax − labels).
#include <cmath>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status L2Loss(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  return DispatchFloat(ctx, ctx.input(0).dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    T sum = 0;
    for (T v : ctx.input(0).flat<T>()) sum += v * v;
    ctx.set_output(0, tf::Tensor::Scalar<T>(sum / T(2)));
    return absl::OkStatus();
  });
}

// loss[b] = logsumexp(f[b]) − Σ_c labels[b,c]·f[b,c]; backprop = softmax(f) − labels.
template <typename T, typename LabelAt>
void Xent(const T* f, int64_t batch, int64_t classes, LabelAt label_at, T* loss, T* backprop) {
  for (int64_t b = 0; b < batch; ++b) {
    const T* row = f + b * classes;
    T m = row[0];
    for (int64_t c = 1; c < classes; ++c) m = row[c] > m ? row[c] : m;
    T sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(row[c] - m);
    const T log_sum = std::log(sum);
    T l = 0;
    for (int64_t c = 0; c < classes; ++c) {
      const T shifted = row[c] - m;
      const T y = label_at(b, c);
      if (y != T(0)) l -= y * (shifted - log_sum);
      backprop[b * classes + c] = std::exp(shifted - log_sum) - y;
    }
    loss[b] = l;
  }
}

absl::Status SparseXent(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  const tf::Tensor& f = ctx.input(0);
  const tf::Tensor& labels = ctx.input(1);
  TB_RETURN_IF_ERROR(ctx.CheckRank(0, 2));
  TB_RETURN_IF_ERROR(ctx.CheckRank(1, 1));
  if (labels.dim(0) != f.dim(0)) {
    return ctx.Error(absl::StrCat("logits and labels must have the same first dimension, got logits shape ",
                                  tf::ShapeToString(f.shape()), " and labels shape ", tf::ShapeToString(labels.shape())));
  }
  const int64_t batch = f.dim(0), classes = f.dim(1);
  if (classes == 0 && batch > 0) return ctx.Error("Must have at least one class, but got logits shape with 0 classes");
  TB_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ReadInts(ctx, labels, "labels"));
  for (int64_t b = 0; b < batch; ++b) {
    if (ids[b] < 0 || ids[b] >= classes) {
      return ctx.Error(absl::StrCat("Received a label value of ", ids[b], " which is outside the valid range of [0, ",
                                    classes, ")"));
    }
  }
  return DispatchFloat(ctx, f.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor loss, ctx.Allocate(f.dtype(), {batch}));
    TB_ASSIGN_OR_RETURN(tf::Tensor backprop, ctx.Allocate(f.dtype(), f.shape()));
    Xent<T>(f.flat<T>().data(), batch, classes, [&](int64_t b, int64_t c) { return T(ids[b] == c ? 1 : 0); },
            loss.flat<T>().data(), backprop.flat<T>().data());
    ctx.set_output(0, std::move(loss));
    ctx.set_output(1, std::move(backprop));
    return absl::OkStatus();
  });
}

absl::Status SoftmaxXent(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  const tf::Tensor& f = ctx.input(0);
  const tf::Tensor& y = ctx.input(1);
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, f.shape(), y.shape()));
  const tf::Shape& shape = bc.output_shape();
  if (shape.size() != 2) return ctx.Error(absl::StrCat("logits and labels must be 2-D, got ", tf::ShapeToString(shape)));
  const int64_t batch = shape[0], classes = shape[1];
  const auto of = BroadcastOffsets(f.shape(), shape);
  const auto oy = BroadcastOffsets(y.shape(), shape);
  return DispatchFloat(ctx, f.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    std::vector<T> dense(of.size());
    for (size_t i = 0; i < of.size(); ++i) dense[i] = f.flat<T>()[of[i]];
    auto py = y.flat<T>();
    TB_ASSIGN_OR_RETURN(tf::Tensor loss, ctx.Allocate(f.dtype(), {batch}));
    TB_ASSIGN_OR_RETURN(tf::Tensor backprop, ctx.Allocate(f.dtype(), shape));
    if (classes > 0) {
      Xent<T>(dense.data(), batch, classes, [&](int64_t b, int64_t c) { return py[oy[b * classes + c]]; },
              loss.flat<T>().data(), backprop.flat<T>().data());
    }
    ctx.set_output(0, std::move(loss));
    ctx.set_output(1, std::move(backprop));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("L2Loss", L2Loss);
TB_REGISTER_KERNEL("SparseSoftmaxCrossEntropyWithLogits", SparseXent);
TB_REGISTER_KERNEL("SoftmaxCrossEntropyWithLogits", SoftmaxXent);

}  // namespace tb::runtime
