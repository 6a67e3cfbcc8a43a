// Conversions between tb::tf::Tensor and tensorflow.TensorProto / TensorShapeProto / DataType, with TF's rules:
// values come from tensor_content or a typed *_val field whose last element repeats to fill the shape.
// Never trusts a proto's sizes: counts are checked against the shape before anything is allocated.
#ifndef TASKBUILDER_TF_TENSOR_PROTO_H_
#define TASKBUILDER_TF_TENSOR_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensorflow/tensor.pb.h"
#include "tensorflow/tensor_shape.pb.h"
#include "tensorflow/types.pb.h"
#include "tf/tensor.h"

namespace tb::tf {

inline tensorflow::DataType ToProto(DType dtype) { return static_cast<tensorflow::DataType>(dtype); }
// A DType for a proto dtype, or InvalidArgument naming the type (e.g. "DT_HALF is not supported").
absl::StatusOr<DType> FromProto(tensorflow::DataType dtype);
// "DT_FLOAT" style name of any proto dtype number, including ones our enum does not know.
std::string ProtoDTypeName(int dtype);

// A fully known shape; InvalidArgument for unknown rank or -1 dims.
absl::StatusOr<Shape> ShapeFromProto(const tensorflow::TensorShapeProto& proto);
// -1 dims allowed (TensorSpec-style); unknown rank is an error.
absl::StatusOr<std::vector<int64_t>> PartialShapeFromProto(const tensorflow::TensorShapeProto& proto);
void ShapeToProto(const std::vector<int64_t>& shape, tensorflow::TensorShapeProto* proto);
tensorflow::TensorShapeProto ShapeToProto(const std::vector<int64_t>& shape);

// Default ceiling for one decoded tensor: a 20-byte proto may ask for a huge shape filled by value repetition.
inline constexpr uint64_t kMaxTensorProtoBytes = uint64_t{1} << 30;

// dtype and shape from the proto. ResourceExhausted when the decoded tensor would exceed `max_bytes`.
absl::StatusOr<Tensor> TensorFromProto(const tensorflow::TensorProto& proto,
                                       uint64_t max_bytes = kMaxTensorProtoBytes);
// Values only (V1 checkpoint slices carry neither dtype nor shape): dtype and shape are given.
absl::StatusOr<Tensor> TensorFromProtoValues(const tensorflow::TensorProto& proto, DType dtype, const Shape& shape,
                                             uint64_t max_bytes = kMaxTensorProtoBytes);

enum class TensorEncoding {
  // As TF's Python writes Consts: tensor_content for numbers (one *_val when all elements are equal), string_val.
  kCompact,
  // Only the typed *_val field, one entry per element (V1 checkpoint slices).
  kValuesOnly,
};
// Fills dtype and shape (unless kValuesOnly) and the values. kCompact is how TF 2.14's Python encodes Const values,
// so GraphDefs we export match the original's bytes. Unimplemented for resource and variant tensors.
absl::Status TensorToProto(const Tensor& tensor, tensorflow::TensorProto* proto,
                           TensorEncoding encoding = TensorEncoding::kCompact);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_TENSOR_PROTO_H_
