// The custom_options of a TFLite Flex op: a FlexBuffer vector of two strings, [TF op name, serialized
// tensorflow.NodeDef] (tflite-lowering.md §5.1–§5.2). Decoding checks every offset and width against the bytes
// it was given and accepts nothing but that exact shape; encoding reproduces the converter's bytes exactly.
#ifndef TASKBUILDER_TFLITE_FLEX_PAYLOAD_H_
#define TASKBUILDER_TFLITE_FLEX_PAYLOAD_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tb::tflite {

struct FlexPayload {
  std::string op;        // the TF op type the Flex delegate runs, e.g. "L2Loss"
  std::string node_def;  // serialized tensorflow.NodeDef (name empty, one empty input per operand, attrs)
};

// InvalidArgument on anything other than a well-formed untyped vector of exactly two STRING elements.
absl::StatusOr<FlexPayload> DecodeFlexPayload(std::string_view custom_options);

// The bytes TF's flexbuffers::Builder produces for [op, node_def] (widths chosen automatically).
std::string EncodeFlexPayload(std::string_view op, std::string_view node_def);

// The TF op name behind a Flex custom code ("FlexL2Loss" -> "L2Loss"); empty when the code is not a Flex op.
std::string_view FlexOpFromCustomCode(std::string_view custom_code);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_FLEX_PAYLOAD_H_
