#include "plan/plan_builder.h"

#include <limits>

#include "base/status_macros.h"
#include "graph/export.h"
#include "plan/client_phase.h"
#include "plan/server_graph.h"

namespace tb::plan {
namespace {

constexpr char kGraphDefTypeUrl[] = "type.googleapis.com/tensorflow.GraphDef";

}  // namespace

absl::StatusOr<tensorflow::GraphDef> ExportClientGraph(const fl::ClientProgram& client) {
  if (client.graph == nullptr) return absl::InvalidArgumentError("the client program is empty");
  return graph::ExportGraphDef(*client.graph, client.library.get());
}

absl::StatusOr<tensorflow::GraphDef> ExportServerGraph(const fl::MapReduceProgram& program) {
  TB_ASSIGN_OR_RETURN(ServerGraph server, BuildServerGraph(program));
  return graph::ExportGraphDef(*server.graph);
}

absl::StatusOr<PlanArtifacts> AssemblePlan(const fl::MapReduceProgram& program, const DeviceProgram& device) {
  TB_ASSIGN_OR_RETURN(ServerGraph server, BuildServerGraph(program));
  TB_ASSIGN_OR_RETURN(tensorflow::GraphDef server_graph, graph::ExportGraphDef(*server.graph));
  TB_ASSIGN_OR_RETURN(fcp::ClientPhase client_phase, MakeClientPhase(program.client));

  PlanArtifacts out;
  fcp::Plan& plan = out.plan;
  *plan.mutable_server_savepoint() = server.server_savepoint;
  fcp::Plan::Phase* phase = plan.add_phase();
  *phase->mutable_client_phase() = client_phase;
  *phase->mutable_server_phase() = std::move(server.server_phase);
  plan.mutable_server_graph_bytes()->set_type_url(kGraphDefTypeUrl);
  plan.mutable_server_graph_bytes()->set_value(SerializeDeterministic(server_graph));
  plan.set_version(1);

  fcp::ClientOnlyPlan& client = out.client_only_plan;
  *client.mutable_phase() = client_phase;
  if (!device.tflite.empty()) {
    // As the original after its conversion: the flatbuffer only, client_graph_bytes cleared.
    plan.set_client_tflite_graph_bytes(device.tflite);
    client.set_tflite_graph(device.tflite);
  } else {
    const std::string graph_bytes = SerializeDeterministic(device.graph);
    plan.mutable_client_graph_bytes()->set_type_url(kGraphDefTypeUrl);
    plan.mutable_client_graph_bytes()->set_value(graph_bytes);
    client.set_graph(graph_bytes);
  }
  return out;
}

}  // namespace tb::plan
