// TaskConfig validation: the original's 19 rules in its order with its exact messages (behavior.md §3.1), plus
// the cases where the original let a value through to a crash or a meaningless build (§12.1, §12.15, §12.16):
// non-finite numbers, non-ASCII or overflowing checkpoint_selector digits, a training report_goal above the
// population assumed by DP accounting, and calibrating noise for zero rounds. Those extra rejections use the same
// message format. Never applies defaults and never runs DP accounting (dp/ does that).
#ifndef TASKBUILDER_CONFIG_VALIDATOR_H_
#define TASKBUILDER_CONFIG_VALIDATOR_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "config/defaults.h"
#include "odp/task_builder.pb.h"

namespace tb::config {

inline constexpr char kInvalidTaskConfigPrefix[] = "[Invalid task config]: ";

struct ValidationOptions {
  // The total population DP accounting assumes (Poisson sampling probability = report_goal / population).
  int64_t population = kDefaultTotalPopulation;
};

// OK, or InvalidArgument whose message is the original's text, e.g.
//   [Invalid task config]: key `dp_delta` has a bad value: `0.001` in `model_release_policy`. dp_delta must be a
//   float number between 0 and 3.333333E-07
// The first failing rule wins.
absl::Status ValidateTaskConfig(const odp::TaskConfig& config, const ValidationOptions& options = {});

// "[Invalid task config]: key `<key>` has a bad value: `<value>` in `<entity>`. <debug_msg>"
std::string BadValueMessage(std::string_view key, std::string_view value, std::string_view entity,
                            std::string_view debug_msg);

}  // namespace tb::config

#endif  // TASKBUILDER_CONFIG_VALIDATOR_H_
