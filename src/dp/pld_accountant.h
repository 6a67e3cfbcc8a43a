// ε of SelfComposed(PoissonSampled(q, Gaussian(σ)), T) under add-or-remove-one, by privacy-loss-distribution
// accounting with discretization 1e-4, connect-the-dots and pessimistic tails — dp_accounting 0.4.3's
// PLDAccountant as ODP's task builder configures it (behavior.md §4.2.2). Bounded memory (PmfLimits); inputs
// outside the mechanism's domain are InvalidArgument.
#ifndef TASKBUILDER_DP_PLD_ACCOUNTANT_H_
#define TASKBUILDER_DP_PLD_ACCOUNTANT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "dp/privacy_loss_pmf.h"

namespace tb::dp {

// q in [0, 1], σ >= 0, T >= 0, δ in [0, 1], all finite. T == 0 or q == 0 gives 0; σ == 0 gives +inf.
// `discretization` other than the reference's 1e-4 gives a cheaper, less accurate ε (calibration's surrogate).
// `used_reference_window`, if given, is set when a direction had to be recomputed with the reference's
// self-composition window (see PmfLimits::reference_window): evaluations at nearby σ will need it too.
absl::StatusOr<double> PoissonGaussianEpsilon(double sampling_prob, double noise_multiplier, int64_t rounds,
                                              double delta, const PmfLimits& limits = {},
                                              double discretization = kValueDiscretization,
                                              bool* used_reference_window = nullptr);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_PLD_ACCOUNTANT_H_
