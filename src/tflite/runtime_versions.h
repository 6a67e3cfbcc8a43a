// Which TFLite runtime release first understood each (builtin, opcode version) pair: the data behind the
// `min_runtime_version` metadata (tflite-lowering.md §1.8–§1.9). Pure data and comparisons; no model access.
#ifndef TASKBUILDER_TFLITE_RUNTIME_VERSIONS_H_
#define TASKBUILDER_TFLITE_RUNTIME_VERSIONS_H_

#include <cstdint>
#include <string_view>

namespace tb::tflite {

// "2.6.0" for (ADD, 4); empty when the pair is not in the table (custom ops, unknown versions), which the
// converter skips when it computes the model's minimum.
std::string_view MinRuntimeVersionForOp(int32_t builtin_code, int version);

// Numeric, component-wise comparison of dotted versions ("1.15.0" > "1.5.0"); a version that is a strict prefix
// of another sorts first. Returns <0, 0 or >0. Non-numeric components compare as 0.
int CompareRuntimeVersions(std::string_view a, std::string_view b);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_RUNTIME_VERSIONS_H_
