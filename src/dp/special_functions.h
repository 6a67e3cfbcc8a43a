// Normal-distribution special functions with the semantics of SciPy's `special.ndtr`, `log_ndtr` and `ndtri`
// (Cephes/Faddeeva-based), plus numpy's `logaddexp`. The PLD accountant depends on them at the last bit: the
// discretized privacy-loss PMF is a second difference of values near 1, so one ulp here moves ε measurably.
// Pure functions; never allocate, never fail (NaN in, NaN out; out-of-domain ndtri gives ∓DBL_MAX like Cephes).
#ifndef TASKBUILDER_DP_SPECIAL_FUNCTIONS_H_
#define TASKBUILDER_DP_SPECIAL_FUNCTIONS_H_

namespace tb::dp {

// Φ(x), the standard normal CDF (Cephes ndtr: erf for |x| < 1, erfc rational approximations otherwise).
double Ndtr(double x);
// log Φ(x), accurate far into both tails (log(erfcx(-x/√2)/2) - x²/2 for x < -1, log1p(-erfc(x/√2)/2) otherwise).
double LogNdtr(double x);
// Ndtr(x) and LogNdtr(x) together, bit-identical to the two calls, sharing their common erf/erfc work (the
// discretization of every PLD needs both at each bin).
void NdtrAndLogNdtr(double x, double* ndtr, double* log_ndtr);
// Φ⁻¹(p) for p in (0, 1) (Cephes ndtri's three rational approximations).
double Ndtri(double p);
// Cephes erf / erfc (rational approximations on [0,1], [1,8), [8,∞)).
double CephesErf(double x);
double CephesErfc(double x);
// exp(x²)·erfc(x) for x >= 0 without overflow or cancellation.
double Erfcx(double x);
// numpy.logaddexp: log(e^x + e^y), exact for equal arguments (including infinities), NaN if either is NaN.
double LogAddExp(double x, double y);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_SPECIAL_FUNCTIONS_H_
