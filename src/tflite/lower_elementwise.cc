// Element-wise TF ops as TFLite builtins (tflite-lowering.md §2.2): arithmetic, comparisons, logic, unary math,
// activations, casts and selects. Each lowering states the dtypes for which the builtin computes exactly what
// the TF kernel computes; anything else stays a Flex op.
#include <cfloat>
#include <initializer_list>
#include <limits>

#include "absl/strings/str_cat.h"
#include "tflite/lowering_registry.h"

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

bool OneOf(DType t, std::initializer_list<DType> allowed) {
  for (DType a : allowed) {
    if (a == t) return true;
  }
  return false;
}

absl::Status Unsupported(NodeContext& c, int input) {
  return c.NotBuiltin(absl::StrCat("no exact builtin for dtype ", ToAbsl(tf::DTypeName(c.in_dtype(input)))));
}

OpOptions OptionsFor(Op code) {
  switch (code) {
    case Op::ADD: return options::Add();
    case Op::SUB: return options::Sub();
    case Op::MUL: return options::Mul();
    case Op::DIV: return options::Div();
    default: return options::None();
  }
}

// Binary ops whose TFLite kernel broadcasts like numpy and computes TF's function for these dtypes.
template <Op kCode, DType... kTypes>
absl::Status LowerBinary(NodeContext& c) {
  if (!OneOf(c.in_dtype(0), {kTypes...})) return Unsupported(c, 0);
  const int a = c.In(0), b = c.In(1);
  c.EmitTo(0, kCode, {a, b}, OptionsFor(kCode));
  return c.status();
}

template <Op kCode, DType... kTypes>
absl::Status LowerUnary(NodeContext& c) {
  if (!OneOf(c.in_dtype(0), {kTypes...})) return Unsupported(c, 0);
  const int x = c.In(0);
  c.EmitTo(0, kCode, {x});
  return c.status();
}

// Comparisons: TF's incompatible_shape_error=false (answer false instead of failing) has no builtin.
template <Op kCode, DType... kTypes>
absl::Status LowerComparison(NodeContext& c) {
  if (const tensorflow::AttrValue* v = c.node().attr("incompatible_shape_error"); v != nullptr && !v->b()) {
    return c.NotBuiltin("incompatible_shape_error=false");
  }
  return LowerBinary<kCode, kTypes...>(c);
}

// DivNoNan: 0 where y == 0, whatever x is (TF's BinaryNoNan rule).
template <Op kCode>
absl::Status LowerNoNan(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return Unsupported(c, 0);
  const int x = c.In(0), y = c.In(1);
  const int zero = c.Scalar(DType::kFloat, 0.0, "zero");
  const int is_zero = c.Binary(Op::EQUAL, y, zero);
  const int value = c.Binary(kCode, x, y);
  c.EmitTo(0, Op::SELECT_V2, {is_zero, zero, value});
  return c.status();
}

absl::Status LowerRelu(NodeContext& c) {
  if (c.in_dtype(0) == DType::kFloat) return LowerUnary<Op::RELU, DType::kFloat>(c);
  if (!OneOf(c.in_dtype(0), {DType::kInt32, DType::kInt64})) return Unsupported(c, 0);
  const int x = c.In(0);
  const int zero = c.Scalar(c.in_dtype(0), 0, "zero");
  c.EmitTo(0, Op::MAXIMUM, {x, zero});
  return c.status();
}

absl::Status LowerLeakyRelu(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return Unsupported(c, 0);
  const float alpha = c.AttrFloat("alpha");
  const int x = c.In(0);
  c.EmitTo(0, Op::LEAKY_RELU, {x}, options::LeakyRelu(alpha));
  return c.status();
}

// Reciprocal(x) = 1/x, exactly TF's scalar_inverse_op.
absl::Status LowerReciprocal(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return Unsupported(c, 0);
  const int x = c.In(0);
  const int one = c.Scalar(DType::kFloat, 1.0, "one");
  c.EmitTo(0, Op::DIV, {one, x}, options::Div());
  return c.status();
}

// IsFinite(x) = |x| <= FLT_MAX: false for ±inf and NaN, and neither ABS nor LESS_EQUAL clamps (unlike x - x == 0,
// whose SUB would clamp an infinity to FLT_MAX).
absl::Status LowerIsFinite(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return Unsupported(c, 0);
  const int x = c.In(0);
  const int abs = c.Unary(Op::ABS, x);
  const int max = c.Scalar(DType::kFloat, FLT_MAX, "flt_max");
  c.EmitTo(0, Op::LESS_EQUAL, {abs, max});
  return c.status();
}

// Log1p(x) has no builtin. With u = 1 + x (rounded), log1p(x) = x · (log(u) / (u − 1)) is accurate to a few ulps for
// every x > −1, tiny x included, because u − 1 is exact and the rounding error of u cancels between the numerator and
// the denominator (Goldberg 1991, Theorem 4: within 5ε of log1p given a log accurate to ½ ulp; with libm's logf the
// accepted bound is 8 ulps, 2 measured; tests/tflite/lowering_metric_ops_test.cc). It is the formula Eigen's vectorized
// log1p uses, so TF's own float kernel differs from std::log1p the same way. Where u − 1 is 0 the result is x (keeps
// −0.0 and denormals exact); x = −1 gives log(0) = −inf; x = +inf gives +inf (ADD would clamp 1 + inf to FLT_MAX); NaN
// and x < −1 give NaN through LOG.
absl::Status LowerLog1p(NodeContext& c) {
  if (c.in_dtype(0) != DType::kFloat) return Unsupported(c, 0);
  const int x = c.In(0);
  const int one = c.Scalar(DType::kFloat, 1.0, "one");
  const int u = c.Binary(Op::ADD, x, one);
  const int log_u = c.Unary(Op::LOG, u);
  const int general = c.Binary(Op::MUL, x, c.Binary(Op::DIV, log_u, c.Binary(Op::SUB, u, one)));
  const int at_minus_one = c.Binary(Op::EQUAL, u, c.Scalar(DType::kFloat, 0.0, "zero"));
  const int not_minus_one = c.Op(Op::SELECT_V2, {at_minus_one, log_u, general}, DType::kFloat, c.in_shape(0));
  const int inf = c.Scalar(DType::kFloat, std::numeric_limits<float>::infinity(), "inf");
  const int x_itself = c.Binary(Op::LOGICAL_OR, c.Binary(Op::EQUAL, u, one), c.Binary(Op::EQUAL, x, inf));
  c.EmitTo(0, Op::SELECT_V2, {x_itself, x, not_minus_one});
  return c.status();
}

constexpr std::initializer_list<DType> kCastTypes = {DType::kFloat, DType::kInt32, DType::kInt64, DType::kBool,
                                                     DType::kUInt8, DType::kInt8,  DType::kInt16};

absl::Status LowerCast(NodeContext& c) {
  const DType from = c.in_dtype(0), to = c.out_type(0).dtype;
  if (!OneOf(from, kCastTypes) || !OneOf(to, kCastTypes)) {
    return c.NotBuiltin(absl::StrCat("no CAST from ", ToAbsl(tf::DTypeName(from)), " to ", ToAbsl(tf::DTypeName(to))));
  }
  const int x = c.In(0);
  if (from == to) {
    c.Bind(0, x);
    return c.status();
  }
  c.EmitTo(0, Op::CAST, {x}, options::Cast(from, to));
  return c.status();
}

// Select(c, x, y): TF takes a condition shaped like x, a scalar, or a vector over x's first dimension.
absl::Status LowerSelect(NodeContext& c) {
  const graph::PartialShape& cs = c.in_shape(0);
  const graph::PartialShape& xs = c.in_shape(1);
  if (!cs.rank_known() || !xs.rank_known()) return c.NotBuiltin("the condition's rank is unknown");
  const int cond = c.In(0), x = c.In(1), y = c.In(2);
  if (cs.rank() == xs.rank()) {
    c.EmitTo(0, Op::SELECT, {cond, x, y});
  } else if (cs.rank() == 0) {
    c.EmitTo(0, Op::SELECT_V2, {cond, x, y});
  } else if (cs.rank() == 1) {
    std::vector<int64_t> dims(xs.rank(), 1);
    dims[0] = -1;
    c.EmitTo(0, Op::SELECT_V2, {c.Reshape(cond, dims), x, y});
  } else {
    return c.NotBuiltin("condition rank does not fit Select");
  }
  return c.status();
}

absl::Status LowerSelectV2(NodeContext& c) {
  for (int i = 0; i < 3; ++i) {
    if (c.in_shape(i).rank_known() && c.in_shape(i).rank() > 5) return c.NotBuiltin("rank above 5");
  }
  const int cond = c.In(0), x = c.In(1), y = c.In(2);
  c.EmitTo(0, Op::SELECT_V2, {cond, x, y});
  return c.status();
}

absl::Status LowerAddN(NodeContext& c) {
  if (!OneOf(c.in_dtype(0), {DType::kFloat, DType::kInt32})) return Unsupported(c, 0);
  std::vector<int32_t> inputs;
  for (int i = 0; i < c.num_inputs(); ++i) inputs.push_back(c.In(i));
  if (inputs.size() == 1) {
    c.Bind(0, inputs[0]);
  } else {
    c.EmitTo(0, Op::ADD_N, inputs);
  }
  return c.status();
}

absl::Status LowerOnesLike(NodeContext& c) {
  if (!OneOf(c.in_dtype(0), {DType::kFloat, DType::kInt32, DType::kInt64})) return Unsupported(c, 0);
  const int x = c.In(0);
  const int shape = c.ShapeOf(x);
  const int one = c.Scalar(c.in_dtype(0), 1, "one");
  c.EmitTo(0, Op::FILL, {shape, one});
  return c.status();
}

constexpr DType F = DType::kFloat, I32 = DType::kInt32, I64 = DType::kInt64, B = DType::kBool,
                S = DType::kString;

}  // namespace

void RegisterElementwiseLowerings(LoweringRegistry& r) {
  r.Add("AddV2", LowerBinary<Op::ADD, F, I32, I64>);
  r.Add("Add", LowerBinary<Op::ADD, F, I32, I64>);
  r.Add("Sub", LowerBinary<Op::SUB, F, I32, I64>);
  r.Add("Mul", LowerBinary<Op::MUL, F, I32, I64>);
  r.Add("RealDiv", LowerBinary<Op::DIV, F>);
  r.Add("Maximum", LowerBinary<Op::MAXIMUM, F, I32, I64>);
  r.Add("Minimum", LowerBinary<Op::MINIMUM, F, I32, I64>);
  r.Add("SquaredDifference", LowerBinary<Op::SQUARED_DIFFERENCE, F, I32>);
  r.Add("FloorMod", LowerBinary<Op::FLOOR_MOD, F, I32, I64>);
  r.Add("DivNoNan", LowerNoNan<Op::DIV>);
  r.Add("Equal", LowerComparison<Op::EQUAL, F, I32, I64, B, S>);
  r.Add("NotEqual", LowerComparison<Op::NOT_EQUAL, F, I32, I64, B, S>);
  r.Add("Greater", LowerBinary<Op::GREATER, F, I32, I64>);
  r.Add("GreaterEqual", LowerBinary<Op::GREATER_EQUAL, F, I32, I64>);
  r.Add("Less", LowerBinary<Op::LESS, F, I32, I64>);
  r.Add("LessEqual", LowerBinary<Op::LESS_EQUAL, F, I32, I64>);
  r.Add("LogicalAnd", LowerBinary<Op::LOGICAL_AND, B>);
  r.Add("LogicalOr", LowerBinary<Op::LOGICAL_OR, B>);
  r.Add("LogicalNot", LowerUnary<Op::LOGICAL_NOT, B>);
  r.Add("Neg", LowerUnary<Op::NEG, F, I32, I64>);
  r.Add("Abs", LowerUnary<Op::ABS, F, I32>);
  r.Add("Sign", LowerUnary<Op::SIGN, F, I32>);
  r.Add("Square", LowerUnary<Op::SQUARE, F>);
  r.Add("Sqrt", LowerUnary<Op::SQRT, F>);
  r.Add("Rsqrt", LowerUnary<Op::RSQRT, F>);
  r.Add("Exp", LowerUnary<Op::EXP, F>);
  r.Add("Log", LowerUnary<Op::LOG, F>);
  r.Add("Log1p", LowerLog1p);
  r.Add("Pow", LowerBinary<Op::POW, F>);  // TFLite's float POW is std::pow, as TF's CPU kernel
  r.Add("Sigmoid", LowerUnary<Op::LOGISTIC, F>);
  r.Add("Tanh", LowerUnary<Op::TANH, F>);
  r.Add("Relu", LowerRelu);
  r.Add("Relu6", LowerUnary<Op::RELU6, F>);
  r.Add("Elu", LowerUnary<Op::ELU, F>);
  r.Add("LeakyRelu", LowerLeakyRelu);
  r.Add("Reciprocal", LowerReciprocal);
  r.Add("IsFinite", LowerIsFinite);
  r.Add("Cast", LowerCast);
  r.Add("Select", LowerSelect);
  r.Add("SelectV2", LowerSelectV2);
  r.Add("AddN", LowerAddN);
  r.Add("ZerosLike", LowerUnary<Op::ZEROS_LIKE, F, I32, I64>);
  r.Add("OnesLike", LowerOnesLike);
}

}  // namespace tb::tflite
