// The TF ops an ODP device's Flex delegate can run, each with the ODP module version that added it
// (ODP's support_ops.csv: "version,op" rows). A program with any Flex op outside the list fails on the device
// with "Please contact Google to register these ops"; the highest version among its ops is the task's
// min_client_version. Pure data and lookups: no model access, no I/O.
#ifndef TASKBUILDER_TFLITE_FLEX_ALLOWLIST_H_
#define TASKBUILDER_TFLITE_FLEX_ALLOWLIST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::tflite {

class FlexAllowlist {
 public:
  // The list ODP v0.7.1 ships (24 ops at 341812000 / 341912000), built in.
  static const FlexAllowlist& Default();

  // Parses "version,op" lines (blank lines and surrounding spaces ignored). InvalidArgument names the line.
  static absl::StatusOr<FlexAllowlist> ParseCsv(std::string_view csv);

  // The module version that added `op`, or nullopt when the device cannot run it.
  std::optional<int64_t> VersionOf(std::string_view op) const;
  const std::map<std::string, int64_t, std::less<>>& ops() const { return ops_; }

 private:
  std::map<std::string, int64_t, std::less<>> ops_;
};

struct AllowlistVerdict {
  std::vector<std::string> unsupported;  // sorted
  int64_t min_client_version = 0;        // max version over the supported ops; 0 when there are none
  bool ok() const { return unsupported.empty(); }
};

// Compares versions numerically (the original compared strings; behavior.md §12 item 30).
AllowlistVerdict CheckFlexOps(const std::vector<std::string>& ops, const FlexAllowlist& allowlist);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_FLEX_ALLOWLIST_H_
