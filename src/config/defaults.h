// The original task builder's defaults (behavior.md §3.3) and the settings a TaskConfig resolves to once they are
// applied. Every default is a "falsy" substitution: an explicit 0 / "" / UNKNOWN means "use the default".
// Pure functions of the config; they never validate (see validator.h) and never fail.
#ifndef TASKBUILDER_CONFIG_DEFAULTS_H_
#define TASKBUILDER_CONFIG_DEFAULTS_H_

#include <cstdint>
#include <string>

#include "odp/task_builder.pb.h"

namespace tb::config {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

inline constexpr int64_t kDefaultDpEpsilon = 10;
inline constexpr int64_t kDefaultTotalPopulation = 3000000;
inline constexpr double kDefaultDpDelta = 1.0 / 3000000;  // 3.3333333333333335e-07
inline constexpr int64_t kDefaultBatchSize = 3;
inline constexpr int64_t kDefaultMaxBatchesPerClient = -1;  // take every batch
inline constexpr double kDefaultInitClipNorm = 0.1;
inline constexpr double kDefaultOverSelectionRate = 0.3;
inline constexpr double kDefaultClientLearningRate = 0.1;
inline constexpr double kDefaultServerLearningRate = 1.0;
inline constexpr int64_t kTrafficWeightScale = 10000;
inline constexpr int64_t kTrainingTrafficWeight = 100;
inline constexpr char kDefaultMinClientVersion[] = "0";
inline constexpr char kDefaultMaxClientVersion[] = "999999999";
inline constexpr char kDefaultCheckpointSelector[] = "every_1_round";
// The label key used when the model's features are a single tensor (parsed from key "x").
inline constexpr char kSingleTensorLabelName[] = "y";

// A TaskConfig with the original's defaults applied: what the learning process and the plans are built from.
struct EffectiveSettings {
  odp::TaskMode::Enum mode;           // as given; UNKNOWN builds like TRAINING_ONLY (see IsTrainingAndEval etc.)
  odp::LearningAlgo::Enum learning_algo;
  odp::Optimizer::Enum client_optimizer;
  odp::Optimizer::Enum server_optimizer;
  double client_learning_rate;
  double server_learning_rate;
  int64_t batch_size;
  int64_t max_training_batches_per_client;  // <= -1 means every batch; other negatives behave the same
  double training_over_selection_rate;
  double evaluation_over_selection_rate;
  std::string checkpoint_selector;
  std::string source_training_population;
  odp::DpAggregator::Enum dp_aggregator;  // UNKNOWN -> FIXED_GAUSSIAN; out-of-range values pass through
};

EffectiveSettings ResolveDefaults(const odp::TaskConfig& config);

// Mode semantics (behavior.md §3.4): anything but TRAINING_AND_EVAL and EVAL_ONLY builds a training task only.
inline bool IsTrainingAndEval(const odp::TaskConfig& c) { return c.mode() == odp::TaskMode::TRAINING_AND_EVAL; }
inline bool IsEvalOnly(const odp::TaskConfig& c) { return c.mode() == odp::TaskMode::EVAL_ONLY; }

}  // namespace tb::config

#endif  // TASKBUILDER_CONFIG_DEFAULTS_H_
