// One client's work as an ODP device does it: the ClientOnlyPlan's program (TFLite, or the TF GraphDef when the
// plan carries no TFLite program) run once per client with the examples its store serves, the broadcast checkpoint
// as `input_filepath` and the update checkpoint written to `output_filepath` — the tensor names come from the
// plan's TensorflowSpec and FederatedComputeIORouter. Also reports the program's Flex ops and the example
// features its ParseExampleV2 expects. It never changes the program.
#ifndef TASKBUILDER_RUNTIME_SIMULATOR_CLIENT_PROGRAM_H_
#define TASKBUILDER_RUNTIME_SIMULATOR_CLIENT_PROGRAM_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fcp/plan.pb.h"
#include "runtime/data/parse_example.h"
#include "runtime/tflite/interpreter.h"
#include "tensorflow/graph.pb.h"
#include "tflite/op_inventory.h"

namespace tb::runtime::simulator {

namespace plan = ::google::internal::federated::plan;

struct ClientRunResult {
  // With `locate_nonfinite`: where the first NaN/inf appeared inside the program (TFLite programs only), if anywhere.
  std::optional<std::string> first_nonfinite;
};

class ClientProgram {
 public:
  static absl::StatusOr<std::unique_ptr<ClientProgram>> Create(const plan::ClientOnlyPlan& plan);

  // Runs the program for one client. `examples` are serialized tf.Examples served to its ExternalDataset.
  // `locate_nonfinite` checks every operator's outputs for NaN/inf (a full pass over each, ~10% of a run), so it is
  // meant for re-running a client whose update was found non-finite: the program is deterministic in its inputs.
  absl::StatusOr<ClientRunResult> Run(std::shared_ptr<const std::vector<std::string>> examples,
                                      const std::string& input_checkpoint, const std::string& output_checkpoint,
                                      bool locate_nonfinite = false);

  bool is_tflite() const { return interpreter_ != nullptr; }
  // TFLite programs: builtins, Flex ops and runtime versions.
  const std::optional<::tb::tflite::OpInventory>& inventory() const { return inventory_; }
  // TF op names run through Flex (TFLite) or present in the graph and its functions (GraphDef), sorted.
  std::vector<std::string> FlexOps() const;
  // The dense features the program parses (keys, dtypes, per-example shapes), from its first ParseExampleV2.
  const std::optional<data::ParseExampleSpec>& example_spec() const { return example_spec_; }

  void set_profiling(bool on);
  // Per op-name counts and time (TFLite programs).
  std::map<std::string, tflite::OpProfile> profile() const;

 private:
  ClientProgram() = default;

  plan::TensorflowSpec spec_;
  std::string input_name_, output_name_;
  std::unique_ptr<tflite::Interpreter> interpreter_;
  std::shared_ptr<const tensorflow::GraphDef> graph_;
  std::optional<::tb::tflite::OpInventory> inventory_;
  std::optional<data::ParseExampleSpec> example_spec_;
  std::vector<std::string> graph_ops_;
};

}  // namespace tb::runtime::simulator

#endif  // TASKBUILDER_RUNTIME_SIMULATOR_CLIENT_PROGRAM_H_
