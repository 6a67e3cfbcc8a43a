#include "tf/ordered_code.h"

#include <bit>

namespace tb::tf::ordered_code {
namespace {

constexpr char kEscape1 = '\x00';
constexpr char kNullCharacter = '\xff';  // After kEscape1: a literal 0x00.
constexpr char kSeparator = '\x01';      // After kEscape1: end of string.
constexpr char kEscape2 = '\xff';
constexpr char kFFCharacter = '\x00';  // After kEscape2: a literal 0xff.

// Header bits XORed into the first two bytes of a signed encoding of `len` bytes: `len` one-bits then a zero.
constexpr uint8_t kHeader[11][2] = {{0, 0},    {0x80, 0}, {0xc0, 0}, {0xe0, 0},    {0xf0, 0},   {0xf8, 0},
                                    {0xfc, 0}, {0xfe, 0}, {0xff, 0}, {0xff, 0x80}, {0xff, 0xc0}};

}  // namespace

void WriteString(std::string* dest, std::string_view s) {
  for (char c : s) {
    if (c == kEscape1) {
      dest->push_back(kEscape1);
      dest->push_back(kNullCharacter);
    } else if (c == kEscape2) {
      dest->push_back(kEscape2);
      dest->push_back(kFFCharacter);
    } else {
      dest->push_back(c);
    }
  }
  dest->push_back(kEscape1);
  dest->push_back(kSeparator);
}

void WriteNumIncreasing(std::string* dest, uint64_t value) {
  const int len = value == 0 ? 0 : (64 - std::countl_zero(value) + 7) / 8;
  dest->push_back(static_cast<char>(len));
  for (int i = len - 1; i >= 0; --i) dest->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void WriteSignedNumIncreasing(std::string* dest, int64_t value) {
  const uint64_t x = value < 0 ? ~static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  // Payload bits available in n bytes: 7n - 1 (one is the sign); significant bits of x plus a sign bit must fit.
  const int significant = 64 - std::countl_zero(x);
  int len = significant / 7 + 1;
  if (len > 10) len = 10;
  // Sign-extended big-endian value in the last `len` of 10 bytes.
  uint8_t buf[10];
  const uint8_t sign = value < 0 ? 0xff : 0x00;
  buf[0] = buf[1] = sign;
  for (int i = 0; i < 8; ++i) buf[2 + i] = static_cast<uint8_t>(static_cast<uint64_t>(value) >> (56 - 8 * i));
  uint8_t* begin = buf + 10 - len;
  begin[0] ^= kHeader[len][0];
  if (len > 1) begin[1] ^= kHeader[len][1];
  dest->append(reinterpret_cast<const char*>(begin), len);
}

bool ReadString(std::string_view* src, std::string* result) {
  std::string out;
  size_t i = 0;
  while (i < src->size()) {
    const char c = (*src)[i];
    if (c == kEscape1 || c == kEscape2) {
      if (i + 1 >= src->size()) return false;
      const char next = (*src)[i + 1];
      if (c == kEscape1 && next == kSeparator) {
        src->remove_prefix(i + 2);
        if (result) *result = std::move(out);
        return true;
      }
      if (c == kEscape1 && next == kNullCharacter) {
        out.push_back('\x00');
      } else if (c == kEscape2 && next == kFFCharacter) {
        out.push_back('\xff');
      } else {
        return false;
      }
      i += 2;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return false;
}

bool ReadNumIncreasing(std::string_view* src, uint64_t* result) {
  if (src->empty()) return false;
  const size_t len = static_cast<uint8_t>((*src)[0]);
  if (len > 8 || src->size() < len + 1) return false;
  uint64_t value = 0;
  for (size_t i = 0; i < len; ++i) value = (value << 8) | static_cast<uint8_t>((*src)[1 + i]);
  src->remove_prefix(len + 1);
  if (result) *result = value;
  return true;
}

bool ReadSignedNumIncreasing(std::string_view* src, int64_t* result) {
  if (src->empty()) return false;
  const uint8_t first = static_cast<uint8_t>((*src)[0]);
  const bool negative = (first & 0x80) == 0;
  // Normalize so the header reads as leading ones.
  const uint8_t b0 = negative ? static_cast<uint8_t>(~first) : first;
  int len;
  if (b0 != 0xff) {
    len = std::countl_one(b0);
  } else {
    if (src->size() < 2) return false;
    const uint8_t second = static_cast<uint8_t>((*src)[1]);
    const uint8_t b1 = negative ? static_cast<uint8_t>(~second) : second;
    len = 8 + std::countl_one(b1);
    if (len > 10) return false;
  }
  if (len < 1 || src->size() < static_cast<size_t>(len)) return false;
  uint8_t buf[10];
  for (int i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>((*src)[i]);
  buf[0] ^= kHeader[len][0];
  if (len > 1) buf[1] ^= kHeader[len][1];
  // buf now holds the sign-extended value; take the low 8 bytes.
  uint64_t value = negative ? ~uint64_t{0} : 0;
  for (int i = 0; i < len; ++i) value = (value << 8) | buf[i];
  src->remove_prefix(len);
  if (result) *result = static_cast<int64_t>(value);
  return true;
}

}  // namespace tb::tf::ordered_code
