// The window attrs (strides, kernel, dilations, padding) of the NHWC convolutions and pools the nn lowerings turn
// into builtins, shared by the forward (lower_nn.cc) and gradient (lower_nn_grad.cc) lowerings.
#ifndef TASKBUILDER_TFLITE_LOWER_WINDOW_H_
#define TASKBUILDER_TFLITE_LOWER_WINDOW_H_

#include "absl/status/statusor.h"
#include "graph/window.h"
#include "tflite/lowering_context.h"

namespace tb::tflite {

// The node's window, or NotBuiltin for NCHW layouts and EXPLICIT padding (no builtin has them).
absl::StatusOr<graph::Window2D> BuiltinWindow(NodeContext& c, bool pool);

fb::Padding PaddingOf(const graph::Window2D& w);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_LOWER_WINDOW_H_
