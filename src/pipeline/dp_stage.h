// Stage A's privacy half: derives the DP parameters of a validated TaskConfig through dp::DeriveDpParameters
// (src/dp/dp_parameters.h, behavior.md §4.1). Built without the dp layer, it answers Unimplemented naming what is
// missing; it never invents a value.
#ifndef TASKBUILDER_PIPELINE_DP_STAGE_H_
#define TASKBUILDER_PIPELINE_DP_STAGE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "pipeline/ports.h"

namespace tb::pipeline {

// InvalidArgument carries the text that follows "Task config is invalid: " (e.g. "[Invalid task config]:
// differential_privacy setup is not private enough to pass DP accounting check."); any other code is a failure of
// the accounting itself.
absl::StatusOr<DpSettings> DeriveDpSettings(const odp::TaskConfig& config, const odp::ExperimentFlags& flags,
                                            int64_t population);

}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_DP_STAGE_H_
