#include "dp/buffer_pool.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace tb::dp {
namespace {

// 1 MiB of doubles (pooled), at an odd size so that no buffer other tests left in the pool fits the requests
// below better than this test's own.
constexpr size_t kLarge = (size_t{1} << 17) + 123;

TEST(BufferPoolTest, ReturnedBuffersAreReusedAndZeroedOnRequest) {
  std::vector<double> a = TakeDoubles(kLarge);
  ASSERT_EQ(a.size(), kLarge);
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](double v) { return v == 0; }));
  std::fill(a.begin(), a.end(), 7.0);
  const double* storage = a.data();
  ReturnDoubles(a);
  EXPECT_TRUE(a.empty());
  EXPECT_GE(PooledBytes(), kLarge * sizeof(double));

  // A slightly smaller request reuses the same storage; kZeros clears what the last user left.
  std::vector<double> b = TakeDoubles(kLarge - 23);
  EXPECT_EQ(b.data(), storage);
  ASSERT_EQ(b.size(), kLarge - 23);
  EXPECT_TRUE(std::all_of(b.begin(), b.end(), [](double v) { return v == 0; }));
  std::fill(b.begin(), b.end(), 3.0);
  ReturnDoubles(b);

  // kAny skips the fill: what it hands out must still be the right size, and is the old storage.
  std::vector<double> c = TakeDoubles(kLarge, Fill::kAny);
  EXPECT_EQ(c.data(), storage);
  EXPECT_EQ(c.size(), kLarge);
  ReturnDoubles(c);
}

TEST(BufferPoolTest, SmallRequestsAreNotPooledAndTheBudgetHolds) {
  std::vector<std::complex<double>> small = TakeComplexes(16);
  EXPECT_EQ(small.size(), 16u);
  const size_t before = PooledBytes();
  ReturnComplexes(small);
  EXPECT_EQ(PooledBytes(), before);

  // Returning many large buffers keeps at most the budget (48 MiB per element type).
  std::vector<std::vector<std::complex<double>>> held;
  for (int i = 0; i < 12; ++i) held.push_back(TakeComplexes(size_t{1} << 20));  // 16 MiB each
  for (auto& h : held) ReturnComplexes(h);
  EXPECT_LE(PooledBytes(), 2 * (size_t{48} << 20));
  std::vector<std::complex<double>> again = TakeComplexes(size_t{1} << 20);
  EXPECT_EQ(again.size(), size_t{1} << 20);
  EXPECT_TRUE(std::all_of(again.begin(), again.end(), [](std::complex<double> v) { return v == 0.0; }));
  ReturnComplexes(again);
}

}  // namespace
}  // namespace tb::dp
