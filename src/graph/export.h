// IR → GraphDef / FunctionDef that TensorFlow 2.14 accepts (tf-ops.md §1): nodes in deterministic topological
// order, inputs as "node[:i]" (graphs) or "node:out_arg:i" (function bodies) followed by "^control" inputs,
// versions {producer 1575, min_consumer 12}, and only attrs the op's OpDef has (plus `_` attrs the node carries).
// Export never invents nodes; IR-internal ops other than function arguments are refused.
#ifndef TASKBUILDER_GRAPH_EXPORT_H_
#define TASKBUILDER_GRAPH_EXPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "tensorflow/function.pb.h"
#include "tensorflow/graph.pb.h"

namespace tb::graph {

struct ExportOptions {
  int producer = 1575;     // TF 2.14's TF_GRAPH_DEF_VERSION
  int min_consumer = 12;   // what TF writes once a function library exists
  // Omit attrs equal to their OpDef default (as SavedModels do). Off by default: TF 2.14 Python writes them all.
  bool strip_default_attrs = false;
  // Keep `_`-prefixed attrs (e.g. _class, _user_specified_name).
  bool keep_internal_attrs = true;
};

absl::StatusOr<tensorflow::FunctionDef> ExportFunction(const Function& fn, const ExportOptions& options = {});
// Every function in `library`, sorted by name.
absl::StatusOr<tensorflow::FunctionDefLibrary> ExportFunctionLibrary(const FunctionLibrary& library,
                                                                     const ExportOptions& options = {});
// The graph's nodes plus the functions of `library` it reaches (transitively, through call ops and func attrs);
// `library` may be null when the graph calls nothing.
absl::StatusOr<tensorflow::GraphDef> ExportGraphDef(const Graph& graph, const FunctionLibrary* library = nullptr,
                                                    const ExportOptions& options = {});

// Names of the library functions `graph` references directly (call-by-name ops and func attrs), sorted.
std::vector<std::string> ReferencedFunctions(const Graph& graph);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_EXPORT_H_
