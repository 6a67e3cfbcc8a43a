// The NodeDef a Flex operator carries (tflite-lowering.md §5.3), built from an IR node the way the TF converter
// writes it: no name, the op, one empty input per operand, the op's registered attrs (defaults included,
// `_`-prefixed extras dropped, function attrs reduced to the function's name), an empty experimental_debug_info.
// Serialized deterministically (map entries sorted), so equal nodes give equal bytes.
#ifndef TASKBUILDER_TFLITE_FLEX_NODE_DEF_H_
#define TASKBUILDER_TFLITE_FLEX_NODE_DEF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace tb::tflite {

// Fails for nodes that are not registered TF ops (internal `_` ops, function calls by name).
absl::StatusOr<std::string> FlexNodeDef(const graph::Node& node);

// The functions `node`'s attrs name (func and list(func) attrs), in attr-name order.
std::vector<std::string> FunctionAttrNames(const graph::Node& node);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_FLEX_NODE_DEF_H_
