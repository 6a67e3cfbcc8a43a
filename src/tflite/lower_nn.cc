// Neural-network forward ops as builtins (tflite-lowering.md §2.2): MatMul / BatchMatMul, BiasAdd, Conv2D,
// DepthwiseConv2dNative, MaxPool, AvgPool, Softmax, LogSoftmax. Convolutions need the filter's static shape (the
// bias operand is a zero vector of the output depth) and TF's filter layout is transposed to TFLite's.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tflite/lower_window.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

absl::Status LowerMatMul(NodeContext& c) {
  if (c.out_type(0).dtype != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  const bool ta = c.AttrBool("transpose_a"), tb = c.AttrBool("transpose_b");
  const int a = c.In(0), b = c.In(1);
  if (!ta && tb) {
    // FULLY_CONNECTED's weights are [units, input] = TF's b when transpose_b; no bias (-1 keeps opcode v1).
    c.EmitTo(0, Op::FULLY_CONNECTED, {a, b, -1}, options::FullyConnected());
  } else {
    c.EmitTo(0, Op::BATCH_MATMUL, {a, b}, options::BatchMatMul(ta, tb));
  }
  return c.status();
}

absl::Status LowerBatchMatMul(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat || c.in_dtype(1) != DType::kFloat || c.out_type(0).dtype != DType::kFloat) {
    return c.NotBuiltin("only float32 has a builtin form");
  }
  for (int i = 0; i < 2; ++i) {
    if (c.in_shape(i).rank_known() && (c.in_shape(i).rank() < 2 || c.in_shape(i).rank() > 5)) {
      return c.NotBuiltin("BATCH_MATMUL takes ranks 2 to 5");
    }
  }
  const bool adj_x = c.AttrBool("adj_x"), adj_y = c.AttrBool("adj_y");
  const int x = c.In(0), y = c.In(1);
  c.EmitTo(0, Op::BATCH_MATMUL, {x, y}, options::BatchMatMul(adj_x, adj_y));
  return c.status();
}

absl::Status LowerBiasAdd(NodeContext& c) {
  const DType t = c.in_dtype(0);
  if (t != DType::kFloat && t != DType::kInt32 && t != DType::kInt64) return c.NotBuiltin("dtype without ADD");
  const bool nchw = c.AttrString("data_format") == "NCHW";
  const int v = c.In(0);
  int b = c.In(1);
  if (nchw) {
    if (!c.in_shape(0).rank_known()) return c.NotBuiltin("NCHW needs the value's rank");
    std::vector<int64_t> dims(std::max(c.in_shape(0).rank() - 1, 1), 1);
    dims[0] = -1;
    b = c.Reshape(b, dims);
  }
  c.EmitTo(0, Op::ADD, {v, b}, options::Add());
  return c.status();
}

int ZeroBias(NodeContext& c, int64_t depth) {
  tf::Tensor zeros(DType::kFloat, {depth});
  for (float& v : zeros.flat<float>()) v = 0.0f;
  return c.Const(zeros, "zero_bias");
}

// A constant filter is rearranged while building; a computed one (weights restored on the device) at run time.
int TransposedFilter(NodeContext& c, int input, const std::vector<int32_t>& perm) {
  const int w = c.In(input);
  return c.Transpose(w, perm);
}

absl::Status LowerConv2D(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  TB_ASSIGN_OR_RETURN(graph::Window2D w, BuiltinWindow(c, false));
  const graph::PartialShape& fs = c.in_shape(1);
  if (!fs.rank_known() || fs.rank() != 4 || fs.dim(3) < 0) return c.NotBuiltin("needs the filter's static shape");
  const int x = c.In(0);
  const int filter = TransposedFilter(c, 1, {3, 0, 1, 2});  // HWIO -> OHWI
  const int bias = ZeroBias(c, fs.dim(3));
  c.EmitTo(0, Op::CONV_2D, {x, filter, bias},
           options::Conv2D(PaddingOf(w), static_cast<int>(w.stride_h), static_cast<int>(w.stride_w),
                           static_cast<int>(w.dilation_h), static_cast<int>(w.dilation_w)));
  return c.status();
}

absl::Status LowerDepthwiseConv2D(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  TB_ASSIGN_OR_RETURN(graph::Window2D w, BuiltinWindow(c, false));
  const graph::PartialShape& fs = c.in_shape(1);
  if (!fs.IsFullyDefined() || fs.rank() != 4) return c.NotBuiltin("needs the filter's static shape");
  const int64_t kh = fs.dim(0), kw = fs.dim(1), ci = fs.dim(2), m = fs.dim(3);
  const int x = c.In(0);
  // [kh, kw, Ci, M] -> [1, kh, kw, Ci·M] keeps memory order: channel ci·M + m, as TFLite expects.
  const int filter = c.Reshape(c.In(1), {1, kh, kw, ci * m});
  const int bias = ZeroBias(c, ci * m);
  c.EmitTo(0, Op::DEPTHWISE_CONV_2D, {x, filter, bias},
           options::DepthwiseConv2D(PaddingOf(w), static_cast<int>(w.stride_h), static_cast<int>(w.stride_w),
                                    static_cast<int>(m), static_cast<int>(w.dilation_h),
                                    static_cast<int>(w.dilation_w)));
  return c.status();
}

template <Op kCode>
absl::Status LowerPool(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  TB_ASSIGN_OR_RETURN(graph::Window2D w, BuiltinWindow(c, true));
  const int x = c.In(0);
  c.EmitTo(0, kCode, {x},
           options::Pool2D(PaddingOf(w), static_cast<int>(w.stride_h), static_cast<int>(w.stride_w),
                           static_cast<int>(w.ksize_h), static_cast<int>(w.ksize_w)));
  return c.status();
}

template <Op kCode>
absl::Status LowerSoftmax(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return c.NotBuiltin("only float32 has a builtin form");
  const graph::PartialShape& s = c.in_shape(0);
  if (!s.rank_known() || s.rank() < 1 || s.rank() > 4) return c.NotBuiltin("builtin softmax takes ranks 1 to 4");
  const int x = c.In(0);
  c.EmitTo(0, kCode, {x}, kCode == Op::SOFTMAX ? options::Softmax(1.0f) : options::LogSoftmax());
  return c.status();
}

}  // namespace

void RegisterNnLowerings(LoweringRegistry& r) {
  r.Add("MatMul", LowerMatMul);
  r.Add("BatchMatMulV2", LowerBatchMatMul);
  r.Add("BiasAdd", LowerBiasAdd);
  r.Add("Conv2D", LowerConv2D);
  r.Add("DepthwiseConv2dNative", LowerDepthwiseConv2D);
  r.Add("MaxPool", LowerPool<Op::MAX_POOL_2D>);
  r.Add("AvgPool", LowerPool<Op::AVERAGE_POOL_2D>);
  r.Add("Softmax", LowerSoftmax<Op::SOFTMAX>);
  r.Add("LogSoftmax", LowerSoftmax<Op::LOG_SOFTMAX>);
}

}  // namespace tb::tflite
