// Finite-difference gradient checking for tests: builds f(inputs) with a Builder, reduces it to the scalar
// L = Σ f(inputs)·R with a fixed random R, and compares AddGradients' dL/dinput (run by the IR interpreter) with
// central differences in float64, element by element. Inputs that are not floating point (labels, indices) are
// fed but not differentiated.
#ifndef TASKBUILDER_TESTS_GRAPH_GRADIENT_CHECK_H_
#define TASKBUILDER_TESTS_GRAPH_GRADIENT_CHECK_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/builder.h"
#include "graph/function.h"
#include "tf/tensor.h"

namespace tb::testing {

struct GradCheckOptions {
  // Declare inputs with unknown dims (same rank) so gradients take their dynamic-shape paths.
  bool dynamic_shapes = false;
  double step = 1e-6;
  double rtol = 1e-5;
  double atol = 1e-7;
  // Check at most this many elements per input (evenly spaced), to keep big cases fast.
  int max_elements = 400;
  uint64_t seed = 7;
  // Library for call ops in the built function; calls are inlined before differentiating.
  const graph::FunctionLibrary* library = nullptr;
};

using BuildFn = std::function<graph::Output(const graph::Builder& b, const std::vector<graph::Output>& inputs)>;

// OK, or a description of the first mismatch / failure.
absl::Status CheckGradients(const BuildFn& build, const std::vector<tf::Tensor>& inputs,
                            const GradCheckOptions& options = {});

// The same check on an existing graph: `loss` is a scalar, `xs` are outputs (usually Placeholders, fed in
// `feeds`) to differentiate. Calls must already be inlined.
absl::Status CheckScalarGradients(graph::Graph& g, graph::Output loss, const std::vector<graph::Output>& xs,
                                  const std::map<graph::Output, tf::Tensor>& feeds, const GradCheckOptions& options = {});

// A float64 tensor of `shape` with values uniform in [lo, hi) from `seed`.
tf::Tensor RandomDoubles(const tf::Shape& shape, double lo, double hi, uint64_t seed);

}  // namespace tb::testing

#endif  // TASKBUILDER_TESTS_GRAPH_GRADIENT_CHECK_H_
