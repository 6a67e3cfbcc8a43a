// Command-line flags in the original task builder's style: --name=value, --name value, --bool, --nobool,
// --bool=true|false. Unknown flags are errors the caller reports (CheckKnown), never silently ignored.
#ifndef TASKBUILDER_CLI_FLAGS_H_
#define TASKBUILDER_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tb::cli {

class Flags {
 public:
  // Parses argv (without the program and subcommand names). `bool_flags` lists flags that take no value.
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& args, const std::set<std::string>& bool_flags);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  bool GetBool(const std::string& name) const;  // false when absent
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback) const;
  absl::StatusOr<double> GetDouble(const std::string& name, double fallback) const;
  // Every value given for a repeatable flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // InvalidArgument naming the first flag not in `known`.
  absl::Status CheckKnown(const std::set<std::string>& known) const;

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace tb::cli

#endif  // TASKBUILDER_CLI_FLAGS_H_
