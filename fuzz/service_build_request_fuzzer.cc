// Request decoding, validation and task construction on arbitrary bytes: the path every HTTP body takes.
// DP accounting is replaced by fixed values so each input runs in microseconds; dp/ has its own fuzzing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/validator.h"
#include "pipeline/build_pipeline.h"
#include "tasks/task_factory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  tb::pipeline::PipelineServices services;
  services.dp_deriver = [](const auto&, const auto&) -> absl::StatusOr<tb::pipeline::DpSettings> {
    return tb::pipeline::DpSettings{.noise_multiplier = 1, .clip_norm = 0.1, .delta = 1e-9, .epsilon = 1,
                                    .num_training_rounds = 10};
  };
  const tb::pipeline::BuildResult result = tb::pipeline::HandleBuildRequest(body, size % 2 == 0, services);
  if (!result.response.has_task_report() || !result.response.has_error_info()) __builtin_trap();

  auto request = tb::pipeline::DecodeBuildTaskRequest(body);
  if (request.ok() && tb::config::ValidateTaskConfig(request->task_config()).ok()) {
    (void)tb::tasks::CreateTasks(request->task_config());
    (void)tb::tasks::CreateTasksForArtifactOnly(request->task_config());
  }
  return 0;
}
