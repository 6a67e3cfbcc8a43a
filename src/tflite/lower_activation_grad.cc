// Gradients of element-wise activations as builtins (tflite-lowering.md §3.2), written in the operation order of
// TF's Eigen functors so results agree bit for bit for finite values. ReluGrad is on the ODP Flex list, but the
// builtin form is as exact and needs no Flex partition inside the training step.
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

bool AllFloat(NodeContext& c) {
  for (int i = 0; i < c.num_inputs(); ++i) {
    if (c.in_dtype(i) != DType::kFloat) return false;
  }
  return true;
}

// ReluGrad(g, f) = g · cast(f > 0). MUL keeps a NaN in g (a SELECT would turn it into 0).
absl::Status LowerReluGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int g = c.In(0), f = c.In(1);
  const int positive = c.Binary(Op::GREATER, f, c.Scalar(DType::kFloat, 0.0, "zero"));
  c.EmitTo(0, Op::MUL, {g, c.Cast(positive, DType::kFloat)}, options::Mul());
  return c.status();
}

// Relu6Grad(g, f) = g · cast((f > 0) ∧ (f < 6)).
absl::Status LowerRelu6Grad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int g = c.In(0), f = c.In(1);
  const int positive = c.Binary(Op::GREATER, f, c.Scalar(DType::kFloat, 0.0, "zero"));
  const int below6 = c.Binary(Op::LESS, f, c.Scalar(DType::kFloat, 6.0, "six"));
  const int inside = c.Binary(Op::LOGICAL_AND, positive, below6);
  c.EmitTo(0, Op::MUL, {g, c.Cast(inside, DType::kFloat)}, options::Mul());
  return c.status();
}

// LeakyReluGrad(g, f; α) = f > 0 ? g : g·α.
absl::Status LowerLeakyReluGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const float alpha = c.AttrFloat("alpha");
  const int g = c.In(0), f = c.In(1);
  const int positive = c.Binary(Op::GREATER, f, c.Scalar(DType::kFloat, 0.0, "zero"));
  const int scaled = c.Binary(Op::MUL, g, c.Scalar(DType::kFloat, alpha, "alpha"));
  c.EmitTo(0, Op::SELECT_V2, {positive, g, scaled});
  return c.status();
}

// EluGrad(g, a) = a < 0 ? (a + 1)·g : g.
absl::Status LowerEluGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int g = c.In(0), a = c.In(1);
  const int negative = c.Binary(Op::LESS, a, c.Scalar(DType::kFloat, 0.0, "zero"));
  const int scaled = c.Binary(Op::MUL, c.Binary(Op::ADD, a, c.Scalar(DType::kFloat, 1.0, "one")), g);
  c.EmitTo(0, Op::SELECT_V2, {negative, scaled, g});
  return c.status();
}

// SeluGrad(g, a) = a < 0 ? g·(a + scale·alpha) : g·scale, with TF's constants rounded to float.
absl::Status LowerSeluGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  constexpr double kScale = 1.0507009873554804934193349852946;
  constexpr double kScaleAlpha = 1.7580993408473768599402175208123;
  const int g = c.In(0), a = c.In(1);
  const int negative = c.Binary(Op::LESS, a, c.Scalar(DType::kFloat, 0.0, "zero"));
  const int neg_branch = c.Binary(Op::MUL, g, c.Binary(Op::ADD, a, c.Scalar(DType::kFloat, kScaleAlpha, "scale_alpha")));
  const int pos_branch = c.Binary(Op::MUL, g, c.Scalar(DType::kFloat, kScale, "scale"));
  c.EmitTo(0, Op::SELECT_V2, {negative, neg_branch, pos_branch});
  return c.status();
}

// SigmoidGrad(y, dy) = dy·(y·(1 − y)) (TF's vectorised order, also the converter's).
absl::Status LowerSigmoidGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int y = c.In(0), dy = c.In(1);
  const int one_minus = c.Binary(Op::SUB, c.Scalar(DType::kFloat, 1.0, "one"), y);
  c.EmitTo(0, Op::MUL, {dy, c.Binary(Op::MUL, y, one_minus)}, options::Mul());
  return c.status();
}

// TanhGrad(y, dy) = dy·(1 − y·y).
absl::Status LowerTanhGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int y = c.In(0), dy = c.In(1);
  const int one_minus = c.Binary(Op::SUB, c.Scalar(DType::kFloat, 1.0, "one"), c.Binary(Op::MUL, y, y));
  c.EmitTo(0, Op::MUL, {dy, one_minus}, options::Mul());
  return c.status();
}

// TF 2.14's SqrtGrad and RsqrtGrad multiply "no NaN": a zero upstream gradient gives 0 even where y is 0 or inf.
// mul_no_nan(a, b) = b == 0 ? 0 : a·b.
int MulNoNan(NodeContext& c, int a, int b, int zero) {
  return c.Op(Op::SELECT_V2, {c.Binary(Op::EQUAL, b, zero), zero, c.Binary(Op::MUL, a, b)}, DType::kFloat,
              c.shape(b));
}

// SqrtGrad(y, dy) = mul_no_nan(0.5 / y, dy).
absl::Status LowerSqrtGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int y = c.In(0), dy = c.In(1);
  const int zero = c.Scalar(DType::kFloat, 0.0, "zero");
  const int half_over_y = c.Binary(Op::DIV, c.Scalar(DType::kFloat, 0.5, "half"), y);
  c.Bind(0, MulNoNan(c, half_over_y, dy, zero));
  return c.status();
}

// RsqrtGrad(y, dy) = mul_no_nan(−0.5·(y·y), mul_no_nan(y, dy)).
absl::Status LowerRsqrtGrad(NodeContext& c) {
  if (!AllFloat(c)) return c.NotBuiltin("only float32 has a builtin form");
  const int y = c.In(0), dy = c.In(1);
  const int zero = c.Scalar(DType::kFloat, 0.0, "zero");
  const int scale = c.Binary(Op::MUL, c.Scalar(DType::kFloat, -0.5, "minus_half"), c.Binary(Op::MUL, y, y));
  c.Bind(0, MulNoNan(c, scale, MulNoNan(c, y, dy, zero), zero));
  return c.status();
}

}  // namespace

void RegisterActivationGradLowerings(LoweringRegistry& r) {
  r.Add("ReluGrad", LowerReluGrad);
  r.Add("Relu6Grad", LowerRelu6Grad);
  r.Add("LeakyReluGrad", LowerLeakyReluGrad);
  r.Add("EluGrad", LowerEluGrad);
  r.Add("SeluGrad", LowerSeluGrad);
  r.Add("SigmoidGrad", LowerSigmoidGrad);
  r.Add("TanhGrad", LowerTanhGrad);
  r.Add("SqrtGrad", LowerSqrtGrad);
  r.Add("RsqrtGrad", LowerRsqrtGrad);
}

}  // namespace tb::tflite
