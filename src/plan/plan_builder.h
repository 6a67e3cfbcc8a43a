// Assembles what one task ships (behavior.md §10.2): the server Plan (V1: server_savepoint, one phase with the
// client and server phases, the flat server GraphDef, version 1, the device program), the device's ClientOnlyPlan
// (the same ClientPhase and the device program) and the initial server checkpoint. The device program arrives
// ready-made: a TFLite flatbuffer when the backend produced one, else the client GraphDef (what the original has
// before its TFLite conversion). Field presence and names follow the sample plans exactly (artifacts.md §3, §5).
#ifndef TASKBUILDER_PLAN_PLAN_BUILDER_H_
#define TASKBUILDER_PLAN_PLAN_BUILDER_H_

#include <string>

#include "base/deterministic_serialization.h"
#include "absl/status/statusor.h"
#include "fcp/plan.pb.h"
#include "fl/map_reduce_program.h"
#include "tensorflow/graph.pb.h"

namespace tb::plan {

namespace fcp = ::google::internal::federated::plan;

struct DeviceProgram {
  std::string tflite;                      // TFLite flatbuffer; empty when not converted
  tensorflow::GraphDef graph;              // the client GraphDef; used when `tflite` is empty
};

struct PlanArtifacts {
  fcp::Plan plan;
  fcp::ClientOnlyPlan client_only_plan;
};

// The client program as a GraphDef with its function library (what a TensorFlow client or the TFLite converter
// takes).
absl::StatusOr<tensorflow::GraphDef> ExportClientGraph(const fl::ClientProgram& client);

// The server graph as the GraphDef a TF 2.14 server runs.
absl::StatusOr<tensorflow::GraphDef> ExportServerGraph(const fl::MapReduceProgram& program);

absl::StatusOr<PlanArtifacts> AssemblePlan(const fl::MapReduceProgram& program, const DeviceProgram& device);


}  // namespace tb::plan

#endif  // TASKBUILDER_PLAN_PLAN_BUILDER_H_
