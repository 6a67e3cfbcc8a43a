// The BuiltinOptions tables the lowering writes, one constructor each, so every operator carries the options its
// kernel reads (tflite-lowering.md §1.7: an absent table means zero-initialised parameters, which is wrong for
// CONV_2D, pools, SOFTMAX, PACK, SHAPE, ARG_MAX, IF/WHILE, ...). Values only; nothing is written until the model is.
#ifndef TASKBUILDER_TFLITE_BUILTIN_OPTIONS_H_
#define TASKBUILDER_TFLITE_BUILTIN_OPTIONS_H_

#include <cstdint>
#include <vector>

#include "tf/dtype.h"
#include "tflite/program.h"

namespace tb::tflite {

struct OpOptions {
  fb::BuiltinOptions type = fb::BuiltinOptions::NONE;
  OptionsWriter writer;
  VersionFlags flags;
};

namespace options {

OpOptions None();
OpOptions Conv2D(fb::Padding padding, int stride_h, int stride_w, int dilation_h, int dilation_w);
OpOptions DepthwiseConv2D(fb::Padding padding, int stride_h, int stride_w, int depth_multiplier, int dilation_h,
                          int dilation_w);
OpOptions TransposeConv(fb::Padding padding, int stride_h, int stride_w);
OpOptions Pool2D(fb::Padding padding, int stride_h, int stride_w, int filter_h, int filter_w);
OpOptions FullyConnected();
OpOptions BatchMatMul(bool adj_x, bool adj_y);
OpOptions Add();
OpOptions Sub();
OpOptions Mul();
OpOptions Div();
OpOptions Softmax(float beta);
OpOptions LogSoftmax();
OpOptions Concatenation(int axis);
OpOptions Pack(int values_count, int axis);
OpOptions Unpack(int num, int axis);
OpOptions Reducer(bool keep_dims);
OpOptions Squeeze(const std::vector<int32_t>& dims);
OpOptions StridedSlice(int begin_mask, int end_mask, int ellipsis_mask, int new_axis_mask, int shrink_axis_mask);
OpOptions Gather(int axis, int batch_dims);
// TFLite type of a TF dtype; the caller guarantees it exists (int32/int64 here).
OpOptions Shape(tf::DType out_type);
OpOptions ArgMax(tf::DType output_type);
OpOptions ArgMin(tf::DType output_type);
OpOptions Cast(tf::DType from, tf::DType to);
OpOptions LeakyRelu(float alpha);
OpOptions If(int then_subgraph, int else_subgraph);
OpOptions While(int cond_subgraph, int body_subgraph);

}  // namespace options
}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_BUILTIN_OPTIONS_H_
