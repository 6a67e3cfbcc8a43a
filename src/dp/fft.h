// Discrete Fourier transforms for the PLD accountant: a mixed-radix (2, 3, 4, 5, 7, 11, any) Stockham FFT on
// complex doubles, real-input forward / Hermitian-input inverse transforms, and pocketfft's "fast length" rule
// (the smallest 2·3·5·7·11-smooth size), which the reference uses and which decides how the circular convolution
// wraps. Never allocates beyond O(n) scratch; sizes are the caller's to bound.
#ifndef TASKBUILDER_DP_FFT_H_
#define TASKBUILDER_DP_FFT_H_

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tb::dp {

using Complex = std::complex<double>;

// The smallest integer >= n whose prime factors are all in {2, 3, 5, 7, 11} (scipy.fft.next_fast_len).
int64_t NextFastLength(int64_t n);
// The smallest even integer >= n whose prime factors are all in {2, 3, 5}: the lengths this FFT is fastest at
// (real transforms halve even lengths; radix 4, 2, 3 and 5 have dedicated butterflies).
int64_t FastEvenLength(int64_t n);

// An FFT plan for one length: the factorization and each stage's twiddle factors.
class FftPlan {
 public:
  explicit FftPlan(size_t n);
  size_t size() const { return n_; }
  // In-place unnormalized DFT: forward uses e^{-2πi jk/n}, inverse e^{+2πi jk/n}.
  void Transform(Complex* data, bool inverse) const;
  // The forward DFT of the n values at `in` (left unchanged) into `out`, a different array: the first stage reads
  // the input where it lies, so callers need not copy it into `out` first.
  void ForwardFrom(const Complex* in, Complex* out) const;

 private:
  void Run(const Complex* in, Complex* data, bool inverse) const;
  size_t n_;
  std::vector<int> radices_;
  // Per stage, the twiddles W_len^{j·p} laid out in the order the butterflies read them ([p][j-1]), so that a
  // stage streams through them instead of striding across a table of roots.
  std::vector<std::vector<Complex>> stage_twiddles_;
  // Per stage with a generic (> 5) radix r, e^{-2πi k/r} for k < r.
  std::vector<std::vector<Complex>> stage_small_roots_;
  mutable std::vector<Complex> scratch_;
};

// A cached plan for length n (plans for the most recently used lengths are kept per thread; building one costs as
// much as a transform).
const FftPlan& CachedFftPlan(size_t n);

// X[k] = Σ x[j] e^{-2πi jk/n} for k in [0, n/2] (the rest is conjugate-symmetric). `x` is zero-padded or
// truncated to n. Output size n/2 + 1.
std::vector<Complex> RealForwardFft(const double* x, size_t count, size_t n);

// The real sequence y[j] = (1/n) Σ_k Y[k] e^{+2πi jk/n}, where Y is Hermitian and given for k in [0, n/2].
std::vector<double> HermitianInverseFft(const std::vector<Complex>& half, size_t n);
// The same in `half`'s own storage (megabytes the accountant need not allocate and fault in again): returns a
// pointer to the n reals, which live in `half` (resized for odd n) and are valid while it is. With
// kLeftToCaller the reals are n·y: the caller multiplies by 1.0 / n where it reads them (the same bits, without a
// pass of its own over all n).
enum class InverseScale { kApplied, kLeftToCaller };
const double* HermitianInverseFftInPlace(std::vector<Complex>& half, size_t n,
                                         InverseScale scale = InverseScale::kApplied);

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_FFT_H_
