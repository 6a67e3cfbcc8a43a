// Reverse-mode automatic differentiation on the IR. AddGradients(graph, ys, xs) appends to `graph` the nodes that
// compute d(Σ_i ⟨ys[i], grad_ys[i]⟩)/d xs[j], using one gradient function per op (autodiff/grad_registry.h):
// only nodes on a path from some x to some y are differentiated, only floating-point values carry gradients, fan-in
// is summed with AddN, and gradient nodes are named "<scope>/<forward node name>/...". Call ops must be inlined
// first (passes/inline.h); an op on the path without a gradient is an error naming op and node. AddGradients
// never changes existing nodes; on error the graph may hold some unused gradient nodes (run DCE).
#ifndef TASKBUILDER_GRAPH_AUTODIFF_GRADIENTS_H_
#define TASKBUILDER_GRAPH_AUTODIFF_GRADIENTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"

namespace tb::graph {

struct GradientOptions {
  // What an x that does not influence any y gets: an invalid Output, or zeros shaped like x.
  bool zeros_for_unconnected = false;
  // Name scope of every gradient node.
  std::string scope = "gradients";
};

// REQUIRES: ys and xs are outputs of nodes in `graph`; grad_ys is empty or has one entry per y with the y's dtype
// (empty means ones shaped like each y).
absl::StatusOr<std::vector<Output>> AddGradients(Graph& graph, absl::Span<const Output> ys,
                                                 absl::Span<const Output> xs, absl::Span<const Output> grad_ys = {},
                                                 const GradientOptions& options = {});

// True for dtypes that carry gradients (float, double, half).
bool IsDifferentiableType(tf::DType dtype);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_AUTODIFF_GRADIENTS_H_
