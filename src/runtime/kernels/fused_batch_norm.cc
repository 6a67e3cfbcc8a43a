// FusedBatchNormV3 for float: inference (is_training = false) normalises with the given mean/variance; training
// uses the batch statistics (variance output Bessel-corrected, as TF reports it) blended by
// exponential_avg_factor. NHWC/NDHWC (channel last) and NCHW/NCDHW (channel 1).
#include <cmath>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::Status FusedBatchNormV3(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(5));
  const tf::Tensor& x = ctx.input(0);
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kFloat));
  for (int i = 1; i < 5; ++i) TB_RETURN_IF_ERROR(ctx.CheckDType(i, tf::DType::kFloat));
  TB_ASSIGN_OR_RETURN(float epsilon, ctx.GetFloat("epsilon"));
  TB_ASSIGN_OR_RETURN(float factor, ctx.GetFloat("exponential_avg_factor"));
  TB_ASSIGN_OR_RETURN(bool training, ctx.GetBool("is_training"));
  TB_ASSIGN_OR_RETURN(std::string format, ctx.GetString("data_format"));
  const int rank = (format == "NDHWC" || format == "NCDHW") ? 5 : 4;
  if (x.rank() != rank) return ctx.Error(absl::StrCat("x must be ", rank, "-D for ", format, ", got ", x.DebugType()));
  const bool channel_first = format == "NCHW" || format == "NCDHW";
  const int axis = channel_first ? 1 : rank - 1;
  const int64_t c = x.dim(axis);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < rank; ++i) {
    if (i < axis) outer *= x.dim(i);
    if (i > axis) inner *= x.dim(i);
  }
  for (int i = 1; i < 5; ++i) {
    const bool stats = i >= 3;
    if (ctx.input(i).rank() != 1 || (ctx.input(i).dim(0) != c && !(training && stats && ctx.input(i).dim(0) == 0))) {
      return ctx.Error(absl::StrCat("input ", i, " must be a vector of ", c, " channels, got ", ctx.input(i).DebugType()));
    }
  }
  const float* px = x.flat<float>().data();
  auto scale = ctx.input(1).flat<float>();
  auto offset = ctx.input(2).flat<float>();
  std::vector<double> mean(c, 0.0), var(c, 0.0);
  const int64_t count = outer * inner;
  if (training) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t i = 0; i < inner; ++i) mean[ch] += px[(o * c + ch) * inner + i];
    for (auto& m : mean) m /= std::max<int64_t>(count, 1);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t i = 0; i < inner; ++i) {
          const double d = px[(o * c + ch) * inner + i] - mean[ch];
          var[ch] += d * d;
        }
    for (auto& v : var) v /= std::max<int64_t>(count, 1);
  } else {
    for (int64_t ch = 0; ch < c; ++ch) {
      mean[ch] = ctx.input(3).flat<float>()[ch];
      var[ch] = ctx.input(4).flat<float>()[ch];
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor y, ctx.Allocate(tf::DType::kFloat, x.shape()));
  float* py = y.flat<float>().data();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const float inv = 1.0f / std::sqrt(static_cast<float>(var[ch]) + epsilon);
      const float m = static_cast<float>(mean[ch]);
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * c + ch) * inner + i;
        py[k] = scale[ch] * (px[k] - m) * inv + offset[ch];
      }
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor batch_mean, ctx.Allocate(tf::DType::kFloat, {c}));
  TB_ASSIGN_OR_RETURN(tf::Tensor batch_var, ctx.Allocate(tf::DType::kFloat, {c}));
  TB_ASSIGN_OR_RETURN(tf::Tensor saved_mean, ctx.Allocate(tf::DType::kFloat, {c}));
  TB_ASSIGN_OR_RETURN(tf::Tensor saved_var, ctx.Allocate(tf::DType::kFloat, {c}));
  for (int64_t ch = 0; ch < c; ++ch) {
    saved_mean.flat<float>()[ch] = static_cast<float>(mean[ch]);
    saved_var.flat<float>()[ch] = static_cast<float>(var[ch]);
    if (training) {
      const double unbiased = count > 1 ? var[ch] * count / (count - 1) : var[ch];
      const bool has_running = ctx.input(3).num_elements() == c && ctx.input(4).num_elements() == c;
      const double old_m = has_running ? ctx.input(3).flat<float>()[ch] : 0.0;
      const double old_v = has_running ? ctx.input(4).flat<float>()[ch] : 0.0;
      batch_mean.flat<float>()[ch] = static_cast<float>((1.0 - factor) * old_m + factor * mean[ch]);
      batch_var.flat<float>()[ch] = static_cast<float>((1.0 - factor) * old_v + factor * unbiased);
    } else {
      batch_mean.flat<float>()[ch] = static_cast<float>(mean[ch]);
      batch_var.flat<float>()[ch] = static_cast<float>(var[ch]);
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor reserve3, ctx.Allocate(tf::DType::kFloat, {0}));
  ctx.set_output(0, std::move(y));
  ctx.set_output(1, std::move(batch_mean));
  ctx.set_output(2, std::move(batch_var));
  ctx.set_output(3, std::move(saved_mean));
  ctx.set_output(4, std::move(saved_var));
  ctx.set_output(5, std::move(reserve3));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("FusedBatchNormV3", FusedBatchNormV3);

}  // namespace tb::runtime
