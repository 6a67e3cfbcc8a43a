// The V1 server graph of a Plan, assembled from a MapReduce program the way FCP's plan builder lays it out
// (artifacts.md §3.2): resource variables for the server state ("server/"), metrics ("metrics/"), broadcast
// ("client/"), client update ("update/") and its two accumulators ("intermediate_update/", "aggregated_update/");
// the six V1 savepoints; the MRF pieces inlined under "prepare/", "zero/", "accumulate/", "merge/", "report/" and
// "update_1/"; and the NoOps the ServerPhase names (group_deps_N). Every name the Plan refers to equals the
// original's for the same state, update and metric layout. The graph is flat: no functions, no control flow ops.
#ifndef TASKBUILDER_PLAN_SERVER_GRAPH_H_
#define TASKBUILDER_PLAN_SERVER_GRAPH_H_

#include <memory>

#include "absl/status/statusor.h"
#include "fcp/plan.pb.h"
#include "fl/map_reduce_program.h"
#include "graph/graph.h"

namespace tb::plan {

namespace fcp = ::google::internal::federated::plan;

struct ServerGraph {
  std::unique_ptr<graph::Graph> graph;
  fcp::CheckpointOp server_savepoint;
  fcp::ServerPhase server_phase;  // everything but the client phase
};

absl::StatusOr<ServerGraph> BuildServerGraph(const fl::MapReduceProgram& program);

}  // namespace tb::plan

#endif  // TASKBUILDER_PLAN_SERVER_GRAPH_H_
