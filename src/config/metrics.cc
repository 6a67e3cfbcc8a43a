#include "config/metrics.h"

#include <algorithm>

#include "config/python_format.h"

namespace tb::config {

const std::vector<std::string_view>& MetricsAllowlist() {
  static const auto* names = new std::vector<std::string_view>{
      "auc-roc",
      "auc-pr",
      "accuracy",
      "binary_accuracy",
      "binary_crossentropy",
      "binary_crossentropy_from_logits",
      "categorical_accuracy",
      "categorical_crossentropy",
      "categorical_crossentropy_from_logits",
      "mean",
      "mean_absolute_error",
      "mean_absolute_percentage_error",
      "mean_squared_error",
      "mean_squared_logarithmic_error",
      "precision",
      "recall",
      "root_mean_squared_error",
      "sparse_categorical_accuracy",
      "sparse_categorical_crossentropy",
      "sparse_categorical_crossentropy_from_logits",
  };
  return *names;
}

bool IsAllowlistedMetric(std::string_view name) {
  const auto& names = MetricsAllowlist();
  return std::find(names.begin(), names.end(), name) != names.end();
}

namespace {

std::string JoinReport(const std::vector<std::string>& names) {
  std::string joined;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) joined += ", ";
    joined += names[i];
  }
  return std::string(PyLStrip(joined));
}

}  // namespace

std::string MetricOutcome::accepted_report() const { return JoinReport(accepted); }
std::string MetricOutcome::rejected_report() const { return JoinReport(rejected); }

MetricOutcome ClassifyMetrics(
    const google::protobuf::RepeatedPtrField<google::ondevicepersonalization::federatedcompute::proto::Metric>&
        metrics) {
  MetricOutcome out;
  for (const auto& metric : metrics) {
    (IsAllowlistedMetric(metric.name()) ? out.accepted : out.rejected).push_back(metric.name());
  }
  return out;
}

}  // namespace tb::config
