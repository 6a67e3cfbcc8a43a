// Runs exported GraphDefs in tfjs (tests/js/tfjs/run_graph.js, the pure-JS TensorFlow executor) so tests can
// compare its numbers with our kernels'. The graph must be flat (no function library) and every Const is shipped in
// the weights manifest, as tfjs requires.
#ifndef TASKBUILDER_TESTS_GRAPH_TFJS_RUNNER_H_
#define TASKBUILDER_TESTS_GRAPH_TFJS_RUNNER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/graph.pb.h"
#include "tf/tensor.h"

namespace tb::testing {

// Empty when tfjs is runnable; else what is missing (e.g. "run scripts/install-js.sh").
std::string TfjsMissing();

// Writes model.json (+ weights.bin) for `graph_def` into `dir`.
absl::Status WriteTfjsModel(const tensorflow::GraphDef& graph_def, const std::string& dir);

// Runs the model in `dir` with `inputs` (by placeholder name) and returns `outputs` ("node" or "node:i") as float32
// or int32 tensors.
absl::StatusOr<std::vector<tf::Tensor>> RunTfjs(const std::string& dir, const std::map<std::string, tf::Tensor>& inputs,
                                                const std::vector<std::string>& outputs);

}  // namespace tb::testing

#endif  // TASKBUILDER_TESTS_GRAPH_TFJS_RUNNER_H_
