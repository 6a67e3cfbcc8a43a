// FULLY_CONNECTED (weights [units, input_size], optional bias, fused activation, keep_num_dims) and BATCH_MATMUL
// (adj_x/adj_y, broadcast batch dimensions, rank 2..5).
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

absl::Status FullyConnected(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 3));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const tf::Tensor& input = ctx.input(0);
  const tf::Tensor& weights = ctx.input(1);
  const auto* o = ctx.options<fb::FullyConnectedOptions>();
  if (o != nullptr && o->weights_format() != fb::FullyConnectedOptionsWeightsFormat::DEFAULT) {
    return ctx.Error("shuffled FULLY_CONNECTED weights are not supported");
  }
  if (input.dtype() != tf::DType::kFloat || weights.dtype() != tf::DType::kFloat) {
    return ctx.Error(absl::StrCat("FULLY_CONNECTED supports float32 only, got ", input.DebugType(), " x ",
                                  weights.DebugType()));
  }
  if (weights.rank() != 2) return ctx.Error(absl::StrCat("weights must be 2-D, got ", weights.DebugType()));
  const int64_t units = weights.dim(0);
  const int64_t depth = weights.dim(1);
  if (depth == 0 || input.num_elements() % depth != 0) {
    return ctx.Error(absl::StrCat("input ", input.DebugType(), " does not divide into rows of ", depth));
  }
  const int64_t batch = input.num_elements() / depth;
  TB_ASSIGN_OR_RETURN(tf::Tensor rows, input.Reshaped({batch, depth}));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("MatMul",
                                                 {{"transpose_a", graph::AttrBool(false)},
                                                  {"transpose_b", graph::AttrBool(true)}},
                                                 {rows, weights}));
  if (ctx.has_input(2)) {
    const tf::Tensor& bias = ctx.input(2);
    if (bias.num_elements() != units) {
      return ctx.Error(absl::StrCat("bias ", bias.DebugType(), " does not match ", units, " units"));
    }
    TB_ASSIGN_OR_RETURN(out, ctx.RunTf1("AddV2", {}, {out, bias}));
  }
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out),
                                           o ? o->fused_activation_function() : fb::ActivationFunctionType::NONE));
  if (o != nullptr && o->keep_num_dims()) {
    tf::Shape shape = input.shape();
    if (shape.empty()) return ctx.Error("keep_num_dims needs a ranked input");
    shape.back() = units;
    TB_ASSIGN_OR_RETURN(out, out.Reshaped(shape));
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status BatchMatMul(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  for (int i = 0; i < 2; ++i) {
    if (ctx.input(i).rank() < 2 || ctx.input(i).rank() > 5) {
      return ctx.Error(absl::StrCat("BATCH_MATMUL operand ", i, " must have rank 2..5, got ", ctx.input(i).DebugType()));
    }
  }
  const auto* o = ctx.options<fb::BatchMatMulOptions>();
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("BatchMatMulV2",
                                                 {{"adj_x", graph::AttrBool(o && o->adj_x())},
                                                  {"adj_y", graph::AttrBool(o && o->adj_y())}},
                                                 {ctx.input(0), ctx.input(1)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

void RegisterMatmulBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::FULLY_CONNECTED, &FullyConnected);
  t.Add(fb::BuiltinOperator::BATCH_MATMUL, &BatchMatMul);
}

}  // namespace tb::runtime::tflite
