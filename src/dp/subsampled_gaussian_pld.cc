#include "dp/subsampled_gaussian_pld.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dp/buffer_pool.h"
#include "dp/special_functions.h"

namespace tb::dp {
namespace {

// log(e^x + e^y) and log(e^x - e^y) (y < x), as dp_accounting's log-space helpers.
double LogAdd(double x, double y) {
  const double lo = std::min(x, y), hi = std::max(x, y);
  return hi + std::log1p(std::exp(lo - hi));
}
absl::StatusOr<double> LogSub(double x, double y) {
  if (y >= x) return absl::InternalError("log-space subtraction of a larger value");
  return x + std::log1p(-std::exp(y - x));
}

// log(a·e^b + c), stably (dp_accounting's log_a_times_exp_b_plus_c).
absl::StatusOr<double> LogATimesExpBPlusC(double a, double b, double c) {
  if (a == 0) return std::log(c);
  if (a < 0) return LogSub(std::log(c), std::log(-a) + b);
  if (b == 0) return std::log(a + c);
  const double d = b + std::log(a);
  if (c == 0) return d;
  if (c < 0) return LogSub(d, std::log(-c));
  return LogAdd(d, std::log(c));
}

// Interpolated stretches of the δ grid (see Discretize in the header).
constexpr int kFitDegree = 8;
constexpr int64_t kLongestFit = 1024;  // bins
constexpr int64_t kShortestFit = 32;
constexpr double kFitRelativeError = 3e-13;
constexpr double kFitMassError = 1e-7;

// The fit's nodes: the Chebyshev extrema cos(πj/8) on [-1, 1], which include both ends, so that neighbouring
// stretches share their boundary point and join without a step (a step of e·δ between adjacent bins would move
// their masses by e·δ/d). Made exactly symmetric, the middle one exactly 0.
struct FitNodes {
  static constexpr int kCount = kFitDegree + 1;
  double x[kCount];
  // chebyshev[k][j] = T_k(x[j]); monomial[k][m]: the coefficient of x^m in T_k.
  double chebyshev[kCount][kCount];
  double monomial[kCount][kCount] = {};
  FitNodes() {
    for (int k = 0; k < kCount; ++k) {
      for (int j = 0; j < kCount; ++j) chebyshev[k][j] = std::cos(std::numbers::pi * k * j / kFitDegree);
    }
    for (int j = 0; j < kCount; ++j) x[j] = chebyshev[1][j];
    for (int j = 0; j < kCount / 2; ++j) x[kCount - 1 - j] = -x[j];
    x[kCount / 2] = 0;
    monomial[0][0] = 1;
    monomial[1][1] = 1;
    for (int k = 2; k < kCount; ++k) {  // T_k = 2x·T_{k-1} - T_{k-2}
      for (int m = 0; m < kCount; ++m) {
        monomial[k][m] = (m > 0 ? 2 * monomial[k - 1][m - 1] : 0) - monomial[k - 2][m];
      }
    }
  }
};

// Monomial coefficients a[0..8] of the polynomial through (x[j], values[j]), via its Chebyshev coefficients
// (the discrete cosine sum over the extrema, end terms halved).
void FitPolynomial(const FitNodes& nodes, const double* values, double* a) {
  constexpr int n = FitNodes::kCount;
  for (int m = 0; m < n; ++m) a[m] = 0;
  for (int k = 0; k < n; ++k) {
    double c = 0;
    for (int j = 0; j < n; ++j) c += (j == 0 || j == n - 1 ? 0.5 : 1.0) * values[j] * nodes.chebyshev[k][j];
    c *= (k == 0 || k == n - 1 ? 1.0 : 2.0) / kFitDegree;
    for (int m = 0; m <= k; ++m) a[m] += c * nodes.monomial[k][m];
  }
}

// out[i] = reference · P(x_i) with x_i = (ε_i - mid)·inverse_half, ε_i = (first_key + i)·d computed as the
// grid does (key·d; the key as a double is exact), P the fit's monomial coefficients: the interpolation's per-bin
// loop, in a form that vectorizes (AVX2 clone where available; no FMA, so both clones give the same bits).
__attribute__((target_clones("avx2", "default"))) void FillPolynomial(const double* a, double reference,
                                                                      int64_t first_key, double d, double mid,
                                                                      double inverse_half, int32_t count, double* out) {
  const double key = static_cast<double>(first_key);
  // Eight bins per step as two 4-wide vectors: two independent Horner chains hide each other's latency. Each lane
  // computes the scalar expression (bin indices are exact in double), so the bits are the scalar loop's.
  typedef double Lanes4 __attribute__((vector_size(32)));
  const Lanes4 offsets = {0, 1, 2, 3};
  int32_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const Lanes4 x0 = ((key + (static_cast<double>(i) + offsets)) * d - mid) * inverse_half;
    const Lanes4 x1 = ((key + (static_cast<double>(i + 4) + offsets)) * d - mid) * inverse_half;
    Lanes4 h0 = {a[kFitDegree], a[kFitDegree], a[kFitDegree], a[kFitDegree]}, h1 = h0;
    for (int m = kFitDegree - 1; m >= 0; --m) {
      h0 = h0 * x0 + a[m];
      h1 = h1 * x1 + a[m];
    }
    h0 = reference * h0;
    h1 = reference * h1;
    std::memcpy(out + i, &h0, sizeof h0);
    std::memcpy(out + i + 4, &h1, sizeof h1);
  }
  for (; i < count; ++i) {
    const double x = ((key + static_cast<double>(i)) * d - mid) * inverse_half;
    double h = a[kFitDegree];
    for (int m = kFitDegree - 1; m >= 0; --m) h = h * x + a[m];
    out[i] = reference * h;
  }
}

// The connect-the-dots masses from δ on the grid (n >= 2): second differences, clipped at 0 like the reference's
// np.maximum(0, p) (NaN passes). Into a separate buffer so that the loop vectorizes (AVX2 clone where available;
// no FMA, so both clones give the same bits).
__attribute__((target_clones("avx2", "default"))) void MassesFromDeltas(const double* deltas, int64_t n, double d,
                                                                        double* probs) {
  const double expm1_d = std::expm1(d), exp_d = std::exp(d), expm1_minus_d = std::expm1(-d);
  auto clip = [](double p) { return p < 0 ? 0.0 : p; };
  probs[0] = clip(1 - deltas[0] + (deltas[1] - deltas[0]) / expm1_d);
  for (int64_t i = 1; i + 1 < n; ++i) {
    probs[i] = clip(((deltas[i + 1] - deltas[i]) - (deltas[i] - deltas[i - 1]) * exp_d) / expm1_d);
  }
  probs[n - 1] = clip((deltas[n - 1] - deltas[n - 2]) / expm1_minus_d);
}

// Python's math.isclose(a, b) with rel_tol 1e-9 and abs_tol 0.
bool IsClose(double a, double b) {
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  const double diff = std::fabs(b - a);
  return diff <= std::fabs(1e-9 * b) || diff <= std::fabs(1e-9 * a);
}

}  // namespace

SubsampledGaussianLoss::SubsampledGaussianLoss(double sigma, double sampling_prob, Adjacency adjacency,
                                               double discretization)
    : sigma_(sigma), d_(discretization), q_(sampling_prob), add_(adjacency == Adjacency::kAdd) {
  log1p_minus_q_ = std::log1p(-q_);
  log_q_ = std::log(q_);
  log_inverse_q_ = std::log(1 / q_);
  log_inverse_c_ = std::log(-(1 - 1 / q_));  // log(-c) for c = 1 - 1/q < 0 (q < 1)
  log_one_minus_q_ = std::log(1 - q_);
}

double SubsampledGaussianLoss::LossWithoutSubsampling(double x) const {
  const double s2 = sigma_ * sigma_;
  return add_ ? (0.5 - x) / s2 : (-0.5 - x) / s2;
}

double SubsampledGaussianLoss::InverseLossWithoutSubsampling(double loss) const {
  const double s2 = sigma_ * sigma_;
  return add_ ? 0.5 - loss * s2 : -0.5 - loss * s2;
}

double SubsampledGaussianLoss::Loss(double x) const {
  const double w = LossWithoutSubsampling(x);
  if (q_ == 1) return w;
  // Both branches have a positive third argument for q < 1, so they cannot fail.
  if (add_) return -LogATimesExpBPlusC(q_, -w, 1 - q_).value_or(NAN);
  return LogATimesExpBPlusC(q_, w, 1 - q_).value_or(NAN);
}

bool SubsampledGaussianLoss::TryLogInverseMixture(double b, double* out) const {
  // LogATimesExpBPlusC(1/q, b, 1 - 1/q) for 0 < q < 1 (a > 0, c < 0), with its logarithms precomputed.
  if (b == 0) {
    *out = std::log(1 / q_ + (1 - 1 / q_));
    return true;
  }
  const double x = b + log_inverse_q_, y = log_inverse_c_;
  if (y >= x) return false;  // log-space subtraction of a larger value
  *out = x + std::log1p(-std::exp(y - x));
  return true;
}

bool SubsampledGaussianLoss::TryInverseLoss(double loss, double* x) const {
  if (q_ == 1) {
    *x = InverseLossWithoutSubsampling(loss);
    return true;
  }
  double v;
  if (add_) {
    const double bound = -log_one_minus_q_;
    if (IsClose(loss, bound)) {
      *x = InverseLossWithoutSubsampling(INFINITY);
      return true;
    }
    if (loss > bound || !TryLogInverseMixture(-loss, &v)) return false;
    *x = InverseLossWithoutSubsampling(-v);
    return true;
  }
  const double bound = log_one_minus_q_;
  if (IsClose(loss, bound)) {
    *x = InverseLossWithoutSubsampling(-INFINITY);
    return true;
  }
  if (loss <= bound || !TryLogInverseMixture(loss, &v)) return false;
  *x = InverseLossWithoutSubsampling(v);
  return true;
}

absl::StatusOr<double> SubsampledGaussianLoss::InverseLoss(double loss) const {
  double x;
  if (TryInverseLoss(loss, &x)) return x;
  if (add_ && loss > -log_one_minus_q_) return absl::InvalidArgumentError("privacy loss above the mechanism's range");
  if (!add_ && loss <= log_one_minus_q_) return absl::InvalidArgumentError("privacy loss below the mechanism's range");
  return absl::InternalError("log-space subtraction of a larger value");
}

double SubsampledGaussianLoss::UpperCdf(double x) const {
  if (add_) return Ndtr(x / sigma_);
  if (q_ == 1) return Ndtr((x + 1) / sigma_);
  return (1 - q_) * Ndtr(x / sigma_) + q_ * Ndtr((x + 1) / sigma_);
}

double SubsampledGaussianLoss::LowerLogCdf(double x) const {
  if (!add_) return LogNdtr(x / sigma_);
  if (q_ == 1) return LogNdtr((x + -1) / sigma_);
  return LogAddExp(log1p_minus_q_ + LogNdtr(x / sigma_), log_q_ + LogNdtr((x + -1) / sigma_));
}

bool SubsampledGaussianLoss::TryDelta(double epsilon, double* out) const {
  double delta;
  bool inverse_formula;
  if (q_ == 1) {
    inverse_formula = true;
  } else if (add_) {
    inverse_formula = epsilon < -log1p_minus_q_;
  } else {
    inverse_formula = epsilon > log1p_minus_q_;
  }
  if (inverse_formula) {
    double x;
    if (!TryInverseLoss(epsilon, &x)) return false;
    if (q_ == 1) {
      delta = UpperCdf(x) - std::exp(epsilon + LowerLogCdf(x));
    } else {
      // UpperCdf and LowerLogCdf both need Φ and log Φ at x/σ: evaluate them together (same bits).
      double ndtr, log_ndtr;
      NdtrAndLogNdtr(x / sigma_, &ndtr, &log_ndtr);
      const double upper = add_ ? ndtr : (1 - q_) * ndtr + q_ * Ndtr((x + 1) / sigma_);
      const double lower = add_ ? LogAddExp(log1p_minus_q_ + log_ndtr, log_q_ + LogNdtr((x + -1) / sigma_)) : log_ndtr;
      delta = upper - std::exp(epsilon + lower);
    }
  } else {
    delta = add_ ? 0.0 : -std::expm1(epsilon);
  }
  // np.clip(δ, 0, 1): NaN passes through.
  if (delta < 0) delta = 0;
  if (delta > 1) delta = 1;
  *out = delta;
  return true;
}

absl::StatusOr<double> SubsampledGaussianLoss::Delta(double epsilon) const {
  double delta;
  if (TryDelta(epsilon, &delta)) return delta;
  return InverseLoss(epsilon).status();  // the only way TryDelta fails
}

void SubsampledGaussianLoss::OutputRange(double* lower_x, double* upper_x) const {
  // Outputs beyond Φσ⁻¹(e^-50/2) on either side carry negligible mass.
  *lower_x = sigma_ * Ndtri(0.5 * std::exp(-50.0));
  *upper_x = -*lower_x;
  if (add_) {
    *upper_x += 1;
  } else {
    *lower_x -= 1;
  }
}

double SubsampledGaussianLoss::UpperLossKey() const {
  double lower_x, upper_x;
  OutputRange(&lower_x, &upper_x);
  return std::ceil(Loss(lower_x) / d_);
}

absl::StatusOr<double> SubsampledGaussianLoss::DiscretizedInfinityMass() const { return Delta(UpperLossKey() * d_); }

bool SubsampledGaussianLoss::FillExactDeltas(int64_t lo, int64_t begin, int64_t end, double* deltas,
                                             double* failed) const {
  for (int64_t i = begin; i < end; ++i) {
    const double epsilon = static_cast<double>(lo + i) * d_;
    if (!TryDelta(epsilon, &deltas[i - begin])) {
      *failed = epsilon;
      return false;
    }
  }
  return true;
}

SubsampledGaussianLoss::Fit SubsampledGaussianLoss::FillInterpolatedDeltas(int64_t lo, int64_t begin, int64_t end,
                                                                           double* deltas) const {
  static const FitNodes nodes;
  // The stretch's nodes span the grid points begin and end; bins [begin, end) are filled, end starts the next.
  const double first_eps = static_cast<double>(lo + begin) * d_, last_eps = static_cast<double>(lo + end) * d_;
  const double mid = 0.5 * (first_eps + last_eps), half = 0.5 * (last_eps - first_eps);
  double at_node[FitNodes::kCount];
  for (int j = 0; j < FitNodes::kCount; ++j) {
    const double epsilon = j == 0 ? last_eps : j == FitNodes::kCount - 1 ? first_eps : mid + half * nodes.x[j];
    if (!TryDelta(epsilon, &at_node[j]) || !(at_node[j] > 0) || !std::isfinite(at_node[j])) return Fit::kTooCurved;
  }
  const double first_delta = at_node[FitNodes::kCount - 1], last_delta = at_node[0];
  // Where δ barely changes (ADD's far left, δ ≈ 1) the masses are far below δ's rounding: no fit can pass.
  const double drop = std::fabs(first_delta - last_delta);
  if (drop < 1e-5 * std::max(first_delta, last_delta)) return Fit::kTooFlat;

  // Fit h(x) = δ / δ(mid), close to 1 over a stretch, so that the coefficients carry δ's variation at full
  // precision and not its magnitude.
  const double reference = at_node[FitNodes::kCount / 2];
  double values[FitNodes::kCount];
  for (int j = 0; j < FitNodes::kCount; ++j) values[j] = j == FitNodes::kCount / 2 ? 1 : at_node[j] / reference;
  double a[FitNodes::kCount];
  FitPolynomial(nodes, values, a);
  const double inverse_half = 1 / half;

  // Check between the outer nodes (where the fit errs most) and between the inner ones, before filling.
  const int64_t length = end - begin;
  const double mean_mass = drop / static_cast<double>(length);  // about the stretch's mass per bin
  const int64_t checks[3] = {begin + length / 64 + 1, begin + (length * 3) / 5, end - length / 64 - 1};
  for (int64_t i : checks) {
    double exact;
    if (!TryDelta(static_cast<double>(lo + i) * d_, &exact)) return Fit::kTooCurved;
    double fitted;
    FillPolynomial(a, reference, lo + i, d_, mid, inverse_half, 1, &fitted);
    const double error = std::fabs(fitted - exact);
    if (!(error <= kFitRelativeError * exact && error <= kFitMassError * mean_mass)) return Fit::kTooCurved;
  }
  deltas[0] = first_delta;
  FillPolynomial(a, reference, lo + begin + 1, d_, mid, inverse_half, static_cast<int32_t>(end - begin - 1),
                 deltas + 1);
  return Fit::kUsed;
}

absl::StatusOr<PrivacyLossPmf> SubsampledGaussianLoss::Discretize(const PmfLimits& limits) const {
  const double d = d_;
  double lower_x, upper_x;
  OutputRange(&lower_x, &upper_x);
  const double eps_upper = Loss(lower_x);
  const double eps_lower = Loss(upper_x);
  const double lo_d = std::floor(eps_lower / d);
  const double hi_d = std::ceil(eps_upper / d);
  const double bins = hi_d - lo_d + 1;
  if (!(bins <= static_cast<double>(limits.max_bins))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "privacy accounting would need a per-round privacy-loss distribution of ",
        std::isfinite(bins) ? absl::StrCat(static_cast<int64_t>(std::min(bins, 9e18))) : std::string("unbounded"),
        " bins (limit ", limits.max_bins, "); the noise multiplier ", sigma_, " is too small to account for"));
  }
  const int64_t lo = static_cast<int64_t>(lo_d);
  const int64_t n = static_cast<int64_t>(bins);
  std::vector<double> deltas = TakeDoubles(static_cast<size_t>(n), Fill::kAny);
  const bool exact = limits.exact_deltas || limits.exhaustive;
  // Stretches start at the longest fit; after a stretch had to be evaluated exactly (a curved end of the range),
  // the next tries start short and double with each success.
  int64_t try_length = kLongestFit;
  for (int64_t begin = 0; begin < n;) {
    // A fitted stretch needs its right node on the grid: at most up to the last point, which is never fitted.
    int64_t length = std::min(try_length, n - 1 - begin);
    Fit fit = Fit::kTooFlat;
    if (!exact) {
      while (length >= kShortestFit &&
             (fit = FillInterpolatedDeltas(lo, begin, begin + length, &deltas[static_cast<size_t>(begin)])) ==
                 Fit::kTooCurved) {
        length /= 2;
      }
    }
    if (fit == Fit::kUsed) {
      try_length = std::min(2 * length, kLongestFit);
    } else {
      if (fit == Fit::kTooCurved) {
        length = kShortestFit;
        try_length = kShortestFit;
      }
      length = std::min(std::max(length, int64_t{1}), n - begin);
      if (n - begin - length == 1) ++length;  // the last point is evaluated here rather than alone
      double failed;
      if (!FillExactDeltas(lo, begin, begin + length, &deltas[static_cast<size_t>(begin)], &failed)) {
        return Delta(failed).status();
      }
    }
    begin += length;
  }
  if (n == 1) return PrivacyLossPmf::FromContiguous(lo, {1 - deltas[0]}, deltas[0]);
  const double infinity = deltas[static_cast<size_t>(n - 1)];
  std::vector<double> probs = TakeDoubles(static_cast<size_t>(n), Fill::kAny);
  MassesFromDeltas(deltas.data(), n, d, probs.data());
  ReturnDoubles(deltas);
  return PrivacyLossPmf::FromContiguous(lo, std::move(probs), infinity);
}

}  // namespace tb::dp
