#include "tf/tensor_proto.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::tf {

absl::StatusOr<DType> FromProto(tensorflow::DataType dtype) {
  auto d = DTypeFromProto(static_cast<int>(dtype));
  if (!d || !IsSupported(*d)) {
    return absl::InvalidArgumentError(absl::StrCat(ProtoDTypeName(dtype), " is not a supported tensor type"));
  }
  return *d;
}

std::string ProtoDTypeName(int dtype) {
  if (tensorflow::DataType_IsValid(dtype)) return tensorflow::DataType_Name(static_cast<tensorflow::DataType>(dtype));
  return absl::StrCat("data type ", dtype);
}

absl::StatusOr<std::vector<int64_t>> PartialShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return absl::InvalidArgumentError("shape has unknown rank");
  std::vector<int64_t> shape;
  shape.reserve(proto.dim_size());
  for (const auto& d : proto.dim()) {
    if (d.size() < -1) return absl::InvalidArgumentError(absl::StrCat("shape has invalid dimension ", d.size()));
    shape.push_back(d.size());
  }
  return shape;
}

absl::StatusOr<Shape> ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  TB_ASSIGN_OR_RETURN(Shape shape, PartialShapeFromProto(proto));
  for (int64_t d : shape) {
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat("shape ", ShapeToString(shape), " is not fully known"));
  }
  return shape;
}

void ShapeToProto(const std::vector<int64_t>& shape, tensorflow::TensorShapeProto* proto) {
  proto->Clear();
  for (int64_t d : shape) proto->add_dim()->set_size(d);
}

tensorflow::TensorShapeProto ShapeToProto(const std::vector<int64_t>& shape) {
  tensorflow::TensorShapeProto p;
  ShapeToProto(shape, &p);
  return p;
}

namespace {

template <typename T, typename Repeated>
absl::Status FillFromValues(const Repeated& values, Tensor* t) {
  auto out = t->flat<T>();
  const int64_t n = t->num_elements();
  if (static_cast<int64_t>(values.size()) > n) {
    return absl::InvalidArgumentError(absl::StrCat("tensor proto has ", values.size(), " values for ", n, " elements"));
  }
  if (values.empty()) return absl::OkStatus();  // All zeros.
  int64_t i = 0;
  for (; i < static_cast<int64_t>(values.size()); ++i) out[i] = static_cast<T>(values[static_cast<int>(i)]);
  const T last = out[i - 1];
  for (; i < n; ++i) out[i] = last;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tensor> TensorFromProtoValues(const tensorflow::TensorProto& proto, DType dtype, const Shape& shape,
                                             uint64_t max_bytes) {
  if (dtype == DType::kResource || dtype == DType::kVariant) {
    return absl::UnimplementedError(absl::StrCat("cannot decode a ", ToAbsl(DTypeName(dtype)), " tensor proto"));
  }
  // Strings are counted at 8 bytes an element plus their characters, the last repeated to fill the shape.
  const uint64_t element_bytes = DTypeSize(dtype) ? DTypeSize(dtype) : 8;
  TB_ASSIGN_OR_RETURN(int64_t n, NumElements(shape, static_cast<int64_t>(max_bytes / element_bytes)));
  if (dtype == DType::kString) {
    uint64_t total = 0;
    for (const auto& s : proto.string_val()) total += s.size();
    const uint64_t last = proto.string_val().empty() ? 0 : proto.string_val(proto.string_val_size() - 1).size();
    if (total + last * static_cast<uint64_t>(n) > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("string tensor proto of ", n, " elements exceeds the ", max_bytes, "-byte limit"));
    }
  }
  TB_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(dtype, shape));
  if (!proto.tensor_content().empty()) {
    if (dtype == DType::kString) return absl::InvalidArgumentError("string tensor proto uses tensor_content");
    if (proto.tensor_content().size() != t.byte_size()) {
      return absl::InvalidArgumentError(absl::StrCat("tensor_content has ", proto.tensor_content().size(),
                                                     " bytes, expected ", t.byte_size(), " for ", t.DebugType()));
    }
    if (t.byte_size() > 0) std::memcpy(t.mutable_bytes(), proto.tensor_content().data(), t.byte_size());
    return t;
  }
  switch (dtype) {
    case DType::kFloat: TB_RETURN_IF_ERROR(FillFromValues<float>(proto.float_val(), &t)); break;
    case DType::kDouble: TB_RETURN_IF_ERROR(FillFromValues<double>(proto.double_val(), &t)); break;
    case DType::kInt32: TB_RETURN_IF_ERROR(FillFromValues<int32_t>(proto.int_val(), &t)); break;
    case DType::kInt16: TB_RETURN_IF_ERROR(FillFromValues<int16_t>(proto.int_val(), &t)); break;
    case DType::kInt8: TB_RETURN_IF_ERROR(FillFromValues<int8_t>(proto.int_val(), &t)); break;
    case DType::kUInt8: TB_RETURN_IF_ERROR(FillFromValues<uint8_t>(proto.int_val(), &t)); break;
    case DType::kUInt16: TB_RETURN_IF_ERROR(FillFromValues<uint16_t>(proto.int_val(), &t)); break;
    case DType::kInt64: TB_RETURN_IF_ERROR(FillFromValues<int64_t>(proto.int64_val(), &t)); break;
    case DType::kUInt32: TB_RETURN_IF_ERROR(FillFromValues<uint32_t>(proto.uint32_val(), &t)); break;
    case DType::kUInt64: TB_RETURN_IF_ERROR(FillFromValues<uint64_t>(proto.uint64_val(), &t)); break;
    case DType::kBool: TB_RETURN_IF_ERROR(FillFromValues<bool>(proto.bool_val(), &t)); break;
    case DType::kString: {
      auto out = t.flat<std::string>();
      const auto& values = proto.string_val();
      if (static_cast<int64_t>(values.size()) > t.num_elements()) {
        return absl::InvalidArgumentError(
            absl::StrCat("tensor proto has ", values.size(), " strings for ", t.num_elements(), " elements"));
      }
      for (int64_t i = 0; i < t.num_elements() && !values.empty(); ++i) {
        out[i] = values[static_cast<int>(std::min<int64_t>(i, values.size() - 1))];
      }
      break;
    }
    default:
      return absl::UnimplementedError(absl::StrCat("cannot decode a ", ToAbsl(DTypeName(dtype)), " tensor proto"));
  }
  return t;
}

absl::StatusOr<Tensor> TensorFromProto(const tensorflow::TensorProto& proto, uint64_t max_bytes) {
  TB_ASSIGN_OR_RETURN(DType dtype, FromProto(proto.dtype()));
  TB_ASSIGN_OR_RETURN(Shape shape, ShapeFromProto(proto.tensor_shape()));
  return TensorFromProtoValues(proto, dtype, shape, max_bytes);
}

namespace {

template <typename T>
bool AllEqual(absl::Span<const T> v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if (std::memcmp(&v[i], &v[0], sizeof(T)) != 0) return false;
  }
  return true;
}

template <typename T, typename Repeated>
void AddValues(const Tensor& t, bool compact, Repeated* out) {
  auto v = t.flat<T>();
  if (compact && !v.empty() && AllEqual(v)) {
    out->Add(v[0]);
    return;
  }
  out->Reserve(static_cast<int>(v.size()));
  for (const T& x : v) out->Add(x);
}

}  // namespace

absl::Status TensorToProto(const Tensor& tensor, tensorflow::TensorProto* proto, TensorEncoding encoding) {
  proto->Clear();
  const bool values_only = encoding == TensorEncoding::kValuesOnly;
  if (!values_only) {
    proto->set_dtype(ToProto(tensor.dtype()));
    ShapeToProto(tensor.shape(), proto->mutable_tensor_shape());
  }
  const DType dtype = tensor.dtype();
  if (!values_only && dtype != DType::kString && tensor.num_elements() > 1) {
    // One repeated value is shorter than the content when every element is equal.
    const std::string_view bytes = tensor.bytes();
    const size_t elem = DTypeSize(dtype);
    bool uniform = true;
    for (size_t off = elem; off < bytes.size() && uniform; off += elem) {
      uniform = std::memcmp(bytes.data() + off, bytes.data(), elem) == 0;
    }
    if (!uniform) {
      proto->set_tensor_content(std::string(bytes));
      return absl::OkStatus();
    }
  }
  const bool compact = !values_only;
  switch (dtype) {
    case DType::kFloat: AddValues<float>(tensor, compact, proto->mutable_float_val()); break;
    case DType::kDouble: AddValues<double>(tensor, compact, proto->mutable_double_val()); break;
    case DType::kInt32: AddValues<int32_t>(tensor, compact, proto->mutable_int_val()); break;
    case DType::kInt16: AddValues<int16_t>(tensor, compact, proto->mutable_int_val()); break;
    case DType::kInt8: AddValues<int8_t>(tensor, compact, proto->mutable_int_val()); break;
    case DType::kUInt8: AddValues<uint8_t>(tensor, compact, proto->mutable_int_val()); break;
    case DType::kUInt16: AddValues<uint16_t>(tensor, compact, proto->mutable_int_val()); break;
    case DType::kInt64: AddValues<int64_t>(tensor, compact, proto->mutable_int64_val()); break;
    case DType::kUInt32: AddValues<uint32_t>(tensor, compact, proto->mutable_uint32_val()); break;
    case DType::kUInt64: AddValues<uint64_t>(tensor, compact, proto->mutable_uint64_val()); break;
    case DType::kBool: AddValues<bool>(tensor, compact, proto->mutable_bool_val()); break;
    case DType::kString:
      for (const std::string& s : tensor.flat<std::string>()) proto->add_string_val(s);
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("cannot encode a ", ToAbsl(DTypeName(dtype)), " tensor as a proto"));
  }
  return absl::OkStatus();
}

}  // namespace tb::tf
