// Shape and layout builtins: SHAPE (out_type), RANK, RESHAPE (1-D int32 shape input, else ReshapeOptions), SQUEEZE,
// EXPAND_DIMS, FILL, RANGE, TILE, BROADCAST_TO, TRANSPOSE, PACK, UNPACK, CONCATENATION, PAD, PADV2 (constant
// value), SPLIT.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

absl::Status Shape(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::ShapeOptions>();
  const fb::TensorType type = o ? o->out_type() : fb::TensorType::FLOAT32;
  if (type != fb::TensorType::INT32 && type != fb::TensorType::INT64) {
    return ctx.Error(absl::StrCat("SHAPE out_type must be INT32 or INT64, got ", ::tb::tflite::TensorTypeName(type)));
  }
  const tf::Shape& s = ctx.input(0).shape();
  if (type == fb::TensorType::INT32) {
    std::vector<int32_t> v(s.begin(), s.end());
    ctx.set_output(0, tf::Tensor::FromVector<int32_t>(v));
  } else {
    ctx.set_output(0, tf::Tensor::FromVector<int64_t>(s));
  }
  return absl::OkStatus();
}

absl::Status Rank(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  ctx.set_output(0, tf::Tensor::Scalar<int32_t>(ctx.input(0).rank()));
  return absl::OkStatus();
}

absl::Status Reshape(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const tf::Tensor& input = ctx.input(0);
  std::vector<int64_t> dims;
  if (ctx.has_input(1) && ctx.input(1).dtype() == tf::DType::kInt32 && ctx.input(1).rank() == 1) {
    for (int32_t d : ctx.input(1).flat<int32_t>()) dims.push_back(d);
  } else if (const auto* o = ctx.options<fb::ReshapeOptions>(); o != nullptr && o->new_shape() != nullptr) {
    for (int32_t d : *o->new_shape()) dims.push_back(d);
    if (dims.size() == 1 && dims[0] == 0) dims.clear();  // the converter's spelling of "scalar"
  } else if (ctx.has_input(1)) {
    return ctx.Error(absl::StrCat("RESHAPE shape must be a 1-D int32 tensor, got ", ctx.input(1).DebugType()));
  } else {
    return ctx.Error("RESHAPE has neither a shape input nor ReshapeOptions.new_shape");
  }
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (unknown >= 0) return ctx.Error("RESHAPE shape has more than one -1");
      unknown = static_cast<int>(i);
    } else if (dims[i] < 0) {
      return ctx.Error(absl::StrCat("RESHAPE shape has negative dimension ", dims[i]));
    } else {
      known *= dims[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || input.num_elements() % known != 0) {
      return ctx.Error(absl::StrCat("cannot reshape ", input.DebugType(), " to ", tf::ShapeToString(dims)));
    }
    dims[unknown] = input.num_elements() / known;
  }
  auto out = input.Reshaped(dims);
  if (!out.ok()) {
    return ctx.Error(absl::StrCat("cannot reshape ", input.DebugType(), " to ", tf::ShapeToString(dims)));
  }
  ctx.set_output(0, std::move(*out));
  return absl::OkStatus();
}

absl::Status Squeeze(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  std::vector<int64_t> axes;
  if (const auto* o = ctx.options<fb::SqueezeOptions>(); o != nullptr && o->squeeze_dims() != nullptr) {
    for (int32_t a : *o->squeeze_dims()) axes.push_back(a);
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Squeeze", {{"squeeze_dims", graph::AttrIntList(axes)}}, {ctx.input(0)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <const char* kTfOp>
absl::Status Two(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp, {}, {ctx.input(0), ctx.input(1)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Range(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(3, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Range", {{"Tidx", graph::AttrType(ctx.input(0).dtype())}},
                                                 {ctx.input(0), ctx.input(1), ctx.input(2)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Pack(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::PackOptions>();
  if (o == nullptr || o->values_count() != ctx.num_inputs() || ctx.num_inputs() < 1) {
    return ctx.Error(absl::StrCat("PACK values_count ", o ? o->values_count() : 0, " does not match ",
                                  ctx.num_inputs(), " inputs"));
  }
  std::vector<tf::Tensor> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error("PACK inputs cannot be omitted");
    inputs.push_back(ctx.input(i));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Pack",
                                                 {{"N", graph::AttrInt(ctx.num_inputs())},
                                                  {"axis", graph::AttrInt(o->axis())}},
                                                 std::move(inputs)));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Unpack(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  const auto* o = ctx.options<fb::UnpackOptions>();
  if (o == nullptr || o->num() != ctx.num_outputs()) {
    return ctx.Error(absl::StrCat("UNPACK num ", o ? o->num() : 0, " does not match ", ctx.num_outputs(), " outputs"));
  }
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> out, ctx.RunTf("Unpack",
                                                             {{"num", graph::AttrInt(o->num())},
                                                              {"axis", graph::AttrInt(o->axis())}},
                                                             {ctx.input(0)}));
  for (int i = 0; i < ctx.num_outputs(); ++i) ctx.set_output(i, std::move(out[i]));
  return absl::OkStatus();
}

absl::Status Concatenation(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::ConcatenationOptions>();
  if (ctx.num_inputs() < 1) return ctx.Error("CONCATENATION needs inputs");
  std::vector<tf::Tensor> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error("CONCATENATION inputs cannot be omitted");
    inputs.push_back(ctx.input(i));
  }
  inputs.push_back(tf::Tensor::Scalar<int32_t>(o ? o->axis() : 0));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("ConcatV2", {{"N", graph::AttrInt(ctx.num_inputs())}}, std::move(inputs)));
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out),
                                           o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> ReadPaddings(const BuiltinContext& ctx, const tf::Tensor& p,
                                                                      int rank) {
  if (p.rank() != 2 || p.dim(0) != rank || p.dim(1) != 2) {
    return ctx.Error(absl::StrCat("paddings must be [", rank, ", 2], got ", p.DebugType()));
  }
  std::vector<std::pair<int64_t, int64_t>> out(rank);
  for (int i = 0; i < rank; ++i) {
    int64_t a, b;
    if (p.dtype() == tf::DType::kInt32) {
      a = p.flat<int32_t>()[2 * i];
      b = p.flat<int32_t>()[2 * i + 1];
    } else if (p.dtype() == tf::DType::kInt64) {
      a = p.flat<int64_t>()[2 * i];
      b = p.flat<int64_t>()[2 * i + 1];
    } else {
      return ctx.Error(absl::StrCat("paddings must be int32 or int64, got ", p.DebugType()));
    }
    if (a < 0 || b < 0) return ctx.Error(absl::StrCat("negative padding in dimension ", i));
    out[i] = {a, b};
  }
  return out;
}

// Constant padding of any fixed-size dtype with the first element of `value` (zero when absent).
absl::Status Pad(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const tf::Tensor& x = ctx.input(0);
  const size_t elem = tf::DTypeSize(x.dtype());
  if (elem == 0) return ctx.Error(absl::StrCat("PAD of ", x.DebugType(), " is not supported"));
  TB_ASSIGN_OR_RETURN(auto pads, ReadPaddings(ctx, ctx.input(1), x.rank()));
  tf::Shape shape = x.shape();
  for (int i = 0; i < x.rank(); ++i) shape[i] += pads[i].first + pads[i].second;
  TB_ASSIGN_OR_RETURN(tf::Tensor out, tf::Tensor::Create(x.dtype(), shape));
  char* dst = out.mutable_bytes();
  if (ctx.has_input(2)) {
    const tf::Tensor& value = ctx.input(2);
    if (value.dtype() != x.dtype() || value.num_elements() != 1) {
      return ctx.Error(absl::StrCat("PADV2 constant must be one ", ToAbsl(tf::DTypeName(x.dtype())), ", got ",
                                    value.DebugType()));
    }
    for (int64_t i = 0; i < out.num_elements(); ++i) std::memcpy(dst + i * elem, value.bytes().data(), elem);
  }
  if (x.num_elements() == 0) {
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  // Copy each innermost row of x to its padded position.
  const int rank = x.rank();
  if (rank == 0) {
    std::memcpy(dst, x.bytes().data(), elem);
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  std::vector<int64_t> out_strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i) out_strides[i] = out_strides[i + 1] * shape[i + 1];
  const int64_t row = x.dim(rank - 1);
  const int64_t rows = x.num_elements() / row;
  std::vector<int64_t> idx(rank, 0);
  const char* src = x.bytes().data();
  for (int64_t r = 0; r < rows; ++r) {
    int64_t offset = pads[rank - 1].first;
    for (int i = 0; i < rank - 1; ++i) offset += (idx[i] + pads[i].first) * out_strides[i];
    std::memcpy(dst + offset * elem, src + r * row * elem, row * elem);
    for (int i = rank - 2; i >= 0; --i) {
      if (++idx[i] < x.dim(i)) break;
      idx[i] = 0;
    }
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Split(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  const auto* o = ctx.options<fb::SplitOptions>();
  const int n = o ? o->num_splits() : 0;
  if (n <= 0 || n != ctx.num_outputs()) {
    return ctx.Error(absl::StrCat("SPLIT num_splits ", n, " does not match ", ctx.num_outputs(), " outputs"));
  }
  const tf::Tensor& axis_t = ctx.input(0);
  const tf::Tensor& x = ctx.input(1);
  if (axis_t.dtype() != tf::DType::kInt32 || axis_t.num_elements() != 1) return ctx.Error("SPLIT axis must be one int32");
  int64_t axis = axis_t.flat<int32_t>()[0];
  if (axis < 0) axis += x.rank();
  if (axis < 0 || axis >= x.rank() || x.dim(static_cast<int>(axis)) % n != 0) {
    return ctx.Error(absl::StrCat("cannot split ", x.DebugType(), " into ", n, " along axis ", axis));
  }
  const int64_t part = x.dim(static_cast<int>(axis)) / n;
  for (int k = 0; k < n; ++k) {
    std::vector<int64_t> begin(x.rank(), 0);
    std::vector<int64_t> size(x.shape().begin(), x.shape().end());
    begin[axis] = k * part;
    size[axis] = part;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Slice", {}, {x, tf::Tensor::FromVector<int64_t>(begin),
                                                                 tf::Tensor::FromVector<int64_t>(size)}));
    ctx.set_output(k, std::move(out));
  }
  return absl::OkStatus();
}

constexpr char kExpandDims[] = "ExpandDims";
constexpr char kFill[] = "Fill";
constexpr char kTile[] = "Tile";
constexpr char kBroadcastTo[] = "BroadcastTo";
constexpr char kTranspose[] = "Transpose";

}  // namespace

void RegisterShapeBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::SHAPE, &Shape);
  t.Add(fb::BuiltinOperator::RANK, &Rank);
  t.Add(fb::BuiltinOperator::RESHAPE, &Reshape);
  t.Add(fb::BuiltinOperator::SQUEEZE, &Squeeze);
  t.Add(fb::BuiltinOperator::EXPAND_DIMS, &Two<kExpandDims>);
  t.Add(fb::BuiltinOperator::FILL, &Two<kFill>);
  t.Add(fb::BuiltinOperator::TILE, &Two<kTile>);
  t.Add(fb::BuiltinOperator::BROADCAST_TO, &Two<kBroadcastTo>);
  t.Add(fb::BuiltinOperator::TRANSPOSE, &Two<kTranspose>);
  t.Add(fb::BuiltinOperator::RANGE, &Range);
  t.Add(fb::BuiltinOperator::PACK, &Pack);
  t.Add(fb::BuiltinOperator::UNPACK, &Unpack);
  t.Add(fb::BuiltinOperator::CONCATENATION, &Concatenation);
  t.Add(fb::BuiltinOperator::PAD, &Pad);
  t.Add(fb::BuiltinOperator::PADV2, &Pad);
  t.Add(fb::BuiltinOperator::SPLIT, &Split);
}

}  // namespace tb::runtime::tflite
