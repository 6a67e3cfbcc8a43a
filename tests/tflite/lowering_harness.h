// Test support for the IR -> TFLite lowering: builds a small IR graph around one computation, lowers it, and runs
// both the IR (reference kernels, IrInterpreter) and the lowered program (the TFLite interpreter), so tests can
// compare the two. Deterministic random inputs included.
#ifndef TASKBUILDER_TESTS_TFLITE_LOWERING_HARNESS_H_
#define TASKBUILDER_TESTS_TFLITE_LOWERING_HARNESS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/builder.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "tf/tensor.h"
#include "tflite/lowering.h"

namespace tb::tflite::testing {

struct InputSpec {
  tf::DType dtype;
  graph::PartialShape shape;  // as the Placeholder declares it (may hold -1)
  tf::Tensor value;           // what both runs are fed
};

using BodyFn = std::function<std::vector<graph::Output>(const graph::Builder& b, const std::vector<graph::Output>& in)>;

struct BothRuns {
  LoweredProgram program;
  std::vector<tf::Tensor> ir;      // IrInterpreter results
  std::vector<tf::Tensor> tflite;  // TFLite interpreter results
};

// Builds placeholders x0, x1, ... from `inputs`, the outputs from `body`, lowers and runs both ways. `library`
// (optional) holds functions the body refers to.
absl::StatusOr<BothRuns> RunBoth(const std::vector<InputSpec>& inputs, const BodyFn& body,
                                 graph::FunctionLibrary* library = nullptr);

// Deterministic values in [lo, hi); with `ties`, values are drawn from a handful of levels so maxima repeat.
tf::Tensor RandomFloats(const tf::Shape& shape, uint64_t seed, float lo = -2.0f, float hi = 2.0f, bool ties = false);
tf::Tensor RandomInts(const tf::Shape& shape, uint64_t seed, int64_t lo, int64_t hi, tf::DType dtype = tf::DType::kInt32);

// "" when equal (bitwise for floats, NaN == NaN), else a description of the first difference. With rtol > 0,
// floats may differ by rtol·max(1, |a|).
std::string Compare(const tf::Tensor& want, const tf::Tensor& got, double rtol = 0.0);

// Number of operators in the program whose op name (builtin name or custom code) is `name`.
int CountOps(const std::string& flatbuffer, const std::string& name);

}  // namespace tb::tflite::testing

#endif  // TASKBUILDER_TESTS_TFLITE_LOWERING_HARNESS_H_
