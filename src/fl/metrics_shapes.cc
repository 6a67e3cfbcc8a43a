// Which labels and predictions each metric accepts, decided on static shapes as Keras 2.14 decides them while
// tracing: first its rank alignment (squeeze_or_expand_dimensions, fl-semantics.md §5.2 step 2), then the metric's
// own rule (ShapeRule in metrics.h):
//  - kSameShape: Keras asserts labels and predictions are shape-compatible for accuracy, for AUC, precision and
//    recall (update_confusion_matrix_variables, which then flattens both: one-hot labels of class scores make one
//    binary decision per example and class, §5.3 AUC note) and for binary cross-entropy from logits (tf.nn's
//    sigmoid cross-entropy). Other shapes fail the original's build.
//  - kOneHot: the categorical metrics assert the same (backend.categorical_crossentropy; categorical_accuracy's
//    argmax of labels only means a class for one-hot labels) and read classes from the last axis.
//  - kClassIndex: the sparse metrics read classes from the predictions' last axis and one index per row from the
//    labels ([rows] or [rows, 1]). On rank-1 predictions Keras reshapes them to [1, batch], taking the batch as
//    the classes: the original's device program fails for every batch above 1.
//  - kBroadcast: the regression errors and binary accuracy/cross-entropy broadcast freely; broadcasting within an
//    example ([batch, 1] labels against [batch, k]) is kept, but a rank difference after the alignment pairs the
//    batch axis with another axis, which fails on the device unless the batch size happens to equal it.
// Refusals are InvalidArgument naming the metric, both shapes and what would fit: never a program that crashes on
// phones or reports noise. Nothing here builds ops except AlignRanks.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "fl/metrics.h"

namespace tb::fl {
namespace {

bool Compatible(int64_t a, int64_t b) { return a == -1 || b == -1 || a == b; }

std::string Dims(const std::vector<int64_t>& dims) { return graph::PartialShape(dims).ToString(); }

std::string Got(const graph::TensorType& labels, const graph::TensorType& predictions,
                const graph::PartialShape& t, const graph::PartialShape& p) {
  std::string out = absl::StrCat("got predictions ", predictions.ToString(), " and labels ", labels.ToString());
  if (t != labels.shape || p != predictions.shape) {
    absl::StrAppend(&out, " (after Keras' rank alignment: predictions ", p.ToString(), ", labels ", t.ToString(), ")");
  }
  return out;
}

// Labels that look like one class index per example of class scores.
bool LooksLikeClassIndices(const graph::PartialShape& t, const graph::PartialShape& p) {
  const int r = p.rank();
  if (r < 2) return false;
  return t.rank() == r - 1 || (t.rank() == r && t.dim(r - 1) == 1 && p.dim(r - 1) != 1);
}

// One class index per row of class scores: labels of the predictions' shape without the class axis, or with a
// class axis of 1 (Keras' sparse cross-entropy flattens those; sparse_categorical_matches squeezes them).
bool HoldsOneIndexPerRow(const graph::PartialShape& t, const graph::PartialShape& p) {
  const int r = p.rank();
  if (t.rank() != r - 1 && t.rank() != r) return false;
  for (int i = 0; i < r - 1; ++i) {
    if (!Compatible(t.dim(i), p.dim(i))) return false;
  }
  return t.rank() == r - 1 || Compatible(t.dim(r - 1), 1);
}

// For a same-shape metric given what look like class indices against class scores.
std::string ClassIndexHint(const std::string& name) {
  if (name == "accuracy") return ". If the labels are class indices, use `sparse_categorical_accuracy`";
  if (name == "binary_crossentropy_from_logits") {
    return ". If the labels are class indices, use `sparse_categorical_crossentropy_from_logits`";
  }
  return ". If the labels are class indices, give one-hot labels of the predictions' shape (each example and class "
         "is then one binary decision, as Keras counts them) or use `sparse_categorical_accuracy`";
}

absl::Status NoClassAxis(const std::string& name, const std::string& got) {
  return absl::InvalidArgumentError(absl::StrCat(
      "metric `", name, "` reads the classes from the predictions' last axis, but these predictions have no class "
      "axis: their last axis is the batch, which Keras would take as the classes (the original's program then fails "
      "on the device, or reports a value without meaning, for any batch size above 1); ", got,
      ". It needs class scores of shape [batch, classes]; for one probability per example use `binary_crossentropy`, "
      "`binary_accuracy`, `auc-roc`, `auc-pr`, `precision` or `recall`"));
}

}  // namespace

Squeeze RankAlignment(const graph::PartialShape& y_true, const graph::PartialShape& y_pred) {
  if (!y_true.rank_known() || !y_pred.rank_known()) return Squeeze::kNeither;
  const int tr = y_true.rank(), pr = y_pred.rank();
  const bool pred_last_is_one = pr > 0 && y_pred.dim(pr - 1) == 1;
  if (pr - tr == 1 && !pred_last_is_one) return Squeeze::kNeither;
  // remove_squeezable_dimensions: an unknown last dimension counts as compatible with 1.
  const int diff = pr - tr;
  if (diff == 1 && pr > 0 && Compatible(y_pred.dim(pr - 1), 1)) return Squeeze::kPredictions;
  if (diff == -1 && tr > 0 && Compatible(y_true.dim(tr - 1), 1)) return Squeeze::kLabels;
  return Squeeze::kNeither;
}

std::pair<graph::PartialShape, graph::PartialShape> AlignShapes(const graph::PartialShape& y_true,
                                                                const graph::PartialShape& y_pred) {
  auto drop_last = [](const graph::PartialShape& s) {
    return graph::PartialShape(std::vector<int64_t>(s.dims().begin(), s.dims().end() - 1));
  };
  switch (RankAlignment(y_true, y_pred)) {
    case Squeeze::kPredictions: return {y_true, drop_last(y_pred)};
    case Squeeze::kLabels: return {drop_last(y_true), y_pred};
    case Squeeze::kNeither: break;
  }
  return {y_true, y_pred};
}

std::pair<Output, Output> AlignRanks(const graph::Builder& e, Output y_true, Output y_pred) {
  if (!y_true.valid() || !y_pred.valid()) return {y_true, y_pred};
  const graph::PartialShape& ts = y_true.shape();
  const graph::PartialShape& ps = y_pred.shape();
  if (!ts.rank_known() || !ps.rank_known()) {
    e.SetError(absl::InvalidArgumentError(absl::StrCat("metrics need labels and predictions of known rank; got labels ",
                                                       ts.ToString(), " and predictions ", ps.ToString())));
    return {y_true, y_pred};
  }
  graph::AttrMap sq;
  sq["squeeze_dims"] = graph::AttrIntList({-1});
  switch (RankAlignment(ts, ps)) {
    case Squeeze::kPredictions: y_pred = e.Op("Squeeze", {y_pred}, sq); break;
    case Squeeze::kLabels: y_true = e.Op("Squeeze", {y_true}, sq); break;
    case Squeeze::kNeither: break;
  }
  return {y_true, y_pred};
}

absl::Status Metric::CheckShapes(const graph::TensorType& labels, const graph::TensorType& predictions) const {
  if (rule_ == ShapeRule::kNone) return absl::OkStatus();
  if (!labels.shape.rank_known() || !predictions.shape.rank_known()) {
    return absl::InvalidArgumentError(absl::StrCat("metric `", name(), "` needs labels and predictions of known rank; ",
                                                   "got predictions ", predictions.ToString(), " and labels ",
                                                   labels.ToString()));
  }
  const auto [t, p] = AlignShapes(labels.shape, predictions.shape);
  const std::string got = Got(labels, predictions, t, p);
  const std::string& n = name();
  switch (rule_) {
    case ShapeRule::kNone:
      return absl::OkStatus();
    case ShapeRule::kSameShape:
      if (t.IsCompatibleWith(p)) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          "metric `", n, "` compares each prediction with the label at the same position, so it needs labels of the "
          "same shape as the predictions (Keras asserts this while building the metric, so the original fails); ",
          got, LooksLikeClassIndices(t, p) ? ClassIndexHint(n) : ""));
    case ShapeRule::kOneHot:
      if (p.rank() < 2) return NoClassAxis(n, got);
      if (t.IsCompatibleWith(p)) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          "metric `", n, "` needs one-hot labels of the predictions' shape, one column per class (Keras asserts the "
          "shapes match while building the metric, so the original fails); ", got,
          LooksLikeClassIndices(t, p) ? absl::StrCat(". For one class index per example use `sparse_", n, "`") : ""));
    case ShapeRule::kClassIndex: {
      if (p.rank() < 2) return NoClassAxis(n, got);
      if (HoldsOneIndexPerRow(t, p)) return absl::OkStatus();
      std::vector<int64_t> rows(p.dims().begin(), p.dims().end() - 1);
      std::vector<int64_t> column = rows;
      column.push_back(1);
      return absl::InvalidArgumentError(absl::StrCat(
          "metric `", n, "` needs one class index per row of class scores: labels ", Dims(rows), " or ", Dims(column),
          " for these predictions (the original fails on the device otherwise); ", got,
          t.IsCompatibleWith(p) ? absl::StrCat(". For one-hot labels use `", n.substr(7), "`") : ""));
    }
    case ShapeRule::kBroadcast: {
      if (t.rank() != p.rank()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "metric `", n, "` compares labels and predictions element by element, but their ranks differ after "
            "Keras' rank alignment, so broadcasting would pair the batch axis with another axis (the original's "
            "program fails on the device when the batch size differs from that axis' size, and reports a value "
            "without meaning when it happens to equal it); ", got, ". Give labels with one value per prediction, or one per example as [batch, 1]"));
      }
      for (int i = 0; i < t.rank(); ++i) {
        const int64_t a = t.dim(i), b = p.dim(i);
        if (!Compatible(a, b) && a != 1 && b != 1) {
          return absl::InvalidArgumentError(absl::StrCat("metric `", n, "` compares labels and predictions element by "
                                                         "element, but their dimension ", i, " (", a, " and ", b,
                                                         ") neither match nor broadcast (TensorFlow refuses to build "
                                                         "it); ", got));
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

bool Metric::AcceptShapes(const graph::Builder& e, Output y_true, Output y_pred) const {
  if (!e.ok() || !y_true.valid() || !y_pred.valid()) return false;
  absl::Status s = CheckShapes(y_true.type(), y_pred.type());
  if (s.ok()) return true;
  e.SetError(std::move(s));
  return false;
}

absl::Status CheckMetricShapes(const std::vector<std::unique_ptr<Metric>>& metrics, const graph::TensorType& labels,
                               const graph::TensorType& predictions) {
  // Specs of unknown rank are left to the program build, which checks the traced shapes.
  if (!labels.shape.rank_known() || !predictions.shape.rank_known()) return absl::OkStatus();
  for (const auto& m : metrics) TB_RETURN_IF_ERROR(m->CheckShapes(labels, predictions));
  return absl::OkStatus();
}

}  // namespace tb::fl
