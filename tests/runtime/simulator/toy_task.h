// Test support: a complete, tiny ODP training task made here — a V1 Plan with a hand-written server GraphDef (the
// savepoints, accumulators and apply op in ODP's layout), a ClientOnlyPlan whose TFLite program uses the same
// Flex ops as real client programs (RestoreV2, ExternalDataset, BatchDatasetV2, MapDataset + ParseExampleV2,
// ReduceDataset, SaveSlices) and builtins, and an initial checkpoint. The task is federated mean estimation:
// w <- w + Σ_clients Σ_examples (x - w) / Σ_clients count, so after one round w is exactly the mean of all
// examples, and the loss metric is the mean squared distance of the examples to w before the round.
#ifndef TASKBUILDER_TESTS_RUNTIME_SIMULATOR_TOY_TASK_H_
#define TASKBUILDER_TESTS_RUNTIME_SIMULATOR_TOY_TASK_H_

#include <string>
#include <vector>

#include "fcp/plan.pb.h"

namespace tb::runtime::testing {

// Writes plan.pb, client_only_plan.pb and initial_state.server.ckp (w = `initial_w`, 2 values) into `dir`.
void WriteToyTask(const std::string& dir, const std::vector<float>& initial_w);

// Serialized tf.Examples with feature "x" (float[2]).
std::vector<std::string> ToyExamples(const std::vector<std::vector<float>>& xs);

}  // namespace tb::runtime::testing

#endif  // TASKBUILDER_TESTS_RUNTIME_SIMULATOR_TOY_TASK_H_
