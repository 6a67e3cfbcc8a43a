#include "base/coding.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace tb {
namespace {

TEST(CodingTest, Varint64RoundTripAcrossLengths) {
  std::string buf;
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, (1ull << 32) - 1, 1ull << 32,
                                  std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values) PutVarint64(&buf, v);
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(VarintLength(127), 1);
  EXPECT_EQ(VarintLength(128), 2);
  EXPECT_EQ(VarintLength(std::numeric_limits<uint64_t>::max()), 10);
}

TEST(CodingTest, TruncatedAndOverlongVarintsAreRejected) {
  std::string buf;
  PutVarint64(&buf, 1ull << 40);
  for (size_t n = 0; n < buf.size(); ++n) {
    std::string_view in(buf.data(), n);
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&in, &v)) << n;
  }
  std::string overlong(11, '\x80');
  std::string_view in = overlong;
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&in, &v));
  // A 10th byte above 1 would overflow 64 bits.
  std::string overflow(9, '\xff');
  overflow.push_back('\x02');
  in = overflow;
  EXPECT_FALSE(GetVarint64(&in, &v));
}

TEST(CodingTest, Varint32RejectsValuesAbove32Bits) {
  std::string buf;
  PutVarint64(&buf, 1ull << 33);
  std::string_view in = buf;
  uint32_t v;
  EXPECT_FALSE(GetVarint32(&in, &v));
  buf.clear();
  PutVarint32(&buf, 0xffffffffu);
  in = buf;
  ASSERT_TRUE(GetVarint32(&in, &v));
  EXPECT_EQ(v, 0xffffffffu);
}

TEST(CodingTest, FixedLittleEndian) {
  std::string buf;
  PutFixed32(&buf, 0x04030201u);
  PutFixed64(&buf, 0x0807060504030201ull);
  EXPECT_EQ(buf.substr(0, 4), std::string("\x01\x02\x03\x04", 4));
  std::string_view in = buf;
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  EXPECT_EQ(a, 0x04030201u);
  EXPECT_EQ(b, 0x0807060504030201ull);
  EXPECT_FALSE(GetFixed32(&in, &a));
}

}  // namespace
}  // namespace tb
