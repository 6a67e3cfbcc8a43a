// Reductions over int32 axes (SUM, MEAN, REDUCE_MAX/MIN/PROD/ALL/ANY with keep_dims; an empty axes tensor reduces
// nothing) and ARG_MAX/ARG_MIN (first index of the extreme value; output type from ArgMaxOptions).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

template <const char* kTfOp>
absl::Status Reduce(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  if (ctx.input(1).dtype() != tf::DType::kInt32) {
    return ctx.Error(absl::StrCat("axes must be int32, got ", ctx.input(1).DebugType()));
  }
  const auto* o = ctx.options<fb::ReducerOptions>();
  const bool keep_dims = o != nullptr && o->keep_dims();
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp,
                                                 {{"keep_dims", graph::AttrBool(keep_dims)},
                                                  {"Tidx", graph::AttrType(tf::DType::kInt32)}},
                                                 {ctx.input(0), ctx.input(1)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

// ARG_MIN via ARG_MAX of the negation would break ties differently for -0.0/NaN; compute it directly.
template <typename T, typename Index>
void ArgMinLoop(const tf::Tensor& x, int axis, tf::Tensor& out) {
  const tf::Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[i];
  for (int i = axis + 1; i < x.rank(); ++i) inner *= s[i];
  const int64_t n = s[axis];
  auto v = x.flat<T>();
  auto o = out.flat<Index>();
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t b = 0; b < inner; ++b) {
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        if (v[(a * n + k) * inner + b] < v[(a * n + best) * inner + b]) best = k;
      }
      o[a * inner + b] = static_cast<Index>(best);
    }
  }
}

absl::Status ArgMax(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::ArgMaxOptions>();
  // An absent table reads as output_type FLOAT32 on the device, which its kernel rejects.
  const fb::TensorType type = o ? o->output_type() : fb::TensorType::FLOAT32;
  if (type != fb::TensorType::INT32 && type != fb::TensorType::INT64) {
    return ctx.Error(absl::StrCat("ARG_MAX output_type must be INT32 or INT64, got ", ::tb::tflite::TensorTypeName(type)));
  }
  const tf::DType out_type = type == fb::TensorType::INT32 ? tf::DType::kInt32 : tf::DType::kInt64;
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("ArgMax",
                                                 {{"output_type", graph::AttrType(out_type)},
                                                  {"Tidx", graph::AttrType(ctx.input(1).dtype())}},
                                                 {ctx.input(0), ctx.input(1)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ArgMin(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::ArgMinOptions>();
  const fb::TensorType type = o ? o->output_type() : fb::TensorType::FLOAT32;
  if (type != fb::TensorType::INT32 && type != fb::TensorType::INT64) {
    return ctx.Error(absl::StrCat("ARG_MIN output_type must be INT32 or INT64, got ", ::tb::tflite::TensorTypeName(type)));
  }
  const tf::Tensor& x = ctx.input(0);
  const tf::Tensor& axis_t = ctx.input(1);
  if (axis_t.num_elements() != 1 || (axis_t.dtype() != tf::DType::kInt32 && axis_t.dtype() != tf::DType::kInt64)) {
    return ctx.Error("ARG_MIN axis must be one int32/int64 value");
  }
  int64_t axis = axis_t.dtype() == tf::DType::kInt32 ? axis_t.flat<int32_t>()[0] : axis_t.flat<int64_t>()[0];
  if (axis < 0) axis += x.rank();
  if (axis < 0 || axis >= x.rank() || x.dim(static_cast<int>(axis)) == 0) {
    return ctx.Error(absl::StrCat("ARG_MIN axis ", axis, " is invalid for ", x.DebugType()));
  }
  tf::Shape shape = x.shape();
  shape.erase(shape.begin() + axis);
  const tf::DType out_type = type == fb::TensorType::INT32 ? tf::DType::kInt32 : tf::DType::kInt64;
  TB_ASSIGN_OR_RETURN(tf::Tensor out, tf::Tensor::Create(out_type, shape));
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if (out_type == tf::DType::kInt32) {
      ArgMinLoop<T, int32_t>(x, static_cast<int>(axis), out);
    } else {
      ArgMinLoop<T, int64_t>(x, static_cast<int>(axis), out);
    }
  };
  switch (x.dtype()) {
    case tf::DType::kFloat: run(float{}); break;
    case tf::DType::kInt32: run(int32_t{}); break;
    case tf::DType::kInt64: run(int64_t{}); break;
    default: return ctx.Error(absl::StrCat("ARG_MIN of ", x.DebugType(), " is not supported"));
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

constexpr char kSum[] = "Sum";
constexpr char kMean[] = "Mean";
constexpr char kMax[] = "Max";
constexpr char kMin[] = "Min";
constexpr char kProd[] = "Prod";
constexpr char kAll[] = "All";
constexpr char kAny[] = "Any";

}  // namespace

void RegisterReductionBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::SUM, &Reduce<kSum>);
  t.Add(fb::BuiltinOperator::MEAN, &Reduce<kMean>);
  t.Add(fb::BuiltinOperator::REDUCE_MAX, &Reduce<kMax>);
  t.Add(fb::BuiltinOperator::REDUCE_MIN, &Reduce<kMin>);
  t.Add(fb::BuiltinOperator::REDUCE_PROD, &Reduce<kProd>);
  t.Add(fb::BuiltinOperator::REDUCE_ALL, &Reduce<kAll>);
  t.Add(fb::BuiltinOperator::REDUCE_ANY, &Reduce<kAny>);
  t.Add(fb::BuiltinOperator::ARG_MAX, &ArgMax);
  t.Add(fb::BuiltinOperator::ARG_MIN, &ArgMin);
}

}  // namespace tb::runtime::tflite
