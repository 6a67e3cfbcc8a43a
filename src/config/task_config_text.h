// Reads a TaskConfig from text proto (the format of the original's sample *.pbtxt files). Errors name the line
// and column. Never reads files or URIs itself: callers fetch the bytes (local file, gs://) and bound their size.
#ifndef TASKBUILDER_CONFIG_TASK_CONFIG_TEXT_H_
#define TASKBUILDER_CONFIG_TASK_CONFIG_TEXT_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "odp/task_builder.pb.h"

namespace tb::config {

// Larger texts are rejected before parsing; a real TaskConfig is a few hundred bytes.
inline constexpr uint64_t kMaxTaskConfigTextBytes = 1 << 20;

// InvalidArgument "line 3 column 5: Message type \"...\" has no field named \"foo\"." on a syntax error.
absl::StatusOr<google::ondevicepersonalization::federatedcompute::proto::TaskConfig> ParseTaskConfigText(
    std::string_view text);

}  // namespace tb::config

#endif  // TASKBUILDER_CONFIG_TASK_CONFIG_TEXT_H_
