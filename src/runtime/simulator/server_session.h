// The ODP server's view of a V1 Plan (MapReduceForm ServerPhase), with FCP's TensorflowPhaseSession semantics:
// a session over the server graph, created from a server checkpoint (model updater, task scheduler) or empty
// (aggregator); client updates and intermediate aggregates go in through their CheckpointOps (before op, SaverDef
// restore, after op) followed by the accumulate ops, phase_init running once before the first; results come out
// through SaverDef saves (server checkpoint, intermediate update, client checkpoint) and metric fetches.
// Checkpoints are exchanged as V1 files, as in FCP. It never interprets tensor names beyond what the Plan says.
#ifndef TASKBUILDER_RUNTIME_SIMULATOR_SERVER_SESSION_H_
#define TASKBUILDER_RUNTIME_SIMULATOR_SERVER_SESSION_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "fcp/plan.pb.h"
#include "runtime/graphdef/session.h"
#include "tensorflow/graph.pb.h"

namespace tb::runtime::simulator {

namespace plan = ::google::internal::federated::plan;

// The parts of a Plan the server runs, parsed once and shared by every session of a simulation.
struct ServerProgram {
  plan::Plan plan;  // without the (large) graph bytes
  std::shared_ptr<const tensorflow::GraphDef> graph;
  const plan::ServerPhase& phase() const { return plan.phase(0).server_phase(); }
};

// Checks a V1 plan (one phase with a ServerPhase and a server GraphDef) and parses its graph.
absl::StatusOr<std::shared_ptr<const ServerProgram>> LoadServerProgram(plan::Plan plan);

struct ServerSessionOptions {
  uint64_t seed = 0;  // random ops (DP noise) draw from a generator seeded with this
};

class ServerSession {
 public:
  // From a server checkpoint file (restored through server_savepoint), or empty when `checkpoint` is nullopt.
  static absl::StatusOr<std::unique_ptr<ServerSession>> Create(std::shared_ptr<const ServerProgram> program,
                                                               const std::optional<std::string>& checkpoint,
                                                               ServerSessionOptions options = {});

  absl::Status AccumulateClientUpdate(const std::string& update_path);
  absl::Status AccumulateIntermediateUpdate(const std::string& intermediate_path);
  absl::Status ApplyAggregatedUpdates();

  absl::Status WriteCheckpoint(const std::string& path);          // server_savepoint
  absl::Status WriteIntermediateUpdate(const std::string& path);  // write_intermediate_update
  absl::Status WriteClientCheckpoint(const std::string& path);    // write_client_init
  absl::Status WriteAccumulators(const std::string& path);        // write_accumulators

  // (stat_name, value) in the Plan's order; values of scalar tensors converted to double.
  absl::StatusOr<std::vector<std::pair<std::string, double>>> Metrics();

 private:
  ServerSession(std::shared_ptr<const ServerProgram> program, std::unique_ptr<graphdef::Session> session)
      : program_(std::move(program)), session_(std::move(session)) {}
  absl::Status RunOp(const std::string& op, const std::string& what);
  absl::Status Restore(const plan::CheckpointOp& op, const std::string& path, const std::string& what);
  absl::Status Save(const plan::CheckpointOp& op, const std::string& path, const std::string& what);
  absl::Status InitOnce();

  std::shared_ptr<const ServerProgram> program_;
  std::unique_ptr<graphdef::Session> session_;
  bool accumulated_ = false;
};

}  // namespace tb::runtime::simulator

#endif  // TASKBUILDER_RUNTIME_SIMULATOR_SERVER_SESSION_H_
