// Element-wise unary builtins (ABS, NEG, EXP, LOG, SQRT, RSQRT, SQUARE, LOGISTIC, TANH, RELU, RELU6, ELU,
// LEAKY_RELU, SIGN, LOGICAL_NOT, ZEROS_LIKE), CAST (target type = the output tensor's type, as TFLite does),
// SOFTMAX (beta on the last axis) and LOG_SOFTMAX.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/tflite/builtins.h"

namespace tb::runtime::tflite {
namespace {

template <const char* kTfOp>
absl::Status Unary(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1(kTfOp, {}, {ctx.input(0)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LeakyRelu(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::LeakyReluOptions>();
  const float alpha = o ? o->alpha() : 0.0f;
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("LeakyRelu", {{"alpha", graph::AttrFloat(alpha)}}, {ctx.input(0)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Cast(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const tf::DType dst = ctx.output_dtype(0);
  if (dst == tf::DType::kInvalid) {
    return ctx.Error(absl::StrCat("CAST to unsupported type ", ::tb::tflite::TensorTypeName(ctx.output_type(0))));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Cast",
                                                 {{"SrcT", graph::AttrType(ctx.input(0).dtype())},
                                                  {"DstT", graph::AttrType(dst)}},
                                                 {ctx.input(0)}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status Softmax(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  const auto* o = ctx.options<fb::SoftmaxOptions>();
  // An absent options table reads as beta = 0 on the device (every row becomes uniform); keep that.
  const float beta = o ? o->beta() : 0.0f;
  if (ctx.input(0).dtype() != tf::DType::kFloat) return ctx.Error("SOFTMAX supports float32 only");
  if (ctx.input(0).rank() < 1) return ctx.Error("SOFTMAX needs rank >= 1");
  tf::Tensor x = ctx.input(0);
  if (beta != 1.0f) {
    TB_ASSIGN_OR_RETURN(x, ctx.RunTf1("Mul", {}, {x, tf::Tensor::Scalar<float>(beta)}));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.RunTf1("Softmax", {}, {x}));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ZerosLike(BuiltinContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckInputs(1, 1));
  TB_RETURN_IF_ERROR(ctx.CheckOutputs(1));
  TB_ASSIGN_OR_RETURN(tf::Tensor out, tf::Tensor::Create(ctx.input(0).dtype(), ctx.input(0).shape()));
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

constexpr char kAbs[] = "Abs";
constexpr char kNeg[] = "Neg";
constexpr char kExp[] = "Exp";
constexpr char kLog[] = "Log";
constexpr char kSqrt[] = "Sqrt";
constexpr char kRsqrt[] = "Rsqrt";
constexpr char kSquare[] = "Square";
constexpr char kSigmoid[] = "Sigmoid";
constexpr char kTanh[] = "Tanh";
constexpr char kRelu[] = "Relu";
constexpr char kRelu6[] = "Relu6";
constexpr char kElu[] = "Elu";
constexpr char kSign[] = "Sign";
constexpr char kLogicalNot[] = "LogicalNot";
constexpr char kLogSoftmax[] = "LogSoftmax";

}  // namespace

void RegisterUnaryBuiltins(BuiltinTable& t) {
  t.Add(fb::BuiltinOperator::ABS, &Unary<kAbs>);
  t.Add(fb::BuiltinOperator::NEG, &Unary<kNeg>);
  t.Add(fb::BuiltinOperator::EXP, &Unary<kExp>);
  t.Add(fb::BuiltinOperator::LOG, &Unary<kLog>);
  t.Add(fb::BuiltinOperator::SQRT, &Unary<kSqrt>);
  t.Add(fb::BuiltinOperator::RSQRT, &Unary<kRsqrt>);
  t.Add(fb::BuiltinOperator::SQUARE, &Unary<kSquare>);
  t.Add(fb::BuiltinOperator::LOGISTIC, &Unary<kSigmoid>);
  t.Add(fb::BuiltinOperator::TANH, &Unary<kTanh>);
  t.Add(fb::BuiltinOperator::RELU, &Unary<kRelu>);
  t.Add(fb::BuiltinOperator::RELU6, &Unary<kRelu6>);
  t.Add(fb::BuiltinOperator::ELU, &Unary<kElu>);
  t.Add(fb::BuiltinOperator::SIGN, &Unary<kSign>);
  t.Add(fb::BuiltinOperator::LOGICAL_NOT, &Unary<kLogicalNot>);
  t.Add(fb::BuiltinOperator::LOG_SOFTMAX, &Unary<kLogSoftmax>);
  t.Add(fb::BuiltinOperator::LEAKY_RELU, &LeakyRelu);
  t.Add(fb::BuiltinOperator::CAST, &Cast);
  t.Add(fb::BuiltinOperator::SOFTMAX, &Softmax);
  t.Add(fb::BuiltinOperator::ZEROS_LIKE, &ZerosLike);
}

}  // namespace tb::runtime::tflite
