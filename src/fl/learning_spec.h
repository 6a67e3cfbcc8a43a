// What the federated lowering is asked to build, as plain values: the algorithm, optimizers, DP aggregator and
// its parameters, metrics and the client's data pipeline — the TaskConfig after defaults and DP accounting
// (behavior.md §3.3, §4.4, §10.1). The pipeline's artifact compiler fills it; fl/ never reads protos of the service.
#ifndef TASKBUILDER_FL_LEARNING_SPEC_H_
#define TASKBUILDER_FL_LEARNING_SPEC_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tb::fl {

enum class Algorithm { kFedAvg, kFedSgd };
enum class OptimizerKind { kSgd, kAdam };

// The DP aggregators ODP can ask for (DpAggregator.Enum after defaulting), plus the plain mean of
// skip_dp_aggregator.
enum class AggregatorKind { kNone, kFixedGaussian, kAdaptiveGaussian, kTreeAggregation, kAdaptiveTree };

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  double learning_rate = 0;
  // Adam hyper-parameters (tff.learning.optimizers.build_adam defaults).
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
};

// Two int64 seeds for the stateless Gaussian noise of the tree aggregators (TFP's time-based seeds when unset).
using SeedSource = std::function<std::array<int64_t, 2>()>;

struct AggregatorSpec {
  AggregatorKind kind = AggregatorKind::kFixedGaussian;
  double noise_multiplier = 0;
  double clip_norm = 0;  // FIXED/TREE: the clip; ADAPTIVE_*: the initial clip
  int64_t clients_per_round = 1;  // report_goal
  // Seeds of the tree aggregators' noise; empty: drawn from the system's entropy source.
  SeedSource tree_seeds;
  // num_max_training_rounds: bounds how deep the tree aggregators' trees can grow (0: no bound given).
  int64_t num_training_rounds = 0;
};

struct LearningSpec {
  Algorithm algorithm = Algorithm::kFedAvg;
  OptimizerSpec client_optimizer{OptimizerKind::kSgd, 0.1};
  OptimizerSpec server_optimizer{OptimizerKind::kSgd, 1.0};
  AggregatorSpec aggregator;
  // Accepted metric names in config order (duplicates allowed; later duplicates collapse into the first).
  std::vector<std::string> metrics;
  // Client data pipeline.
  int64_t batch_size = 3;
  int64_t max_batches = -1;  // TakeDataset count; -1 = all
  std::string label_name;    // for dict features; single-tensor models use "y"
  std::string example_selector;  // serialized ExampleSelector (training or evaluation collection)
};

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_LEARNING_SPEC_H_
