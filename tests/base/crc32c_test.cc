#include "base/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace tb {
namespace {

TEST(Crc32cTest, StandardCheckValue) {
  // The CRC-32C check value of "123456789" (RFC 3720, iSCSI).
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(Crc32cTest, KnownVectorsFromRfc3720) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c::Value(inc), 0x46dd794eu);
}

TEST(Crc32cTest, ExtendEqualsWholeForEverySplit) {
  const std::string data = "the quick brown fox jumps over the lazy dog, twice over";
  const uint32_t whole = crc32c::Value(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t part = crc32c::Value(data.data(), split);
    EXPECT_EQ(crc32c::Extend(part, data.data() + split, data.size() - split), whole) << split;
  }
}

TEST(Crc32cTest, MaskRoundTripsAndDiffers) {
  const uint32_t crc = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_NE(crc32c::Mask(crc32c::Mask(crc)), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(crc)), crc);
}

}  // namespace
}  // namespace tb
