// OrderedCode: the exact bytes TF writes for V1 checkpoint keys, and order preservation on round trips.
#include "tf/ordered_code.h"

#include <random>

#include "gtest/gtest.h"

namespace tb::tf::ordered_code {
namespace {

std::string Signed(int64_t v) {
  std::string s;
  WriteSignedNumIncreasing(&s, v);
  return s;
}

TEST(OrderedCodeTest, KnownEncodings) {
  std::string s;
  WriteNumIncreasing(&s, 0);
  EXPECT_EQ(s, std::string("\x00", 1));
  s.clear();
  WriteNumIncreasing(&s, 2);
  EXPECT_EQ(s, "\x01\x02");
  s.clear();
  WriteNumIncreasing(&s, 0x1234);
  EXPECT_EQ(s, "\x02\x12\x34");
  EXPECT_EQ(Signed(0), "\x80");
  EXPECT_EQ(Signed(-1), "\x7f");
  EXPECT_EQ(Signed(63), "\xbf");
  EXPECT_EQ(Signed(-64), "\x40");
  EXPECT_EQ(Signed(64), "\xc0\x40");
  EXPECT_EQ(Signed(784), "\xc3\x10");
  s.clear();
  WriteString(&s, std::string("a\x00\xff", 3));
  EXPECT_EQ(s, std::string("a\x00\xff\xff\x00\x00\x01", 7));
}

TEST(OrderedCodeTest, SignedRoundTripAndOrder) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> values = {0, 1, -1, 63, 64, -64, -65, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
  for (int shift = 0; shift < 64; ++shift) {
    values.push_back(int64_t{1} << shift);
    values.push_back(-(int64_t{1} << shift));
    values.push_back((int64_t{1} << shift) - 1);
  }
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<int64_t>(rng()) >> (rng() % 64));
  for (int64_t v : values) {
    std::string enc = Signed(v);
    std::string_view in = enc;
    int64_t back = 0;
    ASSERT_TRUE(ReadSignedNumIncreasing(&in, &back)) << v;
    EXPECT_EQ(back, v);
    EXPECT_TRUE(in.empty());
  }
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    const int64_t a = values[i], b = values[i + 1];
    EXPECT_EQ(a < b, Signed(a) < Signed(b)) << a << " vs " << b;
  }
}

TEST(OrderedCodeTest, StringsAndNumbersRoundTrip) {
  std::string s;
  WriteString(&s, std::string("x\x00y\xffz", 5));
  WriteNumIncreasing(&s, 123456789);
  std::string_view in = s;
  std::string str;
  uint64_t n = 0;
  ASSERT_TRUE(ReadString(&in, &str));
  EXPECT_EQ(str, std::string("x\x00y\xffz", 5));
  ASSERT_TRUE(ReadNumIncreasing(&in, &n));
  EXPECT_EQ(n, 123456789u);
  EXPECT_TRUE(in.empty());
}

TEST(OrderedCodeTest, MalformedInputIsRejected) {
  std::string_view in("abc");  // No terminator.
  EXPECT_FALSE(ReadString(&in, nullptr));
  in = std::string_view("\x00\x07", 2);  // Bad escape.
  EXPECT_FALSE(ReadString(&in, nullptr));
  in = std::string_view("\x09\x01", 2);  // Length > 8.
  EXPECT_FALSE(ReadNumIncreasing(&in, nullptr));
  in = std::string_view("\x02\x01", 2);  // Truncated.
  EXPECT_FALSE(ReadNumIncreasing(&in, nullptr));
  in = std::string_view("\xff\xff", 2);  // Length > 10.
  EXPECT_FALSE(ReadSignedNumIncreasing(&in, nullptr));
  in = std::string_view("\xc0", 1);  // Truncated 2-byte number.
  EXPECT_FALSE(ReadSignedNumIncreasing(&in, nullptr));
}

}  // namespace
}  // namespace tb::tf::ordered_code
