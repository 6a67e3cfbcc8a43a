#include "tflite/device_compat.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "tflite/model_reader.h"
#include "tflite/op_inventory.h"

namespace tb::tflite {
namespace {

constexpr uint64_t kMaxAllowlistBytes = 1 << 20;

// "'MaxPoolGrad' (node 'gradients/pool/MaxPoolGrad' in train_on_batch: overlapping windows ...)".
std::string Usage(const std::string& op, const std::vector<FlexOpUse>* provenance) {
  if (provenance == nullptr) return absl::StrCat("'", op, "'");
  std::vector<std::string> where;
  for (const FlexOpUse& u : *provenance) {
    if (u.op != op) continue;
    where.push_back(absl::StrCat("node '", u.node, "' in ", u.subgraph, ": ", u.reason));
    if (where.size() == 3) break;
  }
  if (where.empty()) return absl::StrCat("'", op, "'");
  return absl::StrCat("'", op, "' (", absl::StrJoin(where, "; "), ")");
}

}  // namespace

absl::StatusOr<FlexAllowlist> LoadFlexAllowlistFile(const std::string& path) {
  auto bytes = ReadFile(path, kMaxAllowlistBytes);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(), absl::StrCat("flex op allowlist ", path, ": ", bytes.status().message()));
  }
  auto list = FlexAllowlist::ParseCsv(*bytes);
  if (!list.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", list.status().message()));
  if (list->ops().empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": the flex op allowlist is empty"));
  return list;
}

absl::StatusOr<DeviceCompatibility> CheckDeviceCompatibility(std::string_view flatbuffer,
                                                             const DeviceCheckOptions& options) {
  TB_ASSIGN_OR_RETURN(Model model, Model::Parse(std::string(flatbuffer)));
  TB_ASSIGN_OR_RETURN(OpInventory inventory, TakeOpInventory(model));
  const FlexAllowlist& allowlist = options.allowlist != nullptr ? *options.allowlist : FlexAllowlist::Default();
  DeviceCompatibility result;
  result.flex_ops = FlexOpNames(inventory);
  const AllowlistVerdict verdict = CheckFlexOps(result.flex_ops, allowlist);
  if (!verdict.ok()) {
    // The original's message (a Python dict of op -> kernel class; we have no kernel classes), then where.
    std::vector<std::string> dict, details;
    for (const std::string& op : verdict.unsupported) {
      dict.push_back(absl::StrCat("'", op, "': ''"));
      details.push_back(Usage(op, options.provenance));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "Please contact Google to register these ops: {", absl::StrJoin(dict, ", "),
        "}. No ODP module can run them as Flex ops and taskbuilder has no exact builtin form for them here: ",
        absl::StrJoin(details, ", ")));
  }
  result.min_client_version = verdict.min_client_version;
  if (options.target_client_version.has_value() && result.min_client_version > *options.target_client_version) {
    std::vector<std::string> newer;
    for (const std::string& op : result.flex_ops) {
      const int64_t v = allowlist.VersionOf(op).value_or(0);
      if (v > *options.target_client_version) {
        newer.push_back(absl::StrCat(Usage(op, options.provenance), " needs module ", v));
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "the device program needs ODP module ", result.min_client_version, " but modules from ",
        *options.target_client_version, " on were asked for: ", absl::StrJoin(newer, ", ")));
  }
  return result;
}

}  // namespace tb::tflite
