#include "dp/privacy_loss_pmf.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dp/buffer_pool.h"
#include "dp/fft.h"

namespace tb::dp {
namespace {

// Index of the first element at which the running sum exceeds `threshold` (size() if it never does).
template <typename It>
size_t PrefixIndexAbove(It begin, It end, double threshold) {
  double sum = 0.0;
  size_t i = 0;
  for (It it = begin; it != end; ++it, ++i) {
    sum += *it;
    if (sum > threshold) return i;
  }
  return i;
}

struct Truncated {
  size_t offset = 0;      // bins dropped on the left
  double right_mass = 0;  // mass dropped on the right (goes to infinity)
};

// Pessimistic tail truncation in place: keep probs[l:r], add the left tail to the first kept bin.
Truncated TruncateTails(std::vector<double>& probs, double tau) {
  Truncated t;
  if (tau == 0 || probs.empty()) return t;
  const size_t n = probs.size();
  const size_t l = PrefixIndexAbove(probs.begin(), probs.end(), tau / 2);
  size_t r = n - PrefixIndexAbove(probs.rbegin(), probs.rend(), tau / 2);
  r = std::max(r, l + 1);
  if (l >= n) return t;  // cannot happen for a distribution of mass ~1; keep everything
  double left = 0.0, right = 0.0;
  for (size_t i = 0; i < l; ++i) left += probs[i];
  for (size_t i = r; i < n; ++i) right += probs[i];
  probs.resize(std::min(r, n));  // in place: these vectors are megabytes
  probs.erase(probs.begin(), probs.begin() + static_cast<std::ptrdiff_t>(l));
  probs[0] += left;
  t.offset = l;
  t.right_mass = right;
  return t;
}

PrivacyLossPmf ToDense(const PrivacyLossPmf& p) {
  if (p.dense) return p;
  PrivacyLossPmf d;
  d.dense = true;
  d.infinity_mass = p.infinity_mass;
  if (p.keys.empty()) return d;
  d.lower = p.keys.front();
  d.probs.assign(static_cast<size_t>(p.keys.back() - p.keys.front() + 1), 0.0);
  for (size_t i = 0; i < p.keys.size(); ++i) d.probs[static_cast<size_t>(p.keys[i] - d.lower)] = p.probs[i];
  return d;
}

constexpr int kMoments = 7;
constexpr int64_t kFinestBlock = 16;

// moments[b·7 + k] = Σ_j p_j (j - c_b)^k over the b-th block of 16 bins (centre c_b), k < 7: the finest level of
// ChernoffBounds' block moments, and its only pass over all n bins. The seven sums run as two 4-wide vectors (the
// eighth lane multiplies by 0), each lane the scalar sum in the scalar order (AVX2 clone chosen at load time, no
// FMA: same bits in every clone).
typedef double Lanes4 __attribute__((vector_size(32)));
__attribute__((target_clones("avx2", "default"))) void FineBlockMoments(const double* probs, int64_t n,
                                                                        double* moments) {
  Lanes4 low_powers[kFinestBlock], high_powers[kFinestBlock];  // (j - c)^k for k < 4 and 4 <= k < 8
  for (int64_t j = 0; j < kFinestBlock; ++j) {
    double power[8] = {};
    double p = 1;
    for (int k = 0; k < kMoments; ++k) {
      power[k] = p;
      p *= static_cast<double>(j) - (kFinestBlock - 1) / 2.0;
    }
    std::memcpy(&low_powers[j], power, sizeof(Lanes4));
    std::memcpy(&high_powers[j], power + 4, sizeof(Lanes4));
  }
  const int64_t blocks = (n + kFinestBlock - 1) / kFinestBlock;
  // Four whole blocks at a time: four independent chains of additions hide each other's latency (one block's two
  // chains alone were latency-bound), and each block's sums keep their order, so the bits do not change.
  constexpr int kTogether = 4;
  int64_t b = 0;
  for (; (b + kTogether) * kFinestBlock <= n; b += kTogether) {
    Lanes4 low[kTogether] = {}, high[kTogether] = {};
    for (int64_t j = 0; j < kFinestBlock; ++j) {
      for (int g = 0; g < kTogether; ++g) {
        const double pj = probs[(b + g) * kFinestBlock + j];
        const Lanes4 v = {pj, pj, pj, pj};
        low[g] += v * low_powers[j];
        high[g] += v * high_powers[j];
      }
    }
    for (int g = 0; g < kTogether; ++g) {
      double m[8];
      std::memcpy(m, &low[g], sizeof low[g]);
      std::memcpy(m + 4, &high[g], sizeof high[g]);
      std::copy(m, m + kMoments, moments + (b + g) * kMoments);
    }
  }
  for (; b < blocks; ++b) {
    Lanes4 low = {0, 0, 0, 0}, high = {0, 0, 0, 0};
    const int64_t end = std::min(kFinestBlock, n - b * kFinestBlock);
    for (int64_t j = 0; j < end; ++j) {
      const double pj = probs[b * kFinestBlock + j];
      const Lanes4 v = {pj, pj, pj, pj};
      low += v * low_powers[j];
      high += v * high_powers[j];
    }
    double m[8];
    std::memcpy(m, &low, sizeof low);
    std::memcpy(m + 4, &high, sizeof high);
    std::copy(m, m + kMoments, moments + b * kMoments);
  }
}

// log m(o) for the PMF's moment generating function in bins, m(o) = Σ p_i e^{o·i}, from per-block moments:
// Σ_{j in block} p_j e^{o·j} = e^{o·c} Σ_k (o^k/k!) M_k with M_k = Σ p_j (j-c)^k about the block's centre c. With
// |o·(j-c)| <= 0.05 seven moments leave a relative error below 1e-12, which moves a Chernoff bound by far less than
// a bin. Blocks of 16 bins serve the largest orders; each coarser level merges four blocks (shifting their moments
// to the new centre), so that small orders sum a few hundred blocks instead of every one. Orders too large for
// 16-bin blocks (short PMFs) are summed directly. Building it is one pass over the bins; each order costs at most
// a few thousand block sums.
class BlockMgf {
 public:
  explicit BlockMgf(const std::vector<double>& probs) : probs_(probs), n_(static_cast<int64_t>(probs.size())) {
    Level& fine = levels_[0];
    fine.block = kFinestBlock;
    fine.count = (n_ + kFinestBlock - 1) / kFinestBlock;
    fine.moments = TakeDoubles(static_cast<size_t>(fine.count * kMoments), Fill::kAny);
    FineBlockMoments(probs.data(), n_, fine.moments.data());
    constexpr double kBinomial[kMoments][kMoments] = {
        {1}, {1, 1}, {1, 2, 1}, {1, 3, 3, 1}, {1, 4, 6, 4, 1}, {1, 5, 10, 10, 5, 1}, {1, 6, 15, 20, 15, 6, 1}};
    for (int l = 1; l < kLevels; ++l) {
      const Level& child = levels_[l - 1];
      Level& parent = levels_[l];
      parent.block = child.block * 4;
      parent.count = (child.count + 3) / 4;
      parent.moments.resize(static_cast<size_t>(parent.count * kMoments));
      // (j - c_parent)^k = Σ_m C(k,m) (j - c_child)^m (c_child - c_parent)^(k-m); the shift depends only on the
      // child's place among its parent's four.
      double shift_powers[4][kMoments];
      for (int r = 0; r < 4; ++r) {
        const double shift = static_cast<double>(r * child.block) + (child.block - 1) / 2.0 - (parent.block - 1) / 2.0;
        shift_powers[r][0] = 1;
        for (int k = 1; k < kMoments; ++k) shift_powers[r][k] = shift_powers[r][k - 1] * shift;
      }
      for (int64_t b = 0; b < parent.count; ++b) {
        double out[kMoments] = {};  // summed in registers, not through memory: no store-to-load chain per term
        for (int r = 0; r < 4 && 4 * b + r < child.count; ++r) {
          const double* m = &child.moments[static_cast<size_t>((4 * b + r) * kMoments)];
          const double* shift_power = shift_powers[r];
#pragma GCC unroll 7
          for (int k = 0; k < kMoments; ++k) {
#pragma GCC unroll 7
            for (int j = 0; j <= k; ++j) out[k] += kBinomial[k][j] * m[j] * shift_power[k - j];
          }
        }
        std::copy(out, out + kMoments, &parent.moments[static_cast<size_t>(b * kMoments)]);
      }
    }
  }
  ~BlockMgf() { ReturnDoubles(levels_[0].moments); }
  BlockMgf(const BlockMgf&) = delete;
  BlockMgf& operator=(const BlockMgf&) = delete;

  // The orders up to which block moments serve; larger ones sum the bins directly.
  static constexpr double kLargestOrder = 0.05 / (kFinestBlock / 2);

  // log m(o), scaled at the end of the range the order weights most so that no factor exceeds 1.
  double Log(double o) const {
    constexpr double kLargestShift = 0.05;  // |o|·(half a block)
    // Short PMFs: sum directly.
    if (std::fabs(o) > kLargestOrder) {
      const double shift = o > 0 ? static_cast<double>(n_ - 1) : 0.0;
      double sum = 0;
      for (int64_t i = 0; i < n_; ++i)
        sum += probs_[static_cast<size_t>(i)] * std::exp(o * (static_cast<double>(i) - shift));
      return o * shift + std::log(sum);
    }
    int l = kLevels - 1;
    while (l > 0 && std::fabs(o) * static_cast<double>(levels_[l].block / 2) > kLargestShift) --l;
    const Level& level = levels_[l];
    double coefficient[kMoments];
    double c = 1;
    for (int k = 0; k < kMoments; ++k) {
      coefficient[k] = c;
      c *= o / (k + 1);
    }
    const double block = static_cast<double>(level.block);
    const double first_centre = (block - 1) / 2.0;
    const double last_centre = static_cast<double>(level.count - 1) * block + first_centre;
    const double shift = o > 0 ? last_centre : first_centre;
    const double step = std::exp(-std::fabs(o) * block);
    // Once the weight times everything left (mass <= 1, each block's factor < 1.06) is below 1e-17 of the sum,
    // the remaining blocks cannot change it.
    const double negligible = 1e-17 * (1 - step) / 1.06;
    double sum = 0, weight = 1;
    for (int64_t i = 0; i < level.count; ++i) {
      const int64_t b = o > 0 ? level.count - 1 - i : i;  // walk away from the shift, weights shrinking
      if (i % 64 == 0) {
        weight = std::exp(o * (static_cast<double>(b) * block + first_centre - shift));
        if (sum > 0 && weight < negligible * sum) break;
      }
      const double* m = &level.moments[static_cast<size_t>(b * kMoments)];
      double value = 0;
      for (int k = kMoments - 1; k >= 0; --k) value += coefficient[k] * m[k];
      sum += weight * value;
      weight *= step;
    }
    return o * shift + std::log(sum);
  }

 private:
  static constexpr int kLevels = 5;  // blocks of 16, 64, 256, 1024, 4096 bins
  struct Level {
    int64_t block = 0;
    int64_t count = 0;
    std::vector<double> moments;  // [count][kMoments]
  };
  const std::vector<double>& probs_;
  int64_t n_;
  Level levels_[kLevels];
};

// Chernoff bounds on the support of the T-fold sum S of bin indices drawn from `probs`: P(S >= x) <= m(o)^T e^{-ox}
// for o > 0 (and the mirror for o < 0), so outside [lower, upper] lie at most τ/2 on each side. dp_accounting
// minimizes over the orders ±1..±20 over n. Those orders are too small for the long, light tails of small-q PLDs
// (keras: the bound lands at 70 nats where the mass ends near 35), so unless `reference_orders` is set the upper
// bound also tries larger orders, up to where the block moments stay accurate. Any bound is as valid as the
// reference's: the window only decides which ≤ τ/2 of mass wraps around the circular convolution, and that mass
// lands at the bottom of the window, far below any ε (the mass beyond upper + Δ is at most τ/2·e^{-oΔ}).
struct SupportBounds {
  double lower, upper;
  double upper_order = 0;  // the order that gave `upper` (0: none did)
};

SupportBounds ChernoffBounds(const std::vector<double>& probs, double t, double tau, bool reference_orders) {
  const int64_t n = static_cast<int64_t>(probs.size());
  const BlockMgf mgf(probs);
  SupportBounds bounds{0.0, static_cast<double>(n - 1) * t};
  const double log_two_over_tau = std::log(2 / tau);
  auto apply = [&](double o) {
    const double bound = (t * mgf.Log(o) + log_two_over_tau) / o;
    if (!std::isfinite(bound)) return;  // m(o) underflowed: this order says nothing
    if (o > 0 && std::ceil(bound) < bounds.upper) {
      bounds.upper = std::ceil(bound);
      bounds.upper_order = o;
    }
    if (o < 0) bounds.lower = std::max(bounds.lower, std::floor(bound));
  };
  for (int k = -20; k <= 20; ++k) {
    if (k != 0) apply(static_cast<double>(k) / static_cast<double>(n));
  }
  if (!reference_orders) {
    for (double o = 30.0 / static_cast<double>(n); o <= BlockMgf::kLargestOrder; o *= 1.5) apply(o);
  }
  if (!(bounds.lower <= bounds.upper)) return SupportBounds{0.0, static_cast<double>(n - 1) * t, 0};  // never expected
  return bounds;
}

// z^T by repeated squaring (numpy's npy_cpow below T = 100; the reference switches to cpow = exp(T·log z) above).
// Squaring adds about 2^⌊log2 T⌋ ulp of relative error, random in sign; the FFT's own rounding of z (≈ √log N ulp)
// is amplified T-fold by any power, so the added error is a small fraction of what is there already. Measured
// over the oracle grid, the worst errors are unchanged (1.49e-7 / 4.99e-8 / 4.94e-9 at δ = 1/3e6, 1e-6, 1e-5,
// against 1.50e-7 / 5.02e-8 / 4.97e-9 with a port of glibc's cpow), at a fifth of the cost (atan2, sincos, exp
// and log1p per frequency were 23% of a keras ε evaluation).
// 32 elements at a time, as eight 4-wide vectors of real and eight of imaginary parts: each step of the bit-by-bit
// chain is eight independent complex products, enough to hide the multiply-add latency (fewer elements in
// registers were latency-bound; the earlier 64-element arrays spilled every step), 4 elements per instruction
// where the CPU has AVX2 (chosen at load time). No FMA, and each lane does the scalar arithmetic in the scalar
// order, so every clone and the scalar tail compute the same bits. Where |z|^T < e^-746 the power underflows to
// (or next to) zero: set it to zero. T >= 1.
struct ComplexLanes {
  Lanes4 re, im;
};
[[gnu::always_inline]] inline ComplexLanes Times(ComplexLanes a, ComplexLanes b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}

__attribute__((target_clones("avx2", "default"))) void RaiseToPower(std::vector<Complex>& values, int64_t t) {
  typedef long long Bits4 __attribute__((vector_size(32)));
  constexpr int kVectors = 8;
  const double underflow_norm = std::exp(-2 * 746.0 / static_cast<double>(t));
  double* const flat = reinterpret_cast<double*>(values.data());
  const size_t n = values.size();
  const Lanes4 zero = {0, 0, 0, 0}, one = {1, 1, 1, 1};
  const Lanes4 floor = {underflow_norm, underflow_norm, underflow_norm, underflow_norm};
  size_t i = 0;
  for (; i + 4 * kVectors <= n; i += 4 * kVectors) {
    double* const z = flat + 2 * i;
    ComplexLanes p[kVectors], acc[kVectors];
    Bits4 keep[kVectors];  // all ones where the power does not underflow
    Bits4 any = {0, 0, 0, 0};
    for (int h = 0; h < kVectors; ++h) {
      Lanes4 a, b;  // [r0 i0 r1 i1] [r2 i2 r3 i3] -> [r0 r1 r2 r3] [i0 i1 i2 i3]
      std::memcpy(&a, z + 8 * h, sizeof a);
      std::memcpy(&b, z + 8 * h + 4, sizeof b);
      p[h].re = __builtin_shufflevector(a, b, 0, 2, 4, 6);
      p[h].im = __builtin_shufflevector(a, b, 1, 3, 5, 7);
      keep[h] = p[h].re * p[h].re + p[h].im * p[h].im >= floor;
      any |= keep[h];
      acc[h].re = one;
      acc[h].im = zero;
    }
    if ((any[0] | any[1] | any[2] | any[3]) == 0) {  // underflows everywhere (most of the spectrum for large q)
      std::fill(z, z + 8 * kVectors, 0.0);
      continue;
    }
    for (int64_t mask = 1;; mask <<= 1) {
      if (t & mask) {
        for (int h = 0; h < kVectors; ++h) acc[h] = Times(acc[h], p[h]);
      }
      if (t < (mask << 1)) break;
      for (int h = 0; h < kVectors; ++h) p[h] = Times(p[h], p[h]);
    }
    for (int h = 0; h < kVectors; ++h) {
      const Lanes4 re = reinterpret_cast<Lanes4>(reinterpret_cast<Bits4>(acc[h].re) & keep[h]);
      const Lanes4 im = reinterpret_cast<Lanes4>(reinterpret_cast<Bits4>(acc[h].im) & keep[h]);
      const Lanes4 a = __builtin_shufflevector(re, im, 0, 4, 1, 5), b = __builtin_shufflevector(re, im, 2, 6, 3, 7);
      std::memcpy(z + 8 * h, &a, sizeof a);
      std::memcpy(z + 8 * h + 4, &b, sizeof b);
    }
  }
  for (; i < n; ++i) {
    const Complex z = values[i];
    if (!(z.real() * z.real() + z.imag() * z.imag() >= underflow_norm)) {
      values[i] = 0;
      continue;
    }
    double pr = z.real(), pi = z.imag(), ar = 1, ai = 0;
    for (int64_t mask = 1;; mask <<= 1) {
      if (t & mask) {
        const double re = ar * pr - ai * pi, im = ar * pi + ai * pr;
        ar = re;
        ai = im;
      }
      if (t < (mask << 1)) break;
      const double re = pr * pr - pi * pi, im = pr * pi + pi * pr;
      pr = re;
      pi = im;
    }
    values[i] = Complex(ar, ai);
  }
}

absl::Status TooLarge(const char* what, double needed, int64_t limit) {
  return absl::InvalidArgumentError(absl::StrCat("privacy accounting would need a ", what, " of ",
                                                 absl::StrCat(static_cast<int64_t>(std::min(needed, 9e18))),
                                                 " bins (limit ", limit,
                                                 "); the noise multiplier is too small or the number of rounds too "
                                                 "large to account for"));
}

}  // namespace

double PrivacyLossPmf::Wrap::AtOrAbove(int64_t key, int64_t lower) const {
  if (mass == 0) return 0;
  // Whatever lands on a bin >= k came from at least k bins further into the tail than what lands on bin 0, and
  // the Chernoff bound is already on the whole tail beyond a point: no sum over bins.
  const double k = static_cast<double>(std::max<int64_t>(0, key - lower));
  return mass * std::exp(-decay * k);
}

PrivacyLossPmf PrivacyLossPmf::Identity() {
  PrivacyLossPmf p;
  p.keys = {0};
  p.probs = {1.0};
  return p;
}

PrivacyLossPmf PrivacyLossPmf::FromContiguous(int64_t lower, std::vector<double> probs, double infinity_mass) {
  PrivacyLossPmf p;
  p.infinity_mass = infinity_mass;
  if (static_cast<int64_t>(probs.size()) <= kMaxSparseSize) {
    p.keys.resize(probs.size());
    for (size_t i = 0; i < probs.size(); ++i) p.keys[i] = lower + static_cast<int64_t>(i);
    p.probs = std::move(probs);
  } else {
    p.dense = true;
    p.lower = lower;
    p.probs = std::move(probs);
  }
  return p;
}

absl::StatusOr<PrivacyLossPmf> Compose(const PrivacyLossPmf& a, const PrivacyLossPmf& b, double tau,
                                       const PmfLimits& limits) {
  const double infinity = a.infinity_mass + b.infinity_mass - a.infinity_mass * b.infinity_mass;
  if (!a.dense && !b.dense && static_cast<int64_t>(a.size() * b.size()) <= kMaxSparseSize) {
    if (a.keys.empty() || b.keys.empty()) {
      PrivacyLossPmf out;
      out.infinity_mass = infinity;
      return out;
    }
    // Quadratic convolution, adding each key's terms in dp_accounting's order (a's keys outer, b's inner).
    const int64_t lo = a.keys.front() + b.keys.front();
    const int64_t hi = a.keys.back() + b.keys.back();
    std::vector<double> sums(static_cast<size_t>(hi - lo + 1), 0.0);
    std::vector<char> present(sums.size(), 0);
    for (size_t i = 0; i < a.size(); ++i) {
      for (size_t j = 0; j < b.size(); ++j) {
        const size_t k = static_cast<size_t>(a.keys[i] + b.keys[j] - lo);
        sums[k] = sums[k] + a.probs[i] * b.probs[j];
        present[k] = 1;
      }
    }
    std::vector<int64_t> keys;
    std::vector<double> probs;
    for (size_t k = 0; k < sums.size(); ++k) {
      if (!present[k]) continue;
      keys.push_back(lo + static_cast<int64_t>(k));
      probs.push_back(sums[k]);
    }
    const Truncated t = TruncateTails(probs, tau);
    PrivacyLossPmf out;
    out.keys.assign(keys.begin() + t.offset, keys.begin() + t.offset + probs.size());
    out.probs = std::move(probs);
    out.infinity_mass = infinity + t.right_mass;
    return out;
  }
  PrivacyLossPmf da = ToDense(a), db = ToDense(b);
  std::vector<double> conv;
  if (da.size() == 1 || db.size() == 1) {
    // Convolution with a single bin is a scaling; the identity composition of the accountant lands here.
    const double s = da.size() == 1 ? da.probs[0] : db.probs[0];
    conv = da.size() == 1 ? db.probs : da.probs;
    if (s != 1.0) {
      for (double& v : conv) v *= s;
    }
  } else {
    const int64_t length = static_cast<int64_t>(da.size() + db.size() - 1);
    const int64_t n = NextFastLength(length);
    if (n > limits.max_fft_length) return TooLarge("convolution", static_cast<double>(n), limits.max_fft_length);
    std::vector<Complex> fa = RealForwardFft(da.probs.data(), da.size(), static_cast<size_t>(n));
    std::vector<Complex> fb = RealForwardFft(db.probs.data(), db.size(), static_cast<size_t>(n));
    for (size_t k = 0; k < fa.size(); ++k) fa[k] *= fb[k];
    conv = HermitianInverseFft(fa, static_cast<size_t>(n));
    conv.resize(static_cast<size_t>(length));
  }
  const Truncated t = TruncateTails(conv, tau);
  PrivacyLossPmf out;
  out.dense = true;
  out.lower = da.lower + db.lower + static_cast<int64_t>(t.offset);
  out.probs = std::move(conv);
  out.infinity_mass = infinity + t.right_mass;
  return out;
}

absl::StatusOr<PrivacyLossPmf> ComposeWithIdentity(PrivacyLossPmf pmf, double tau, const PmfLimits& limits) {
  if (!pmf.dense) return Compose(PrivacyLossPmf::Identity(), pmf, tau, limits);
  // Compose's dense path with a single-bin identity: the convolution is a scaling by 1.0 (none), the infinity
  // mass is 0 + ∞ - 0·∞ = ∞, then the same truncation — done on the moved-in vector instead of a copy.
  const Truncated t = TruncateTails(pmf.probs, tau);
  pmf.lower += static_cast<int64_t>(t.offset);
  pmf.infinity_mass += t.right_mass;
  pmf.wrap.mass *= std::exp(-pmf.wrap.decay * static_cast<double>(t.offset));  // the first t.offset bins left
  return pmf;
}

absl::StatusOr<PrivacyLossPmf> SelfCompose(const PrivacyLossPmf& pmf, int64_t count, double tau,
                                           const PmfLimits& limits) {
  if (count < 1) return absl::InvalidArgumentError("self-composition needs at least one round");
  if (!pmf.dense) {
    if (count == 1) return pmf;
    // |pmf|^count <= 1000, without overflow.
    int64_t power = 1;
    bool small = true;
    for (int64_t i = 0; i < count && small; ++i) {
      power *= static_cast<int64_t>(pmf.size());
      if (power > kMaxSparseSize) small = false;
      if (pmf.size() <= 1) break;
    }
    if (small) {
      PrivacyLossPmf result = pmf;
      for (int64_t i = 2; i <= count; ++i) {
        auto next = Compose(result, pmf, i != count ? 0.0 : tau, limits);
        if (!next.ok()) return next.status();
        result = *std::move(next);
      }
      return result;
    }
  }
  PrivacyLossPmf dense_copy;
  if (!pmf.dense) dense_copy = ToDense(pmf);
  const PrivacyLossPmf& p = pmf.dense ? pmf : dense_copy;
  const int64_t n = static_cast<int64_t>(p.size());
  const double t = static_cast<double>(count);
  // The final lower loss lower·T + shift must fit comfortably in 64 bits.
  if (static_cast<double>(std::llabs(p.lower) + n) * t > 4e18)
    return TooLarge("loss range", 9e18, limits.max_fft_length);

  const bool reference_window = limits.reference_window || limits.reference_fft_lengths || limits.exhaustive;
  const SupportBounds bounds = ChernoffBounds(p.probs, t, tau, reference_window);
  const double upper = bounds.upper, lower = bounds.lower;
  const double window = upper - lower + 1;
  if (!(window <= static_cast<double>(limits.max_fft_length))) {
    return TooLarge("self-composition window", window, limits.max_fft_length);
  }
  const int64_t low = static_cast<int64_t>(lower);
  const int64_t length = static_cast<int64_t>(upper) - low + 1;
  // The reference pads to scipy's next_fast_len. Any length >= the window gives the same distribution: the FFT
  // computes the T-fold convolution modulo the length, and the only mass that wraps is the mass outside the
  // Chernoff window (at most τ/2 on each side, by construction of the window), which the reference wraps too.
  // So pad to a length this FFT is fast at (even, 2·3·5-smooth) unless asked to follow the reference exactly.
  // The reference also makes the transform at least as long as the per-round PMF. Bins at or above
  // `upper` + 1 cannot reach the window (every other round adds an index >= 0 relative to p.lower), so a
  // transform that drops them (RealForwardFft truncates its input) gives the window the same sums; it only wraps
  // less far-tail mass, which PrivacyLossPmf::wrap bounds in either case (dropping bins shrinks every tail).
  // For small-q PMFs, whose single-round tail reaches past the T-round window, this is shorter (keras: 345600
  // instead of 400000).
  const int64_t fft_length = limits.reference_fft_lengths
                                 ? NextFastLength(std::max(length, n))
                                 : FastEvenLength(std::max(length, std::min(n, static_cast<int64_t>(upper) + 1)));
  if (fft_length > limits.max_fft_length) {
    return TooLarge("self-composition FFT", static_cast<double>(fft_length), limits.max_fft_length);
  }
  std::vector<Complex> spectrum = RealForwardFft(p.probs.data(), p.size(), static_cast<size_t>(fft_length));
  RaiseToPower(spectrum, count);
  // The inverse transform leaves its 1/N to the copy of the window below: one pass over the result instead of two.
  const double* y = HermitianInverseFftInPlace(spectrum, static_cast<size_t>(fft_length), InverseScale::kLeftToCaller);
  const double scale = 1.0 / static_cast<double>(fft_length);
  // The window [low, low + length) of the circular result, which may wrap past its end.
  std::vector<double> out = TakeDoubles(static_cast<size_t>(length), Fill::kAny);
  const size_t start = static_cast<size_t>(low % fft_length);
  const size_t first_part = std::min(static_cast<size_t>(length), static_cast<size_t>(fft_length) - start);
  for (size_t i = 0; i < first_part; ++i) out[i] = y[start + i] * scale;
  for (size_t i = first_part; i < static_cast<size_t>(length); ++i) out[i] = y[i - first_part] * scale;
  ReturnComplexes(spectrum);
  PrivacyLossPmf result;
  result.dense = true;
  result.lower = p.lower * count + low;
  result.probs = std::move(out);
  result.infinity_mass = tau - std::expm1(t * std::log1p(-p.infinity_mass));
  if (!reference_window && bounds.upper_order > 0) {
    // Mass beyond upper + k is at most τ/2·e^{-o·k}; what lands on output bin k came from beyond
    // lower + fft_length + k, i.e. from k + (fft_length - length) + 1 bins past upper.
    result.wrap.decay = bounds.upper_order;
    result.wrap.mass = tau / 2 * std::exp(-bounds.upper_order * static_cast<double>(fft_length - length + 1));
  }
  return result;
}

double SelfComposedTailBound(const PrivacyLossPmf& pmf, int64_t count, int64_t key) {
  if (count < 1 || pmf.probs.empty()) return INFINITY;
  const PrivacyLossPmf dense_copy = pmf.dense ? PrivacyLossPmf{} : ToDense(pmf);
  const PrivacyLossPmf& p = pmf.dense ? pmf : dense_copy;
  const double t = static_cast<double>(count);
  const double x = static_cast<double>(key) - t * static_cast<double>(p.lower);  // bins above the lowest sum
  if (!(x > 0)) return INFINITY;
  const BlockMgf mgf(p.probs);
  // T·log m(o) - o·x is convex in o: scan orders a factor 1.5 apart up to the first that does worse than the best
  // so far, then narrow around the best by golden section (ten steps: any order gives a valid bound, these only
  // tighten it, by well under a factor 2).
  auto log_bound = [&](double o) {
    const double v = t * mgf.Log(o) - o * x;
    return std::isnan(v) ? INFINITY : v;
  };
  const double n = static_cast<double>(p.size());
  const double largest = std::max(BlockMgf::kLargestOrder, 20 / n);
  double best = INFINITY, best_order = 0;
  for (double o = 1 / n; o <= largest; o *= 1.5) {
    const double v = log_bound(o);
    if (v < best) {
      best = v;
      best_order = o;
    } else if (v > best) {
      break;
    }
  }
  if (best_order == 0) return INFINITY;
  constexpr double kGolden = 0.6180339887498949;
  double lo = best_order / 1.5, hi = std::min(best_order * 1.5, largest);
  for (int i = 0; i < 10; ++i) {
    const double m1 = hi - kGolden * (hi - lo), m2 = lo + kGolden * (hi - lo);
    const double v1 = log_bound(m1), v2 = log_bound(m2);
    best = std::min({best, v1, v2});
    if (v1 < v2) {
      hi = m2;
    } else {
      lo = m1;
    }
  }
  return std::exp(best);
}

namespace {

constexpr size_t kWalkBlock = 64;

struct BlockSums {
  double positive = 0, mass = 0, weighted = 0;
};

// Over kWalkBlock bins: the sum of the positive masses, the sum of the masses, and Σ p_j·factor[j]. Four lanes
// of partial sums (AVX2 clone chosen at load time).
__attribute__((target_clones("avx2", "default"))) BlockSums SumWalkBlock(const double* probs, const double* factor) {
  Lanes4 positive = {0, 0, 0, 0}, mass = positive, weighted = positive;
  const Lanes4 zero = positive;
  for (size_t j = 0; j < kWalkBlock; j += 4) {
    Lanes4 p, f;
    std::memcpy(&p, probs + j, sizeof p);
    std::memcpy(&f, factor + j, sizeof f);
    positive += p > zero ? p : zero;
    mass += p;
    weighted += p * f;
  }
  BlockSums sums;
  for (int k = 0; k < 4; ++k) {
    sums.positive += positive[k];
    sums.mass += mass[k];
    sums.weighted += weighted[k];
  }
  return sums;
}

}  // namespace

bool RepeatedSubtractionStep(double x, double d, size_t count, double* step) {
  // Inside one binade [2^e, 2^(e+1)) the doubles are the multiples of u = 2^(e-52), and rounding commutes with
  // shifts by multiples of u: fl(x - d) = x - s for every x there, with s = d rounded to a multiple of u — unless
  // d/u sits exactly on a tie (round-half-even would then alternate). So `count` steps that stay in the binade,
  // with half an ulp to spare at its edge, subtract count·s exactly.
  if (!std::isfinite(x) || x == 0 || !(d > 0)) return false;
  const int e = std::ilogb(x);
  const double u = std::ldexp(1.0, e - 52);
  const double units = d / u;  // exact: u is a power of two
  if (units - std::floor(units) == 0.5) return false;
  const double s = x - (x - d);
  const double last = x - static_cast<double>(count) * s;  // exact if it stays in the binade
  if (std::signbit(last) != std::signbit(x) || last == 0 || std::ilogb(last) != e) return false;
  const double edge = std::ldexp(1.0, e);  // |values| stay in [edge, 2·edge)
  if (x > 0 ? !(last > edge) : !(-last + u < 2 * edge)) return false;
  *step = s;
  return true;
}

double EpsilonForDelta(const PrivacyLossPmf& pmf, double delta, double d, EpsilonWalk* walk) {
  EpsilonWalk unused;
  if (walk == nullptr) walk = &unused;
  *walk = EpsilonWalk{
      pmf.dense ? pmf.lower + static_cast<int64_t>(pmf.size()) : (pmf.keys.empty() ? 0 : pmf.keys.back() + 1),
      pmf.infinity_mass, 0.0};
  if (pmf.infinity_mass > delta) return INFINITY;
  double mu = pmf.infinity_mass, ml = 0.0;
  const size_t n = pmf.size();
  size_t step = 0;  // bins summed, from the top
  // Dense losses are generated by repeated subtraction of d from the top loss, as the reference does
  // (itertools.count), so they carry the same rounding.
  double loss = pmf.dense ? static_cast<double>(pmf.lower + static_cast<int64_t>(n) - 1) * d : 0.0;
  if (pmf.dense) {
    // The walk cannot stop while the mass summed stays below δ (its test needs mu > δ), which on a long PMF is most
    // of the way from the top to ε (keras: 230000 of 237000 bins). Sum that part in blocks, four lanes at a time,
    // as long as no partial sum inside a block can reach δ (the block's positive masses alone keep below it). The
    // losses of a block are its top loss minus j·s (RepeatedSubtractionStep), so a bin's weight e^-loss is the
    // top's times e^{j·s}.
    double factor[kWalkBlock];
    double factor_step = NAN;
    while (n - step >= kWalkBlock) {
      const size_t begin = n - step - kWalkBlock;
      const double* probs = pmf.probs.data() + begin;
      double s = 0;
      if (RepeatedSubtractionStep(loss, d, kWalkBlock, &s)) {
        if (s != factor_step) {
          for (size_t j = 0; j < kWalkBlock; ++j) factor[j] = std::exp(static_cast<double>(kWalkBlock - 1 - j) * s);
          factor_step = s;
        }
        const BlockSums sums = SumWalkBlock(probs, factor);
        if (!(mu + sums.positive < delta)) break;
        mu += sums.mass;
        ml += std::exp(-loss) * sums.weighted;
        loss -= static_cast<double>(kWalkBlock) * s;
      } else {
        // The block crosses a binade's edge: the same sums bin by bin, along the subtraction itself.
        double positive = 0;
        for (size_t j = 0; j < kWalkBlock; ++j) positive += std::max(probs[j], 0.0);
        if (!(mu + positive < delta)) break;
        for (size_t j = kWalkBlock; j-- > 0;) {
          mu += probs[j];
          ml += std::exp(-loss) * probs[j];
          loss -= d;
        }
      }
      walk->lowest_key = pmf.lower + static_cast<int64_t>(begin);
      step += kWalkBlock;
    }
  }
  // Then bin by bin. On the dense lattice e^-loss grows by e^d per step: a multiplication instead of exp(),
  // re-anchored with exp() every 256 steps so the drift stays below 1e-13 relative (the walk covers up to
  // millions of bins).
  const double exp_d = std::exp(d);
  double exp_minus_loss = 0;
  for (size_t k = 0; step < n; ++step, ++k) {
    const size_t i = n - 1 - step;
    if (!pmf.dense) loss = static_cast<double>(pmf.keys[i]) * d;
    if (!pmf.dense || k % 256 == 0) {
      exp_minus_loss = std::exp(-loss);
    } else {
      exp_minus_loss *= exp_d;
    }
    if (mu > delta && ml > 0) {
      // log((mu-δ)/ml) >= loss, evaluated with log() only when the cheap test cannot decide.
      const double ratio = (mu - delta) / ml;
      const double threshold = 1.0 / exp_minus_loss;
      if (!(ratio < threshold * (1 - 1e-12)) && std::log(ratio) >= loss) break;
    }
    const double pr = pmf.probs[i];
    mu += pr;
    ml += exp_minus_loss * pr;
    walk->lowest_key = pmf.dense ? pmf.lower + static_cast<int64_t>(i) : pmf.keys[i];
    if (mu >= delta && ml == 0) {
      walk->mass = mu;
      return std::max(0.0, loss);
    }
    if (pmf.dense) loss -= d;
  }
  walk->mass = mu;
  walk->weighted_mass = ml;
  if (mu <= ml + delta) return 0.0;
  return std::log((mu - delta) / ml);
}

}  // namespace tb::dp
