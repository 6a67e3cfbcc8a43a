#include "tflite/op_inventory.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tflite/flex_payload.h"
#include "tflite/runtime_versions.h"

namespace tb::tflite {

absl::StatusOr<OpInventory> TakeOpInventory(const Model& model) {
  OpInventory inv;
  std::map<std::pair<std::string, int>, BuiltinUse> builtins;
  std::map<std::string, FlexUse> flex;
  std::set<std::string> custom;
  const int32_t kCustom = static_cast<int32_t>(fb::BuiltinOperator::CUSTOM);
  for (int s = 0; s < model.num_subgraphs(); ++s) {
    const fb::SubGraph& sg = model.subgraph(s);
    SubgraphSummary summary;
    summary.name = model.SubgraphName(s);
    summary.num_tensors = static_cast<int>(sg.tensors()->size());
    summary.num_operators = static_cast<int>(sg.operators()->size());
    summary.num_inputs = sg.inputs() == nullptr ? 0 : static_cast<int>(sg.inputs()->size());
    summary.num_outputs = sg.outputs() == nullptr ? 0 : static_cast<int>(sg.outputs()->size());
    inv.subgraphs.push_back(std::move(summary));
    for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
      const fb::Operator& op = *sg.operators()->Get(i);
      const int32_t code = model.OpCode(op);
      if (code != kCustom) {
        const int version = model.OpVersion(op);
        BuiltinUse& use = builtins[{BuiltinName(code), version}];
        use.code = code;
        use.name = BuiltinName(code);
        use.version = version;
        use.min_runtime = std::string(MinRuntimeVersionForOp(code, version));
        ++use.count;
        continue;
      }
      const std::string_view custom_code = model.CustomCode(op);
      const std::string_view tf_op = FlexOpFromCustomCode(custom_code);
      if (tf_op.empty()) {
        custom.insert(std::string(custom_code));
        continue;
      }
      FlexUse& use = flex[std::string(tf_op)];
      use.op = std::string(tf_op);
      ++use.count;
      const std::string_view options = model.CustomOptions(op);
      if (options.empty()) continue;
      const std::string where = model.DescribeOperator(s, static_cast<int>(i));
      if (op.custom_options_format() != fb::CustomOptionsFormat::FLEXBUFFERS) {
        return absl::InvalidArgumentError(absl::StrCat("TFLite model: ", where, ": custom_options_format ",
                                                       static_cast<int>(op.custom_options_format()),
                                                       " is not FLEXBUFFERS"));
      }
      auto payload = DecodeFlexPayload(options);
      if (!payload.ok()) return Annotate(payload.status(), absl::StrCat("TFLite model: ", where));
      if (payload->op != tf_op) {
        return absl::InvalidArgumentError(absl::StrCat("TFLite model: ", where, ": Flex payload runs op '",
                                                       payload->op, "' but the custom code says '",
                                                       ToAbsl(tf_op), "'"));
      }
      use.has_payload = true;
    }
  }
  for (auto& [key, use] : builtins) {
    if (!use.min_runtime.empty() &&
        (inv.implied_min_runtime.empty() || CompareRuntimeVersions(use.min_runtime, inv.implied_min_runtime) > 0)) {
      inv.implied_min_runtime = use.min_runtime;
    }
    inv.builtins.push_back(std::move(use));
  }
  for (auto& [name, use] : flex) inv.flex_ops.push_back(std::move(use));
  inv.custom_ops.assign(custom.begin(), custom.end());
  inv.declared_min_runtime = model.MinRuntimeVersion();
  return inv;
}

std::vector<std::string> FlexOpNames(const OpInventory& inventory) {
  std::vector<std::string> names;
  for (const FlexUse& use : inventory.flex_ops) names.push_back(use.op);
  return names;
}

}  // namespace tb::tflite
