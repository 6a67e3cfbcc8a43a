#include "tflite/builtin_options.h"

#include <utility>

namespace tb::tflite::options {
namespace {

using FBB = flatbuffers::FlatBufferBuilder;
using BO = fb::BuiltinOptions;

template <typename Fn>
OpOptions Make(BO type, Fn fn, VersionFlags flags = {}) {
  OpOptions o;
  o.type = type;
  o.writer = [fn = std::move(fn)](FBB& fbb) { return fn(fbb).Union(); };
  o.flags = flags;
  return o;
}

fb::TensorType TypeOf(tf::DType dtype) { return TensorTypeFromDType(dtype).value_or(fb::TensorType::FLOAT32); }

}  // namespace

OpOptions None() { return {}; }

OpOptions Conv2D(fb::Padding padding, int stride_h, int stride_w, int dilation_h, int dilation_w) {
  return Make(BO::Conv2DOptions, [=](FBB& fbb) {
    return fb::CreateConv2DOptions(fbb, padding, stride_w, stride_h, fb::ActivationFunctionType::NONE, dilation_w,
                                   dilation_h);
  });
}

OpOptions DepthwiseConv2D(fb::Padding padding, int stride_h, int stride_w, int depth_multiplier, int dilation_h,
                          int dilation_w) {
  VersionFlags flags;
  flags.depthwise_dilated = dilation_h != 1 || dilation_w != 1;
  return Make(
      BO::DepthwiseConv2DOptions,
      [=](FBB& fbb) {
        return fb::CreateDepthwiseConv2DOptions(fbb, padding, stride_w, stride_h, depth_multiplier,
                                                fb::ActivationFunctionType::NONE, dilation_w, dilation_h);
      },
      flags);
}

OpOptions TransposeConv(fb::Padding padding, int stride_h, int stride_w) {
  return Make(BO::TransposeConvOptions,
              [=](FBB& fbb) { return fb::CreateTransposeConvOptions(fbb, padding, stride_w, stride_h); });
}

OpOptions Pool2D(fb::Padding padding, int stride_h, int stride_w, int filter_h, int filter_w) {
  return Make(BO::Pool2DOptions, [=](FBB& fbb) {
    return fb::CreatePool2DOptions(fbb, padding, stride_w, stride_h, filter_w, filter_h);
  });
}

OpOptions FullyConnected() {
  return Make(BO::FullyConnectedOptions, [](FBB& fbb) { return fb::CreateFullyConnectedOptions(fbb); });
}

OpOptions BatchMatMul(bool adj_x, bool adj_y) {
  return Make(BO::BatchMatMulOptions, [=](FBB& fbb) { return fb::CreateBatchMatMulOptions(fbb, adj_x, adj_y); });
}

OpOptions Add() { return Make(BO::AddOptions, [](FBB& fbb) { return fb::CreateAddOptions(fbb); }); }
OpOptions Sub() { return Make(BO::SubOptions, [](FBB& fbb) { return fb::CreateSubOptions(fbb); }); }
OpOptions Mul() { return Make(BO::MulOptions, [](FBB& fbb) { return fb::CreateMulOptions(fbb); }); }
OpOptions Div() { return Make(BO::DivOptions, [](FBB& fbb) { return fb::CreateDivOptions(fbb); }); }

OpOptions Softmax(float beta) {
  return Make(BO::SoftmaxOptions, [=](FBB& fbb) { return fb::CreateSoftmaxOptions(fbb, beta); });
}

OpOptions LogSoftmax() {
  return Make(BO::LogSoftmaxOptions, [](FBB& fbb) { return fb::CreateLogSoftmaxOptions(fbb); });
}

OpOptions Concatenation(int axis) {
  return Make(BO::ConcatenationOptions, [=](FBB& fbb) { return fb::CreateConcatenationOptions(fbb, axis); });
}

OpOptions Pack(int values_count, int axis) {
  return Make(BO::PackOptions, [=](FBB& fbb) { return fb::CreatePackOptions(fbb, values_count, axis); });
}

OpOptions Unpack(int num, int axis) {
  return Make(BO::UnpackOptions, [=](FBB& fbb) { return fb::CreateUnpackOptions(fbb, num, axis); });
}

OpOptions Reducer(bool keep_dims) {
  return Make(BO::ReducerOptions, [=](FBB& fbb) { return fb::CreateReducerOptions(fbb, keep_dims); });
}

OpOptions Squeeze(const std::vector<int32_t>& dims) {
  return Make(BO::SqueezeOptions,
              [dims](FBB& fbb) { return fb::CreateSqueezeOptions(fbb, fbb.CreateVector(dims)); });
}

OpOptions StridedSlice(int begin_mask, int end_mask, int ellipsis_mask, int new_axis_mask, int shrink_axis_mask) {
  VersionFlags flags;
  flags.strided_slice_ellipsis_or_new_axis = ellipsis_mask != 0 || new_axis_mask != 0;
  return Make(
      BO::StridedSliceOptions,
      [=](FBB& fbb) {
        return fb::CreateStridedSliceOptions(fbb, begin_mask, end_mask, ellipsis_mask, new_axis_mask,
                                             shrink_axis_mask);
      },
      flags);
}

OpOptions Gather(int axis, int batch_dims) {
  VersionFlags flags;
  flags.gather_batch_dims = batch_dims != 0;
  return Make(
      BO::GatherOptions, [=](FBB& fbb) { return fb::CreateGatherOptions(fbb, axis, batch_dims); }, flags);
}

OpOptions Shape(tf::DType out_type) {
  const fb::TensorType t = TypeOf(out_type);
  return Make(BO::ShapeOptions, [=](FBB& fbb) { return fb::CreateShapeOptions(fbb, t); });
}

OpOptions ArgMax(tf::DType output_type) {
  const fb::TensorType t = TypeOf(output_type);
  return Make(BO::ArgMaxOptions, [=](FBB& fbb) { return fb::CreateArgMaxOptions(fbb, t); });
}

OpOptions ArgMin(tf::DType output_type) {
  const fb::TensorType t = TypeOf(output_type);
  return Make(BO::ArgMinOptions, [=](FBB& fbb) { return fb::CreateArgMinOptions(fbb, t); });
}

OpOptions Cast(tf::DType from, tf::DType to) {
  const fb::TensorType a = TypeOf(from), b = TypeOf(to);
  return Make(BO::CastOptions, [=](FBB& fbb) { return fb::CreateCastOptions(fbb, a, b); });
}

OpOptions LeakyRelu(float alpha) {
  return Make(BO::LeakyReluOptions, [=](FBB& fbb) { return fb::CreateLeakyReluOptions(fbb, alpha); });
}

OpOptions If(int then_subgraph, int else_subgraph) {
  return Make(BO::IfOptions, [=](FBB& fbb) { return fb::CreateIfOptions(fbb, then_subgraph, else_subgraph); });
}

OpOptions While(int cond_subgraph, int body_subgraph) {
  return Make(BO::WhileOptions,
              [=](FBB& fbb) { return fb::CreateWhileOptions(fbb, cond_subgraph, body_subgraph); });
}

}  // namespace tb::tflite::options
