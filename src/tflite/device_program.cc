#include "tflite/device_program.h"

#include <set>

#include "base/status_macros.h"
#include "tflite/device_compat.h"

namespace tb::tflite {

absl::StatusOr<DeviceProgram> BuildDeviceProgram(const fl::ClientProgram& client, bool skip_flex_ops_check,
                                                 const DeviceProgramOptions& options) {
  TB_ASSIGN_OR_RETURN(LoweredProgram lowered, LowerClientProgram(client));
  DeviceProgram program;
  std::set<std::string> names;
  for (const FlexOpUse& f : lowered.flex_ops) names.insert(f.op);
  program.flex_op_names.assign(names.begin(), names.end());
  if (!skip_flex_ops_check) {
    DeviceCheckOptions check;
    check.allowlist = options.allowlist.get();
    check.target_client_version = options.target_client_version;
    check.provenance = &lowered.flex_ops;
    TB_ASSIGN_OR_RETURN(DeviceCompatibility compat, CheckDeviceCompatibility(lowered.flatbuffer, check));
    program.min_client_version = compat.min_client_version_string();
  }
  program.tflite = std::move(lowered.flatbuffer);
  program.min_runtime_version = std::move(lowered.min_runtime_version);
  program.flex_ops = std::move(lowered.flex_ops);
  return program;
}

}  // namespace tb::tflite
