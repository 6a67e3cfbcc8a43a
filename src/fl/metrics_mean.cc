// Keras "mean wrapper" metrics (total, count): per-sample values from the Keras loss/accuracy function after the
// float32 cast and rank alignment, summed into total with their number into count; the server reports
// divide_no_nan(total, count). RootMeanSquaredError sums squared errors element-wise and reports the square root.
// Formulas and operation order follow Keras 2.14 (fl-semantics.md §5.2-§5.3).
#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/metrics.h"

namespace tb::fl {
namespace {

constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()

using MetricFn = Output (*)(const graph::Builder& e, Output y_true, Output y_pred);

Output MeanLast(const graph::Builder& e, Output x) { return e.Mean(x, {-1}); }

// tf.clip_by_value: minimum with the upper bound first, then maximum with the lower bound.
Output ClipByValue(const graph::Builder& e, Output x, float lo, float hi) {
  return e.Maximum(e.Minimum(x, e.Scalar<float>(hi)), e.Scalar<float>(lo));
}

Output ArgMaxLast(const graph::Builder& e, Output x) {
  graph::AttrMap attrs;
  attrs["output_type"] = graph::AttrType(tf::DType::kInt64);
  return e.Op("ArgMax", {x, e.WithName("dimension").Scalar<int32_t>(-1)}, std::move(attrs));
}

Output Accuracy(const graph::Builder& e, Output t, Output p) { return e.Cast(e.Equal(t, p), tf::DType::kFloat); }

Output BinaryAccuracy(const graph::Builder& e, Output t, Output p) {
  Output p_bin = e.Cast(e.Greater(p, e.Scalar<float>(0.5f)), tf::DType::kFloat);
  return e.Cast(e.Equal(t, p_bin), tf::DType::kFloat);
}

Output BinaryCrossentropy(const graph::Builder& e, Output t, Output p) {
  Output out = ClipByValue(e, p, kEpsilon, 1.0f - kEpsilon);
  Output eps = e.Scalar<float>(kEpsilon);
  Output one = e.Scalar<float>(1.0f);
  Output bce = e.Mul(t, e.Log(e.Add(out, eps)));
  bce = e.Add(bce, e.Mul(e.Sub(one, t), e.Log(e.Add(e.Sub(one, out), eps))));
  return MeanLast(e, e.Neg(bce));
}

Output BinaryCrossentropyFromLogits(const graph::Builder& e, Output t, Output x) {
  Output zeros = e.ZerosLike(x);
  Output cond = e.Op("GreaterEqual", {x, zeros});
  Output relu_logits = e.SelectV2(cond, x, zeros);
  Output neg_abs = e.SelectV2(cond, e.Neg(x), x);
  Output loss = e.Add(e.Sub(relu_logits, e.Mul(x, t)), e.Op("Log1p", {e.Exp(neg_abs)}));
  return MeanLast(e, loss);
}

// sparse_categorical_matches(y_true, y_pred)
Output SparseMatches(const graph::Builder& e, Output t, Output p) {
  bool reshape = false;
  Output t_shape;
  if (t.shape().rank() == p.shape().rank()) {
    t_shape = e.ShapeOf(t);
    graph::AttrMap sq;
    sq["squeeze_dims"] = graph::AttrIntList({-1});
    t = e.Op("Squeeze", {t}, sq);
    reshape = true;
  }
  Output pred = ArgMaxLast(e, p);
  if (pred.valid() && t.valid() && pred.dtype() != t.dtype()) pred = e.Cast(pred, t.dtype());
  Output matches = e.Cast(e.Equal(t, pred), tf::DType::kFloat);
  if (reshape) matches = e.Reshape(matches, t_shape);
  return matches;
}

Output SparseCategoricalAccuracy(const graph::Builder& e, Output t, Output p) { return SparseMatches(e, t, p); }

Output CategoricalAccuracy(const graph::Builder& e, Output t, Output p) { return SparseMatches(e, ArgMaxLast(e, t), p); }

// The softmax cross-entropy ops take logits [rows, classes] with labels [rows] (sparse) or [rows, classes]: other
// shapes are flattened to that and the result reshaped back to the logits' leading dimensions, as tf.nn and Keras'
// sparse_categorical_crossentropy do (the latter flattens labels [batch, 1] against logits [batch, classes]).
Output CrossEntropyOp(const graph::Builder& e, std::string_view op, Output logits, Output labels, bool labels_sparse) {
  const int rank = logits.shape().rank();
  const bool flatten_logits = rank != 2;
  const bool flatten_labels = flatten_logits || (labels_sparse && labels.shape().rank() != 1);
  Output f = logits, l = labels;
  Output shape, last;
  if (flatten_logits || flatten_labels) {
    shape = e.ShapeOf(logits);
    graph::AttrMap sl;
    sl["begin_mask"] = graph::AttrInt(0);
    sl["end_mask"] = graph::AttrInt(0);
    sl["shrink_axis_mask"] = graph::AttrInt(1);
    sl["ellipsis_mask"] = graph::AttrInt(0);
    sl["new_axis_mask"] = graph::AttrInt(0);
    last = e.Op("StridedSlice", {shape, e.Int32s({-1}), e.Int32s({0}), e.Int32s({1})}, sl);
  }
  if (flatten_logits) f = e.Reshape(logits, e.Pack({e.Scalar<int32_t>(-1), last}));
  if (flatten_labels) {
    l = labels_sparse ? e.Reshape(labels, e.Int32s({-1})) : e.Reshape(labels, e.Pack({e.Scalar<int32_t>(-1), last}));
  }
  graph::Node* n = e.AddOp(op, {f, l});
  if (n == nullptr) return Output();
  Output loss(n, 0);
  if (flatten_logits) {
    graph::AttrMap sl;
    sl["begin_mask"] = graph::AttrInt(1);
    sl["end_mask"] = graph::AttrInt(0);
    sl["shrink_axis_mask"] = graph::AttrInt(0);
    sl["ellipsis_mask"] = graph::AttrInt(0);
    sl["new_axis_mask"] = graph::AttrInt(0);
    loss = e.Reshape(loss, e.Op("StridedSlice", {shape, e.Int32s({0}), e.Int32s({-1}), e.Int32s({1})}, sl));
  }
  return loss;
}

Output CategoricalCrossentropy(const graph::Builder& e, Output t, Output p) {
  Output norm = e.Div(p, e.Sum(p, {-1}, true));
  Output out = ClipByValue(e, norm, kEpsilon, 1.0f - kEpsilon);
  return e.Neg(e.Sum(e.Mul(t, e.Log(out)), {-1}));
}

Output CategoricalCrossentropyFromLogits(const graph::Builder& e, Output t, Output x) {
  return CrossEntropyOp(e, "SoftmaxCrossEntropyWithLogits", x, t, false);
}

Output SparseCrossentropy(const graph::Builder& e, Output t, Output p, bool from_logits) {
  Output target = e.Cast(t, tf::DType::kInt64);
  Output out = p;
  if (!from_logits) out = e.Log(ClipByValue(e, p, kEpsilon, 1.0f - kEpsilon));
  return CrossEntropyOp(e, "SparseSoftmaxCrossEntropyWithLogits", out, target, true);
}

Output SparseCategoricalCrossentropy(const graph::Builder& e, Output t, Output p) {
  return SparseCrossentropy(e, t, p, false);
}
Output SparseCategoricalCrossentropyFromLogits(const graph::Builder& e, Output t, Output p) {
  return SparseCrossentropy(e, t, p, true);
}

Output MeanAbsoluteError(const graph::Builder& e, Output t, Output p) { return MeanLast(e, e.Op("Abs", {e.Sub(p, t)})); }

Output MeanAbsolutePercentageError(const graph::Builder& e, Output t, Output p) {
  Output diff = e.Op("Abs", {e.Div(e.Sub(t, p), e.Maximum(e.Op("Abs", {t}), e.Scalar<float>(kEpsilon)))});
  return e.Mul(e.Scalar<float>(100.0f), MeanLast(e, diff));
}

Output MeanSquaredError(const graph::Builder& e, Output t, Output p) {
  return MeanLast(e, e.Op("SquaredDifference", {p, t}));
}

Output MeanSquaredLogarithmicError(const graph::Builder& e, Output t, Output p) {
  Output eps = e.Scalar<float>(kEpsilon);
  Output one = e.Scalar<float>(1.0f);
  Output first = e.Log(e.Add(e.Maximum(p, eps), one));
  Output second = e.Log(e.Add(e.Maximum(t, eps), one));
  return MeanLast(e, e.Op("SquaredDifference", {first, second}));
}

class MeanWrapper : public Metric {
 public:
  MeanWrapper(std::string name, MetricFn fn, ShapeRule rule, bool root = false)
      : Metric(std::move(name), rule), fn_(fn), root_(root) {}

  std::vector<TensorSlot> StateSlots() const override {
    const graph::TensorType f{tf::DType::kFloat, graph::PartialShape::Scalar()};
    return {TensorSlot{"0", f}, TensorSlot{"1", f}};
  }
  std::vector<Output> EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output y_true,
                                 Output y_pred) const override {
    if (!AcceptShapes(e, y_true, y_pred)) return state;
    graph::Builder s = e.WithScope(name());
    if (y_true.valid() && y_true.dtype() != tf::DType::kFloat) y_true = s.Cast(y_true, tf::DType::kFloat);
    if (y_pred.valid() && y_pred.dtype() != tf::DType::kFloat) y_pred = s.Cast(y_pred, tf::DType::kFloat);
    auto [t, p] = AlignRanks(s, y_true, y_pred);
    Output values = root_ ? s.Op("SquaredDifference", {p, t}) : fn_(s, t, p);
    Output count = s.Cast(s.Op("Size", {values}), tf::DType::kFloat);
    return {s.Add(state[0], s.ReduceAllAxes("Sum", values)), s.Add(state[1], count)};
  }
  Output EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const override {
    graph::Builder s = e.WithScope(name());
    Output ratio = s.DivNoNan(state[0], state[1]);
    return root_ ? s.Sqrt(ratio) : ratio;
  }

 private:
  MetricFn fn_;
  bool root_;
};

}  // namespace

std::unique_ptr<Metric> MakeMeanWrapperMetric(std::string_view name) {
  struct Entry {
    const char* name;
    MetricFn fn;
    ShapeRule rule;
  };
  static const Entry kEntries[] = {
      {"accuracy", Accuracy, ShapeRule::kSameShape},
      {"binary_accuracy", BinaryAccuracy, ShapeRule::kBroadcast},
      {"binary_crossentropy", BinaryCrossentropy, ShapeRule::kBroadcast},
      // tf.nn.sigmoid_cross_entropy_with_logits asserts labels and logits have the same shape.
      {"binary_crossentropy_from_logits", BinaryCrossentropyFromLogits, ShapeRule::kSameShape},
      {"categorical_accuracy", CategoricalAccuracy, ShapeRule::kOneHot},
      {"categorical_crossentropy", CategoricalCrossentropy, ShapeRule::kOneHot},
      {"categorical_crossentropy_from_logits", CategoricalCrossentropyFromLogits, ShapeRule::kOneHot},
      {"mean_absolute_error", MeanAbsoluteError, ShapeRule::kBroadcast},
      {"mean_absolute_percentage_error", MeanAbsolutePercentageError, ShapeRule::kBroadcast},
      {"mean_squared_error", MeanSquaredError, ShapeRule::kBroadcast},
      {"mean_squared_logarithmic_error", MeanSquaredLogarithmicError, ShapeRule::kBroadcast},
      {"sparse_categorical_accuracy", SparseCategoricalAccuracy, ShapeRule::kClassIndex},
      {"sparse_categorical_crossentropy", SparseCategoricalCrossentropy, ShapeRule::kClassIndex},
      {"sparse_categorical_crossentropy_from_logits", SparseCategoricalCrossentropyFromLogits, ShapeRule::kClassIndex},
  };
  for (const Entry& entry : kEntries) {
    if (name == entry.name) return std::make_unique<MeanWrapper>(entry.name, entry.fn, entry.rule);
  }
  if (name == "root_mean_squared_error") {
    return std::make_unique<MeanWrapper>("root_mean_squared_error", nullptr, ShapeRule::kBroadcast, true);
  }
  return nullptr;
}

}  // namespace tb::fl
