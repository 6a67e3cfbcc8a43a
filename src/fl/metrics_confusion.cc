// Keras confusion-matrix metrics: Precision and Recall at threshold 0.5 (true/false positive/negative counts of
// shape [1]) and AUC with 200 evenly spaced thresholds (four [200] count vectors, bucketed update, ROC or PR
// interpolation at finalization), as fl-semantics.md §5.3 states them.
#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/metrics.h"

namespace tb::fl {
namespace {

constexpr int kAucThresholds = 200;

// Labels as 0/1 floats (cast to bool, then back), predictions as float, both flattened to [1, N] after Keras'
// rank alignment; labels and predictions have the same shape (AcceptShapes), so position i of one is the label
// of position i of the other (one-hot labels of class scores: one binary decision per example and class).
std::pair<Output, Output> Flatten(const graph::Builder& e, Output y_true, Output y_pred) {
  if (y_true.valid() && y_true.dtype() != tf::DType::kFloat) y_true = e.Cast(y_true, tf::DType::kFloat);
  if (y_pred.valid() && y_pred.dtype() != tf::DType::kFloat) y_pred = e.Cast(y_pred, tf::DType::kFloat);
  auto [t, p] = AlignRanks(e, y_true, y_pred);
  Output shape = e.Int32s({1, -1});
  Output labels = e.Cast(e.Op("NotEqual", {e.Reshape(t, shape), e.Scalar<float>(0.0f)}, {{"incompatible_shape_error", graph::AttrBool(true)}}),
                         tf::DType::kFloat);
  return {labels, e.Reshape(p, shape)};
}

// Counts over the flattened batch, keeping the [1] threshold axis.
Output CountWhere(const graph::Builder& e, Output mask) {
  return e.Sum(e.Cast(mask, tf::DType::kFloat), {1});
}

class PrecisionRecall : public Metric {
 public:
  PrecisionRecall(std::string name, bool recall) : Metric(std::move(name), ShapeRule::kSameShape), recall_(recall) {}

  // precision: true_positives, false_positives; recall: true_positives, false_negatives.
  std::vector<TensorSlot> StateSlots() const override {
    const graph::TensorType v{tf::DType::kFloat, graph::PartialShape({1})};
    return {TensorSlot{"0", v}, TensorSlot{"1", v}};
  }
  std::vector<Output> EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output y_true,
                                 Output y_pred) const override {
    if (!AcceptShapes(e, y_true, y_pred)) return state;
    graph::Builder s = e.WithScope(name());
    auto [labels, preds] = Flatten(s, y_true, y_pred);
    Output label_pos = s.Op("Cast", {labels}, {{"SrcT", graph::AttrType(tf::DType::kFloat)},
                                              {"DstT", graph::AttrType(tf::DType::kBool)},
                                              {"Truncate", graph::AttrBool(false)}});
    Output pred_pos = s.Greater(preds, s.Scalar<float>(0.5f));
    Output tp = CountWhere(s, s.LogicalAnd(label_pos, pred_pos));
    Output other = recall_ ? CountWhere(s, s.LogicalAnd(label_pos, s.Op("LogicalNot", {pred_pos})))
                           : CountWhere(s, s.LogicalAnd(s.Op("LogicalNot", {label_pos}), pred_pos));
    return {s.Add(state[0], tp), s.Add(state[1], other)};
  }
  Output EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const override {
    graph::Builder s = e.WithScope(name());
    Output ratio = s.DivNoNan(state[0], s.Add(state[0], state[1]));
    graph::AttrMap sq;
    sq["squeeze_dims"] = graph::AttrIntList({0});
    return s.Op("Squeeze", {ratio}, sq);
  }

 private:
  bool recall_;
};

class Auc : public Metric {
 public:
  Auc(std::string name, bool pr) : Metric(std::move(name), ShapeRule::kSameShape), pr_(pr) {}

  // true_positives, true_negatives, false_positives, false_negatives, each [200].
  std::vector<TensorSlot> StateSlots() const override {
    const graph::TensorType v{tf::DType::kFloat, graph::PartialShape({kAucThresholds})};
    return {TensorSlot{"0", v}, TensorSlot{"1", v}, TensorSlot{"2", v}, TensorSlot{"3", v}};
  }
  std::vector<Output> EmitUpdate(const graph::Builder& e, const std::vector<Output>& state, Output y_true,
                                 Output y_pred) const override {
    if (!AcceptShapes(e, y_true, y_pred)) return state;
    graph::Builder s = e.WithScope(name());
    auto [labels, preds] = Flatten(s, y_true, y_pred);
    labels = s.Reshape(labels, s.Int32s({-1}));
    preds = s.Reshape(preds, s.Int32s({-1}));
    preds = s.Maximum(s.Minimum(preds, s.Scalar<float>(1.0f)), s.Scalar<float>(0.0f));
    // bucket = max(ceil(p * 199) - 1, 0); ceil from truncation since p * 199 >= 0.
    Output scaled = s.Mul(preds, s.Scalar<float>(static_cast<float>(kAucThresholds - 1)));
    Output trunc = s.Cast(scaled, tf::DType::kInt32);
    Output ceil = s.Add(trunc, s.Cast(s.Greater(scaled, s.Cast(trunc, tf::DType::kFloat)), tf::DType::kInt32));
    Output bucket = s.Maximum(s.Sub(ceil, s.Scalar<int32_t>(1)), s.Scalar<int32_t>(0));
    Output num = s.WithName("num_segments").Scalar<int32_t>(kAucThresholds);
    Output true_labels = labels;
    Output false_labels = s.Sub(s.Scalar<float>(1.0f), labels);
    Output tp_bucket = s.Op("UnsortedSegmentSum", {true_labels, bucket, num});
    Output fp_bucket = s.Op("UnsortedSegmentSum", {false_labels, bucket, num});
    // Reverse cumulative sums as a product with an upper-triangular ones matrix: the counts are integers below
    // 2^24, so every summation order gives the same float.
    // ones[i][j] = (i >= j), built from two ranges so the program carries no 200x200 constant.
    Output range = s.Op("Range", {s.Scalar<int32_t>(0), num, s.Scalar<int32_t>(1)});
    Output rows = s.Reshape(range, s.Int32s({kAucThresholds, 1}));
    Output cols = s.Reshape(range, s.Int32s({1, kAucThresholds}));
    Output ones = s.Cast(s.Op("GreaterEqual", {rows, cols}), tf::DType::kFloat);
    auto cumsum = [&](Output v) {
      Output row = s.Reshape(v, s.Int32s({1, kAucThresholds}));
      return s.Reshape(s.Op("MatMul", {row, ones}), s.Int32s({kAucThresholds}));
    };
    Output tp = cumsum(tp_bucket);
    Output fp = cumsum(fp_bucket);
    Output total_true = s.ReduceAllAxes("Sum", true_labels);
    Output total_false = s.ReduceAllAxes("Sum", false_labels);
    return {s.Add(state[0], tp), s.Add(state[1], s.Sub(total_false, fp)), s.Add(state[2], fp),
            s.Add(state[3], s.Sub(total_true, tp))};
  }
  Output EmitFinalize(const graph::Builder& e, const std::vector<Output>& state) const override {
    graph::Builder s = e.WithScope(name());
    const Output tp = state[0], tn = state[1], fp = state[2], fn = state[3];
    auto head = [&](Output v) { return s.Op("Slice", {v, s.Int32s({0}), s.Int32s({kAucThresholds - 1})}); };
    auto tail = [&](Output v) { return s.Op("Slice", {v, s.Int32s({1}), s.Int32s({kAucThresholds - 1})}); };
    if (!pr_) {
      Output tpr = s.DivNoNan(tp, s.Add(tp, fn));
      Output fpr = s.DivNoNan(fp, s.Add(fp, tn));
      Output heights = s.Div(s.Add(head(tpr), tail(tpr)), s.Scalar<float>(2.0f));
      return s.ReduceAllAxes("Sum", s.Mul(s.Sub(head(fpr), tail(fpr)), heights));
    }
    // interpolate_pr_auc (Davis & Goadrich).
    Output zero = s.Scalar<float>(0.0f);
    Output dtp = s.Sub(head(tp), tail(tp));
    Output p = s.Add(tp, fp);
    Output dp = s.Sub(head(p), tail(p));
    Output slope = s.DivNoNan(dtp, s.Maximum(dp, zero));
    Output intercept = s.Sub(tail(tp), s.Mul(slope, tail(p)));
    Output both_pos = s.LogicalAnd(s.Greater(head(p), zero), s.Greater(tail(p), zero));
    Output ratio = s.SelectV2(both_pos, s.DivNoNan(head(p), s.Maximum(tail(p), zero)), s.Op("OnesLike", {tail(p)}));
    Output inc = s.DivNoNan(s.Mul(slope, s.Add(dtp, s.Mul(intercept, s.Log(ratio)))),
                            s.Maximum(s.Add(tail(tp), tail(fn)), zero));
    return s.ReduceAllAxes("Sum", inc);
  }

 private:
  bool pr_;
};

}  // namespace

std::unique_ptr<Metric> MakeConfusionMetric(std::string_view name) {
  if (name == "precision") return std::make_unique<PrecisionRecall>("precision", false);
  if (name == "recall") return std::make_unique<PrecisionRecall>("recall", true);
  if (name == "auc-roc") return std::make_unique<Auc>("auc-roc", false);
  if (name == "auc-pr") return std::make_unique<Auc>("auc-pr", true);
  return nullptr;
}

}  // namespace tb::fl
