// tf.Example, the record type of ODP example stores: a zero-copy view for parsing (feature name -> its value list,
// decoded on demand into caller-sized buffers) and a builder for writing. The view validates the wire structure
// once, bounds every length by the input, and never allocates per value; values are decoded only into spans
// whose size the caller checked. Protobuf map semantics: a repeated key keeps its last value.
#ifndef TASKBUILDER_RUNTIME_DATA_EXAMPLE_H_
#define TASKBUILDER_RUNTIME_DATA_EXAMPLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tf/dtype.h"

namespace tb::runtime::data {

enum class FeatureKind { kNone, kBytes, kFloat, kInt64 };

// "bytes" / "float" / "int64" / "none".
std::string_view FeatureKindName(FeatureKind kind);
// The DType a feature kind parses into (kString, kFloat, kInt64; kInvalid for kNone).
tf::DType FeatureKindDType(FeatureKind kind);

// One feature's value list, still encoded.
class FeatureValues {
 public:
  FeatureValues() = default;
  FeatureValues(FeatureKind kind, std::string_view list) : kind_(kind), list_(list) {}

  FeatureKind kind() const { return kind_; }
  // Number of values. Fails on a malformed list.
  absl::StatusOr<int64_t> Count() const;
  // Decode exactly out.size() values (REQUIRES: Count() == out.size() and the matching kind).
  absl::Status DecodeFloats(absl::Span<float> out) const;
  absl::Status DecodeInt64s(absl::Span<int64_t> out) const;
  absl::Status DecodeBytes(absl::Span<std::string> out) const;

 private:
  FeatureKind kind_ = FeatureKind::kNone;
  std::string_view list_;  // the FloatList/Int64List/BytesList message bytes
};

class ExampleView {
 public:
  // Validates the Example/Features/Feature structure (not the value lists' contents). The view refers into
  // `serialized`, which must outlive it.
  static absl::StatusOr<ExampleView> Parse(std::string_view serialized);

  // The feature named `name`, or nullptr.
  const FeatureValues* Find(std::string_view name) const;
  const std::vector<std::pair<std::string_view, FeatureValues>>& features() const { return features_; }

 private:
  std::vector<std::pair<std::string_view, FeatureValues>> features_;  // unique names, last occurrence wins
  absl::flat_hash_map<std::string_view, size_t> index_;
};

// Builds a serialized tf.Example with features in insertion order (deterministic bytes).
class ExampleBuilder {
 public:
  ExampleBuilder& AddFloats(std::string_view name, absl::Span<const float> values);
  ExampleBuilder& AddInt64s(std::string_view name, absl::Span<const int64_t> values);
  ExampleBuilder& AddBytes(std::string_view name, absl::Span<const std::string> values);
  std::string Serialize() const;

 private:
  std::string features_;  // encoded map entries of Features.feature
};

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_EXAMPLE_H_
