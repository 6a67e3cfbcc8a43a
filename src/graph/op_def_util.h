// TensorFlow's NodeDef rules (node_def_util.cc / op_def_util.cc semantics, tf-ops.md §3.2) applied to an OpDef and
// a set of attrs: value kinds, allowed values, minimums, completeness, default filling, and the expansion of
// input/output arg lists into per-position dtypes. Used when adding IR nodes, importing, and validating exports.
// Messages name the attr; callers prefix the node.
#ifndef TASKBUILDER_GRAPH_OP_DEF_UTIL_H_
#define TASKBUILDER_GRAPH_OP_DEF_UTIL_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/attrs.h"
#include "tensorflow/op_def.pb.h"
#include "tensorflow/types.pb.h"

namespace tb::graph {

// One attr value against its definition: kind, not a placeholder, valid (non-ref, non-invalid) types, minimum,
// allowed values.
absl::Status ValidateAttrValue(const tensorflow::OpDef::AttrDef& def, const tensorflow::AttrValue& value);

// Adds every default the map lacks.
void FillDefaultAttrs(const tensorflow::OpDef& op, AttrMap* attrs);

// Full NodeDef attr check: no unknown attrs (names starting with `_` are skipped), each value valid, every OpDef
// attr present.
absl::Status ValidateAttrs(const tensorflow::OpDef& op, AttrView attrs);

// Expands input (or output) args into one proto DataType per position: number_attr repeats, type_list_attr lists.
absl::StatusOr<std::vector<tensorflow::DataType>> ExpandArgTypes(
    const tensorflow::OpDef& op, const google::protobuf::RepeatedPtrField<tensorflow::OpDef::ArgDef>& args,
    AttrView attrs);

// For each expanded position: (arg index, index within that arg). Used to name FunctionDef outputs
// ("node:arg_name:index") and to map them back.
absl::StatusOr<std::vector<std::pair<int, int>>> ExpandArgPositions(
    const tensorflow::OpDef& op, const google::protobuf::RepeatedPtrField<tensorflow::OpDef::ArgDef>& args,
    AttrView attrs);

// "float", "int32"; "DT_BFLOAT16"-style names for types tb::tf::DType lacks.
std::string ProtoDTypeName(tensorflow::DataType t);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_OP_DEF_UTIL_H_
