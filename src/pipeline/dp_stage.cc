#include "pipeline/dp_stage.h"

#include "dp/dp_parameters.h"

namespace tb::pipeline {

absl::StatusOr<DpSettings> DeriveDpSettings(const odp::TaskConfig& config, const odp::ExperimentFlags& flags,
                                            int64_t population) {
  dp::DpOptions options;
  options.population = population;
  auto derived = dp::DeriveDpParameters(config, flags, options);
  if (!derived.ok()) return derived.status();
  DpSettings out;
  out.noise_multiplier = derived->noise_multiplier;
  out.clip_norm = derived->clip_norm;
  out.delta = derived->delta;
  out.epsilon = derived->epsilon;
  out.num_training_rounds = derived->num_training_rounds;
  out.aggregator = static_cast<odp::DpAggregator::Enum>(derived->aggregator_type);
  return out;
}

}  // namespace tb::pipeline
