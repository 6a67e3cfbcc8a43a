// A TFLite program being assembled: subgraphs of typed tensors (some constant) and operators in execution order
// (builtins with their options, or Flex ops with their [op, NodeDef] payload). Plain data plus index bookkeeping:
// the lowering fills it, WriteModel (flatbuffer_writer.h) serializes it. It never checks op semantics; the writer
// verifies the bytes it produces.
#ifndef TASKBUILDER_TFLITE_PROGRAM_H_
#define TASKBUILDER_TFLITE_PROGRAM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "graph/types.h"
#include "tf/dtype.h"
#include "tflite/tflite_generated.h"

namespace tb::tflite {

// Writes one BuiltinOptions table when the model is serialized.
using OptionsWriter = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

// Facts the opcode versioner needs that only the options know (tflite-lowering.md §1.9).
struct VersionFlags {
  bool strided_slice_ellipsis_or_new_axis = false;
  bool gather_batch_dims = false;
  bool fully_connected_keep_num_dims = false;
  bool depthwise_dilated = false;
};

struct TensorDef {
  std::string name;
  tf::DType dtype = tf::DType::kInvalid;
  graph::PartialShape shape;         // unknown dims become shape 1 + signature -1; unknown rank: shape []
  std::optional<std::string> data;   // a constant's buffer bytes (numbers little-endian, strings TFLite-encoded)
  bool is_constant() const { return data.has_value(); }
};

struct OperatorDef {
  fb::BuiltinOperator code = fb::BuiltinOperator::ADD;
  std::string custom_code;     // CUSTOM only, e.g. "FlexReluGrad"
  std::string custom_options;  // CUSTOM only: the Flex payload
  std::vector<int32_t> inputs;  // -1: omitted optional operand
  std::vector<int32_t> outputs;
  fb::BuiltinOptions options_type = fb::BuiltinOptions::NONE;
  OptionsWriter options;       // null when options_type is NONE
  VersionFlags flags;
  // Kept even when no output is used: stateful Flex ops (datasets, checkpoints) and control flow over them.
  bool has_side_effects = false;
  // IF / WHILE: the subgraphs it runs (then, else / cond, body).
  std::vector<int> subgraph_refs;
  // Provenance for reports (not serialized): the IR node it came from and, for Flex ops, why no builtin form.
  std::string source_node;
  std::string flex_reason;
};

struct SubgraphDef {
  std::string name;
  std::vector<TensorDef> tensors;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<OperatorDef> operators;

  int AddTensor(TensorDef tensor) {
    tensors.push_back(std::move(tensor));
    return static_cast<int>(tensors.size()) - 1;
  }
};

struct Program {
  std::vector<SubgraphDef> subgraphs;  // [0] is `main`
  std::string description = "taskbuilder";
};

// TFLite's element type for a TF dtype, or nullopt when TFLite has none.
std::optional<fb::TensorType> TensorTypeFromDType(tf::DType dtype);

// Removes operators whose results nobody reads (no later operator, no subgraph output) unless they have side
// effects, then tensors nothing refers to; renumbers what remains. Returns the number of operators removed.
int PruneUnused(SubgraphDef& subgraph);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_PROGRAM_H_
