#include "tasks/aggregation.h"

#include <cmath>

#include "config/defaults.h"

namespace tb::tasks {

std::optional<int64_t> MaxAggregationSize(int64_t min_size, double over_selection_rate) {
  const double rate = over_selection_rate != 0 ? over_selection_rate : config::kDefaultOverSelectionRate;
  const double product = static_cast<double>(min_size) * (1.0 + rate);
  // 2^63 is the first double past int64's range; truncation toward zero is what Python's int() does.
  if (!(std::fabs(product) < 9223372036854775808.0)) return std::nullopt;
  return static_cast<int64_t>(product);
}

int64_t EvalTrafficWeight(double evaluation_traffic) {
  if (evaluation_traffic == 1.0) return config::kTrafficWeightScale;
  return static_cast<int64_t>(evaluation_traffic * 100 / (1.0 - evaluation_traffic));
}

}  // namespace tb::tasks
