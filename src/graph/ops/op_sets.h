// Type sets and registration entry points shared by the op declaration files (graph/ops/*.cc). Internal to the
// registry: nothing outside graph/ includes this.
#ifndef TASKBUILDER_GRAPH_OPS_OP_SETS_H_
#define TASKBUILDER_GRAPH_OPS_OP_SETS_H_

#include <string>

#include "absl/strings/str_cat.h"

namespace tb::graph {

class OpRegistry;

namespace op_sets {
// TF's "half, bfloat16, float, double".
inline constexpr const char* kF4 = "{half, bfloat16, float, double}";
// TF's floating + complex set used by the UNARY_COMPLEX ops.
inline constexpr const char* kFC = "{bfloat16, half, float, double, complex64, complex128}";
// TF's "realnumbertype".
inline constexpr const char* kReal =
    "{float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64}";
// TF's "numbertype".
inline constexpr const char* kNum =
    "{float, double, int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, quint16, "
    "uint16, complex128, half, uint32, uint64}";
inline constexpr const char* kIdx = "{int32, int64}";

// "T: " + set
inline std::string T(const char* set) { return absl::StrCat("T: ", set); }
}  // namespace op_sets

void RegisterMathOps(OpRegistry& r);
void RegisterNnOps(OpRegistry& r);
void RegisterArrayOps(OpRegistry& r);
void RegisterFunctionalOps(OpRegistry& r);
void RegisterStateOps(OpRegistry& r);
void RegisterDataOps(OpRegistry& r);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_OPS_OP_SETS_H_
