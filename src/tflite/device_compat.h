// Can an ODP phone run this TFLite program? ODP's runtime executes only the Flex ops compiled into its module,
// each available from some module version (ecosystem.md §1.4, behavior.md §10.4). This check reads the program's
// Flex ops back from the flatbuffer (as the original does), compares them with an allowlist (the built-in copy of
// ODP's support_ops.csv, or an operator-supplied file) by numeric version, and answers the task's
// min_client_version, or an error naming every op no module can run. An optional target version asks for a
// program that modules of that version can run. Reads only; never changes the program.
#ifndef TASKBUILDER_TFLITE_DEVICE_COMPAT_H_
#define TASKBUILDER_TFLITE_DEVICE_COMPAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tflite/flex_allowlist.h"
#include "tflite/lowering.h"

namespace tb::tflite {

// An operator-supplied allowlist ("version,op" lines like support_ops.csv). Files above 1 MiB are refused.
absl::StatusOr<FlexAllowlist> LoadFlexAllowlistFile(const std::string& path);

struct DeviceCheckOptions {
  // nullptr: the built-in list (ODP v0.7.1's support_ops.csv).
  const FlexAllowlist* allowlist = nullptr;
  // The oldest module the program must run on: every Flex op must be available at or below this version.
  std::optional<int64_t> target_client_version;
  // Where the Flex ops came from (LoweredProgram::flex_ops), so errors can say which node needs each op and why
  // it has no builtin form. Optional.
  const std::vector<FlexOpUse>* provenance = nullptr;
};

struct DeviceCompatibility {
  std::vector<std::string> flex_ops;   // sorted, unique
  int64_t min_client_version = 0;      // 0 when the program has no Flex op
  // As the task carries it: the decimal version, "0" without Flex ops.
  std::string min_client_version_string() const { return std::to_string(min_client_version); }
};

// FailedPrecondition when some op is on no module's list, with the original's text first:
//   "Please contact Google to register these ops: {'MaxPoolGrad': ''}" followed by where each op is used;
// FailedPrecondition naming the ops and the versions they need when a target version is too old.
// InvalidArgument when the bytes are not a valid TFLite program.
absl::StatusOr<DeviceCompatibility> CheckDeviceCompatibility(std::string_view flatbuffer,
                                                             const DeviceCheckOptions& options = {});

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_DEVICE_COMPAT_H_
