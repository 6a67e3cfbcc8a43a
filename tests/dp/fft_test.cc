// The FFT against a direct DFT, and next-fast-length against scipy.fft.next_fast_len.
#include "dp/fft.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace tb::dp {
namespace {

TEST(FftTest, NextFastLengthMatchesScipy) {
  const int64_t in[] = {1, 7, 13, 100, 1001, 59615, 81547, 702524, 891952, 2362616};
  const int64_t want[] = {1, 7, 14, 100, 1008, 59895, 81648, 702768, 893025, 2365440};
  for (size_t i = 0; i < std::size(in); ++i) EXPECT_EQ(NextFastLength(in[i]), want[i]) << in[i];
}

TEST(FftTest, FastEvenLengthIsTheSmallestEvenFiveSmoothLength) {
  auto smooth = [](int64_t v) {
    for (int p : {2, 3, 5}) {
      while (v % p == 0) v /= p;
    }
    return v == 1;
  };
  int64_t want = 2;
  for (int64_t n = 4000; n >= 1; --n) {
    if (n % 2 == 0 && smooth(n)) want = n;
    ASSERT_EQ(FastEvenLength(n), n <= 2 ? 2 : want) << n;
  }
  EXPECT_EQ(FastEvenLength(891952) % 2, 0);
  EXPECT_TRUE(smooth(FastEvenLength(891952)));
}

std::vector<Complex> NaiveDft(const std::vector<Complex>& x, bool inverse) {
  const size_t n = x.size();
  std::vector<Complex> out(n);
  for (size_t k = 0; k < n; ++k) {
    std::complex<long double> acc = 0;
    for (size_t j = 0; j < n; ++j) {
      const long double ang = (inverse ? 2 : -2) * 3.14159265358979323846264338327950288L *
                              static_cast<long double>((j * k) % n) / static_cast<long double>(n);
      acc += std::complex<long double>(x[j].real(), x[j].imag()) * std::polar(1.0L, ang);
    }
    out[k] = Complex(static_cast<double>(acc.real()), static_cast<double>(acc.imag()));
  }
  return out;
}

TEST(FftTest, MixedRadixMatchesDirectDft) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (size_t n : {1,  2,  3,  4,  5,  6,   7,   8,   10,  11,  12,  13,  16,  20, 22,
                   25, 30, 49, 50, 77, 121, 125, 128, 210, 231, 250, 375, 384, 600}) {
    std::vector<Complex> x(n);
    for (auto& v : x) v = Complex(u(rng), u(rng));
    for (bool inverse : {false, true}) {
      std::vector<Complex> got = x;
      FftPlan(n).Transform(got.data(), inverse);
      const std::vector<Complex> want = NaiveDft(x, inverse);
      for (size_t k = 0; k < n; ++k) {
        EXPECT_NEAR(got[k].real(), want[k].real(), 1e-12 * std::sqrt(static_cast<double>(n))) << n << " " << k;
        EXPECT_NEAR(got[k].imag(), want[k].imag(), 1e-12 * std::sqrt(static_cast<double>(n))) << n << " " << k;
      }
    }
  }
}

TEST(FftTest, RealTransformsRoundTrip) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  // Every small even length (the paired passes over k and h - k have boundary cases at each), longer ones, and
  // inputs of half, all but one (an odd count: a last sample without its pair) and all n samples.
  for (size_t n : {2, 3, 4, 6, 8, 9, 10, 12, 14, 16, 18, 20, 22, 25, 100, 250, 363, 1008, 1250, 4096, 59895, 60000}) {
    for (size_t count : {n / 2 + 1, n - 1, n}) {
      std::vector<double> x(count);
      for (auto& v : x) v = u(rng);
      const std::vector<Complex> half = RealForwardFft(x.data(), x.size(), n);
      ASSERT_EQ(half.size(), n / 2 + 1);
      if (n <= 400) {
        std::vector<Complex> full(n, Complex(0, 0));
        for (size_t i = 0; i < x.size(); ++i) full[i] = x[i];
        const std::vector<Complex> want = NaiveDft(full, false);
        for (size_t k = 0; k <= n / 2; ++k) EXPECT_NEAR(std::abs(half[k] - want[k]), 0, 1e-12) << n << " " << k;
      }
      const std::vector<double> back = HermitianInverseFft(half, n);
      for (size_t i = 0; i < n; ++i) EXPECT_NEAR(back[i], i < x.size() ? x[i] : 0.0, 1e-13) << n << " " << i;
    }
  }
}

// kLeftToCaller leaves out exactly the 1/n: the caller's multiplication gives the scaled result's bits.
TEST(FftTest, InverseScaleLeftToCallerIsTheSameBits) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (size_t n : {3, 9, 25, 8, 100, 1250, 60000}) {
    std::vector<double> x(n / 2 + 1);
    for (auto& v : x) v = u(rng);
    const std::vector<Complex> half = RealForwardFft(x.data(), x.size(), n);
    std::vector<Complex> scaled = half, unscaled = half;
    const double* a = HermitianInverseFftInPlace(scaled, n);
    const double* b = HermitianInverseFftInPlace(unscaled, n, InverseScale::kLeftToCaller);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(a[i], b[i] * (1.0 / static_cast<double>(n))) << n << " " << i;
  }
}

// ForwardFrom reads its input where it lies; the result is Transform's, bit for bit, for even and odd numbers of
// stages, and the input is left alone.
TEST(FftTest, ForwardFromIsTheInPlaceTransform) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-1, 1);
  for (size_t n : {1, 2, 3, 4, 8, 12, 30, 49, 125, 384, 600, 1000, 4096}) {
    std::vector<Complex> x(n);
    for (auto& v : x) v = Complex(u(rng), u(rng));
    const std::vector<Complex> input = x;
    std::vector<Complex> in_place = x, out(n);
    const FftPlan plan(n);
    plan.Transform(in_place.data(), false);
    plan.ForwardFrom(x.data(), out.data());
    for (size_t k = 0; k < n; ++k) {
      ASSERT_EQ(out[k], in_place[k]) << n << " " << k;
      ASSERT_EQ(x[k], input[k]) << n << " " << k;
    }
  }
}

}  // namespace
}  // namespace tb::dp
