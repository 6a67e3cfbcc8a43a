// A small deterministic random source (SplitMix64) with uniform and normal draws whose sequences depend only on
// the seed — identical on every platform and standard library, unlike <random>'s distributions. Used for
// synthetic examples, client sampling and seeded DP noise in simulations; never for anything secret.
#ifndef TASKBUILDER_RUNTIME_DATA_RANDOM_H_
#define TASKBUILDER_RUNTIME_DATA_RANDOM_H_

#include <cmath>
#include <cstdint>

namespace tb::runtime::data {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  // Derives an independent stream (e.g. per client) from this seed and a label.
  static Rng Derive(uint64_t seed, uint64_t stream) { return Rng(Mix(seed ^ Mix(stream + 0x632be59bd9b4e019ull))); }

  uint64_t NextU64() {
    state_ += 0x9e3779b97f4a7c15ull;
    return Mix(state_);
  }
  // [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  // [0, n) for n > 0 (tiny modulo bias is irrelevant here).
  uint64_t Below(uint64_t n) { return NextU64() % n; }
  // Standard normal (Box–Muller; one value per call, the partner is discarded for simplicity).
  double Normal() {
    double u1 = Uniform();
    double u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_RANDOM_H_
