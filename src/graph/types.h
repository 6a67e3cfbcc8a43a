// Static types of IR values: a dtype plus a partially known shape (unknown rank, or known rank with -1 for
// unknown dimensions such as the batch). Shape functions and the builder compute these; nothing here allocates
// tensor storage or trusts a dimension it did not validate.
#ifndef TASKBUILDER_GRAPH_TYPES_H_
#define TASKBUILDER_GRAPH_TYPES_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/tensor_shape.pb.h"
#include "tf/dtype.h"

namespace tb::graph {

// Shapes with more dimensions than this are refused as absurd (TF's own limit is 254).
inline constexpr int kMaxRank = 64;
// Dimensions above this are refused as absurd (2^48 elements in one dimension).
inline constexpr int64_t kMaxDim = int64_t{1} << 48;
// Shapes whose known dimensions multiply to more than this many elements are refused as absurd.
inline constexpr int64_t kMaxElements = int64_t{1} << 56;

class PartialShape {
 public:
  // Unknown rank.
  PartialShape() = default;
  // Known rank; -1 marks an unknown dimension. REQUIRES: every dim >= -1 and rank <= kMaxRank (checked: aborts).
  PartialShape(std::initializer_list<int64_t> dims);
  explicit PartialShape(std::vector<int64_t> dims);

  static PartialShape Unknown() { return PartialShape(); }
  static PartialShape Scalar() { return PartialShape(std::vector<int64_t>{}); }
  // A rank-`rank` shape with every dimension unknown.
  static PartialShape UnknownDims(int rank);
  // Validating constructor for dims from outside (protos, shape tensors).
  static absl::StatusOr<PartialShape> FromDims(const std::vector<int64_t>& dims);

  bool rank_known() const { return rank_known_; }
  // REQUIRES: rank_known().
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool IsFullyDefined() const;
  // Element count when fully defined (nullopt otherwise or on overflow).
  std::optional<int64_t> NumElements() const;

  // True if some fully defined shape could satisfy both.
  bool IsCompatibleWith(const PartialShape& other) const;
  // The most specific shape compatible with both, or an error if they conflict.
  absl::StatusOr<PartialShape> Merge(const PartialShape& other) const;

  // "[?,784]", "[]" for scalars, "<unknown>" for unknown rank.
  std::string ToString() const;
  tensorflow::TensorShapeProto ToProto() const;
  // Rejects negative dims other than -1, dims above kMaxDim and ranks above kMaxRank.
  static absl::StatusOr<PartialShape> FromProto(const tensorflow::TensorShapeProto& proto);

  bool operator==(const PartialShape& other) const {
    return rank_known_ == other.rank_known_ && dims_ == other.dims_;
  }
  bool operator!=(const PartialShape& other) const { return !(*this == other); }

 private:
  bool rank_known_ = false;
  std::vector<int64_t> dims_;
};

// The type of one IR value.
struct TensorType {
  tf::DType dtype = tf::DType::kInvalid;
  PartialShape shape;

  // "float[?,784]".
  std::string ToString() const;
  bool operator==(const TensorType& other) const { return dtype == other.dtype && shape == other.shape; }
};

// numpy-style broadcast of two shapes (unknown dims stay unknown where they cannot be decided). Fails when two
// known dims differ and neither is 1.
absl::StatusOr<PartialShape> BroadcastShapes(const PartialShape& a, const PartialShape& b);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_TYPES_H_
