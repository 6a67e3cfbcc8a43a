// The Keras metrics at batch sizes above 1, through whole federated rounds in the IR interpreter: where Keras
// computes something well-defined for the labels' and predictions' shapes, the round reports exactly that (checked
// against values computed by hand here); where the original fails or computes something meaningless (the batch
// taken as the classes, class indices compared with class scores), the build is refused with InvalidArgument
// naming the metric and the shapes (fl-semantics.md §5).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fl/learning_process.h"
#include "fl/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fl/metric_models.h"
#include "runtime/data/synthetic_examples.h"
#include "tests/fl/round_harness.h"
#include "tests/testing/testing.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"

namespace tb::fl {
namespace {

using ::testing::HasSubstr;
using testing::BuildPassThroughModel;
using testing::PassThroughExample;
using testing::PassThroughModelOptions;
using testing::RoundHarness;
using testing::SmallExampleCnn;
using testing::SmallExampleMlp;

// ---------------------------------------------------------------------------------------------------------------
// Data: two clients of 3-class probabilities (client 0 has 4 examples, so with batch size 3 it runs a full batch
// and a batch of 1; client 1 runs one full batch).

struct Row {
  std::vector<float> p;
  int label;
};

const std::vector<std::vector<Row>>& Rows() {
  static const auto* rows = new std::vector<std::vector<Row>>{
      {{{0.7f, 0.2f, 0.1f}, 0}, {{0.1f, 0.6f, 0.3f}, 2}, {{0.2f, 0.2f, 0.6f}, 2}, {{0.5f, 0.4f, 0.1f}, 1}},
      {{{0.3f, 0.3f, 0.4f}, 0}, {{0.05f, 0.9f, 0.05f}, 1}, {{0.25f, 0.5f, 0.25f}, 1}},
  };
  return *rows;
}

enum class LabelForm { kIndex, kIndexColumn, kOneHot };

PassThroughModelOptions ClassModel(LabelForm form) {
  switch (form) {
    case LabelForm::kIndex: return {{3}, tf::DType::kInt32, {}};
    case LabelForm::kIndexColumn: return {{3}, tf::DType::kInt64, {1}};
    case LabelForm::kOneHot: return {{3}, tf::DType::kFloat, {3}};
  }
  return {};
}

std::vector<std::vector<std::string>> ClassExamples(LabelForm form) {
  const PassThroughModelOptions o = ClassModel(form);
  std::vector<std::vector<std::string>> out;
  for (const auto& client : Rows()) {
    out.emplace_back();
    for (const Row& r : client) {
      std::vector<double> label = {static_cast<double>(r.label)};
      if (form == LabelForm::kOneHot) {
        label = {0, 0, 0};
        label[r.label] = 1;
      }
      out.back().push_back(PassThroughExample(r.p, label, o.label_dtype));
    }
  }
  return out;
}

// All rows, in order.
std::vector<Row> AllRows() {
  std::vector<Row> out;
  for (const auto& c : Rows()) out.insert(out.end(), c.begin(), c.end());
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Hand computations (double precision).

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// -ln(p_y / sum p): the probability cross-entropy (Keras clips to [1e-7, 1 - 1e-7], which changes none of these).
double ProbabilityCrossEntropy(const Row& r) {
  double sum = 0;
  for (float p : r.p) sum += p;
  return -std::log(r.p[r.label] / sum);
}

// -x_y + ln sum exp(x): the softmax cross-entropy of logits x.
double SoftmaxCrossEntropy(const Row& r) {
  double sum = 0;
  for (float x : r.p) sum += std::exp(static_cast<double>(x));
  return -static_cast<double>(r.p[r.label]) + std::log(sum);
}

double ArgmaxAccuracy() {
  std::vector<double> hits;
  for (const Row& r : AllRows()) {
    const int argmax = static_cast<int>(std::max_element(r.p.begin(), r.p.end()) - r.p.begin());
    hits.push_back(argmax == r.label ? 1 : 0);
  }
  return Mean(hits);
}

// Scores of the positive and negative (example, class) pairs of one-hot labels.
void Decisions(std::vector<float>* pos, std::vector<float>* neg) {
  for (const Row& r : AllRows()) {
    for (int c = 0; c < 3; ++c) (c == r.label ? pos : neg)->push_back(r.p[c]);
  }
}

// ROC AUC as the share of (positive, negative) pairs ordered correctly, ties counting one half: what the
// trapezoidal ROC over Keras' 200 thresholds gives when no two distinct scores share a bucket.
double PairwiseAuc(const std::vector<float>& pos, const std::vector<float>& neg) {
  double good = 0;
  for (float p : pos) {
    for (float n : neg) good += p > n ? 1.0 : p == n ? 0.5 : 0.0;
  }
  return good / static_cast<double>(pos.size() * neg.size());
}

// PR AUC by Keras' interpolation over its 200 thresholds, the counts taken by comparing each score with each
// threshold (not by buckets).
double InterpolatedPrAuc(const std::vector<float>& pos, const std::vector<float>& neg) {
  constexpr int kT = 200;
  std::vector<double> tp(kT), fp(kT), fn(kT);
  for (int k = 0; k < kT; ++k) {
    const float t = k == 0 ? -1e-7f : k == kT - 1 ? 1.0f + 1e-7f : static_cast<float>(k) / (kT - 1);
    for (float p : pos) (p > t ? tp[k] : fn[k]) += 1;
    for (float n : neg) fp[k] += n > t ? 1 : 0;
  }
  auto no_nan = [](double a, double b) { return b == 0 ? 0.0 : a / b; };
  double sum = 0;
  for (int k = 0; k + 1 < kT; ++k) {
    const double dtp = tp[k] - tp[k + 1];
    const double p0 = tp[k] + fp[k], p1 = tp[k + 1] + fp[k + 1];
    const double slope = no_nan(dtp, std::max(p0 - p1, 0.0));
    const double intercept = tp[k + 1] - slope * p1;
    const double ratio = p0 > 0 && p1 > 0 ? p0 / p1 : 1.0;
    sum += no_nan(slope * (dtp + intercept * std::log(ratio)), std::max(tp[k + 1] + fn[k + 1], 0.0));
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------------------------
// Rounds.

LearningSpec Spec(std::vector<std::string> metrics) {
  LearningSpec spec;
  spec.client_optimizer = {OptimizerKind::kSgd, 0.0};  // the weights stay put, so training sees the same predictions
  spec.server_optimizer = {OptimizerKind::kSgd, 1.0};
  spec.aggregator.kind = AggregatorKind::kNone;
  spec.batch_size = 3;
  spec.metrics = std::move(metrics);
  return spec;
}

// The finalized metrics of one evaluation round and of one training round (by metric name); both must agree.
std::map<std::string, float> RunRounds(const tf::FunctionalModel& model, const std::vector<std::string>& metrics,
                                       const std::vector<std::vector<std::string>>& clients) {
  std::map<std::string, float> out;
  const LearningSpec spec = Spec(metrics);
  auto eval = BuildEvaluationProcess(model, spec);
  EXPECT_TRUE(eval.ok()) << eval.status();
  auto train = BuildTrainingProcess(model, spec);
  EXPECT_TRUE(train.ok()) << train.status();
  if (!eval.ok() || !train.ok()) return out;
  RoundHarness eval_harness(*eval), train_harness(*train);
  // Evaluation starts from the all-zero state (fl-semantics.md §6): give it the model's weights, as a training
  // checkpoint would.
  eval_harness.state() = train_harness.state();
  auto e = eval_harness.RunRound(clients);
  EXPECT_TRUE(e.ok()) << e.status();
  auto t = train_harness.RunRound(clients);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!e.ok() || !t.ok()) return out;
  for (const std::string& m : metrics) {
    const float ev = e->metrics.at("eval/" + m).flat<float>()[0];
    const float tv = t->metrics.at("client_work/train/" + m).flat<float>()[0];
    EXPECT_EQ(ev, tv) << m << ": evaluation and training (learning rate 0) see the same predictions";
    out[m] = ev;
  }
  return out;
}

tf::FunctionalModel PassThrough(const PassThroughModelOptions& o) {
  auto m = BuildPassThroughModel(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

// Both processes refuse `metric` at build time with InvalidArgument naming it and both shapes.
void ExpectRefused(const tf::FunctionalModel& model, const std::string& metric, const std::string& predictions,
                   const std::string& labels, const std::string& reason) {
  SCOPED_TRACE(metric);
  const LearningSpec spec = Spec({metric});
  for (int eval = 0; eval < 2; ++eval) {
    auto p = eval ? BuildEvaluationProcess(model, spec) : BuildTrainingProcess(model, spec);
    ASSERT_FALSE(p.ok()) << (eval ? "evaluation" : "training") << " built a program for " << metric;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(absl::StrCat("metric `", metric, "`")));
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(absl::StrCat("predictions ", predictions)));
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(absl::StrCat("labels ", labels)));
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(reason));
  }
  // The server state the pipeline makes first (its errors are INVALID_REQUEST) refuses it already.
  auto state = TrainingServerState(model, spec);
  ASSERT_FALSE(state.ok());
  EXPECT_THAT(std::string(state.status().message()), HasSubstr(absl::StrCat("metric `", metric, "`")));
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Sparse cross-entropy needs a class axis.

// Keras' sparse cross-entropy reshapes rank-1 predictions to [1, batch] (the batch taken as the classes), which
// fails on the device for any batch above 1; the other class metrics would likewise read the batch as classes.
TEST(MetricShapesTest, ClassMetricsOnRankOnePredictionsAreRefused) {
  const tf::FunctionalModel mlp = SmallExampleMlp();
  for (const char* metric : {"sparse_categorical_crossentropy", "sparse_categorical_crossentropy_from_logits",
                             "sparse_categorical_accuracy", "categorical_crossentropy",
                             "categorical_crossentropy_from_logits", "categorical_accuracy"}) {
    ExpectRefused(mlp, metric, "float[?]", "int64[?,1]", "class axis");
  }
  const tf::FunctionalModel column = PassThrough({{1}, tf::DType::kInt64, {}});  // [batch, 1] squeezed to [batch]
  ExpectRefused(column, "sparse_categorical_crossentropy", "float[?,1]", "int64[?]", "class axis");
}

// Class indices [batch] or [batch, 1] with class probabilities [batch, 3]: one cross-entropy per example.
TEST(MetricShapesTest, SparseCrossEntropyAndAccuracyOnClassIndices) {
  for (LabelForm form : {LabelForm::kIndex, LabelForm::kIndexColumn}) {
    SCOPED_TRACE(form == LabelForm::kIndex ? "labels [batch]" : "labels [batch, 1]");
    const std::vector<std::string> metrics = {"sparse_categorical_crossentropy",
                                              "sparse_categorical_crossentropy_from_logits",
                                              "sparse_categorical_accuracy"};
    auto values = RunRounds(PassThrough(ClassModel(form)), metrics, ClassExamples(form));
    if (HasFailure()) return;
    std::vector<double> prob, logits;
    for (const Row& r : AllRows()) {
      prob.push_back(ProbabilityCrossEntropy(r));
      logits.push_back(SoftmaxCrossEntropy(r));
    }
    EXPECT_NEAR(values["sparse_categorical_crossentropy"], Mean(prob), 1e-6);
    EXPECT_NEAR(values["sparse_categorical_crossentropy_from_logits"], Mean(logits), 1e-6);
    EXPECT_FLOAT_EQ(values["sparse_categorical_accuracy"], ArgmaxAccuracy());
    EXPECT_FLOAT_EQ(ArgmaxAccuracy(), 4.0 / 7.0);  // the data's own check
  }
}

// Class scores per time step [batch, 2, 3] with indices [batch, 2]: the logits are flattened to rows and the
// per-row values reshaped back, one value per (example, step).
TEST(MetricShapesTest, SparseMetricsOnSequencesOfClassScores) {
  const PassThroughModelOptions o{{2, 3}, tf::DType::kInt64, {2}};
  const std::vector<Row> rows = AllRows();
  const std::vector<std::vector<std::pair<int, int>>> pairs = {{{0, 1}, {2, 3}, {4, 5}}, {{6, 0}}};
  std::vector<std::vector<std::string>> clients;
  std::vector<double> ce, hits;
  for (const auto& c : pairs) {
    clients.emplace_back();
    for (const auto& [a, b] : c) {
      std::vector<float> x = rows[a].p;
      x.insert(x.end(), rows[b].p.begin(), rows[b].p.end());
      clients.back().push_back(PassThroughExample(
          x, {static_cast<double>(rows[a].label), static_cast<double>(rows[b].label)}, o.label_dtype));
      for (int k : {a, b}) {
        ce.push_back(SoftmaxCrossEntropy(rows[k]));
        const int argmax = static_cast<int>(std::max_element(rows[k].p.begin(), rows[k].p.end()) - rows[k].p.begin());
        hits.push_back(argmax == rows[k].label ? 1 : 0);
      }
    }
  }
  auto values = RunRounds(PassThrough(o), {"sparse_categorical_crossentropy_from_logits", "sparse_categorical_accuracy"},
                          clients);
  if (HasFailure()) return;
  EXPECT_NEAR(values["sparse_categorical_crossentropy_from_logits"], Mean(ce), 1e-6);
  EXPECT_FLOAT_EQ(values["sparse_categorical_accuracy"], static_cast<float>(Mean(hits)));
}

TEST(MetricShapesTest, SparseMetricsRefuseOneHotLabels) {
  const tf::FunctionalModel model = PassThrough(ClassModel(LabelForm::kOneHot));
  ExpectRefused(model, "sparse_categorical_crossentropy", "float[?,3]", "float[?,3]", "one class index");
  ExpectRefused(model, "sparse_categorical_accuracy", "float[?,3]", "float[?,3]", "one class index");
}

// ---------------------------------------------------------------------------------------------------------------
// 2. AUC, precision and recall compare each prediction with its own label.

TEST(MetricShapesTest, ConfusionMetricsOfClassScoresAgainstClassIndicesAreRefused) {
  const tf::FunctionalModel cnn = SmallExampleCnn();
  for (const char* metric : {"auc-roc", "auc-pr", "precision", "recall"}) {
    ExpectRefused(cnn, metric, "float[?,3]", "int32[?]", "same shape");
  }
  const tf::FunctionalModel column = PassThrough(ClassModel(LabelForm::kIndexColumn));
  ExpectRefused(column, "auc-roc", "float[?,3]", "int64[?,1]", "same shape");
}

// With one-hot labels of the predictions' shape Keras flattens both: every (example, class) pair is one binary
// decision (the micro-averaged AUC).
TEST(MetricShapesTest, ConfusionMetricsFlattenClassScoresWithOneHotLabels) {
  const std::vector<std::string> metrics = {"auc-roc", "auc-pr", "precision", "recall"};
  auto values =
      RunRounds(PassThrough(ClassModel(LabelForm::kOneHot)), metrics, ClassExamples(LabelForm::kOneHot));
  if (HasFailure()) return;
  std::vector<float> pos, neg;
  Decisions(&pos, &neg);
  ASSERT_EQ(pos.size(), 7u);
  ASSERT_EQ(neg.size(), 14u);
  EXPECT_NEAR(values["auc-roc"], PairwiseAuc(pos, neg), 1e-6);
  EXPECT_NEAR(values["auc-roc"], 86.5 / 98.0, 1e-6);  // counted by hand from Rows()
  EXPECT_NEAR(values["auc-pr"], InterpolatedPrAuc(pos, neg), 1e-5);
  // Above 0.5: positives 0.7, 0.6, 0.9 (0.5 itself is not above); negatives 0.6.
  EXPECT_FLOAT_EQ(values["precision"], 3.0f / 4.0f);
  EXPECT_FLOAT_EQ(values["recall"], 3.0f / 7.0f);
}

// The keras sample's shapes: one probability per example [batch] and int64 labels [batch, 1] (squeezed).
TEST(MetricShapesTest, ConfusionMetricsOfOneProbabilityPerExample) {
  const PassThroughModelOptions o{{}, tf::DType::kInt64, {1}};
  const std::vector<std::vector<std::pair<float, int>>> data = {{{0.9f, 1}, {0.2f, 0}, {0.6f, 0}, {0.4f, 1}},
                                                                {{0.8f, 1}, {0.1f, 0}, {0.6f, 1}}};
  std::vector<std::vector<std::string>> clients;
  std::vector<float> pos, neg;
  for (const auto& c : data) {
    clients.emplace_back();
    for (const auto& [p, y] : c) {
      clients.back().push_back(PassThroughExample({p}, {static_cast<double>(y)}, o.label_dtype));
      (y ? pos : neg).push_back(p);
    }
  }
  auto values = RunRounds(PassThrough(o), {"auc-roc", "auc-pr", "precision", "recall", "mean_absolute_error"},
                          clients);
  if (HasFailure()) return;
  EXPECT_NEAR(values["auc-roc"], 10.5 / 12.0, 1e-6);
  EXPECT_NEAR(values["auc-roc"], PairwiseAuc(pos, neg), 1e-6);
  EXPECT_NEAR(values["auc-pr"], InterpolatedPrAuc(pos, neg), 1e-5);
  EXPECT_FLOAT_EQ(values["precision"], 3.0f / 4.0f);  // 0.9, 0.8, 0.6 (y=1) and 0.6 (y=0) are above 0.5
  EXPECT_FLOAT_EQ(values["recall"], 3.0f / 4.0f);
  // Rank-1 predictions: Keras' "mean over the last axis" is the batch mean, so the result is the mean of the
  // three batch means (fl-semantics.md §5.3 notes), not of the seven examples.
  const double batch_means[] = {(0.1 + 0.2 + 0.6) / 3, 0.6, (0.2 + 0.1 + 0.4) / 3};
  EXPECT_NEAR(values["mean_absolute_error"], (batch_means[0] + batch_means[1] + batch_means[2]) / 3, 1e-6);
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Categorical metrics need one-hot labels.

TEST(MetricShapesTest, CategoricalMetricsOnClassIndicesAreRefused) {
  const tf::FunctionalModel cnn = SmallExampleCnn();
  for (const char* metric : {"categorical_crossentropy_from_logits", "categorical_crossentropy",
                             "categorical_accuracy"}) {
    ExpectRefused(cnn, metric, "float[?,3]", "int32[?]", "one-hot");
  }
  ExpectRefused(PassThrough(ClassModel(LabelForm::kIndexColumn)), "categorical_crossentropy_from_logits",
                "float[?,3]", "int64[?,1]", "one-hot");
}

TEST(MetricShapesTest, CategoricalMetricsOnOneHotLabels) {
  const std::vector<std::string> metrics = {"categorical_crossentropy", "categorical_crossentropy_from_logits",
                                            "categorical_accuracy", "accuracy", "mean_squared_error"};
  auto values =
      RunRounds(PassThrough(ClassModel(LabelForm::kOneHot)), metrics, ClassExamples(LabelForm::kOneHot));
  if (HasFailure()) return;
  std::vector<double> prob, logits, squared;
  for (const Row& r : AllRows()) {
    prob.push_back(ProbabilityCrossEntropy(r));
    logits.push_back(SoftmaxCrossEntropy(r));
    double s = 0;
    for (int c = 0; c < 3; ++c) s += std::pow(r.p[c] - (c == r.label ? 1.0 : 0.0), 2);
    squared.push_back(s / 3);
  }
  EXPECT_NEAR(values["categorical_crossentropy"], Mean(prob), 1e-6);
  EXPECT_NEAR(values["categorical_crossentropy_from_logits"], Mean(logits), 1e-6);
  EXPECT_FLOAT_EQ(values["categorical_accuracy"], 4.0f / 7.0f);
  // Accuracy is exact elementwise equality of p and t: no probability here is exactly 0 or 1.
  EXPECT_EQ(values["accuracy"], 0.0f);
  EXPECT_NEAR(values["mean_squared_error"], Mean(squared), 1e-6);
}

// ---------------------------------------------------------------------------------------------------------------
// Elementwise metrics: broadcasting that pairs the batch with the classes is refused, per-example broadcasting
// is computed.

TEST(MetricShapesTest, ElementwiseMetricsRefuseToPairTheBatchWithTheClasses) {
  const tf::FunctionalModel cnn = SmallExampleCnn();
  for (const char* metric : {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                             "mean_squared_logarithmic_error", "root_mean_squared_error", "binary_accuracy",
                             "binary_crossentropy"}) {
    ExpectRefused(cnn, metric, "float[?,3]", "int32[?]", "batch");
  }
  for (const char* metric : {"accuracy", "binary_crossentropy_from_logits"}) {
    ExpectRefused(cnn, metric, "float[?,3]", "int32[?]", "same shape");
  }
}

// Labels [batch, 1] against predictions [batch, 3]: Keras broadcasts each example's label over its scores.
TEST(MetricShapesTest, ElementwiseMetricsBroadcastAColumnLabel) {
  const PassThroughModelOptions o{{3}, tf::DType::kFloat, {1}};
  std::vector<std::vector<std::string>> clients;
  std::vector<double> squared, matches;
  for (const auto& c : Rows()) {
    clients.emplace_back();
    for (const Row& r : c) {
      const double t = r.label == 1 ? 1.0 : 0.0;
      clients.back().push_back(PassThroughExample(r.p, {t}, o.label_dtype));
      double s = 0;
      for (float p : r.p) {
        s += std::pow(p - t, 2);
        matches.push_back((p > 0.5f ? 1.0 : 0.0) == t ? 1 : 0);
      }
      squared.push_back(s / 3);
    }
  }
  auto values = RunRounds(PassThrough(o), {"mean_squared_error", "binary_accuracy"}, clients);
  if (HasFailure()) return;
  EXPECT_NEAR(values["mean_squared_error"], Mean(squared), 1e-6);
  EXPECT_FLOAT_EQ(values["binary_accuracy"], static_cast<float>(Mean(matches)));
  ExpectRefused(PassThrough(o), "accuracy", "float[?,3]", "float[?,1]", "same shape");
}

// The rules on shapes no example model has: sequences of class scores, unknown class counts, and broadcasts
// TensorFlow itself refuses.
TEST(MetricShapesTest, ShapeRulesOnOtherShapes) {
  auto check = [](const std::string& metric, tf::DType label_dtype, graph::PartialShape labels,
                  graph::PartialShape predictions) {
    auto m = MakeMetric(metric);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? (*m)->CheckShapes({label_dtype, std::move(labels)}, {tf::DType::kFloat, std::move(predictions)})
                  : m.status();
  };
  const tf::DType i64 = tf::DType::kInt64, f32 = tf::DType::kFloat;
  // Sparse metrics on [batch, time, classes]: indices [batch, time] or [batch, time, 1].
  EXPECT_TRUE(check("sparse_categorical_crossentropy", i64, {-1, 5}, {-1, 5, 4}).ok());
  EXPECT_TRUE(check("sparse_categorical_accuracy", i64, {-1, 5, 1}, {-1, 5, 4}).ok());
  EXPECT_FALSE(check("sparse_categorical_crossentropy", i64, {-1, 6}, {-1, 5, 4}).ok());
  EXPECT_TRUE(check("sparse_categorical_crossentropy", i64, {-1}, {-1, -1}).ok());  // classes unknown
  // One-hot labels must match the class count where both are known.
  EXPECT_TRUE(check("categorical_crossentropy", f32, {-1, -1}, {-1, 4}).ok());
  EXPECT_FALSE(check("categorical_crossentropy", f32, {-1, 3}, {-1, 4}).ok());
  // Broadcasts: within an example, both ways; mismatched known sizes are TensorFlow's build error.
  EXPECT_TRUE(check("mean_squared_error", f32, {-1, 1}, {-1, 4}).ok());
  EXPECT_TRUE(check("mean_squared_error", f32, {-1, 4}, {-1, 1}).ok());
  absl::Status s = check("mean_squared_error", f32, {-1, 2}, {-1, 4});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("neither match nor broadcast"));
  // Keras' alignment squeezes predictions [batch, 1] against labels [batch] (and labels [batch, 1] against
  // predictions [batch]) before any rule.
  EXPECT_TRUE(check("auc-roc", i64, {-1}, {-1, 1}).ok());
  EXPECT_TRUE(check("binary_crossentropy_from_logits", i64, {-1, 1}, {-1}).ok());
  // Unknown ranks cannot be checked: refused with the metric's name.
  EXPECT_THAT(std::string(check("accuracy", i64, graph::PartialShape(), {-1}).message()), HasSubstr("`accuracy`"));
}

// The keras sample's own SavedModel: the shapes its traced prediction reaches the metrics with are the spec's
// ([?] against int64 [?,1]), so the binary metrics run a round at batch size 3 and the class metrics are refused.
TEST(MetricShapesTest, KerasFixtureModelTakesTheBinaryMetricsOnly) {
  TB_REQUIRE_FIXTURE(dir, "keras/input/keras_model");
  auto model = tf::LoadFunctionalModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  ExpectRefused(*model, "sparse_categorical_crossentropy", "float[?]", "int64[?,1]", "class axis");
  const std::vector<std::string> metrics = {"auc-roc", "binary_accuracy", "binary_crossentropy", "precision"};
  auto program = BuildTrainingProcess(*model, Spec(metrics));
  ASSERT_TRUE(program.ok()) << program.status();
  runtime::data::SyntheticTaskSpec data;
  const tf::TensorSpec& x = model->features[0];
  data.inputs = {{"x", x.dtype, std::vector<int64_t>(x.shape.begin() + 1, x.shape.end())}};
  data.label = {"y", tf::DType::kInt64, {1}};
  auto examples = runtime::data::GenerateSyntheticExamples(data, 7, /*task_seed=*/1, /*example_seed=*/2);
  ASSERT_TRUE(examples.ok()) << examples.status();
  RoundHarness harness(*program);
  auto r = harness.RunRound({*examples});
  ASSERT_TRUE(r.ok()) << r.status();
  for (const std::string& m : metrics) {
    const float v = r->metrics.at("client_work/train/" + m).flat<float>()[0];
    EXPECT_TRUE(v >= 0 && v <= (m == "binary_crossentropy" ? 20.0f : 1.0f)) << m << " = " << v;
  }
  // Seven examples in batches of 3, 3 and 1: binary accuracy counts each example once.
  EXPECT_EQ(r->client_updates[0].at("update/0/binary_accuracy/1").flat<float>()[0], 7.0f);
}

}  // namespace
}  // namespace tb::fl
