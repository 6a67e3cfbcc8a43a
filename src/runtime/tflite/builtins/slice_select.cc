// Indexing and selection: STRIDED_SLICE (masks; `offset` unsupported), SLICE, GATHER (axis, batch_dims),
// SELECT (v1 broadcasting rules), SELECT_V2 (numpy broadcasting) and WHERE (int64 coordinates of true elements).
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

absl::Status StridedSlice(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(4, 4));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::StridedSliceOptions>();
  if (o != nullptr && o->offset()) return ctx.Error("STRIDED_SLICE with offset=true is not supported");
  graph::AttrMap attrs = {
      {"begin_mask", graph::AttrInt(o ? o->begin_mask() : 0)},
      {"end_mask", graph::AttrInt(o ? o->end_mask() : 0)},
      {"ellipsis_mask", graph::AttrInt(o ? o->ellipsis_mask() : 0)},
      {"new_axis_mask", graph::AttrInt(o ? o->new_axis_mask() : 0)},
      {"shrink_axis_mask", graph::AttrInt(o ? o->shrink_axis_mask() : 0)},
      {"Index", graph::AttrType(ctx.input(1).dtype())},
  };
  TB_ASSIGN_OR_RETURN(tf::Tensor out,
                      ctx.RunTf1("StridedSlice", attrs, {ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Slice(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(3, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Slice", {}, {ctx.input(0), ctx.input(1), ctx.input(2)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Gather(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::GatherOptions>();
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("GatherV2", {{"batch_dims", graph::AttrInt(o ? o->batch_dims() : 0)}},
                                                 {ctx.input(0), ctx.input(1),
                                                  tf::Tensor::Scalar<int32_t>(o ? o->axis() : 0)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <const char* kTfOp>
absl::Status Select(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(3, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  if (ctx.input(0).dtype() != tf::DType::kBool) {
    return ctx.Error(absl::StrCat("condition must be bool, got ", ctx.input(0).DebugType()));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp, {}, {ctx.input(0), ctx.input(1), ctx.input(2)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Where(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const tf::Tensor& x = ctx.input(0);
  std::vector<int64_t> truthy;
  auto collect = [&](auto tag) {
    using T = decltype(tag);
    auto v = x.flat<T>();
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      if (v[i] != T(0)) truthy.push_back(i);
    }
  };
  switch (x.dtype()) {
    case tf::DType::kBool: collect(bool{}); break;
    case tf::DType::kFloat: collect(float{}); break;
    case tf::DType::kInt32: collect(int32_t{}); break;
    case tf::DType::kInt64: collect(int64_t{}); break;
    default: return ctx.Error(absl::StrCat("WHERE of ", x.DebugType(), " is not supported"));
  }
  const int rank = x.rank();
  TB_ASSIGN_OR_RETURN(tf::Tensor out, tf::Tensor::Create(tf::DType::kInt64, {static_cast<int64_t>(truthy.size()), rank}));
  auto o = out.flat<int64_t>();
  for (size_t k = 0; k < truthy.size(); ++k) {
    int64_t rest = truthy[k];
    for (int d = rank - 1; d >= 0; --d) {
      o[k * rank + d] = rest % x.dim(d);
      rest /= x.dim(d);
    }
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

constexpr char kSelect[] = "Select";
constexpr char kSelectV2[] = "SelectV2";

}  // namespace

void RegisterSliceBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::STRIDED_SLICE, &StridedSlice);
  t.Add(fb::BuiltinOperator::SLICE, &Slice);
  t.Add(fb::BuiltinOperator::GATHER, &Gather);
}

void RegisterSelectBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::SELECT, &Select<kSelect>);
  t.Add(fb::BuiltinOperator::SELECT_V2, &Select<kSelectV2>);
  t.Add(fb::BuiltinOperator::WHERE, &Where);
}

}  // namespace tb::runtime::tflite
