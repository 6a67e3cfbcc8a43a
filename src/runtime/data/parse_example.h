// ParseExampleV2's semantics on a batch of serialized tf.Examples: dense features (fixed shape, or a leading -1
// dimension padded with the default) and variable-length sparse features. Ragged outputs are refused by name.
// Pure function of its inputs: no I/O, and every output size is checked against the spec before allocation.
#ifndef TASKBUILDER_RUNTIME_DATA_PARSE_EXAMPLE_H_
#define TASKBUILDER_RUNTIME_DATA_PARSE_EXAMPLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tf/tensor.h"

namespace tb::runtime::data {

struct DenseFeatureSpec {
  std::string key;
  tf::DType dtype = tf::DType::kFloat;  // float, int64 or string
  tf::Shape shape;                      // per example; dim 0 may be -1 (variable length, padded)
  tf::Tensor default_value;             // empty (0 elements) = the feature is required
};

struct SparseFeatureSpec {
  std::string key;
  tf::DType dtype = tf::DType::kFloat;
};

struct ParseExampleSpec {
  std::vector<DenseFeatureSpec> dense;
  std::vector<SparseFeatureSpec> sparse;
};

struct SparseOutput {
  tf::Tensor indices;  // int64 [N, rank+1]
  tf::Tensor values;   // [N]
  tf::Tensor shape;    // int64 [rank+1]
};

struct ParsedExamples {
  std::vector<tf::Tensor> dense;   // [B] + shape (or shape alone when the input was a scalar)
  std::vector<SparseOutput> sparse;
};

// `serialized` holds B examples; `scalar_input` means the op's input was a single scalar string (no batch dim).
// InvalidArgument names the example index and the feature (TF's wording: "Feature: x (data type: float) is
// required but could not be found.").
absl::StatusOr<ParsedExamples> ParseExamples(absl::Span<const std::string> serialized, const ParseExampleSpec& spec,
                                             bool scalar_input = false);

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_PARSE_EXAMPLE_H_
