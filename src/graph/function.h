// Functions as first-class IR values: a named body Graph with typed arguments (`_Arg` nodes), named return values
// and control returns (stateful nodes that must run). A FunctionLibrary holds them by name for call ops
// (PartitionedCall, If/While branches, dataset `f` attrs) and for export as a FunctionDefLibrary. Everything is
// kept in sorted name order so export is deterministic. A library never resolves names outside itself.
#ifndef TASKBUILDER_GRAPH_FUNCTION_H_
#define TASKBUILDER_GRAPH_FUNCTION_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace tb::graph {

class Function {
 public:
  struct Return {
    std::string name;
    Output value;
  };
  struct ControlReturn {
    std::string name;
    Node* node;
  };

  // `library` is where calls inside the body resolve (usually the library that will hold this function).
  Function(std::string name, const FunctionLibrary* library);
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;

  const std::string& name() const { return name_; }
  Graph& body() { return body_; }
  const Graph& body() const { return body_; }

  // Adds an argument: an `_Arg` node named `name` (which must be a valid, unused node name) of `type`.
  absl::StatusOr<Output> AddArg(std::string_view name, const TensorType& type);
  const std::vector<Node*>& args() const { return args_; }
  std::vector<TensorType> arg_types() const;

  // Return values in signature order. Names must be unique, lower-case identifiers ([a-z][a-z0-9_]*).
  absl::Status AddReturn(std::string_view name, Output value);
  const std::vector<Return>& returns() const { return returns_; }
  void set_return_value(int i, Output value) { returns_[i].value = value; }
  std::vector<TensorType> return_types() const;

  absl::Status AddControlReturn(std::string_view name, Node* node);
  const std::vector<ControlReturn>& control_returns() const { return control_returns_; }
  void ClearControlReturns() { control_returns_.clear(); }

  // Function-level attrs kept for export (e.g. `_input_shapes`), and per-argument attrs (`_user_specified_name`).
  AttrMap& attrs() { return attrs_; }
  const AttrMap& attrs() const { return attrs_; }
  std::map<int, AttrMap>& arg_attrs() { return arg_attrs_; }
  const std::map<int, AttrMap>& arg_attrs() const { return arg_attrs_; }

  // True if any body node is stateful (then call sites use StatefulPartitionedCall, If rather than StatelessIf).
  bool IsStateful() const;

 private:
  std::string name_;
  Graph body_;
  std::vector<Node*> args_;
  std::vector<Return> returns_;
  std::vector<ControlReturn> control_returns_;
  AttrMap attrs_;
  std::map<int, AttrMap> arg_attrs_;
};

class FunctionLibrary {
 public:
  FunctionLibrary() = default;
  FunctionLibrary(const FunctionLibrary&) = delete;
  FunctionLibrary& operator=(const FunctionLibrary&) = delete;

  // Creates an empty function whose body resolves calls in this library. Fails if the name is taken or is not a
  // valid function name ([A-Za-z0-9_.-]+, no op of that name).
  absl::StatusOr<Function*> Create(std::string_view name);
  // Adopts a function built elsewhere (its body's library is re-pointed here).
  absl::Status Add(std::unique_ptr<Function> fn);
  Function* Find(std::string_view name);
  const Function* Find(std::string_view name) const;
  absl::Status Remove(std::string_view name);
  // Sorted by name.
  std::vector<const Function*> functions() const;
  std::vector<Function*> mutable_functions();
  int size() const { return static_cast<int>(fns_.size()); }
  // `base` if unused, else `base_1`, ...
  std::string UniqueName(std::string_view base) const;

 private:
  std::map<std::string, std::unique_ptr<Function>, std::less<>> fns_;
};

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_FUNCTION_H_
