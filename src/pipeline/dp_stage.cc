#include "pipeline/dp_stage.h"

#if defined(TB_HAVE_DP) && __has_include("dp/dp_parameters.h")
#define TB_PIPELINE_USE_DP 1
#include "dp/dp_parameters.h"
#endif

namespace tb::pipeline {

#ifdef TB_PIPELINE_USE_DP

bool DpAccountingAvailable() { return true; }

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

#else

bool DpAccountingAvailable() { return false; }

absl::StatusOr<DpSettings> DeriveDpSettings(const odp::TaskConfig&, const odp::ExperimentFlags&, int64_t) {
  return absl::UnimplementedError(
      "differential privacy accounting is not available in this build (the dp layer, src/dp/dp_parameters.h, is "
      "missing)");
}

#endif

}  // namespace tb::pipeline
