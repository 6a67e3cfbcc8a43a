// A TF1-style session over one GraphDef: its resource variables live as long as the session, and Run() executes
// the part of the graph that the fetches and targets need (executor.h), with feeds by tensor name. Functions of the
// graph's library run through the same executor when call and dataset ops ask for them (KernelEnv::functions).
// This is what FCP's server-side TensorflowSession does with a Plan's server graph, and what a client GraphDef
// needs for its dataset functions. Deterministic: random ops draw from a seeded generator.
#ifndef TASKBUILDER_RUNTIME_GRAPHDEF_SESSION_H_
#define TASKBUILDER_RUNTIME_GRAPHDEF_SESSION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graphdef/exec_graph.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/resource.h"
#include "tensorflow/graph.pb.h"

namespace tb::runtime::graphdef {

struct SessionOptions {
  uint64_t seed = 0;                         // for RandomStandardNormal & co.
  int64_t max_loop_iterations = 10'000'000;  // functional While
  int max_call_depth = 32;
  GraphLimits limits;
};

class Session final : public FunctionRunner {
 public:
  static absl::StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const tensorflow::GraphDef> graph,
                                                         SessionOptions options = {});

  // Feeds map tensor names ("x:0", "x") to values; fetches are tensor names; targets are node names run for
  // their effects. Returns the fetched values in order.
  absl::StatusOr<std::vector<tf::Tensor>> Run(const std::vector<std::pair<std::string, tf::Tensor>>& feeds,
                                              const std::vector<std::string>& fetches,
                                              const std::vector<std::string>& targets);

  // Variables and other resources kept between runs (e.g. examples registered for ExternalDataset).
  ResourceStore& resources() { return resources_; }
  const ExecGraph& graph() const { return graph_; }

  // FunctionRunner: a function of the graph's library.
  absl::StatusOr<std::vector<tf::Tensor>> RunFunction(const tensorflow::NameAttrList& fn,
                                                      std::vector<tf::Tensor> args) override;

 private:
  Session(ExecGraph graph, SessionOptions options);

  ExecGraph graph_;
  SessionOptions options_;
  std::map<std::string, ExecGraph, std::less<>> functions_;
  ResourceStore resources_;
  std::mt19937_64 rng_;
  KernelEnv env_;
  int depth_ = 0;
};

}  // namespace tb::runtime::graphdef

#endif  // TASKBUILDER_RUNTIME_GRAPHDEF_SESSION_H_
