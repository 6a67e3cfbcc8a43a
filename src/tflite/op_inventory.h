// What a TFLite program asks of the runtime that will execute it: each builtin (code, opcode version) with its
// minimum runtime release, each Flex op (TF op name, as the device's Flex delegate resolves it), other custom
// ops, and the min_runtime_version the program declares versus the one its operators imply. Read-only; it
// decodes Flex payloads to check them but never interprets NodeDefs.
#ifndef TASKBUILDER_TFLITE_OP_INVENTORY_H_
#define TASKBUILDER_TFLITE_OP_INVENTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tflite/model_reader.h"

namespace tb::tflite {

struct BuiltinUse {
  int32_t code = 0;
  std::string name;             // "FULLY_CONNECTED"
  int version = 1;
  int count = 0;                // operators using this (code, version) across all subgraphs
  std::string min_runtime;      // "" when the pair is not in the runtime-version table
};

struct FlexUse {
  std::string op;               // TF op name from the custom code ("L2Loss" for "FlexL2Loss")
  int count = 0;
  bool has_payload = false;     // false when custom_options is empty (the flex-op scan skips such operators)
};

struct SubgraphSummary {
  std::string name;
  int num_tensors = 0;
  int num_operators = 0;
  int num_inputs = 0;
  int num_outputs = 0;
};

struct OpInventory {
  std::vector<BuiltinUse> builtins;        // sorted by name, then version
  std::vector<FlexUse> flex_ops;           // sorted by op name
  std::vector<std::string> custom_ops;     // non-Flex custom codes, sorted, unique
  std::vector<SubgraphSummary> subgraphs;  // in model order
  std::string implied_min_runtime;         // max over builtins' min_runtime ("" when none is known)
  std::optional<std::string> declared_min_runtime;  // the min_runtime_version metadata, if present
};

// Fails (InvalidArgument naming subgraph and operator) when a Flex operator's custom_options are not a valid
// [op, NodeDef] payload, are not FLEXBUFFERS, or name a different op than the custom code.
absl::StatusOr<OpInventory> TakeOpInventory(const Model& model);

// The Flex op names alone, sorted and unique (what ODP's flex-op check compares with its allowlist).
std::vector<std::string> FlexOpNames(const OpInventory& inventory);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_OP_INVENTORY_H_
