// GraphDef import: arbitrary bytes parsed as a GraphDef (with its function library) must import or fail with a
// Status, never crash, hang or allocate without bound; whatever imports must export and re-import.
#include <cstddef>
#include <cstdint>

#include "graph/export.h"
#include "graph/import.h"
#include "tensorflow/graph.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  tensorflow::GraphDef gdef;
  if (!gdef.ParseFromArray(data, static_cast<int>(size))) return 0;
  tb::graph::ImportOptions options;
  options.max_nodes_per_graph = 5000;
  options.max_functions = 200;
  tb::graph::FunctionLibrary library;
  tb::graph::Graph graph(&library);
  if (!tb::graph::ImportGraphDef(gdef, &graph, &library, options).ok()) return 0;
  auto exported = tb::graph::ExportGraphDef(graph, &library);
  if (!exported.ok()) return 0;
  tb::graph::FunctionLibrary library2;
  tb::graph::Graph graph2(&library2);
  if (!tb::graph::ImportGraphDef(*exported, &graph2, &library2, options).ok()) __builtin_trap();
  return 0;
}
