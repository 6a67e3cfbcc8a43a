// A verified, read-only TFLite program ("TFL3" flatbuffer): the flatbuffer verifier plus the semantic checks the
// TFLite runtime and `tflite::Verify` apply (tflite-lowering.md §1.3, §6.1–§6.3), so every index, size and string
// layout a caller follows afterwards is known to be in range. It never executes anything and never trusts a
// count or offset it has not checked; a model it accepts cannot make a reader read outside the buffer.
#ifndef TASKBUILDER_TFLITE_MODEL_READER_H_
#define TASKBUILDER_TFLITE_MODEL_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tf/dtype.h"
#include "tflite/tflite_generated.h"

namespace tb::tflite {

struct ReadLimits {
  uint64_t max_model_bytes = (uint64_t{1} << 31) - 1;  // flatbuffers' own ceiling
  int64_t max_subgraphs = 10'000;
  int64_t max_tensors_per_subgraph = 1'000'000;
  int64_t max_operators_per_subgraph = 1'000'000;
  int max_rank = 16;
};

// "ADD", "FULLY_CONNECTED", or "BUILTIN_200" for codes this schema does not name.
std::string BuiltinName(int32_t code);

// TFLite TensorType -> TF DType (nullopt for types the runtime cannot hold, e.g. FLOAT16, INT4, COMPLEX64).
std::optional<tf::DType> DTypeFromTensorType(fb::TensorType type);
// "FLOAT32", "STRING", ... for messages.
std::string TensorTypeName(fb::TensorType type);

class Model {
 public:
  // Verifies `bytes` and keeps them. InvalidArgument names the first violation (subgraph, operator, tensor).
  static absl::StatusOr<Model> Parse(std::string bytes, const ReadLimits& limits = {});

  std::string_view bytes() const { return *bytes_; }
  const fb::Model& root() const { return *root_; }

  int num_subgraphs() const;
  const fb::SubGraph& subgraph(int index) const;
  // The subgraph whose name is exactly `name` (Flex function attributes refer to subgraphs this way).
  std::optional<int> FindSubgraph(std::string_view name) const;
  std::string SubgraphName(int index) const;

  // The effective builtin code of an operator: max(builtin_code, deprecated_builtin_code).
  int32_t OpCode(const fb::Operator& op) const;
  int OpVersion(const fb::Operator& op) const;
  // The custom code ("FlexL2Loss") or empty for builtins.
  std::string_view CustomCode(const fb::Operator& op) const;
  // Builtin name or custom code, for messages and inventories.
  std::string OpName(const fb::Operator& op) const;
  // Custom options bytes (inline or, for >2 GiB models, the verified out-of-line range).
  std::string_view CustomOptions(const fb::Operator& op) const;

  // A constant tensor's bytes, or nullopt when the tensor has no data (buffer 0 or an absent `data`).
  // A present-but-empty data vector is a constant with zero bytes.
  std::optional<std::string_view> ConstantData(const fb::Tensor& tensor) const;

  // The bytes of the metadata entry `name`, or nullopt.
  std::optional<std::string_view> Metadata(std::string_view name) const;
  // The "min_runtime_version" metadata with its NUL padding removed, or nullopt.
  std::optional<std::string> MinRuntimeVersion() const;

  // "subgraph 2 (__inference_reduce_reduce_func_9460), operator 17 (MUL)".
  std::string DescribeOperator(int subgraph, int op_index) const;
  std::string TensorName(int subgraph, int tensor) const;

 private:
  Model(std::shared_ptr<const std::string> bytes, const fb::Model* root) : bytes_(std::move(bytes)), root_(root) {}
  std::optional<std::string_view> ExternalRange(uint64_t offset, uint64_t size) const;

  std::shared_ptr<const std::string> bytes_;  // shared so the view stays valid when the Model is copied/moved
  const fb::Model* root_ = nullptr;
};

// Decodes a TFLite STRING tensor buffer (int32 count, count+1 int32 offsets, bytes). Fails on any
// inconsistency (tflite-lowering.md §1.5); used for constant strings and by the interpreter.
absl::StatusOr<std::vector<std::string>> DecodeStringBuffer(std::string_view data);
// The inverse: the exact layout the converter writes.
std::string EncodeStringBuffer(const std::vector<std::string>& values);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_MODEL_READER_H_
