// Little-endian fixed-width and varint encodings shared by the table, bundle, TFRecord and protobuf-adjacent
// formats. Decoders never read past the input they are given: they return false instead.
#ifndef TASKBUILDER_BASE_CODING_H_
#define TASKBUILDER_BASE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tb {

inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);

// Number of bytes the varint encoding of `value` takes.
int VarintLength(uint64_t value);

// REQUIRES: at least 4 (8) readable bytes at `p`.
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);  // x86-64 and aarch64 are little-endian; the formats are too.
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Parse a value from the front of *input and advance it. Return false (leaving *input unspecified) on
// truncation or an over-long encoding.
bool GetVarint32(std::string_view* input, uint32_t* value);
bool GetVarint64(std::string_view* input, uint64_t* value);
bool GetFixed32(std::string_view* input, uint32_t* value);
bool GetFixed64(std::string_view* input, uint64_t* value);

}  // namespace tb

#endif  // TASKBUILDER_BASE_CODING_H_
