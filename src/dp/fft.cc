#include "dp/fft.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numbers>
#include <utility>

#include "dp/buffer_pool.h"

namespace tb::dp {

int64_t NextFastLength(int64_t n) {
  if (n <= 6) return n < 1 ? 1 : n;
  int64_t best = INT64_MAX;
  // Enumerate 11-smooth numbers >= n by walking the exponents of 11, 7, 5, 3 and finishing with a power of two.
  for (int64_t f11 = 1; f11 < best; f11 *= 11) {
    for (int64_t f7 = f11; f7 < best; f7 *= 7) {
      for (int64_t f5 = f7; f5 < best; f5 *= 5) {
        for (int64_t f3 = f5; f3 < best; f3 *= 3) {
          int64_t v = f3;
          while (v < n) v *= 2;
          if (v < best) best = v;
          if (f3 >= n) break;
        }
        if (f5 >= n) break;
      }
      if (f7 >= n) break;
    }
    if (f11 >= n) break;
  }
  return best;
}

int64_t FastEvenLength(int64_t n) {
  if (n <= 2) return 2;
  int64_t best = INT64_MAX;
  for (int64_t f5 = 2; f5 < best; f5 *= 5) {
    for (int64_t f3 = f5; f3 < best; f3 *= 3) {
      int64_t v = f3;
      while (v < n) v *= 2;
      if (v < best) best = v;
      if (f3 >= n) break;
    }
    if (f5 >= n) break;
  }
  return best;
}

namespace {

inline Complex Mul(Complex a, Complex b) {
  return Complex(a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real());
}
inline Complex MulNegI(Complex a) { return Complex(a.imag(), -a.real()); }  // a·(-i)

// Two adjacent complex numbers [re0, im0, re1, im1] in one vector, with the operations the butterflies need. Each
// lane computes exactly what the scalar Complex code computes (x - y as x + (-y) and commuted sums are exact
// rewrites), so the paired and single paths agree to the bit.
// The 256-bit helpers are always inlined, so no call passes a vector across an ABI boundary (GCC's -Wpsabi note
// about AVX vector returns does not apply).
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double ComplexPair __attribute__((vector_size(32)));

template <class T>
inline T Load(const Complex* p);
template <>
inline Complex Load<Complex>(const Complex* p) {
  return *p;
}
template <>
[[gnu::always_inline]] inline ComplexPair Load<ComplexPair>(const Complex* p) {
  ComplexPair v;
  std::memcpy(&v, reinterpret_cast<const double*>(p), sizeof v);
  return v;
}
inline void Store(Complex* p, Complex v) { *p = v; }
[[gnu::always_inline]] inline void Store(Complex* p, ComplexPair v) {
  std::memcpy(reinterpret_cast<double*>(p), &v, sizeof v);
}
[[gnu::always_inline]] inline ComplexPair SwapParts(ComplexPair a) { return __builtin_shufflevector(a, a, 1, 0, 3, 2); }
[[gnu::always_inline]] inline ComplexPair Mul(ComplexPair a, Complex w) {
  const ComplexPair re = {w.real(), w.real(), w.real(), w.real()};
  const ComplexPair im = {-w.imag(), w.imag(), -w.imag(), w.imag()};
  return a * re + SwapParts(a) * im;
}
// A different twiddle per lane: the same lane arithmetic as Mul(ComplexPair, Complex).
[[gnu::always_inline]] inline ComplexPair Mul(ComplexPair a, ComplexPair w) {
  const ComplexPair re = __builtin_shufflevector(w, w, 0, 0, 2, 2);
  const ComplexPair im = __builtin_shufflevector(w, w, 1, 1, 3, 3) * ComplexPair{-1, 1, -1, 1};
  return a * re + SwapParts(a) * im;
}
[[gnu::always_inline]] inline ComplexPair MulNegI(ComplexPair a) { return SwapParts(a) * ComplexPair{1, -1, 1, -1}; }
[[gnu::always_inline]] inline ComplexPair Scale(double c, ComplexPair a) { return a * ComplexPair{c, c, c, c}; }
inline Complex Scale(double c, Complex a) { return c * a; }
// i·k·d for a real k: (-k·d.im, k·d.re).
[[gnu::always_inline]] inline ComplexPair MulIK(double k, ComplexPair d) {
  return SwapParts(d) * ComplexPair{-k, k, -k, k};
}
inline Complex MulIK(double k, Complex d) { return Complex(-k * d.imag(), k * d.real()); }

// One butterfly of each radix at (q, p) of a Stockham stage: inputs x[q + stride·(p + j·m)], outputs
// y[q + stride·(r·p + j)], twiddles tw[p·(r-1) + j-1]; T is Complex (one q) or ComplexPair (q and q + 1).
template <class T>
[[gnu::always_inline]] inline void Radix2(const Complex* x, Complex* y, size_t q, size_t p, size_t m, size_t stride,
                                          const Complex* tw) {
  const T a0 = Load<T>(x + q + stride * p), a1 = Load<T>(x + q + stride * (p + m));
  Store(y + q + stride * (2 * p), a0 + a1);
  Store(y + q + stride * (2 * p + 1), Mul(a0 - a1, tw[p]));
}

template <class T>
[[gnu::always_inline]] inline void Radix4(const Complex* x, Complex* y, size_t q, size_t p, size_t m, size_t stride,
                                          const Complex* tw) {
  const T a0 = Load<T>(x + q + stride * p), a1 = Load<T>(x + q + stride * (p + m));
  const T a2 = Load<T>(x + q + stride * (p + 2 * m)), a3 = Load<T>(x + q + stride * (p + 3 * m));
  const T s02 = a0 + a2, d02 = a0 - a2, s13 = a1 + a3, d13 = MulNegI(a1 - a3);
  Complex* out = y + q + stride * (4 * p);
  Store(out, s02 + s13);
  Store(out + stride, Mul(d02 + d13, tw[3 * p]));
  Store(out + 2 * stride, Mul(s02 - s13, tw[3 * p + 1]));
  Store(out + 3 * stride, Mul(d02 - d13, tw[3 * p + 2]));
}

template <class T>
[[gnu::always_inline]] inline void Radix3(const Complex* x, Complex* y, size_t q, size_t p, size_t m, size_t stride,
                                          const Complex* tw) {
  constexpr double kC = -0.5, kS = -0.86602540378443864676;  // e^{-2πi/3}
  const T a0 = Load<T>(x + q + stride * p), a1 = Load<T>(x + q + stride * (p + m));
  const T a2 = Load<T>(x + q + stride * (p + 2 * m));
  const T s = a1 + a2, d = a1 - a2;
  const T t = a0 + Scale(kC, s);
  const T u = MulIK(kS, d);
  Complex* out = y + q + stride * (3 * p);
  Store(out, a0 + s);
  Store(out + stride, Mul(t + u, tw[2 * p]));
  Store(out + 2 * stride, Mul(t - u, tw[2 * p + 1]));
}

template <class T>
[[gnu::always_inline]] inline void Radix5(const Complex* x, Complex* y, size_t q, size_t p, size_t m, size_t stride,
                                          const Complex* tw) {
  // cos and sin of 2π/5 and 4π/5.
  constexpr double kC1 = 0.30901699437494742410, kC2 = -0.80901699437494742410;
  constexpr double kS1 = 0.95105651629515357212, kS2 = 0.58778525229247312917;
  const T a0 = Load<T>(x + q + stride * p), a1 = Load<T>(x + q + stride * (p + m));
  const T a2 = Load<T>(x + q + stride * (p + 2 * m)), a3 = Load<T>(x + q + stride * (p + 3 * m));
  const T a4 = Load<T>(x + q + stride * (p + 4 * m));
  const T t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3;
  const T b1 = a0 + Scale(kC1, t1) + Scale(kC2, t2), b2 = a0 + Scale(kC2, t1) + Scale(kC1, t2);
  const T d1 = Scale(kS1, t3) + Scale(kS2, t4), d2 = Scale(kS2, t3) - Scale(kS1, t4);
  const T nid1 = MulNegI(d1), nid2 = MulNegI(d2);
  Complex* out = y + q + stride * (5 * p);
  Store(out, a0 + t1 + t2);
  Store(out + stride, Mul(b1 + nid1, tw[4 * p]));
  Store(out + 2 * stride, Mul(b2 + nid2, tw[4 * p + 1]));
  Store(out + 3 * stride, Mul(b2 - nid2, tw[4 * p + 2]));
  Store(out + 4 * stride, Mul(b1 - nid1, tw[4 * p + 3]));
}

// e^{-2πi k/n} for any k in [0, n), from two small tables (k = a·B + b with B a power of two near √(n/2):
// coarse[a]·fine[b], the fine table kept as double plus a correction so that the product, formed in double
// arithmetic, is within about one ulp). O(√n) trigonometric calls in long double; k > n/2 is the exact conjugate
// of n - k. Shifts and masks instead of a table of all n roots, which cost more to build than a transform.
class RootsOfUnity {
 public:
  explicit RootsOfUnity(size_t n) : n_(n) {
    const size_t half = n / 2 + 1;
    while ((size_t{1} << (2 * shift_)) < half) ++shift_;
    const size_t block = size_t{1} << shift_;
    const long double step = -2.0L * std::numbers::pi_v<long double> / static_cast<long double>(n);
    fine_.resize(block);
    fine_lo_.resize(block);
    for (size_t b = 0; b < block; ++b) {
      const std::complex<long double> w = std::polar(1.0L, step * static_cast<long double>(b));
      fine_[b] = Complex(static_cast<double>(w.real()), static_cast<double>(w.imag()));
      fine_lo_[b] =
          Complex(static_cast<double>(w.real() - fine_[b].real()), static_cast<double>(w.imag() - fine_[b].imag()));
    }
    coarse_.resize(half / block + 1);
    for (size_t a = 0; a < coarse_.size(); ++a) {
      const std::complex<long double> w = std::polar(1.0L, step * static_cast<long double>(a * block));
      coarse_[a] = Complex(static_cast<double>(w.real()), static_cast<double>(w.imag()));
    }
  }

  Complex operator()(size_t k) const {
    if (2 * k > n_) return std::conj((*this)(n_ - k));
    const Complex c = coarse_[k >> shift_];
    const size_t b = k & ((size_t{1} << shift_) - 1);
    const Complex f = fine_[b], g = fine_lo_[b];
    const double re = c.real() * f.real() - c.imag() * f.imag() + (c.real() * g.real() - c.imag() * g.imag());
    const double im = c.real() * f.imag() + c.imag() * f.real() + (c.real() * g.imag() + c.imag() * g.real());
    return Complex(re, im);
  }

 private:
  size_t n_;
  int shift_ = 0;
  std::vector<Complex> coarse_, fine_, fine_lo_;
};

}  // namespace

FftPlan::FftPlan(size_t n) : n_(n) {
  size_t rest = n;
  while (rest % 4 == 0) {
    radices_.push_back(4);
    rest /= 4;
  }
  for (int p : {2, 3, 5, 7, 11}) {
    while (rest % p == 0) {
      radices_.push_back(p);
      rest /= p;
    }
  }
  for (size_t p = 13; rest > 1; p += 2) {
    while (rest % p == 0) {
      radices_.push_back(static_cast<int>(p));
      rest /= p;
    }
    if (p * p > rest && rest > 1) {
      radices_.push_back(static_cast<int>(rest));
      rest = 1;
    }
  }
  const RootsOfUnity root(n);
  scratch_.resize(n);
  size_t len = n;
  for (int r : radices_) {
    const size_t m = len / r;
    const size_t tw_step = n / len;
    std::vector<Complex> tw(m * static_cast<size_t>(r - 1));
    for (size_t p = 0; p < m; ++p) {
      // j·p·tw_step < r·m·tw_step = n: no reduction needed.
      for (int j = 1; j < r; ++j) tw[p * (r - 1) + (j - 1)] = root(static_cast<size_t>(j) * p * tw_step);
    }
    stage_twiddles_.push_back(std::move(tw));
    std::vector<Complex> small;
    if (r > 5) {
      for (int k = 0; k < r; ++k) small.push_back(root(static_cast<size_t>(k) * (n / r)));
    }
    stage_small_roots_.push_back(std::move(small));
    len = m;
  }
}

__attribute__((target_clones("avx2", "default"))) void FftPlan::Run(const Complex* in, Complex* data,
                                                                    bool inverse) const {
  const size_t n = n_;
  if (n <= 1) {
    if (n == 1 && in != data) data[0] = in[0];
    return;
  }
  if (inverse) {  // only in place (Transform)
    for (size_t i = 0; i < n; ++i) data[i] = std::conj(data[i]);
  }
  // Each stage reads one array and writes another, so the stages alternate between data and scratch and must end
  // in data. From a separate input, the first stage writes whichever of the two makes that so. In place, an odd
  // number of stages would end in scratch: there the last stage (m = 1, whose butterflies write exactly the
  // positions they read, after reading them) runs in place instead of copying the result back.
  const size_t stages = radices_.size();
  Complex* const scratch = scratch_.data();
  auto destination = [&](size_t s) -> Complex* {
    if (in != data) return (stages - 1 - s) % 2 == 0 ? data : scratch;
    if (s + 1 == stages && stages % 2 == 1) return data;  // its input is data too: in place
    return s % 2 == 0 ? scratch : data;
  };
  const Complex* x = in;
  size_t len = n, stride = 1, stage = 0;
  std::vector<Complex> a, b;
  for (int r : radices_) {
    const size_t m = len / r;
    Complex* const y = destination(stage);
    const Complex* tw = stage_twiddles_[stage++].data();
    // The butterflies run on two adjacent q at once (one 256-bit vector) wherever the stride allows; the lane
    // arithmetic is the scalar arithmetic, operation for operation, so both paths give the same bits.
    const size_t pairs = stride / 2 * 2;
    if (r == 2) {
      for (size_t p = 0; p < m; ++p) {
        size_t q = 0;
        for (; q < pairs; q += 2) Radix2<ComplexPair>(x, y, q, p, m, stride, tw);
        for (; q < stride; ++q) Radix2<Complex>(x, y, q, p, m, stride, tw);
      }
    } else if (r == 4) {
      for (size_t p = 0; p < m; ++p) {
        size_t q = 0;
        for (; q < pairs; q += 2) Radix4<ComplexPair>(x, y, q, p, m, stride, tw);
        for (; q < stride; ++q) Radix4<Complex>(x, y, q, p, m, stride, tw);
      }
    } else if (r == 3) {
      for (size_t p = 0; p < m; ++p) {
        size_t q = 0;
        for (; q < pairs; q += 2) Radix3<ComplexPair>(x, y, q, p, m, stride, tw);
        for (; q < stride; ++q) Radix3<Complex>(x, y, q, p, m, stride, tw);
      }
    } else if (r == 5) {
      for (size_t p = 0; p < m; ++p) {
        size_t q = 0;
        for (; q < pairs; q += 2) Radix5<ComplexPair>(x, y, q, p, m, stride, tw);
        for (; q < stride; ++q) Radix5<Complex>(x, y, q, p, m, stride, tw);
      }
    } else {
      // Generic odd radix: a direct r-point DFT with precomputed e^{-2πi jk/r}.
      const std::vector<Complex>& small_roots = stage_small_roots_[stage - 1];
      a.resize(r);
      b.resize(r);
      const int half = (r - 1) / 2;
      // e^{-2πi jk/r} for 1 <= j, k <= half, laid out [j][k]: no index reduction inside the loops.
      std::vector<Complex> roots_jk(static_cast<size_t>(half * half));
      for (int j = 1; j <= half; ++j) {
        for (int k = 1; k <= half; ++k) roots_jk[(j - 1) * half + (k - 1)] = small_roots[(j * k) % r];
      }
      for (size_t p = 0; p < m; ++p) {
        for (size_t q = 0; q < stride; ++q) {
          for (int k = 0; k < r; ++k) a[k] = x[q + stride * (p + k * m)];
          // Pair k and r-k: b_j = a0 + Σ_{k<=half} (a_k + a_{r-k}) cos + i (a_k - a_{r-k}) sin.
          Complex sum = a[0];
          for (int k = 1; k <= half; ++k) sum += a[k] + a[r - k];
          b[0] = sum;
          for (int j = 1; j <= half; ++j) {
            Complex re = a[0], im(0.0, 0.0);
            for (int k = 1; k <= half; ++k) {
              const Complex w = roots_jk[(j - 1) * half + (k - 1)];
              re += (a[k] + a[r - k]) * w.real();
              im += (a[k] - a[r - k]) * w.imag();
            }
            const Complex iim(-im.imag(), im.real());  // i·im
            b[j] = re + iim;
            b[r - j] = re - iim;
          }
          Complex* out = y + q + stride * (r * p);
          out[0] = b[0];
          for (int j = 1; j < r; ++j) out[j * stride] = Mul(b[j], tw[p * (r - 1) + (j - 1)]);
        }
      }
    }
    x = y;
    stride *= r;
    len = m;
  }
  if (inverse) {
    for (size_t i = 0; i < n; ++i) data[i] = std::conj(data[i]);
  }
}

void FftPlan::Transform(Complex* data, bool inverse) const { Run(data, data, inverse); }
void FftPlan::ForwardFrom(const Complex* in, Complex* out) const { Run(in, out, false); }

const FftPlan& CachedFftPlan(size_t n) {
  // A few entries (one accounting call uses two or three lengths), and at most ~64 MiB kept beyond the newest.
  constexpr size_t kEntries = 6;
  constexpr size_t kRetainedElements = size_t{1} << 21;
  thread_local std::vector<std::unique_ptr<FftPlan>> cache;
  for (size_t i = 0; i < cache.size(); ++i) {
    if (cache[i]->size() == n) {
      std::rotate(cache.begin(), cache.begin() + i, cache.begin() + i + 1);  // most recent first
      return *cache[0];
    }
  }
  cache.insert(cache.begin(), std::make_unique<FftPlan>(n));
  size_t kept = 0, i = 1;
  for (; i < cache.size() && i < kEntries; ++i) {
    kept += cache[i]->size();
    if (kept > kRetainedElements) break;
  }
  cache.resize(i);
  return *cache[0];
}

namespace {

// e^{-2πi k/n} for k in [0, n/2], cached for the last few n (the real-FFT split/merge step).
const std::vector<Complex>& CachedHalfRoots(size_t n) {
  constexpr size_t kEntries = 4;
  thread_local std::vector<std::pair<size_t, std::vector<Complex>>> cache;
  for (size_t i = 0; i < cache.size(); ++i) {
    if (cache[i].first == n) {
      std::rotate(cache.begin(), cache.begin() + i, cache.begin() + i + 1);
      return cache[0].second;
    }
  }
  if (cache.size() == kEntries) cache.pop_back();
  const RootsOfUnity root(n);
  std::vector<Complex> roots(n / 2 + 1);
  for (size_t k = 0; k < roots.size(); ++k) roots[k] = root(k);
  cache.insert(cache.begin(), {n, std::move(roots)});
  return cache[0].second;
}

// The real-transform passes below run on two k at once where the pairs they touch are disjoint: lanes (k, k+1)
// meet their mirrors (h-k, h-k-1), loaded as a reversed pair. Each lane computes the scalar expression with the
// same products and sums (commuted, or x - y as x + (-y)), so the vector and scalar paths give the same bits.
[[gnu::always_inline]] inline ComplexPair Reversed(ComplexPair v) { return __builtin_shufflevector(v, v, 2, 3, 0, 1); }
[[gnu::always_inline]] inline ComplexPair Conj(ComplexPair a) { return a * ComplexPair{1, -1, 1, -1}; }
[[gnu::always_inline]] inline ComplexPair LoadTwiddles(const Complex* w, size_t k) { return Load<ComplexPair>(w + k); }

// Two lanes of the forward separation: even + w·odd of z and conj(z mirrored).
[[gnu::always_inline]] inline ComplexPair Separate(ComplexPair z, ComplexPair mirror_conj, ComplexPair w) {
  const ComplexPair even = Scale(0.5, z + mirror_conj);
  const ComplexPair odd = SwapParts(z - mirror_conj) * ComplexPair{0.5, -0.5, 0.5, -0.5};  // -i/2 · diff
  return even + Mul(odd, w);
}
// Two lanes of the inverse merge: even + i·odd, odd rotated by conj(w).
[[gnu::always_inline]] inline ComplexPair Merge(ComplexPair a, ComplexPair mirror_conj, ComplexPair w) {
  const ComplexPair odd = Mul(a - mirror_conj, Conj(w));
  return (a + mirror_conj) + SwapParts(odd) * ComplexPair{-1, 1, -1, 1};
}

// Lanes k, k+1 against their mirrors j, j-1 (j = h-k), in place. Vectors cross no call boundary that is not
// inlined (clang rejects 256-bit arguments to calls from the default clone).
[[gnu::always_inline]] inline void SeparatePairs(Complex* out, const Complex* w, size_t k, size_t j) {
  const ComplexPair zk = Load<ComplexPair>(out + k), zj = Reversed(Load<ComplexPair>(out + j - 1));
  const ComplexPair wk = LoadTwiddles(w, k), wj = Reversed(LoadTwiddles(w, j - 1));
  Store(out + k, Separate(zk, Conj(zj), wk));
  Store(out + j - 1, Reversed(Separate(zj, Conj(zk), wj)));
}
[[gnu::always_inline]] inline void MergePairs(Complex* half, const Complex* w, size_t k, size_t j) {
  const ComplexPair a = Load<ComplexPair>(half + k), b = Reversed(Load<ComplexPair>(half + j - 1));
  const ComplexPair wk = LoadTwiddles(w, k), wj = Reversed(LoadTwiddles(w, j - 1));
  Store(half + k, Merge(a, Conj(b), wk));
  Store(half + j - 1, Reversed(Merge(b, Conj(a), wj)));
}

// The walk both passes share: k up and its mirror j down until they meet, two of each at a time while the four
// are distinct (pair(k, j) handles k, k+1, j, j-1), then one at a time (single(k, j)).
template <class Pair, class Single>
[[gnu::always_inline]] inline void MirroredWalk(size_t k, size_t j, Pair pair, Single single) {
  for (; k + 1 < j - 1; k += 2, j -= 2) pair(k, j);
  for (; k <= j; ++k, --j) single(k, j);
}

// out[k] ← even + w[k]·odd of z[k] and conj(z[h-k]), for k in [0, h], in place (out[h] holds z[0]).
__attribute__((target_clones("avx2", "default"))) void SeparateSpectra(Complex* out, const Complex* w, size_t h) {
  auto separate = [w](Complex zk, Complex zc_conj, size_t k) {  // zc_conj = conj(z[(h - k) % h])
    const Complex even = 0.5 * (zk + zc_conj);
    const Complex diff = zk - zc_conj;
    const Complex odd(0.5 * diff.imag(), -0.5 * diff.real());  // -i/2 · diff
    return even + Mul(w[k], odd);
  };
  MirroredWalk(
      0, h, [&](size_t k, size_t j) { SeparatePairs(out, w, k, j); },
      [&](size_t k, size_t j) {
        const Complex zk = out[k], zj = out[j];
        out[k] = separate(zk, std::conj(zj), k);
        if (j != k) out[j] = separate(zj, std::conj(zk), j);
      });
}

// half[k] ← even + i·odd of half[k] and conj(half[h-k]) (odd rotated by conj(w[k])), for k in [0, h), in place.
__attribute__((target_clones("avx2", "default"))) void MergeSpectra(Complex* half, const Complex* w, size_t h) {
  auto merge = [w](Complex a, Complex b_conj, size_t k) {  // b_conj = conj(half[h - k])
    const Complex even = a + b_conj;
    const Complex odd = Mul(a - b_conj, std::conj(w[k]));
    return even + Complex(-odd.imag(), odd.real());
  };
  {
    const Complex a = half[0], b = half[h];  // k = 0 pairs with h, which is not written
    half[0] = merge(a, std::conj(b), 0);
  }
  MirroredWalk(
      1, h - 1, [&](size_t k, size_t j) { MergePairs(half, w, k, j); },
      [&](size_t k, size_t j) {
        const Complex a = half[k], b = half[j];
        half[k] = merge(a, std::conj(b), k);
        if (j != k) half[j] = merge(b, std::conj(a), j);
      });
}

}  // namespace

std::vector<Complex> RealForwardFft(const double* x, size_t count, size_t n) {
  const size_t used = count < n ? count : n;
  if (n % 2 == 1 || n < 4) {
    std::vector<Complex> full = TakeComplexes(n);
    for (size_t i = 0; i < used; ++i) full[i] = Complex(x[i], 0.0);
    CachedFftPlan(n).Transform(full.data(), false);
    full.resize(n / 2 + 1);
    return full;
  }
  // Pack even/odd samples into one complex sequence of half the length, transform it in the output buffer, then
  // separate the two spectra pairwise in place (out[k] and out[h-k] need only z[k] and z[h-k]).
  const size_t h = n / 2;
  std::vector<Complex> out = TakeComplexes(h + 1, Fill::kAny);
  // Complex(x[2j], x[2j+1]) has x's own memory layout: when x covers all n samples the transform reads them in
  // place; otherwise a copy, zero-padded.
  if (used == n) {
    CachedFftPlan(h).ForwardFrom(reinterpret_cast<const Complex*>(x), out.data());
  } else {
    const size_t pairs = used / 2;
    std::memcpy(static_cast<void*>(out.data()), x, pairs * sizeof(Complex));
    size_t j = pairs;
    if (2 * j < used) {
      out[j] = Complex(x[2 * j], 0.0);
      ++j;
    }
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(j), out.end(), Complex(0, 0));
    CachedFftPlan(h).Transform(out.data(), false);
  }
  out[h] = out[0];  // z[h mod h]
  SeparateSpectra(out.data(), CachedHalfRoots(n).data(), h);
  return out;
}

const double* HermitianInverseFftInPlace(std::vector<Complex>& half, size_t n, InverseScale scale) {
  // 1/n, the same double as 0.5/h for n = 2h (both are the correctly rounded 1/n).
  const double factor = 1.0 / static_cast<double>(n);
  double* y = reinterpret_cast<double*>(half.data());
  if (n % 2 == 1 || n < 4) {
    half.resize(n);
    for (size_t k = n / 2 + 1; k < n; ++k) half[k] = std::conj(half[n - k]);
    CachedFftPlan(n).Transform(half.data(), true);
    y = reinterpret_cast<double*>(half.data());
    // Real parts, compacted forwards (i <= 2i).
    if (scale == InverseScale::kApplied) {
      for (size_t i = 0; i < n; ++i) y[i] = y[2 * i] * factor;
    } else {
      for (size_t i = 0; i < n; ++i) y[i] = y[2 * i];
    }
    return y;
  }
  const size_t h = n / 2;
  // z[k] = even + i·odd from half[k] and half[h-k]; pairwise in place like the forward separation (with the
  // twiddles conjugated: e^{+2πi k/n}).
  MergeSpectra(half.data(), CachedHalfRoots(n).data(), h);
  CachedFftPlan(h).Transform(half.data(), true);
  y = reinterpret_cast<double*>(half.data());
  if (scale == InverseScale::kApplied) {
    for (size_t i = 0; i < n; ++i) y[i] *= factor;  // z[j] = (y[2j], y[2j+1]): already in place
  }
  return y;
}

std::vector<double> HermitianInverseFft(const std::vector<Complex>& half, size_t n) {
  std::vector<Complex> buffer = half;
  const double* y = HermitianInverseFftInPlace(buffer, n);
  return std::vector<double>(y, y + n);
}

}  // namespace tb::dp
