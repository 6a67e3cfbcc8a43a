// The opcode version the TF converter would record for one builtin operator, from its operand types, ranks and
// options (tflite-lowering.md §1.9, op_version.cc's rules for the types taskbuilder emits). A runtime registers
// (code, version) pairs, so a version above what an operator needs would make older runtimes refuse the model,
// and one below would make newer runtimes run it with the wrong kernel. Pure function of the program.
#ifndef TASKBUILDER_TFLITE_OP_VERSIONS_H_
#define TASKBUILDER_TFLITE_OP_VERSIONS_H_

#include "tflite/program.h"

namespace tb::tflite {

// REQUIRES: `op` is a builtin of `subgraph` whose operand indices are in range (or -1).
int BuiltinOpVersion(const SubgraphDef& subgraph, const OperatorDef& op);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_OP_VERSIONS_H_
