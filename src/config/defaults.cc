#include "config/defaults.h"

namespace tb::config {

EffectiveSettings ResolveDefaults(const odp::TaskConfig& config) {
  const auto& lp = config.federated_learning().learning_process();
  const auto& ev = config.federated_learning().evaluation();
  const auto& ds = config.policies().dataset_policy();
  EffectiveSettings s;
  s.mode = config.mode();
  s.learning_algo = lp.type() != odp::LearningAlgo::UNKNOWN ? lp.type() : odp::LearningAlgo::FED_AVG;
  s.client_optimizer = lp.client_optimizer() != odp::Optimizer::UNKNOWN ? lp.client_optimizer() : odp::Optimizer::SGD;
  s.server_optimizer = lp.server_optimizer() != odp::Optimizer::UNKNOWN ? lp.server_optimizer() : odp::Optimizer::SGD;
  s.client_learning_rate = lp.client_learning_rate() != 0 ? lp.client_learning_rate() : kDefaultClientLearningRate;
  s.server_learning_rate = lp.server_learning_rate() != 0 ? lp.server_learning_rate() : kDefaultServerLearningRate;
  s.batch_size = ds.batch_size() != 0 ? ds.batch_size() : kDefaultBatchSize;
  s.max_training_batches_per_client =
      ds.max_training_batches_per_client() != 0 ? ds.max_training_batches_per_client() : kDefaultMaxBatchesPerClient;
  s.training_over_selection_rate =
      lp.runtime_config().over_selection_rate() != 0 ? lp.runtime_config().over_selection_rate()
                                                     : kDefaultOverSelectionRate;
  s.evaluation_over_selection_rate =
      ev.over_selection_rate() != 0 ? ev.over_selection_rate() : kDefaultOverSelectionRate;
  s.checkpoint_selector = !ev.checkpoint_selector().empty() ? ev.checkpoint_selector() : kDefaultCheckpointSelector;
  s.source_training_population =
      !ev.source_training_population().empty() ? ev.source_training_population() : config.population_name();
  s.dp_aggregator = config.differential_privacy().type() != odp::DpAggregator::UNKNOWN
                        ? config.differential_privacy().type()
                        : odp::DpAggregator::FIXED_GAUSSIAN;
  return s;
}

}  // namespace tb::config
