// Binary element-wise builtins with numpy broadcasting: arithmetic (ADD, SUB, MUL, DIV with fused activations),
// MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, FLOOR_MOD, POW, comparisons, LOGICAL_AND/OR, and ADD_N. TFLite requires both
// operands to have the output's type; the arithmetic is TF's (same IEEE operations), then the activation clamp.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

absl::Status CheckSameTypes(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(2, 2));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  if (ctx.input(0).dtype() != ctx.input(1).dtype()) {
    return ctx.Error(absl::StrCat("operand types differ: ", ctx.input(0).DebugType(), " and ", ctx.input(1).DebugType()));
  }
  return absl::OkStatus();
}

template <const char* kTfOp>
absl::Status Arithmetic(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(CheckSameTypes(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp, {}, {ctx.input(0), ctx.input(1)}));
  fb::ActivationFunctionType act = fb::ActivationFunctionType::NONE;
  if (const auto* o = ctx.options<fb::AddOptions>()) act = o->fused_activation_function();
  if (const auto* o = ctx.options<fb::SubOptions>()) act = o->fused_activation_function();
  if (const auto* o = ctx.options<fb::MulOptions>()) act = o->fused_activation_function();
  if (const auto* o = ctx.options<fb::DivOptions>()) act = o->fused_activation_function();
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out), act));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Div(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(CheckSameTypes(ctx));
  if (ctx.input(0).dtype() != tf::DType::kFloat) {
    return ctx.Error(absl::StrCat("DIV of ", ctx.input(0).DebugType(), " is not supported (float32 only)"));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("RealDiv", {}, {ctx.input(0), ctx.input(1)}));
  fb::ActivationFunctionType act = fb::ActivationFunctionType::NONE;
  if (const auto* o = ctx.options<fb::DivOptions>()) act = o->fused_activation_function();
  TB_ASSIGN_OR_RETURN(out, ApplyActivation(ctx, std::move(out), act));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

template <const char* kTfOp>
absl::Status Plain(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(CheckSameTypes(ctx));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp, {}, {ctx.input(0), ctx.input(1)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status AddN(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  if (ctx.num_inputs() < 1) return ctx.Error("ADD_N needs at least one input");
  std::vector<tf::Tensor> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error("ADD_N inputs cannot be omitted");
    if (ctx.input(i).dtype() != ctx.input(0).dtype() || ctx.input(i).shape() != ctx.input(0).shape()) {
      return ctx.Error(absl::StrCat("ADD_N inputs must have one type and shape; input ", i, " is ",
                                    ctx.input(i).DebugType(), ", input 0 is ", ctx.input(0).DebugType()));
    }
    inputs.push_back(ctx.input(i));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("AddN", {{"N", graph::AttrInt(ctx.num_inputs())}}, std::move(inputs)));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

constexpr char kAddV2[] = "AddV2";
constexpr char kSub[] = "Sub";
constexpr char kMul[] = "Mul";
constexpr char kMaximum[] = "Maximum";
constexpr char kMinimum[] = "Minimum";
constexpr char kSquaredDifference[] = "SquaredDifference";
constexpr char kFloorMod[] = "FloorMod";
constexpr char kPow[] = "Pow";
constexpr char kEqual[] = "Equal";
constexpr char kNotEqual[] = "NotEqual";
constexpr char kGreater[] = "Greater";
constexpr char kGreaterEqual[] = "GreaterEqual";
constexpr char kLess[] = "Less";
constexpr char kLessEqual[] = "LessEqual";
constexpr char kLogicalAnd[] = "LogicalAnd";
constexpr char kLogicalOr[] = "LogicalOr";

}  // namespace

void RegisterElementwiseBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::ADD, &Arithmetic<kAddV2>);
  t.Add(fb::BuiltinOperator::SUB, &Arithmetic<kSub>);
  t.Add(fb::BuiltinOperator::MUL, &Arithmetic<kMul>);
  t.Add(fb::BuiltinOperator::DIV, &Div);
  t.Add(fb::BuiltinOperator::MAXIMUM, &Plain<kMaximum>);
  t.Add(fb::BuiltinOperator::MINIMUM, &Plain<kMinimum>);
  t.Add(fb::BuiltinOperator::SQUARED_DIFFERENCE, &Plain<kSquaredDifference>);
  t.Add(fb::BuiltinOperator::FLOOR_MOD, &Plain<kFloorMod>);
  t.Add(fb::BuiltinOperator::POW, &Plain<kPow>);  // std::pow, as TFLite's float and int32 kernels
  t.Add(fb::BuiltinOperator::EQUAL, &Plain<kEqual>);
  t.Add(fb::BuiltinOperator::NOT_EQUAL, &Plain<kNotEqual>);
  t.Add(fb::BuiltinOperator::GREATER, &Plain<kGreater>);
  t.Add(fb::BuiltinOperator::GREATER_EQUAL, &Plain<kGreaterEqual>);
  t.Add(fb::BuiltinOperator::LESS, &Plain<kLess>);
  t.Add(fb::BuiltinOperator::LESS_EQUAL, &Plain<kLessEqual>);
  t.Add(fb::BuiltinOperator::LOGICAL_AND, &Plain<kLogicalAnd>);
  t.Add(fb::BuiltinOperator::LOGICAL_OR, &Plain<kLogicalOr>);
  t.Add(fb::BuiltinOperator::ADD_N, &AddN);
}

}  // namespace tb::runtime::tflite
