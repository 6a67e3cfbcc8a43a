#include "cli/flags.h"

#include <cerrno>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tb::cli {

absl::StatusOr<Flags> Flags::Parse(const std::vector<std::string>& args, const std::set<std::string>& bool_flags) {
  Flags flags;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      flags.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = body;
    std::optional<std::string> value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("malformed flag: ", arg));
    if (bool_flags.count(name)) {
      if (!value) value = "true";
    } else if (!value && name.rfind("no", 0) == 0 && bool_flags.count(name.substr(2))) {
      name = name.substr(2);
      value = "false";
    } else if (!value) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      value = args[++i];
    }
    flags.values_.emplace(name, *value);
  }
  return flags;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  return std::prev(range.second)->second;  // the last occurrence wins, as with absl flags
}

std::string Flags::GetOr(const std::string& name, const std::string& fallback) const {
  auto v = Get(name);
  return v ? *v : fallback;
}

bool Flags::GetBool(const std::string& name) const {
  auto v = Get(name);
  return v && (*v == "true" || *v == "1" || *v == "yes");
}

absl::StatusOr<int64_t> Flags::GetInt(const std::string& name, int64_t fallback) const {
  auto v = Get(name);
  if (!v) return fallback;
  int64_t out = 0;
  if (!absl::SimpleAtoi(*v, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("flag --", name, " expects an integer, got '", *v, "'"));
  }
  return out;
}

absl::StatusOr<double> Flags::GetDouble(const std::string& name, double fallback) const {
  auto v = Get(name);
  if (!v) return fallback;
  double out = 0;
  if (!absl::SimpleAtod(*v, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("flag --", name, " expects a number, got '", *v, "'"));
  }
  return out;
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

absl::Status Flags::CheckKnown(const std::set<std::string>& known) const {
  for (const auto& [name, value] : values_) {
    if (!known.count(name)) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
  }
  return absl::OkStatus();
}

}  // namespace tb::cli
