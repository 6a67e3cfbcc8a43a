// What one op lowering sees while it turns an IR node into TFLite builtins: the node (inputs, types, attrs, what is
// known about its inputs at build time) and a small emitter for tensors and operators in the current subgraph.
// Lowerings are short functions registered by TF op name (lowering_registry.h) in the style of ONNX Runtime's
// gradient builders. A lowering that cannot express the op exactly returns NotBuiltin(reason); everything it
// emitted is then rolled back and the op becomes a Flex op. Errors are sticky, like graph::Builder's: after the
// first, emitters return -1 and the lowering's status() reports it.
#ifndef TASKBUILDER_TFLITE_LOWERING_CONTEXT_H_
#define TASKBUILDER_TFLITE_LOWERING_CONTEXT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "graph/graph.h"
#include "tf/tensor.h"
#include "tflite/builtin_options.h"
#include "tflite/program.h"

namespace tb::tflite {

// The values of one lowered body: IR outputs -> tensor indices of the subgraph under construction. A function
// inlined at a call site gets its own scope (the same Node may be lowered once per call).
struct LoweringScope {
  std::map<graph::Output, int> values;
  std::string name_prefix;  // "<call node>/" for inlined bodies
};

// Tensor names are unique within a subgraph (not required by the runtime, but inspect output stays readable).
class TensorNamer {
 public:
  std::string Unique(std::string_view base);
  void Forget(std::string_view name) { used_.erase(std::string(name)); }

 private:
  std::map<std::string, int, std::less<>> used_;
};

class NodeContext {
 public:
  NodeContext(const graph::Node& node, LoweringScope& scope, SubgraphDef& subgraph, TensorNamer& namer);

  const graph::Node& node() const { return node_; }
  int num_inputs() const { return node_.num_inputs(); }
  graph::Output input(int i) const { return node_.input(i); }
  const graph::TensorType& in_type(int i) const { return node_.input(i).type(); }
  const graph::TensorType& out_type(int i) const { return node_.output_type(i); }
  tf::DType in_dtype(int i) const { return in_type(i).dtype; }
  const graph::PartialShape& in_shape(int i) const { return in_type(i).shape; }

  // The tensor holding input i (constants are materialized on first use).
  int In(int i);
  // Input i's value when it is known while building: a Const (through Identity-like ops), or Shape/Size/Rank of
  // a statically shaped value.
  std::optional<tf::Tensor> ConstInput(int i) const;
  // Input i as a shape vector with -1 for dimensions unknown while building: a constant int vector, or
  // Shape(x) of a value with known rank. nullopt otherwise.
  std::optional<std::vector<int64_t>> ShapeVectorInput(int i) const;

  // Attrs (sticky error when absent or of another kind).
  int64_t AttrInt(std::string_view name);
  bool AttrBool(std::string_view name);
  float AttrFloat(std::string_view name);
  std::string AttrString(std::string_view name);
  tf::DType AttrType(std::string_view name);
  std::vector<int64_t> AttrInts(std::string_view name);

  // Tensors.
  int Const(const tf::Tensor& value, std::string_view suffix = "const");
  int Int32s(const std::vector<int32_t>& values, std::string_view suffix = "const");
  int Int32Scalar(int32_t value, std::string_view suffix = "const");
  // A rank-0 constant of a numeric dtype.
  int Scalar(tf::DType dtype, double value, std::string_view suffix = "const");
  int Temp(tf::DType dtype, graph::PartialShape shape, std::string_view suffix);
  // The tensor named after IR output i, with the IR's type (created once).
  int Out(int i);
  // IR output i is the existing tensor `t` (Identity-like ops, multi-op lowerings ending in a temp).
  void Bind(int i, int t);

  const TensorDef& tensor(int t) const { return subgraph_.tensors[t]; }
  tf::DType dtype(int t) const { return t >= 0 ? subgraph_.tensors[t].dtype : tf::DType::kInvalid; }
  const graph::PartialShape& shape(int t) const;

  // Operators.
  void Emit(fb::BuiltinOperator code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
            OpOptions options = {});
  // One-output op writing IR output `output` (the inputs are evaluated before the output tensor is created, so
  // tensor numbering follows data flow).
  void EmitTo(int output, fb::BuiltinOperator code, std::vector<int32_t> inputs, OpOptions options = {});
  // One-output ops into a fresh temp of the given type; returns it.
  int Op(fb::BuiltinOperator code, std::vector<int32_t> inputs, tf::DType dtype, graph::PartialShape shape,
         OpOptions options = {}, std::string_view suffix = "");
  // Element-wise binary op with numpy broadcasting; result dtype = `a`'s unless `result` is given.
  int Binary(fb::BuiltinOperator code, int a, int b, tf::DType result = tf::DType::kInvalid);
  int Unary(fb::BuiltinOperator code, int a);
  int Cast(int t, tf::DType to);
  // int32 version of an integer tensor (CAST when int64, as TFLite axes/shape operands must be int32).
  int ToInt32(int t);
  int ShapeOf(int t, tf::DType out_type = tf::DType::kInt32);
  int Reshape(int t, const std::vector<int64_t>& dims);  // dims may hold one -1
  int ReshapeTo(int t, int shape_tensor, graph::PartialShape result);
  int Transpose(int t, const std::vector<int32_t>& perm);
  int Sum(int t, const std::vector<int32_t>& axes, bool keep_dims);
  int ReduceMax(int t, const std::vector<int32_t>& axes, bool keep_dims);
  int ExpandDims(int t, int32_t axis);

  // The op has no exact builtin form here: the lowering stops and the node becomes a Flex op.
  absl::Status NotBuiltin(std::string_view reason);
  // A sticky error naming the node.
  void Fail(std::string_view message);
  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

 private:
  std::string TensorName(std::string_view suffix) const;

  const graph::Node& node_;
  LoweringScope& scope_;
  SubgraphDef& subgraph_;
  TensorNamer& namer_;
  absl::Status status_;
};

// Materializes IR value `o` of `scope` (constants on demand). -1 when it was never lowered.
int LookupValue(const graph::Output& o, LoweringScope& scope, SubgraphDef& subgraph, TensorNamer& namer);

// TFLite constant bytes of a tensor (numbers little-endian; strings in TFLite's string-buffer layout).
// Fails for resource/variant values.
absl::StatusOr<std::string> ConstantBytes(const tf::Tensor& value);

// True when `status` is a NotBuiltin verdict rather than an error.
bool IsNotBuiltin(const absl::Status& status);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_LOWERING_CONTEXT_H_
