// Conversion between tb::tf::Tensor and tensorflow.TensorProto (Const `value` attrs, list(tensor) attrs).
// Decoding trusts nothing: dtype, shape, content size and repeated-value counts are checked before allocating,
// and a caller-set byte limit stops a 20-byte proto from asking for gigabytes via value repetition.
#ifndef TASKBUILDER_GRAPH_TENSOR_PROTO_H_
#define TASKBUILDER_GRAPH_TENSOR_PROTO_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "tensorflow/tensor.pb.h"
#include "tf/tensor.h"

namespace tb::graph {

// Default ceiling for one decoded constant.
inline constexpr uint64_t kMaxConstBytes = uint64_t{1} << 30;

absl::StatusOr<tf::Tensor> TensorFromProto(const tensorflow::TensorProto& proto,
                                           uint64_t max_bytes = kMaxConstBytes);

// Encodes like TF 2.14 Python: a tensor whose numeric elements are all equal (bitwise) as a single *_val entry,
// other numeric tensors as tensor_content, strings as string_val. Scalars use *_val.
// REQUIRES: t.valid() and t is not a resource/variant tensor.
tensorflow::TensorProto TensorToProto(const tf::Tensor& t);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_TENSOR_PROTO_H_
