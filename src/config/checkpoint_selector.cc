#include "config/checkpoint_selector.h"

#include <limits>

namespace tb::config {

std::optional<CheckpointSelector> ParseCheckpointSelector(std::string_view selector) {
  // Python: parts = s.split("_"); exactly three parts, so no '_' may appear inside k or the unit.
  const size_t first = selector.find('_');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = selector.find('_', first + 1);
  if (second == std::string_view::npos || selector.find('_', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view head = selector.substr(0, first);
  const std::string_view number = selector.substr(first + 1, second - first - 1);
  const std::string_view unit = selector.substr(second + 1);
  if (head != "every" || number.empty()) return std::nullopt;

  CheckpointSelector out;
  if (unit == "round") {
    out.unit = CheckpointSelector::Unit::kRound;
  } else if (unit == "hour") {
    out.unit = CheckpointSelector::Unit::kHour;
  } else {
    return std::nullopt;
  }
  int64_t k = 0;
  for (char c : number) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (k > (std::numeric_limits<int64_t>::max() - digit) / 10) return std::nullopt;  // would not fit the proto
    k = k * 10 + digit;
  }
  out.k = k;
  return out;
}

}  // namespace tb::config
