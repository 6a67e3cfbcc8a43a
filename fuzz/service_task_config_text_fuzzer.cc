// TaskConfig text-proto parsing (client and build read these from users) followed by validation and tasks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/task_config_text.h"
#include "config/validator.h"
#include "tasks/task_factory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = tb::config::ParseTaskConfigText(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!config.ok()) return 0;
  if (tb::config::ValidateTaskConfig(*config).ok()) (void)tb::tasks::CreateTasks(*config);
  (void)tb::tasks::CreateTasksForArtifactOnly(*config);
  return 0;
}
