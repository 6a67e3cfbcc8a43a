// Building IR that reads like the math:
//
//   Builder b(&graph);                                   // or Builder(&function) for a function body
//   Output x = b.Placeholder(tf::DType::kFloat, {-1, 784}, "x");
//   Builder dense = b.WithScope("dense");
//   Output y = dense.Relu(dense.BiasAdd(dense.MatMul(x, w), bias));
//   TB_RETURN_IF_ERROR(b.status());
//
// Every op helper infers type attrs (T, N, Tidx, ...) from its inputs, fills OpDef defaults, names the node
// "<scope>/<OpName>" made unique TF-style ("MatMul", "MatMul_1", ...), and type-checks it (Graph::AddNode). The
// first error sticks in the builder (shared by all builders derived from it); later ops then return invalid
// Outputs and do nothing, so a sequence of math needs one status check at the end. Node names depend only on
// construction order, so the same program always builds the same graph.
#ifndef TASKBUILDER_GRAPH_BUILDER_H_
#define TASKBUILDER_GRAPH_BUILDER_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "graph/attrs.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "tf/tensor.h"

namespace tb::graph {

// One op argument: a single value, or a list for args with a number_attr / type_list_attr.
struct OpInput {
  std::vector<Output> values;
  bool is_list = false;
  OpInput(Output v) : values{v} {}  // NOLINT
  OpInput(Node* n) : values{Output(n, 0)} {}  // NOLINT
  OpInput(std::vector<Output> list) : values(std::move(list)), is_list(true) {}  // NOLINT
};

class Builder {
 public:
  explicit Builder(Graph* graph);
  explicit Builder(Function* function);

  // Derived builders share the graph and the sticky status.
  Builder WithScope(std::string_view scope) const;           // names become "<scope>/<op>"
  Builder WithName(std::string_view name) const;             // the next node is named `name` (uniquified)
  Builder WithControlDependencies(std::vector<Node*> deps) const;
  Builder WithDevice(std::string_view device) const;

  const absl::Status& status() const { return state_->status; }
  bool ok() const { return state_->status.ok(); }
  // Records an error (the first one wins); status() reports it, and nodes built afterwards are invalid.
  void SetError(absl::Status s) const;
  Graph& graph() const { return *state_->graph; }
  const std::string& scope() const { return scope_; }

  // The generic op: returns the new node (nullptr after an error). Type attrs missing from `attrs` are inferred
  // from the inputs; list args take OpInput lists.
  Node* AddOp(std::string_view op, std::vector<OpInput> inputs, AttrMap attrs = {}) const;
  // Output 0 of AddOp (invalid after an error or when the op has no outputs).
  Output Op(std::string_view op, std::vector<OpInput> inputs, AttrMap attrs = {}) const;
  // All outputs of AddOp.
  std::vector<Output> Ops(std::string_view op, std::vector<OpInput> inputs, AttrMap attrs = {}) const;

  // Leaves.
  Output Placeholder(tf::DType dtype, const PartialShape& shape, std::string_view name) const;
  Output Const(const tf::Tensor& value) const;
  template <typename T>
  Output Scalar(T v) const { return Const(tf::Tensor::Scalar<T>(v)); }
  Output ScalarOf(tf::DType dtype, double v) const;        // scalar of any numeric dtype
  Output ScalarLike(Output like, double v) const { return ScalarOf(like.valid() ? like.dtype() : tf::DType::kFloat, v); }
  Output Int32s(const std::vector<int32_t>& v) const;      // 1-D int32 constant
  Output Int64s(const std::vector<int64_t>& v) const;      // 1-D int64 constant
  Output ZerosOf(tf::DType dtype, const tf::Shape& shape) const;

  // Element-wise math (numpy broadcasting where TF has it).
  Output Add(Output a, Output b) const { return Op("AddV2", {a, b}); }
  Output Sub(Output a, Output b) const { return Op("Sub", {a, b}); }
  Output Mul(Output a, Output b) const { return Op("Mul", {a, b}); }
  Output Div(Output a, Output b) const { return Op("RealDiv", {a, b}); }
  Output DivNoNan(Output a, Output b) const { return Op("DivNoNan", {a, b}); }
  Output Maximum(Output a, Output b) const { return Op("Maximum", {a, b}); }
  Output Minimum(Output a, Output b) const { return Op("Minimum", {a, b}); }
  Output AddN(std::vector<Output> values) const { return Op("AddN", {OpInput(std::move(values))}); }
  Output Neg(Output x) const { return Op("Neg", {x}); }
  Output Square(Output x) const { return Op("Square", {x}); }
  Output Sqrt(Output x) const { return Op("Sqrt", {x}); }
  Output Rsqrt(Output x) const { return Op("Rsqrt", {x}); }
  Output Exp(Output x) const { return Op("Exp", {x}); }
  Output Log(Output x) const { return Op("Log", {x}); }
  Output Log1p(Output x) const { return Op("Log1p", {x}); }
  Output Sigmoid(Output x) const { return Op("Sigmoid", {x}); }
  Output Tanh(Output x) const { return Op("Tanh", {x}); }
  Output Relu(Output x) const { return Op("Relu", {x}); }
  Output Relu6(Output x) const { return Op("Relu6", {x}); }
  Output Softmax(Output x) const { return Op("Softmax", {x}); }
  Output LogSoftmax(Output x) const { return Op("LogSoftmax", {x}); }
  Output Equal(Output a, Output b) const { return Op("Equal", {a, b}); }
  Output Greater(Output a, Output b) const { return Op("Greater", {a, b}); }
  Output GreaterEqual(Output a, Output b) const { return Op("GreaterEqual", {a, b}); }
  Output Less(Output a, Output b) const { return Op("Less", {a, b}); }
  Output LessEqual(Output a, Output b) const { return Op("LessEqual", {a, b}); }
  Output LogicalAnd(Output a, Output b) const { return Op("LogicalAnd", {a, b}); }
  Output LogicalNot(Output a) const { return Op("LogicalNot", {a}); }
  Output IsFinite(Output x) const { return Op("IsFinite", {x}); }
  Output Select(Output c, Output t, Output e) const { return Op("Select", {c, t, e}); }
  Output SelectV2(Output c, Output t, Output e) const { return Op("SelectV2", {c, t, e}); }
  Output Cast(Output x, tf::DType to) const;
  Output Identity(Output x) const { return Op("Identity", {x}); }
  Output StopGradient(Output x) const { return Op("StopGradient", {x}); }
  Output ZerosLike(Output x) const { return Op("ZerosLike", {x}); }
  Output OnesLike(Output x) const { return Op("OnesLike", {x}); }

  // Linear algebra and nn.
  Output MatMul(Output a, Output b, bool transpose_a = false, bool transpose_b = false) const;
  Output BatchMatMul(Output x, Output y, bool adj_x = false, bool adj_y = false) const;
  Output BiasAdd(Output value, Output bias) const { return Op("BiasAdd", {value, bias}); }
  Output Conv2D(Output input, Output filter, const std::vector<int64_t>& strides, std::string_view padding) const;
  Output MaxPool(Output input, const std::vector<int64_t>& ksize, const std::vector<int64_t>& strides,
                 std::string_view padding) const;
  Output AvgPool(Output input, const std::vector<int64_t>& ksize, const std::vector<int64_t>& strides,
                 std::string_view padding) const;

  // Reductions over constant axes (int32).
  Output Sum(Output x, const std::vector<int32_t>& axes, bool keep_dims = false) const;
  Output Mean(Output x, const std::vector<int32_t>& axes, bool keep_dims = false) const;
  Output Max(Output x, const std::vector<int32_t>& axes, bool keep_dims = false) const;
  Output Sum(Output x, Output axes, bool keep_dims = false) const;
  // Every axis of x (needs a known rank; falls back to Range(0, Rank(x))).
  Output ReduceAllAxes(std::string_view op, Output x, bool keep_dims = false) const;

  // Shapes. ShapeOf returns a Const when x's shape is fully known (cheap on phones), else a Shape op.
  Output ShapeOf(Output x, tf::DType out_type = tf::DType::kInt32) const;
  Output Reshape(Output x, Output shape) const { return Op("Reshape", {x, shape}); }
  Output Reshape(Output x, const std::vector<int32_t>& shape) const { return Reshape(x, Int32s(shape)); }
  Output ExpandDims(Output x, int32_t axis) const { return Op("ExpandDims", {x, Scalar<int32_t>(axis)}); }
  Output Squeeze(Output x, const std::vector<int64_t>& axes) const;
  Output Transpose(Output x, const std::vector<int32_t>& perm) const { return Op("Transpose", {x, Int32s(perm)}); }
  Output Fill(Output dims, Output value) const { return Op("Fill", {dims, value}); }
  Output Tile(Output x, Output multiples) const { return Op("Tile", {x, multiples}); }
  Output ConcatV2(std::vector<Output> values, int32_t axis) const;
  Output Pack(std::vector<Output> values, int64_t axis = 0) const;

 private:
  struct State {
    Graph* graph;
    absl::Status status;
  };
  explicit Builder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::string NodeName(std::string_view op) const;

  std::shared_ptr<State> state_;
  std::string scope_;
  std::string name_;
  std::vector<Node*> control_deps_;
  std::string device_;
};

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_BUILDER_H_
