// Parses an evaluation `checkpoint_selector` ("every_<k>_round" / "every_<k>_hour", behavior.md §3.2, §6.2).
// Only ASCII digits are accepted for k, and k must fit in int64: the original accepted any Unicode numeric and
// then crashed on most of them, so we reject them up front instead (behavior.md §12.16).
#ifndef TASKBUILDER_CONFIG_CHECKPOINT_SELECTOR_H_
#define TASKBUILDER_CONFIG_CHECKPOINT_SELECTOR_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace tb::config {

struct CheckpointSelector {
  enum class Unit { kRound, kHour };
  Unit unit;
  int64_t k;  // >= 0; "every_0_round" is accepted, as in the original
};

// nullopt when `selector` is not exactly every_<digits>_round|hour. The empty string is not handled here: it
// means "every_1_round" (config/defaults.h).
std::optional<CheckpointSelector> ParseCheckpointSelector(std::string_view selector);

}  // namespace tb::config

#endif  // TASKBUILDER_CONFIG_CHECKPOINT_SELECTOR_H_
