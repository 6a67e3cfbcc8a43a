// GraphDef / FunctionDef → IR. Every node goes through Graph::AddNode, so an imported graph is checked exactly
// like a built one: known ops (an unsupported op is an error naming op, node and function), attrs valid with
// defaults restored, input counts and dtypes, shapes consistent. Inputs may appear in any order; cycles, dangling
// references and cyclic call chains between library functions are errors. Work and memory are bounded by
// ImportOptions. `_output_shapes` attrs are dropped (shapes are recomputed); other `_` attrs are kept.
#ifndef TASKBUILDER_GRAPH_IMPORT_H_
#define TASKBUILDER_GRAPH_IMPORT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "tensorflow/function.pb.h"
#include "tensorflow/graph.pb.h"

namespace tb::graph {

struct ImportOptions {
  // Limits on hostile inputs.
  int max_nodes_per_graph = 1'000'000;
  int max_functions = 100'000;
  // Argument shapes to use instead of the ones recorded in a FunctionDef (arg_attr `_output_shapes` or the
  // `_input_shapes` function attr), keyed by function name. Use it to give a body the model's input spec.
  std::map<std::string, std::vector<PartialShape>> arg_shapes;
};

// Imports `library` (functions may call each other in any order) into `out`, callees first. Functions already in
// `out` under the same name are an error.
absl::Status ImportFunctionLibrary(const tensorflow::FunctionDefLibrary& library, FunctionLibrary* out,
                                   const ImportOptions& options = {});

// Imports one FunctionDef into `out`; functions it calls must already be there.
absl::StatusOr<Function*> ImportFunction(const tensorflow::FunctionDef& fdef, FunctionLibrary* out,
                                         const ImportOptions& options = {});

// Imports a GraphDef's nodes into the empty `graph` and its library into `library` (which `graph` should use).
absl::Status ImportGraphDef(const tensorflow::GraphDef& graph_def, Graph* graph, FunctionLibrary* library,
                            const ImportOptions& options = {});

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_IMPORT_H_
