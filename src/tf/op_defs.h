// OpDefs (signatures, attrs, defaults, constraints) of the TensorFlow core ops taskbuilder reads and emits, as TF
// 2.14 defines them (../reference/tf-ops.md; tensorflow/core/ops/*.cc). The one table of OpDef facts in the
// project: the loader restores the default attrs a SavedModel strips with it, exports are checked against it (TF's
// NodeDef validation), and the compiler's op registry (graph/op_registry.h) takes its OpDefs from it. Attrs that only
// newer TF versions know (MatMul grad_a/grad_b, VarHandleOp debug_name, ...) are deliberately absent.
#ifndef TASKBUILDER_TF_OP_DEFS_H_
#define TASKBUILDER_TF_OP_DEFS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tensorflow/function.pb.h"
#include "tensorflow/node_def.pb.h"
#include "tensorflow/op_def.pb.h"

namespace tb::tf {

// The OpDef of a core op, or nullptr. Thread-safe; the table is built on first use.
const tensorflow::OpDef* FindOpDef(std::string_view op);
// Sorted names of every op in the table.
std::vector<std::string> KnownOps();

// Inserts every attr `op_def` has a default for and `node` lacks (TF's AddDefaultsToNodeDef).
void AddDefaultAttrs(const tensorflow::OpDef& op_def, tensorflow::NodeDef* node);

// TF's per-node validation (ValidateNodeDef): no attr outside the OpDef unless it starts with '_', every attr
// present with the right kind, allowed value and minimum, and as many data inputs as the attrs imply. Control
// inputs must come after data inputs. Call after AddDefaultAttrs. Errors name the node and the attr.
absl::Status ValidateNodeDef(const tensorflow::NodeDef& node, const tensorflow::OpDef& op_def);

// Expected number of data inputs / outputs of `node` under `op_def` (list args expanded from the attrs).
absl::Status CountArgs(const tensorflow::NodeDef& node, const tensorflow::OpDef& op_def, int* num_inputs,
                       int* num_outputs);

// Validates every node of a FunctionDef body against the core ops or (for calls by name) `library`; unknown ops
// are an error. Also checks that inputs name arguments or existing nodes and that `ret` covers the outputs.
absl::Status ValidateFunctionDef(const tensorflow::FunctionDef& function, const tensorflow::FunctionDefLibrary& library);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_OP_DEFS_H_
