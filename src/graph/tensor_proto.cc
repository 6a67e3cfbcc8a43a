#include "graph/tensor_proto.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/types.h"

namespace tb::graph {
namespace {

template <typename T, typename Repeated>
absl::Status FillFromRepeated(const Repeated& values, tf::Tensor& t, std::string_view field) {
  auto out = t.flat<T>();
  if (values.size() > static_cast<int>(out.size())) {
    return absl::InvalidArgumentError(absl::StrCat("TensorProto has ", values.size(), " ", ToAbsl(field),
                                                   " values for a tensor of ", out.size(), " elements"));
  }
  if (values.empty()) return absl::OkStatus();  // zero-filled already
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<T>(values[std::min<int>(static_cast<int>(i), values.size() - 1)]);
  }
  return absl::OkStatus();
}

template <typename T>
bool AllEqual(absl::Span<const T> v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if (std::memcmp(&v[i], &v[0], sizeof(T)) != 0) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<tf::Tensor> TensorFromProto(const tensorflow::TensorProto& proto, uint64_t max_bytes) {
  auto dtype = tf::DTypeFromProto(proto.dtype());
  if (!dtype || !tf::IsSupported(*dtype) || *dtype == tf::DType::kResource || *dtype == tf::DType::kVariant) {
    return absl::UnimplementedError(absl::StrCat("TensorProto dtype ", proto.dtype(), " is not supported"));
  }
  TB_ASSIGN_OR_RETURN(PartialShape shape, PartialShape::FromProto(proto.tensor_shape()));
  if (!shape.IsFullyDefined()) {
    return absl::InvalidArgumentError(absl::StrCat("TensorProto shape ", shape.ToString(), " is not fully defined"));
  }
  const uint64_t elem = tf::DTypeSize(*dtype) ? tf::DTypeSize(*dtype) : 8;
  TB_ASSIGN_OR_RETURN(int64_t n, tf::NumElements(shape.dims(), static_cast<int64_t>(max_bytes / elem)));
  if (*dtype == tf::DType::kString) {
    uint64_t total = 0;
    for (const auto& s : proto.string_val()) total += s.size();
    if (proto.string_val_size() > n) {
      return absl::InvalidArgumentError(
          absl::StrCat("TensorProto has ", proto.string_val_size(), " strings for a tensor of ", n, " elements"));
    }
    const uint64_t largest = proto.string_val_size() ? proto.string_val(proto.string_val_size() - 1).size() : 0;
    if (total + largest * static_cast<uint64_t>(n) > max_bytes) {
      return absl::ResourceExhaustedError("TensorProto string tensor exceeds the size limit");
    }
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor t, tf::Tensor::Create(*dtype, shape.dims()));
  if (!proto.tensor_content().empty()) {
    if (*dtype == tf::DType::kString) {
      return absl::InvalidArgumentError("TensorProto of strings cannot use tensor_content");
    }
    if (proto.tensor_content().size() != t.byte_size()) {
      return absl::InvalidArgumentError(absl::StrCat("TensorProto tensor_content has ", proto.tensor_content().size(),
                                                     " bytes, expected ", t.byte_size(), " for ", t.DebugType()));
    }
    if (t.byte_size()) std::memcpy(t.mutable_bytes(), proto.tensor_content().data(), t.byte_size());
    return t;
  }
  switch (*dtype) {
    case tf::DType::kFloat: TB_RETURN_IF_ERROR(FillFromRepeated<float>(proto.float_val(), t, "float_val")); break;
    case tf::DType::kDouble: TB_RETURN_IF_ERROR(FillFromRepeated<double>(proto.double_val(), t, "double_val")); break;
    case tf::DType::kInt32: TB_RETURN_IF_ERROR(FillFromRepeated<int32_t>(proto.int_val(), t, "int_val")); break;
    case tf::DType::kInt16: TB_RETURN_IF_ERROR(FillFromRepeated<int16_t>(proto.int_val(), t, "int_val")); break;
    case tf::DType::kInt8: TB_RETURN_IF_ERROR(FillFromRepeated<int8_t>(proto.int_val(), t, "int_val")); break;
    case tf::DType::kUInt8: TB_RETURN_IF_ERROR(FillFromRepeated<uint8_t>(proto.int_val(), t, "int_val")); break;
    case tf::DType::kUInt16: TB_RETURN_IF_ERROR(FillFromRepeated<uint16_t>(proto.int_val(), t, "int_val")); break;
    case tf::DType::kInt64: TB_RETURN_IF_ERROR(FillFromRepeated<int64_t>(proto.int64_val(), t, "int64_val")); break;
    case tf::DType::kBool: TB_RETURN_IF_ERROR(FillFromRepeated<bool>(proto.bool_val(), t, "bool_val")); break;
    case tf::DType::kUInt32: TB_RETURN_IF_ERROR(FillFromRepeated<uint32_t>(proto.uint32_val(), t, "uint32_val")); break;
    case tf::DType::kUInt64: TB_RETURN_IF_ERROR(FillFromRepeated<uint64_t>(proto.uint64_val(), t, "uint64_val")); break;
    case tf::DType::kString: {
      auto out = t.flat<std::string>();
      const int m = proto.string_val_size();
      for (size_t i = 0; i < out.size() && m > 0; ++i) out[i] = proto.string_val(std::min<int>(static_cast<int>(i), m - 1));
      break;
    }
    default:
      return absl::UnimplementedError(absl::StrCat("TensorProto dtype ", proto.dtype(), " is not supported"));
  }
  return t;
}

tensorflow::TensorProto TensorToProto(const tf::Tensor& t) {
  tensorflow::TensorProto proto;
  proto.set_dtype(static_cast<tensorflow::DataType>(t.dtype()));
  for (int64_t d : t.shape()) proto.mutable_tensor_shape()->add_dim()->set_size(d);
  if (t.num_elements() == 0) return proto;
  auto encode = [&](auto tag, auto* field) {
    using T = decltype(tag);
    auto v = t.flat<T>();
    if (v.size() == 1 || AllEqual<T>(v)) {
      field->Add(v[0]);
    } else {
      proto.set_tensor_content(std::string(t.bytes()));
    }
  };
  switch (t.dtype()) {
    case tf::DType::kFloat: encode(float{}, proto.mutable_float_val()); break;
    case tf::DType::kDouble: encode(double{}, proto.mutable_double_val()); break;
    case tf::DType::kInt32: encode(int32_t{}, proto.mutable_int_val()); break;
    case tf::DType::kInt16: encode(int16_t{}, proto.mutable_int_val()); break;
    case tf::DType::kInt8: encode(int8_t{}, proto.mutable_int_val()); break;
    case tf::DType::kUInt8: encode(uint8_t{}, proto.mutable_int_val()); break;
    case tf::DType::kUInt16: encode(uint16_t{}, proto.mutable_int_val()); break;
    case tf::DType::kInt64: encode(int64_t{}, proto.mutable_int64_val()); break;
    case tf::DType::kBool: encode(bool{}, proto.mutable_bool_val()); break;
    case tf::DType::kUInt32: encode(uint32_t{}, proto.mutable_uint32_val()); break;
    case tf::DType::kUInt64: encode(uint64_t{}, proto.mutable_uint64_val()); break;
    case tf::DType::kString:
      for (const auto& s : t.flat<std::string>()) proto.add_string_val(s);
      break;
    default:
      break;
  }
  return proto;
}

}  // namespace tb::graph
