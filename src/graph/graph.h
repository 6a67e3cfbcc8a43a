// The compiler IR: a graph of nodes in SSA form. Each node is one TF op (or a call of a library function by name)
// with attrs as tensorflow.AttrValue, data inputs that are outputs of other nodes, and control inputs. Every node
// output has a static TensorType computed when the node is added (OpDef type rules + the op's shape function), so a
// Graph is always well typed. Function bodies are Graphs whose arguments are `_Arg` nodes (graph/function.h).
// A Graph never executes anything and never reorders or renames nodes on its own: node ids and names are assigned
// in creation order, so the same construction always yields the same graph.
#ifndef TASKBUILDER_GRAPH_GRAPH_H_
#define TASKBUILDER_GRAPH_GRAPH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/attrs.h"
#include "graph/types.h"
#include "tf/tensor.h"

namespace tb::graph {

class Graph;
class Node;
class FunctionLibrary;
class Function;
struct OpRegistration;
class OpRegistry;

// One output of one node: the unit of data flow ("node:index").
struct Output {
  Node* node = nullptr;
  int index = 0;

  Output() = default;
  Output(Node* n, int i = 0) : node(n), index(i) {}  // NOLINT: a single-output node reads as its output
  bool valid() const { return node != nullptr; }
  // REQUIRES: valid().
  const TensorType& type() const;
  tf::DType dtype() const { return type().dtype; }
  const PartialShape& shape() const { return type().shape; }
  // "name" for output 0, "name:i" otherwise (GraphDef input syntax).
  std::string ToString() const;
  bool operator==(const Output& o) const { return node == o.node && index == o.index; }
  bool operator!=(const Output& o) const { return !(*this == o); }
  bool operator<(const Output& o) const;  // by node id, then index
  template <typename H>
  friend H AbslHashValue(H h, const Output& o) {
    return H::combine(std::move(h), o.node, o.index);
  }
};

class Node {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Unique within the graph, increasing in creation order, never reused.
  int64_t id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& op() const { return op_; }
  // The op's registration; nullptr when the node calls a library function by name (then function() is set).
  const OpRegistration* op_registration() const { return reg_; }
  const Function* function() const { return function_; }
  const std::string& device() const { return device_; }
  Graph* graph() const { return graph_; }

  // Attrs including every OpDef default (filled when the node was added) and any `_`-prefixed extras.
  const AttrMap& attrs() const { return attrs_; }
  // nullptr when absent.
  const tensorflow::AttrValue* attr(std::string_view name) const;

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  Output input(int i) const { return inputs_[i]; }
  const std::vector<Output>& inputs() const { return inputs_; }
  const std::vector<Node*>& control_inputs() const { return control_inputs_; }

  int num_outputs() const { return static_cast<int>(output_types_.size()); }
  Output output(int i) { return Output(this, i); }
  const TensorType& output_type(int i) const { return output_types_[i]; }
  const std::vector<TensorType>& output_types() const { return output_types_; }

  // True for stateful ops (OpDef is_stateful, or a call of a stateful function): never folded, merged or
  // (inside functions) pruned when listed in control outputs.
  bool is_stateful() const;
  bool IsConst() const { return op_ == "Const"; }
  bool IsArg() const { return op_ == "_Arg"; }
  // For Const nodes: the decoded value (cached). Errors if the node is not a Const or the value is malformed.
  absl::StatusOr<tf::Tensor> ConstValue() const;

  // "MatMul node 'dense/MatMul'", the prefix every error about this node uses.
  std::string DebugName() const;

 private:
  friend class Graph;
  Node() = default;

  int64_t id_ = 0;
  std::string name_;
  std::string op_;
  const OpRegistration* reg_ = nullptr;
  const Function* function_ = nullptr;
  std::string device_;
  Graph* graph_ = nullptr;
  AttrMap attrs_;
  std::vector<Output> inputs_;
  std::vector<Node*> control_inputs_;
  std::vector<TensorType> output_types_;
  mutable std::shared_ptr<const tf::Tensor> const_value_;
};

// Everything needed to add a node. `attrs` may omit attrs that have OpDef defaults.
struct NodeSpec {
  std::string name;
  std::string op;
  std::vector<Output> inputs;
  std::vector<Node*> control_inputs;
  AttrMap attrs;
  std::string device;
};

class Graph {
 public:
  // `library` resolves call-by-name ops and function-valued attrs for shape inference; may be nullptr.
  // `registry` defaults to OpRegistry::Global().
  explicit Graph(const FunctionLibrary* library = nullptr, const OpRegistry* registry = nullptr);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const FunctionLibrary* library() const { return library_; }
  // Where this graph lives, for error messages: "function 'f'" for a body, empty for a top-level graph.
  const std::string& context() const { return context_; }
  void set_context(std::string context) { context_ = std::move(context); }
  void set_library(const FunctionLibrary* library) { library_ = library; }
  const OpRegistry& registry() const { return *registry_; }

  // Adds a node after checking everything TF checks on a NodeDef: op known, name valid and unique, attrs known,
  // of the right kind, allowed and complete (defaults filled), data input count and dtypes as the OpDef expands
  // them, inputs from this graph. Then computes output types and runs the shape function. Errors name the node.
  absl::StatusOr<Node*> AddNode(NodeSpec spec);

  // Increases on every structural change (nodes added or removed, edges rewired), so executors can cache plans.
  uint64_t version() const { return version_; }
  // Unique among all Graph objects created by this process (never reused), to key caches safely.
  uint64_t uid() const { return uid_; }

  // Live nodes in creation order.
  std::vector<Node*> nodes() const;
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  Node* FindNode(std::string_view name) const;

  // `base` if unused, else `base_1`, `base_2`, ... (TF's convention). Reserves the returned name.
  std::string UniqueName(std::string_view base);
  bool IsNameUsed(std::string_view name) const;

  // Gives `node` a new name (valid, not the name of another live node).
  absl::Status RenameNode(Node* node, std::string_view new_name);

  // Rewires data input `i` of `node`. The new value must have the same dtype. Shapes are not re-inferred
  // (call InferShapes() after a batch of rewrites).
  absl::Status SetInput(Node* node, int i, Output value);
  void AddControlInput(Node* node, Node* dep);
  void RemoveControlInput(Node* node, Node* dep);
  // Replaces every data use of `from` (and, if from is output 0 of a node, nothing else) by `to`, including uses
  // recorded by `extra_uses` callbacks (e.g. function returns). Returns the number of rewired inputs.
  int ReplaceAllUses(Output from, Output to);
  // Removes nodes; also drops them from other nodes' control inputs. REQUIRES: no remaining data use of any
  // removed node's output (checked: returns an error naming the user and changes nothing).
  absl::Status RemoveNodes(absl::Span<Node* const> nodes);

  // Data and control producers before consumers; ties broken by creation order, so the order is deterministic.
  // Fails on a cycle, naming the nodes involved.
  absl::StatusOr<std::vector<Node*>> TopologicalOrder() const;

  // Recomputes every node's output types in topological order (after rewrites). Errors name the node.
  absl::Status InferShapes();

  // For each node output, the nodes consuming it (data edges only), in creation order of the consumers.
  std::map<Output, std::vector<std::pair<Node*, int>>> Consumers() const;

  // Hook so containers (Function) can report uses that are not node inputs, e.g. return values.
  using UseRewriter = std::function<int(Output from, Output to)>;
  void set_extra_use_rewriter(UseRewriter r) { extra_use_rewriter_ = std::move(r); }

 private:
  absl::Status ComputeOutputTypes(Node* node) const;

  const FunctionLibrary* library_;
  const OpRegistry* registry_;
  std::string context_;
  std::vector<std::unique_ptr<Node>> nodes_;
  absl::flat_hash_map<std::string, Node*> by_name_;
  absl::flat_hash_map<std::string, int64_t> name_counters_;
  int64_t next_id_ = 0;
  uint64_t version_ = 0;
  uint64_t uid_;
  UseRewriter extra_use_rewriter_;
};

// True if `name` is a valid TF node name: [A-Za-z0-9._][A-Za-z0-9_./-]*, optionally continued by `>`-separated
// segments of the same form.
bool IsValidNodeName(std::string_view name);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_GRAPH_H_
