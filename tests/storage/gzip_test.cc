#include "storage/gzip.h"

#include <random>

#include "gtest/gtest.h"

namespace tb::storage {
namespace {

TEST(GzipTest, RoundTripsAndIsDeterministic) {
  std::string data;
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>('a' + rng() % 4));
  auto a = GzipCompress(data);
  auto b = GzipCompress(data);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(LooksGzipped(*a));
  EXPECT_LT(a->size(), data.size() / 2);
  auto back = GzipDecompress(*a, data.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, data);
  // The gzip header's mtime (bytes 4..7) is zero, so artifacts do not depend on the clock.
  EXPECT_EQ(a->substr(4, 4), std::string(4, '\0'));
}

TEST(GzipTest, EmptyInputRoundTrips) {
  auto z = GzipCompress("");
  ASSERT_TRUE(z.ok());
  auto back = GzipDecompress(*z, 10);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "");
}

TEST(GzipTest, DecompressionIsBoundedAndRejectsCorruptData) {
  auto z = GzipCompress(std::string(1 << 20, 'x'));
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(GzipDecompress(*z, 1000).status().code(), absl::StatusCode::kResourceExhausted);
  std::string corrupt = *z;
  corrupt[corrupt.size() - 6] ^= 0x55;  // inside the CRC-32 trailer
  EXPECT_EQ(GzipDecompress(corrupt, 2 << 20).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(GzipDecompress(z->substr(0, z->size() / 2), 2 << 20).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(GzipDecompress("not gzip at all", 100).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace tb::storage
