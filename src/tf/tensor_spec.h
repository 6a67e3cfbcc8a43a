// TensorSpec: a tensor's name, dtype and shape where dimensions may be unknown (-1), as in model input specs and
// function signatures. Unlike Tensor it holds no values. Also converts to/from TF's TensorSpecProto and TFF's
// serialized Type, the two places SavedModels record such specs.
#ifndef TASKBUILDER_TF_TENSOR_SPEC_H_
#define TASKBUILDER_TF_TENSOR_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/struct.pb.h"
#include "tf/dtype.h"
#include "tff/computation.pb.h"

namespace tb::tf {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kInvalid;
  std::vector<int64_t> shape;  // -1 = unknown dimension.
  bool unknown_rank = false;   // When true, `shape` is empty and means "any rank".

  // "float[-1,784]", "int64[?]" for unknown rank.
  std::string TypeString() const;
  // True if a tensor of `shape` fits this spec.
  bool IsCompatibleWith(const std::vector<int64_t>& concrete_shape) const;
  bool operator==(const TensorSpec& other) const = default;
};

absl::StatusOr<TensorSpec> TensorSpecFromProto(const tensorflow::TensorSpecProto& proto);
tensorflow::TensorSpecProto TensorSpecToProto(const TensorSpec& spec);

// Flattens a TFF type made of tensors and (nested) structs into its leaves in order. Leaves are named by their
// path below `prefix`: element names where present, indices otherwise ("x", "x/0", "x/pixels"). Sequences,
// federated, function and abstract types are rejected with an error naming the path.
absl::StatusOr<std::vector<TensorSpec>> FlattenTffType(const tensorflow_federated::v0::Type& type,
                                                       const std::string& prefix);
// The TFF tensor type of a spec.
tensorflow_federated::v0::Type TffTensorType(const TensorSpec& spec);
// "<float32[?,784],int64[?,1]>" in TFF's notation, for messages and `inspect`.
std::string TffTypeToString(const tensorflow_federated::v0::Type& type);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_TENSOR_SPEC_H_
