#include "tf/dtype.h"

#include <array>
#include <utility>

namespace tb::tf {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeInfo, 15> kInfos = {{
    {DType::kFloat, "float", 4},
    {DType::kDouble, "double", 8},
    {DType::kInt32, "int32", 4},
    {DType::kUInt8, "uint8", 1},
    {DType::kInt16, "int16", 2},
    {DType::kInt8, "int8", 1},
    {DType::kString, "string", 0},
    {DType::kInt64, "int64", 8},
    {DType::kBool, "bool", 1},
    {DType::kUInt16, "uint16", 2},
    {DType::kHalf, "half", 2},
    {DType::kResource, "resource", 0},
    {DType::kVariant, "variant", 0},
    {DType::kUInt32, "uint32", 4},
    {DType::kUInt64, "uint64", 8},
}};

const DTypeInfo* Find(DType dtype) {
  for (const auto& info : kInfos) {
    if (info.dtype == dtype) return &info;
  }
  return nullptr;
}

}  // namespace

size_t DTypeSize(DType dtype) {
  const DTypeInfo* info = Find(dtype);
  return info ? info->size : 0;
}

bool IsSupported(DType dtype) { return Find(dtype) != nullptr && dtype != DType::kHalf; }

std::string_view DTypeName(DType dtype) {
  const DTypeInfo* info = Find(dtype);
  return info ? info->name : std::string_view("invalid");
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const auto& info : kInfos) {
    if (info.name == name) return info.dtype;
  }
  return std::nullopt;
}

std::optional<DType> DTypeFromProto(int value) {
  const DTypeInfo* info = Find(static_cast<DType>(value));
  if (info == nullptr) return std::nullopt;
  return info->dtype;
}

}  // namespace tb::tf
