// Federated rounds exactly as ODP runs a V1 task: the server writes the client checkpoint (write_client_init),
// each selected client runs the ClientOnlyPlan on its own examples and writes its update, the aggregator sums the
// updates in FCP's two-layer tree (partitions of ⌈√n⌉ client updates into intermediate checkpoints, then those
// into one), and the model updater applies the aggregate to the server checkpoint and reads the metrics. Before
// the first round it checks the program as a phone would (Flex allowlist, interpreter preparation). It reports per
// round metrics, update norms, the clipped fraction and timings, and fails — naming round, client, tensor and the
// operator where a NaN/inf first appeared — on any error or non-finite result. Everything is seeded.
#ifndef TASKBUILDER_RUNTIME_SIMULATOR_SIMULATION_H_
#define TASKBUILDER_RUNTIME_SIMULATOR_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/simulator/artifacts.h"
#include "runtime/simulator/client_program.h"
#include "runtime/simulator/server_session.h"
#include "tflite/flex_allowlist.h"

namespace tb::runtime::simulator {

struct SimulationOptions {
  int clients_per_round = 2;
  int population = 0;                 // clients to sample from; 0 = clients_per_round
  int64_t examples_per_client = 30;   // synthetic examples per client
  std::string examples_file;          // a TFRecord of tf.Examples, split evenly over the population
  int num_classes = 2;                // synthetic labels
  uint64_t seed = 1;
  bool check_allowlist = true;
  const ::tb::tflite::FlexAllowlist* allowlist = nullptr;  // default: the built-in ODP list
  bool allow_nonfinite = false;       // report non-finite updates instead of failing
  // ODP's aggregator sums n updates in two layers (⌈√n⌉-sized partitions, then the partitions). Its second layer
  // writes the plan's write_intermediate_update savepoint, which V1 plans built by TFF point at the *intermediate*
  // accumulators, not the merged ones: all partitions but the last are lost. True reproduces that exactly (and
  // reports it); false sums every client update in one layer, as the math intends.
  bool odp_two_layer_aggregation = true;
  std::string work_dir;               // where checkpoints go; a fresh temp dir when empty
};

struct ClientReport {
  int client = 0;
  int64_t examples = 0;
  double update_norm = 0;             // L2 norm of the model delta tensors (0 for evaluation)
  bool clipped = false;               // the norm reached the broadcast clip norm
  double millis = 0;
  std::optional<std::string> nonfinite;  // "tensor update/1/0; first NaN/inf at <operator>"
};

struct RoundReport {
  int round = 0;
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<ClientReport> clients;
  int64_t examples = 0;
  double update_norm_mean = 0, update_norm_max = 0;
  std::optional<double> clip_norm;            // from the client checkpoint, when the plan broadcasts one
  std::optional<double> clipped_fraction;
  double client_millis = 0, aggregation_millis = 0, apply_millis = 0, round_millis = 0;
  // Set when the second aggregation layer's output differs from the merged accumulators (see
  // SimulationOptions::odp_two_layer_aggregation).
  std::optional<std::string> aggregation_warning;
  std::string server_checkpoint;              // the checkpoint after this round
};

// Progress callback: (clients done in this round, clients in this round).
using ProgressFn = std::function<void(int, int)>;

class Simulation {
 public:
  static absl::StatusOr<std::unique_ptr<Simulation>> Create(TaskArtifacts artifacts, SimulationOptions options);
  ~Simulation();

  // Runs round `round` (0-based) from the current server checkpoint and advances it.
  absl::StatusOr<RoundReport> RunRound(int round, const ProgressFn& progress = nullptr);

  const ClientProgram& client_program() const { return *client_; }
  const std::string& server_checkpoint() const { return checkpoint_; }
  // The Flex ops outside the allowlist (empty when the check passed) and the module version the task needs.
  int64_t min_client_version() const { return min_client_version_; }
  const std::string& work_dir() const { return work_dir_; }
  // A one-line description of where the examples come from.
  const std::string& examples_source() const { return examples_source_; }

 private:
  Simulation() = default;
  absl::Status PrepareExamples();
  absl::StatusOr<std::string> Aggregate(const std::vector<std::string>& updates, const std::string& dir,
                                        std::optional<std::string>* warning);

  TaskArtifacts artifacts_;
  SimulationOptions options_;
  std::shared_ptr<const ServerProgram> server_;
  std::unique_ptr<ClientProgram> client_;
  std::vector<std::shared_ptr<const std::vector<std::string>>> client_examples_;  // per population member
  std::string checkpoint_;
  std::string work_dir_;
  bool owns_work_dir_ = false;
  int64_t min_client_version_ = 0;
  std::string examples_source_;
};

}  // namespace tb::runtime::simulator

#endif  // TASKBUILDER_RUNTIME_SIMULATOR_SIMULATION_H_
