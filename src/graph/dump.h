// Human-readable listings of IR for debugging and error reports: one line per node in topological order,
// "name = Op(input, ...) : type, ... [^control, ...]". Never used for anything machine-read.
#ifndef TASKBUILDER_GRAPH_DUMP_H_
#define TASKBUILDER_GRAPH_DUMP_H_

#include <string>

#include "graph/function.h"
#include "graph/graph.h"

namespace tb::graph {

std::string DumpGraph(const Graph& graph);
std::string DumpFunction(const Function& fn);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_DUMP_H_
