// TF StridedSlice semantics (begin/end/strides with begin, end, ellipsis, new-axis and shrink-axis masks) reduced
// to a per-input-dimension plan, shared by the shape function, the StridedSlice/StridedSliceGrad kernels and the
// gradient builder so all three agree. Works on partially known input shapes (-1 dims give -1 sizes).
#ifndef TASKBUILDER_GRAPH_STRIDED_SLICE_H_
#define TASKBUILDER_GRAPH_STRIDED_SLICE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::graph {

struct StridedSliceMasks {
  int64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink_axis = 0;
};

struct StridedSlicePlan {
  // One entry per input dimension: first index, stride and element count taken (-1 when unknown).
  std::vector<int64_t> begin, stride, size;
  std::vector<bool> shrink;
  // Output shape after shrinking and inserting new axes (-1 where unknown).
  std::vector<int64_t> output_shape;
};

// `input_shape` must have a known rank. `begin`, `end`, `strides` must have equal lengths.
absl::StatusOr<StridedSlicePlan> PlanStridedSlice(const std::vector<int64_t>& input_shape,
                                                  const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                                                  const std::vector<int64_t>& strides, const StridedSliceMasks& masks);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_STRIDED_SLICE_H_
