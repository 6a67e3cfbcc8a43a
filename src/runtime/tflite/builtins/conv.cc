// Convolutions and pooling in NHWC: CONV_2D (OHWI filter, bias, strides, dilations, SAME/VALID), DEPTHWISE_CONV_2D
// ([1, kh, kw, C·M] filter), TRANSPOSE_CONV (output_shape, [Cout, kh, kw, Cin] weights, input, optional bias),
// MAX_POOL_2D and AVERAGE_POOL_2D. The options table is required: without it the device reads zero strides.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

absl::StatusOr<std::string> PaddingName(const BuiltinContext& ctx, fb::Padding p) {
  switch (p) {
    case fb::Padding::SAME: return std::string("SAME");
    case fb::Padding::VALID: return std::string("VALID");
    default: return ctx.Error(absl::StrCat("unknown padding ", static_cast<int>(p)));
  }
}

absl::Status CheckPositive(const BuiltinContext& ctx, std::initializer_list<int> values, std::string_view what) {
  for (int v : values) {
    if (v <= 0) return ctx.Error(absl::StrCat(ToAbsl(what), " must be positive, got ", v));
  }
  return absl::OkStatus();
}

absl::StatusOr<tf::Tensor> AddBias(const BuiltinContext& ctx, tf::Tensor out, int bias_index, int64_t channels) {
  if (!ctx.has_input(bias_index)) return out;
  const tf::Tensor& bias = ctx.input(bias_index);
  if (bias.num_elements() != channels) {
    return ctx.Error(absl::StrCat("bias ", bias.DebugType(), " does not match ", channels, " output channels"));
  }
  return ctx.RunTf1("AddV2", {}, {std::move(out), bias});
}

absl::Status Conv2D(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::Conv2DOptions>();
  if (o == nullptr) return ctx.Error("CONV_2D needs Conv2DOptions");
  TB_RETURN_IF_ERROR(CheckPositive(ctx, {o->stride_h(), o->stride_w()}, "strides"));
  TB_RETURN_IF_ERROR(CheckPositive(ctx, {o->dilation_h_factor(), o->dilation_w_factor()}, "dilations"));
  const tf::Tensor& input = ctx.input(0);
  const tf::Tensor& filter = ctx.input(1);
  if (input.rank() != 4 || filter.rank() != 4) {
    return ctx.Error(absl::StrCat("CONV_2D needs 4-D input and filter, got ", input.DebugType(), ", ",
                                  filter.DebugType()));
  }
  if (filter.dim(3) != input.dim(3)) {
    return ctx.Error(absl::StrCat("filter ", filter.DebugType(), " does not match ", input.dim(3),
                                  " input channels (grouped convolution is not supported)"));
  }
  TB_ASSIGN_OR_RETURN(std::string padding, PaddingName(ctx, o->padding()));
  TB_ASSIGN_OR_RETURN(tf::Tensor hwio, ctx.RunTf1("Transpose", {}, {filter, tf::Tensor::FromVector<int32_t>({1, 2, 3, 0})}));
  TB_ASSIGN_OR_RETURN(tf::Tensor out,
                      ctx.RunTf1("Conv2D",
                                 {{"strides", graph::AttrIntList({1, o->stride_h(), o->stride_w(), 1})},
                                  {"dilations", graph::AttrIntList({1, o->dilation_h_factor(), o->dilation_w_factor(), 1})},
                                  {"padding", graph::AttrString(padding)}},
                                 {input, hwio}));
  TB_ASSIGN_OR_RETURN(out, AddBias(ctx, std::move(out), 2, filter.dim(0)));
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out), o->fused_activation_function()));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status DepthwiseConv2D(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::DepthwiseConv2DOptions>();
  if (o == nullptr) return ctx.Error("DEPTHWISE_CONV_2D needs DepthwiseConv2DOptions");
  TB_RETURN_IF_ERROR(CheckPositive(ctx, {o->stride_h(), o->stride_w()}, "strides"));
  TB_RETURN_IF_ERROR(CheckPositive(ctx, {o->dilation_h_factor(), o->dilation_w_factor()}, "dilations"));
  const tf::Tensor& input = ctx.input(0);
  const tf::Tensor& filter = ctx.input(1);
  if (input.rank() != 4 || filter.rank() != 4 || filter.dim(0) != 1) {
    return ctx.Error(absl::StrCat("DEPTHWISE_CONV_2D needs a 4-D input and a [1,kh,kw,C*M] filter, got ",
                                  input.DebugType(), ", ", filter.DebugType()));
  }
  const int64_t channels = input.dim(3);
  if (channels == 0 || filter.dim(3) % channels != 0) {
    return ctx.Error(absl::StrCat("filter depth ", filter.dim(3), " is not a multiple of ", channels, " channels"));
  }
  const int64_t multiplier = filter.dim(3) / channels;
  TB_ASSIGN_OR_RETURN(std::string padding, PaddingName(ctx, o->padding()));
  TB_ASSIGN_OR_RETURN(tf::Tensor hwcm, filter.Reshaped({filter.dim(1), filter.dim(2), channels, multiplier}));
  TB_ASSIGN_OR_RETURN(tf::Tensor out,
                      ctx.RunTf1("DepthwiseConv2dNative",
                                 {{"strides", graph::AttrIntList({1, o->stride_h(), o->stride_w(), 1})},
                                  {"dilations", graph::AttrIntList({1, o->dilation_h_factor(), o->dilation_w_factor(), 1})},
                                  {"padding", graph::AttrString(padding)}},
                                 {input, hwcm}));
  TB_ASSIGN_OR_RETURN(out, AddBias(ctx, std::move(out), 2, filter.dim(3)));
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out), o->fused_activation_function()));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status TransposeConv(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(3, 4));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::TransposeConvOptions>();
  if (o == nullptr) return ctx.Error("TRANSPOSE_CONV needs TransposeConvOptions");
  TB_RETURN_IF_ERROR(CheckPositive(ctx, {o->stride_h(), o->stride_w()}, "strides"));
  const tf::Tensor& output_shape = ctx.input(0);
  const tf::Tensor& weights = ctx.input(1);
  const tf::Tensor& input = ctx.input(2);
  if (output_shape.dtype() != tf::DType::kInt32 || output_shape.rank() != 1 || output_shape.num_elements() != 4) {
    return ctx.Error(absl::StrCat("Output shape is ", output_shape.DebugType(), ", not int32[4]."));
  }
  if (weights.rank() != 4 || input.rank() != 4 || weights.dim(3) != input.dim(3)) {
    return ctx.Error(absl::StrCat("TRANSPOSE_CONV weights ", weights.DebugType(), " do not match input ",
                                  input.DebugType()));
  }
  TB_ASSIGN_OR_RETURN(std::string padding, PaddingName(ctx, o->padding()));
  // [Cout, kh, kw, Cin] -> HWIO [kh, kw, Cout, Cin] as Conv2DBackpropInput expects.
  TB_ASSIGN_OR_RETURN(tf::Tensor hwio,
                      ctx.RunTf1("Transpose", {}, {weights, tf::Tensor::FromVector<int32_t>({1, 2, 0, 3})}));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Conv2DBackpropInput",
                                                 {{"strides", graph::AttrIntList({1, o->stride_h(), o->stride_w(), 1})},
                                                  {"padding", graph::AttrString(padding)}},
                                                 {output_shape, hwio, input}));
  TB_ASSIGN_OR_RETURN(out, AddBias(ctx, std::move(out), 3, weights.dim(0)));
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out), o->fused_activation_function()));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <const char* kTfOp>
absl::Status Pool(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::Pool2DOptions>();
  if (o == nullptr) return ctx.Error("pooling needs Pool2DOptions");
  TB_RETURN_IF_ERROR(CheckPositive(ctx, {o->stride_h(), o->stride_w(), o->filter_height(), o->filter_width()},
                                   "pool strides and filter sizes"));
  if (ctx.input(0).rank() != 4) return ctx.Error(absl::StrCat("pooling needs a 4-D input, got ", ctx.input(0).DebugType()));
  TB_ASSIGN_OR_RETURN(std::string padding, PaddingName(ctx, o->padding()));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp,
                                                 {{"ksize", graph::AttrIntList({1, o->filter_height(), o->filter_width(), 1})},
                                                  {"strides", graph::AttrIntList({1, o->stride_h(), o->stride_w(), 1})},
                                                  {"padding", graph::AttrString(padding)}},
                                                 {ctx.input(0)}));
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out), o->fused_activation_function()));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

constexpr char kMaxPool[] = "MaxPool";
constexpr char kAvgPool[] = "AvgPool";

}  // namespace

void RegisterConvBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::CONV_2D, &Conv2D);
  t.Add(fb::BuiltinOperator::DEPTHWISE_CONV_2D, &DepthwiseConv2D);
  t.Add(fb::BuiltinOperator::TRANSPOSE_CONV, &TransposeConv);
  t.Add(fb::BuiltinOperator::MAX_POOL_2D, &Pool<kMaxPool>);
  t.Add(fb::BuiltinOperator::AVERAGE_POOL_2D, &Pool<kAvgPool>);
}

}  // namespace tb::runtime::tflite
