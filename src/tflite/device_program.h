// The device program of one task, as the artifact compiler needs it: the client program lowered to TFLite
// (lowering.h), then the ODP device check (device_compat.h) unless the request skips it, giving the bytes for
// ClientOnlyPlan.tflite_graph and the task's min_client_version. One call, no I/O (an allowlist file is loaded by
// whoever configures the service, with LoadFlexAllowlistFile).
#ifndef TASKBUILDER_TFLITE_DEVICE_PROGRAM_H_
#define TASKBUILDER_TFLITE_DEVICE_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/map_reduce_program.h"
#include "tflite/flex_allowlist.h"
#include "tflite/lowering.h"

namespace tb::tflite {

// Service-wide settings (server/CLI flags), shared by every build.
struct DeviceProgramOptions {
  // The Flex ops ODP modules run, by version; nullptr: the built-in copy of ODP's support_ops.csv.
  std::shared_ptr<const FlexAllowlist> allowlist;
  // Build only programs that modules of this version (and later) can run; unset: any module.
  std::optional<int64_t> target_client_version;
};

struct DeviceProgram {
  std::string tflite;                             // ClientOnlyPlan.tflite_graph
  std::optional<std::string> min_client_version;  // unset when the check was skipped (the task keeps "0")
  std::string min_runtime_version;                // TFLite runtime the builtins need
  std::vector<FlexOpUse> flex_ops;                // what runs through the Flex delegate, and why
  std::vector<std::string> flex_op_names;         // sorted, unique
};

// Errors: lowering errors (InvalidArgument naming the node); FailedPrecondition from the device check, whose
// message starts with the original's "Please contact Google to register these ops: {...}" (the caller prefixes
// "Cannot build the ClientOnlyPlan: " as the original does). `skip_flex_ops_check` (ExperimentFlags) skips the
// check, as in the original; the program is still lowered with as few Flex ops as possible.
absl::StatusOr<DeviceProgram> BuildDeviceProgram(const fl::ClientProgram& client, bool skip_flex_ops_check,
                                                 const DeviceProgramOptions& options = {});

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_DEVICE_PROGRAM_H_
