// ε of single-epoch tree aggregation (dp_accounting's SingleEpochTreeAggregationDpEvent with one step count T)
// under the RDP accountant with the replace-special relation and its default 156 orders: a closed form
// (behavior.md §4.2.1) that reproduces the library to the last bit. Pure; never fails for validated inputs.
#ifndef TASKBUILDER_DP_RDP_TREE_ACCOUNTANT_H_
#define TASKBUILDER_DP_RDP_TREE_ACCOUNTANT_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace tb::dp {

// σ >= 0 (0 gives +inf unless T == 0), T >= 0 (0 gives 0), δ in [0, 1].
absl::StatusOr<double> TreeAggregationEpsilon(double noise_multiplier, int64_t rounds, double delta);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_RDP_TREE_ACCOUNTANT_H_
