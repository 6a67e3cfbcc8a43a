// A GraphDef or FunctionDef body in executable form: nodes with their input references resolved to
// (node, output) pairs and control inputs to node indices, validated once so the executor can index blindly.
// Resolution follows TF's naming: "node", "node:1", "^node" in GraphDefs; "arg", "node:out_arg:i", "^node" in
// FunctionDefs (output arg positions expanded with the op's OpDef). It never runs anything.
#ifndef TASKBUILDER_RUNTIME_GRAPHDEF_EXEC_GRAPH_H_
#define TASKBUILDER_RUNTIME_GRAPHDEF_EXEC_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/function.pb.h"
#include "tensorflow/graph.pb.h"

namespace tb::runtime::graphdef {

struct TensorRef {
  int node = -1;
  int output = 0;
  bool operator==(const TensorRef&) const = default;
};

struct ExecNode {
  const tensorflow::NodeDef* def = nullptr;  // nullptr for function arguments
  std::string name;
  std::string op;                            // "_Arg" for function arguments
  std::vector<TensorRef> inputs;
  std::vector<int> controls;
  int arg_index = -1;                        // function arguments only
};

struct GraphLimits {
  int64_t max_nodes = 1'000'000;
};

class ExecGraph {
 public:
  // The graph keeps `graph` alive (node attrs are read in place).
  static absl::StatusOr<ExecGraph> FromGraphDef(std::shared_ptr<const tensorflow::GraphDef> graph,
                                                GraphLimits limits = {});
  static absl::StatusOr<ExecGraph> FromFunctionDef(std::shared_ptr<const tensorflow::FunctionDef> function,
                                                   GraphLimits limits = {});

  const std::vector<ExecNode>& nodes() const { return nodes_; }
  std::optional<int> Find(std::string_view name) const;
  // "name" or "name:k" -> (node, k). InvalidArgument names the tensor.
  absl::StatusOr<TensorRef> ResolveTensor(std::string_view tensor_name) const;

  // Functions: argument count and the tensors returned, in signature order.
  int num_args() const { return num_args_; }
  const std::vector<TensorRef>& returns() const { return returns_; }
  const std::vector<int>& control_returns() const { return control_returns_; }
  const std::string& name() const { return name_; }

 private:
  std::shared_ptr<const void> owner_;
  std::string name_;
  std::vector<ExecNode> nodes_;
  std::map<std::string, int, std::less<>> by_name_;
  int num_args_ = 0;
  std::vector<TensorRef> returns_;
  std::vector<int> control_returns_;
};

}  // namespace tb::runtime::graphdef

#endif  // TASKBUILDER_RUNTIME_GRAPHDEF_EXEC_GRAPH_H_
