// The two pieces of arithmetic in task construction, reproduced with the original's float64 truncation
// (behavior.md §6): 100 × 1.15 gives 114, and an eval traffic share of 0.1 gives weight 11.
#ifndef TASKBUILDER_TASKS_AGGREGATION_H_
#define TASKBUILDER_TASKS_AGGREGATION_H_

#include <cstdint>
#include <optional>

namespace tb::tasks {

// int(min_size * (1.0 + rate)) with rate 0 meaning 0.3. nullopt when the result does not fit in int64 (the
// original crashed assigning it to the proto field).
std::optional<int64_t> MaxAggregationSize(int64_t min_size, double over_selection_rate);

// 10000 when share == 1.0, else int(share * 100 / (1.0 - share)): the weight that gives the eval task `share` of
// the traffic next to the training task's weight of 100. REQUIRES: 0 <= share <= 1 (validated).
int64_t EvalTrafficWeight(double evaluation_traffic);

}  // namespace tb::tasks

#endif  // TASKBUILDER_TASKS_AGGREGATION_H_
