// What a shape function sees: the node's attrs (defaults filled), its input types, constant input values where
// the producer is a Const, and shape-valued inputs recovered from Shape/Pack/ConcatV2/... patterns. A shape
// function sets one PartialShape per output (dtypes are already computed from the OpDef) or returns an error
// describing the inconsistency; it never looks at tensor data beyond small constant inputs.
#ifndef TASKBUILDER_GRAPH_SHAPE_INFERENCE_H_
#define TASKBUILDER_GRAPH_SHAPE_INFERENCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attrs.h"
#include "graph/graph.h"
#include "graph/types.h"

namespace tb::graph {

class InferenceContext {
 public:
  InferenceContext(const Node& node, const std::vector<tf::DType>& output_dtypes);

  const Node& node() const { return node_; }
  const std::string& op() const;
  AttrView attrs() const;
  const FunctionLibrary* library() const;

  int num_inputs() const;
  const TensorType& input_type(int i) const;
  const PartialShape& input_shape(int i) const { return input_type(i).shape; }
  // The input's value when its producer is a Const (else nullptr). Decoding errors read as "unknown".
  const tf::Tensor* input_tensor(int i);
  // An int32/int64 input holding a shape (e.g. Reshape's `shape`), as far as it is known: Const values, Shape(x),
  // Pack of scalars, ConcatV2 of such, Fill of a known length. -1 entries are unknown dims; for a Const, the
  // special value -1 means "inferred" only where the op says so (callers handle that).
  // A Const whose values are not a valid shape (< -1, or absurdly large) is an error naming the node.
  absl::StatusOr<PartialShape> InputAsShape(int i);
  // An int input holding a scalar or vector of ints known at build time, else nullopt.
  std::optional<std::vector<int64_t>> InputAsInts(int i);

  int num_outputs() const { return static_cast<int>(output_shapes_.size()); }
  tf::DType output_dtype(int i) const { return output_dtypes_[i]; }
  void set_output(int i, PartialShape shape) { output_shapes_[i] = std::move(shape); }
  const std::vector<PartialShape>& output_shapes() const { return output_shapes_; }

  // Typed attr readers (attrs are complete by the time shape functions run).
  absl::StatusOr<int64_t> GetInt(std::string_view name) const;
  absl::StatusOr<bool> GetBool(std::string_view name) const;
  absl::StatusOr<float> GetFloat(std::string_view name) const;
  absl::StatusOr<std::string> GetString(std::string_view name) const;
  absl::StatusOr<tf::DType> GetType(std::string_view name) const;
  absl::StatusOr<std::vector<int64_t>> GetIntList(std::string_view name) const;
  absl::StatusOr<std::vector<PartialShape>> GetShapeList(std::string_view name) const;
  absl::StatusOr<PartialShape> GetShape(std::string_view name) const;

  // InvalidArgument "<Op> node '<name>': <message>".
  absl::Status Error(std::string_view message) const;
  absl::Status Error(absl::string_view message) const { return Error(std::string_view(message.data(), message.size())); }
  absl::Status Error(const std::string& message) const { return Error(std::string_view(message)); }
  absl::Status Error(const char* message) const { return Error(std::string_view(message)); }

  // Common checks: rank of input i is `rank` (when known) / at least `rank`.
  absl::Status CheckRank(int i, int rank) const;
  absl::Status CheckRankAtLeast(int i, int rank) const;

 private:
  const tensorflow::AttrValue& Attr(std::string_view name) const;
  const Node& node_;
  std::vector<tf::DType> output_dtypes_;
  std::vector<PartialShape> output_shapes_;
  std::vector<std::optional<tf::Tensor>> input_values_;
  std::vector<bool> input_values_loaded_;
};

// Shape functions shared by many ops.
namespace shape_fns {
absl::Status Unknown(InferenceContext& c);            // every output unknown
absl::Status Unchanged(InferenceContext& c);          // output 0 = input 0's shape
absl::Status Scalar(InferenceContext& c);             // every output a scalar
absl::Status NoOutputs(InferenceContext& c);          // ops without outputs
absl::Status BroadcastBinary(InferenceContext& c);    // numpy broadcast of inputs 0 and 1
absl::Status AllInputsSameShape(InferenceContext& c); // AddN-like: every input merged
absl::Status Reduction(InferenceContext& c);          // (input, axes) with keep_dims
// Resolves a possibly negative axis against `rank`; error text names the op.
absl::StatusOr<int> CanonicalAxis(InferenceContext& c, int64_t axis, int rank);
}  // namespace shape_fns

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_SHAPE_INFERENCE_H_
