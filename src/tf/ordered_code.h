// TensorFlow's OrderedCode: encodings of strings and integers whose bytewise order equals the order of the values,
// used for the keys of V1 (tensor-slice) checkpoints. Readers return false on malformed input, never read past it.
#ifndef TASKBUILDER_TF_ORDERED_CODE_H_
#define TASKBUILDER_TF_ORDERED_CODE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tb::tf::ordered_code {

// Escapes 0x00 as 00 ff and 0xff as ff 00, then terminates with 00 01.
void WriteString(std::string* dest, std::string_view s);
// A length byte (0..8) then the value's significant bytes, big-endian.
void WriteNumIncreasing(std::string* dest, uint64_t value);
// A self-delimiting two's-complement form (1..10 bytes) whose length prefix is unary in the leading bits.
void WriteSignedNumIncreasing(std::string* dest, int64_t value);

bool ReadString(std::string_view* src, std::string* result);
bool ReadNumIncreasing(std::string_view* src, uint64_t* result);
bool ReadSignedNumIncreasing(std::string_view* src, int64_t* result);

}  // namespace tb::tf::ordered_code

#endif  // TASKBUILDER_TF_ORDERED_CODE_H_
