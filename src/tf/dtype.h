// Tensor element types, numbered exactly as tensorflow.DataType (types.proto) so conversions are casts.
// Only the types taskbuilder reads, writes or computes with are named; others are rejected with a clear error.
#ifndef TASKBUILDER_TF_DTYPE_H_
#define TASKBUILDER_TF_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tb::tf {

enum class DType : int {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kInt64 = 9,
  kBool = 10,
  kUInt16 = 17,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUInt32 = 22,
  kUInt64 = 23,
};

// Bytes per element for fixed-size types; 0 for string, resource, variant and invalid/unsupported types.
size_t DTypeSize(DType dtype);

// True for the types a Tensor can hold (every named enumerator except kInvalid and kHalf).
bool IsSupported(DType dtype);

// TF's short names as used in op definitions and error messages: "float", "int64", "string", "bool", ...
std::string_view DTypeName(DType dtype);

// The inverse of DTypeName, or nullopt.
std::optional<DType> DTypeFromName(std::string_view name);

// From a raw tensorflow.DataType number; nullopt for numbers not listed above (including *_REF types).
std::optional<DType> DTypeFromProto(int value);

// Maps a C++ element type to its DType at compile time: DTypeOf<float>() == DType::kFloat.
template <typename T>
constexpr DType DTypeOf();
template <> constexpr DType DTypeOf<float>() { return DType::kFloat; }
template <> constexpr DType DTypeOf<double>() { return DType::kDouble; }
template <> constexpr DType DTypeOf<int32_t>() { return DType::kInt32; }
template <> constexpr DType DTypeOf<uint8_t>() { return DType::kUInt8; }
template <> constexpr DType DTypeOf<int16_t>() { return DType::kInt16; }
template <> constexpr DType DTypeOf<int8_t>() { return DType::kInt8; }
template <> constexpr DType DTypeOf<int64_t>() { return DType::kInt64; }
template <> constexpr DType DTypeOf<bool>() { return DType::kBool; }
template <> constexpr DType DTypeOf<uint16_t>() { return DType::kUInt16; }
template <> constexpr DType DTypeOf<uint32_t>() { return DType::kUInt32; }
template <> constexpr DType DTypeOf<uint64_t>() { return DType::kUInt64; }
template <> constexpr DType DTypeOf<std::string>() { return DType::kString; }

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_DTYPE_H_
