#include "plan/plan_builder.h"

#include <limits>

#include "base/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "graph/export.h"
#include "plan/client_phase.h"
#include "plan/server_graph.h"

namespace tb::plan {
namespace {

constexpr char kGraphDefTypeUrl[] = "type.googleapis.com/tensorflow.GraphDef";

}  // namespace

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  // Sized once and written in place: a StringOutputStream grows (and zero-fills) its string step by step, which
  // was a sixth of assembling a plan.
  const size_t size = message.ByteSizeLong();
  std::string out;
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) {  // beyond protobuf's limit: let it say so
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
    return out;
  }
  out.resize(size);
  google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  coded.Trim();
  out.resize(static_cast<size_t>(coded.ByteCount()));
  return out;
}

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
