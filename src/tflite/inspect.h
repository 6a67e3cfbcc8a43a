// `taskbuilder inspect` for TFLite programs: a JSON description of a verified model — subgraphs with their
// tensors (type, shape, signature, constant previews) and operators (builtin with version and key options, or Flex
// with its decoded NodeDef), the opcode table, the op inventory, the declared and implied min_runtime_version, and
// what the ODP device check says (Flex ops, min_client_version, ops no module runs). Read-only; refuses (with the
// reader's message) bytes that are not a valid TFLite model.
#ifndef TASKBUILDER_TFLITE_INSPECT_H_
#define TASKBUILDER_TFLITE_INSPECT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tb::tflite {

// A JSON object as text (the CLI's extension point, src/cli/inspect_command.cc).
absl::StatusOr<std::string> InspectToJson(std::string_view flatbuffer_bytes);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_INSPECT_H_
