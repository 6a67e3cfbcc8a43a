#include "graph/strided_slice.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tb::graph {

absl::StatusOr<StridedSlicePlan> PlanStridedSlice(const std::vector<int64_t>& input_shape,
                                                  const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                                                  const std::vector<int64_t>& strides, const StridedSliceMasks& masks) {
  const int sparse = static_cast<int>(begin.size());
  if (end.size() != begin.size() || strides.size() != begin.size()) {
    return absl::InvalidArgumentError("begin, end and strides must have the same length");
  }
  if (sparse > 64) return absl::InvalidArgumentError("too many slice specifications");
  const int rank = static_cast<int>(input_shape.size());
  auto bit = [](int64_t mask, int i) { return i < 64 && ((mask >> i) & 1) != 0; };
  int ellipsis_count = 0;
  for (int i = 0; i < sparse; ++i) ellipsis_count += bit(masks.ellipsis, i);
  if (ellipsis_count > 1) return absl::InvalidArgumentError("multiple ellipses in slice spec not allowed");

  // Entries of the sparse spec that are not new axes consume input dims; an implicit ellipsis sits at the end.
  int consuming = 0;
  for (int i = 0; i < sparse; ++i) {
    if (!bit(masks.new_axis, i) && !bit(masks.ellipsis, i)) ++consuming;
  }
  if (consuming > rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("slice index spec of length ", sparse, " is longer than the input rank ", rank));
  }

  StridedSlicePlan plan;
  plan.begin.assign(rank, 0);
  plan.stride.assign(rank, 1);
  plan.size.assign(rank, -1);
  plan.shrink.assign(rank, false);
  // Per input dim: (begin, end, stride, begin_masked, end_masked). Dims not mentioned take the full range.
  struct Dense {
    int64_t b = 0, e = 0, s = 1;
    bool full_b = true, full_e = true, shrink = false;
  };
  std::vector<Dense> dense(rank);
  // Output layout: for each output position, either an input dim index or -1 for a new axis.
  std::vector<int> layout;
  int dim = 0;
  for (int i = 0; i < sparse; ++i) {
    if (bit(masks.ellipsis, i)) {
      const int after = [&] {
        int n = 0;
        for (int j = i + 1; j < sparse; ++j) n += !bit(masks.new_axis, j);
        return n;
      }();
      const int stop = rank - after;
      for (; dim < stop; ++dim) layout.push_back(dim);
      continue;
    }
    if (bit(masks.new_axis, i)) {
      layout.push_back(-1);
      continue;
    }
    Dense& d = dense[dim];
    d.b = begin[i];
    d.e = end[i];
    d.s = strides[i];
    if (d.s == 0) return absl::InvalidArgumentError(absl::StrCat("strides[", i, "] must be non-zero"));
    d.full_b = bit(masks.begin, i);
    d.full_e = bit(masks.end, i);
    d.shrink = bit(masks.shrink_axis, i);
    layout.push_back(dim);
    ++dim;
  }
  for (; dim < rank; ++dim) layout.push_back(dim);

  for (int k = 0; k < rank; ++k) {
    const Dense& d = dense[k];
    const int64_t n = input_shape[k];
    plan.stride[k] = d.s;
    if (d.shrink) {
      plan.shrink[k] = true;
      plan.size[k] = 1;
      int64_t idx = d.b;
      if (n >= 0) {
        if (idx < -n || idx >= n) {
          return absl::InvalidArgumentError(
              absl::StrCat("slice index ", d.b, " of dimension ", k, " out of bounds (size ", n, ")"));
        }
        if (idx < 0) idx += n;
      } else if (idx < 0) {
        idx = -1;  // unknown until run time
      }
      plan.begin[k] = idx;
      plan.stride[k] = 1;
      continue;
    }
    if (n < 0) {
      plan.begin[k] = d.full_b ? 0 : d.b;
      plan.size[k] = -1;
      continue;
    }
    // Clamp into the valid range for the stride's direction (TF semantics).
    const bool pos = d.s > 0;
    const int64_t lo = pos ? 0 : -1, hi = pos ? n : n - 1;
    auto canonical = [&](int64_t x, bool masked, bool is_begin) {
      if (masked) return pos == is_begin ? lo : hi;
      if (x < 0) x += n;
      return std::clamp(x, lo, hi);
    };
    const int64_t b = canonical(d.b, d.full_b, true);
    const int64_t e = canonical(d.e, d.full_e, false);
    int64_t size = 0;
    if ((pos && e > b) || (!pos && e < b)) {
      const int64_t span = pos ? e - b : b - e;
      const int64_t step = pos ? d.s : -d.s;
      size = (span + step - 1) / step;
    }
    plan.begin[k] = b;
    plan.size[k] = size;
  }
  for (int pos : layout) {
    if (pos < 0) {
      plan.output_shape.push_back(1);
    } else if (!plan.shrink[pos]) {
      plan.output_shape.push_back(plan.size[pos]);
    }
  }
  return plan;
}

}  // namespace tb::graph
