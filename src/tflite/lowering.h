// IR -> TFLite: turns a compiler-IR program (a graph plus the library functions it uses) into the TFLite program an
// ODP phone runs. Every node becomes TFLite builtins where their semantics match TF's exactly (the per-op
// lowerings of lower_*.cc), else a Flex op (custom code "Flex<Op>", payload [op, NodeDef], tflite-lowering.md §5);
// functions named by dataset ops become subgraphs of the same name, If/While become IF/WHILE over branch
// subgraphs, and calls are inlined. The result is verified (flatbuffer_writer.h) and deterministic. Which Flex
// ops a phone can run is decided separately (device_compat.h); the lowering already avoids every Flex op it can.
#ifndef TASKBUILDER_TFLITE_LOWERING_H_
#define TASKBUILDER_TFLITE_LOWERING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/map_reduce_program.h"
#include "graph/graph.h"

namespace tb::tflite {

struct LoweringOptions {
  // Placeholders that become the main subgraph's inputs, in this order, each named "<node>:0" (FCP feeds them
  // by these names). Empty: every Placeholder the program needs, in creation order.
  std::vector<std::string> inputs;
  // The main subgraph's outputs (ODP client programs have none).
  std::vector<graph::Output> outputs;
  // Nodes that must run (side effects), e.g. "save_client_update_tensors".
  std::vector<std::string> targets;
  // Nested functions (branches, loop bodies, dataset functions, inlined calls) deeper than this are refused.
  int max_function_depth = 32;
  std::string description = "taskbuilder";
};

// One Flex operator of the result, and why it is not builtins.
struct FlexOpUse {
  std::string op;        // TF op name, e.g. "ReduceDataset"
  std::string node;      // the IR node, e.g. "data/ReduceDataset"
  std::string subgraph;  // the subgraph holding it
  std::string reason;    // "no builtin form of this op" or the lowering's verdict
};

struct LoweredProgram {
  std::string flatbuffer;
  std::string min_runtime_version;   // the metadata written into the model
  std::vector<FlexOpUse> flex_ops;   // in program order
  int num_subgraphs = 0;
  int num_operators = 0;
};

// `graph`'s library resolves function attrs and calls. Errors name the node (and function) that cannot be lowered:
// an op with neither a builtin form nor a TF definition, a function missing from the library, recursion, a
// missing input Placeholder or target.
absl::StatusOr<LoweredProgram> LowerToTfLite(const graph::Graph& graph, const LoweringOptions& options);

// The device program of a client program: inputs named as its TensorflowSpec says (data_token:0,
// input_filepath:0, output_filepath:0), the target node run for its side effects, no outputs.
absl::StatusOr<LoweredProgram> LowerClientProgram(const fl::ClientProgram& client);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_LOWERING_H_
