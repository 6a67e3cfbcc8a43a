// Sliding-window geometry shared by the Conv2D/pooling shape functions and kernels, so a graph's static shapes
// and the values computed for it agree by construction: output size and padding per spatial dimension for
// VALID/SAME/EXPLICIT padding (TF semantics), and the attr bundle of 2-D convolutions and pools.
#ifndef TASKBUILDER_GRAPH_WINDOW_H_
#define TASKBUILDER_GRAPH_WINDOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attrs.h"

namespace tb::graph {

enum class Padding { kValid, kSame, kExplicit };

struct WindowDim {
  int64_t out = -1;        // -1 when the input size is unknown
  int64_t pad_before = 0;  // meaningful only when out >= 0
  int64_t pad_after = 0;
};

// REQUIRES: window, stride, dilation >= 1. `input` may be -1 (unknown). Errors when the window does not fit.
absl::StatusOr<WindowDim> ComputeWindow(int64_t input, int64_t window, int64_t stride, int64_t dilation,
                                        Padding padding, int64_t explicit_before = 0, int64_t explicit_after = 0);

// Attrs of Conv2D, its backprops, DepthwiseConv2dNative, MaxPool, AvgPool and their grads, validated: 4-element
// strides/ksize/dilations with batch and channel entries 1, padding, explicit paddings, data format.
struct Window2D {
  bool nchw = false;
  Padding padding = Padding::kValid;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t ksize_h = 1, ksize_w = 1;  // pools only
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // EXPLICIT only
  // Axis positions of the layout.
  int h_axis() const { return nchw ? 2 : 1; }
  int w_axis() const { return nchw ? 3 : 2; }
  int c_axis() const { return nchw ? 1 : 3; }
};
// `pool` reads ksize instead of dilations.
absl::StatusOr<Window2D> ParseWindow2D(AttrView attrs, bool pool);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_WINDOW_H_
