// A learning process in MapReduceForm, as IR: the server-side pieces (prepare, zero, accumulate, merge, report,
// update) as library functions over flat tensor lists, the client's work as a top-level client graph, and the
// names and types of every federated value (server state, broadcast, client update, metrics) in the order the
// plan builder flattens them (fl-semantics.md §0.3, §7). plan/ turns one into a Plan, a ClientOnlyPlan and the
// initial checkpoint; tests run it in the IR interpreter. Nothing here knows about protos of the ODP service.
#ifndef TASKBUILDER_FL_MAP_REDUCE_PROGRAM_H_
#define TASKBUILDER_FL_MAP_REDUCE_PROGRAM_H_

#include <memory>
#include <string>
#include <vector>

#include "graph/function.h"
#include "graph/graph.h"
#include "graph/types.h"
#include "tf/tensor.h"

namespace tb::fl {

// One leaf tensor of a federated value, named by its path below the value's prefix, e.g. "trainable/0" under
// "server/global_model_weights/" or "0/loss/1" under "update/".
struct TensorSlot {
  std::string path;
  graph::TensorType type;
};

// A server state tensor and its value in the initial checkpoint.
struct StateTensor {
  TensorSlot slot;
  tf::Tensor initial;
};

// One finalized server metric: variable "metrics/<path>", reported as stat "server/<stat path>".
struct MetricSlot {
  std::string path;  // e.g. "client_work/train/loss", "finalizer/update_non_finite", "eval/loss"
  graph::TensorType type;
};

// The device's program: a top-level graph fed the dataset token and the two checkpoint paths, whose target node
// restores the broadcast, trains (or evaluates) on the examples and saves the client update. Control flow stays
// in library functions (the map function, the reduce body, branches) so the TFLite backend can lower it.
struct ClientProgram {
  std::unique_ptr<graph::FunctionLibrary> library;
  std::unique_ptr<graph::Graph> graph;  // resolves calls in `library`
  std::string dataset_token_tensor = "data_token:0";
  std::string input_filepath_tensor = "input_filepath:0";
  std::string output_filepath_tensor = "output_filepath:0";
  std::string target_node = "save_client_update_tensors";
  // Serialized ExampleSelector baked into the ExternalDataset (plan.proto), copied into the TensorflowSpec.
  std::string example_selector;
};

// Kinds of learning process, for logs and the plan builder's choices.
enum class ProcessKind { kTraining, kEvaluation };

struct MapReduceProgram {
  ProcessKind kind = ProcessKind::kTraining;

  std::vector<StateTensor> server_state;  // "server/<path>", in state order
  std::vector<TensorSlot> broadcast;      // "client/<path>"
  std::vector<TensorSlot> client_update;  // "update/<path>"; the accumulators mirror it
  std::vector<MetricSlot> metrics;        // "metrics/<path>", in output order

  // Holds the six server pieces (and nothing the client needs). Their signatures, with S = server_state,
  // B = broadcast, U = client_update, M = metrics (each a flat list in the order above):
  //   prepare(S) -> B;  zero() -> U;  accumulate(U, U) -> U;  merge(U, U) -> U;  report(U) -> U;
  //   update(S, U) -> (S, M)
  std::unique_ptr<graph::FunctionLibrary> server_library;
  const graph::Function* prepare = nullptr;
  const graph::Function* zero = nullptr;
  const graph::Function* accumulate = nullptr;
  const graph::Function* merge = nullptr;
  const graph::Function* report = nullptr;
  const graph::Function* update = nullptr;

  ClientProgram client;

  // Human-readable notes for the build log (e.g. choices made where the original fails).
  std::vector<std::string> notes;
};

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_MAP_REDUCE_PROGRAM_H_
