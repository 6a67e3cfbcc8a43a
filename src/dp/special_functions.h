// Normal-distribution special functions with the semantics of SciPy's `special.ndtr`, `log_ndtr` and `ndtri`
// (Cephes/Faddeeva-based), plus numpy's `logaddexp`. The PLD accountant depends on them at the last bit: the
// discretized privacy-loss PMF is a second difference of values near 1, so one ulp here moves ε measurably.
// Pure functions; never allocate, never fail (NaN in, NaN out; out-of-domain ndtri gives ∓DBL_MAX like Cephes).
#ifndef TASKBUILDER_DP_SPECIAL_FUNCTIONS_H_
#define TASKBUILDER_DP_SPECIAL_FUNCTIONS_H_

#include <bit>
#include <cstdint>

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

// e^x for |x| <= 700 (finite, not NaN), within one ulp of glibc's exp (tested): x = k·ln 2 + r with |r| <= ln2/2,
// e^r by its Taylor polynomial to degree 13 (remainder below 1e-17 relative), times 2^k built in the exponent
// bits. No branches, tables or libm calls, so loops over it vectorize, with the same bits in every clone (no FMA).
// For per-bin exponentials of moderate arguments; not a general replacement for exp().
inline double PolynomialExp(double x) {
  constexpr double kLog2E = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // low 32 bits zero: k·kLn2Hi is exact for |k| < 2^20
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kRound = 6755399441055744.0;  // 1.5·2^52: adding it rounds to an integer, kept in the low bits
  const double shifted = x * kLog2E + kRound;
  const double k = shifted - kRound;
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const int64_t k_bits = std::bit_cast<int64_t>(shifted) - std::bit_cast<int64_t>(kRound);  // k as an integer
  return p * std::bit_cast<double>((k_bits + 1023) << 52);
}

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_SPECIAL_FUNCTIONS_H_
