// The ClientPhase of ODP plans: the TensorflowSpec naming the client program's dataset token, checkpoint path
// inputs and target node, with the ExampleSelector the device queries its example store with, and the
// FederatedComputeIORouter that feeds the checkpoint paths. The same bytes go into Plan.phase[0] and the
// ClientOnlyPlan (135 bytes for an empty selector, artifacts.md §3.1).
#ifndef TASKBUILDER_PLAN_CLIENT_PHASE_H_
#define TASKBUILDER_PLAN_CLIENT_PHASE_H_

#include "absl/status/statusor.h"
#include "fcp/plan.pb.h"
#include "fl/map_reduce_program.h"

namespace tb::plan {

namespace fcp = ::google::internal::federated::plan;

// Fails when the program's serialized ExampleSelector does not parse.
absl::StatusOr<fcp::ClientPhase> MakeClientPhase(const fl::ClientProgram& client);

}  // namespace tb::plan

#endif  // TASKBUILDER_PLAN_CLIENT_PHASE_H_
