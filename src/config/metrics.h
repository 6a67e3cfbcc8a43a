// The metrics allowlist and the accepted/rejected report of the original (behavior.md §5.1–§5.2). Names are
// matched exactly and case-sensitively; rejected names are reported, never an error.
#ifndef TASKBUILDER_CONFIG_METRICS_H_
#define TASKBUILDER_CONFIG_METRICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "odp/task_builder.pb.h"

namespace tb::config {

// The 20 allowlisted metric names, in the original's order.
const std::vector<std::string_view>& MetricsAllowlist();
bool IsAllowlistedMetric(std::string_view name);

struct MetricOutcome {
  std::vector<std::string> accepted;  // in config order, duplicates kept
  std::vector<std::string> rejected;
  // The report strings: ", ".join(names) with leading white space stripped, as the original writes them.
  std::string accepted_report() const;
  std::string rejected_report() const;
};

MetricOutcome ClassifyMetrics(
    const google::protobuf::RepeatedPtrField<google::ondevicepersonalization::federatedcompute::proto::Metric>&
        metrics);

}  // namespace tb::config

#endif  // TASKBUILDER_CONFIG_METRICS_H_
