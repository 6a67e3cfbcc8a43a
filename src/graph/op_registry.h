// The ops the compiler knows: for each, its TensorFlow OpDef and a shape function. The OpDef facts (argument lists,
// attrs with kinds, defaults, allowed values and minimums, statefulness, as TF 2.14 has them) live in one table,
// tf/op_defs, which the loader also uses to restore stripped default attrs and validate NodeDefs; the compiler only
// adds what it alone needs, the shape functions (graph/ops/*.cc):
//
//   r.Register("MatMul", MatMulShape);
//
// The registry is immutable after construction. Ops whose names start with `_` (TF's internal `_Arg`) exist only
// inside the IR and are never exported.
#ifndef TASKBUILDER_GRAPH_OP_REGISTRY_H_
#define TASKBUILDER_GRAPH_OP_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tensorflow/op_def.pb.h"

namespace tb::graph {

class InferenceContext;
using ShapeFn = absl::Status (*)(InferenceContext& ctx);

struct OpRegistration {
  tensorflow::OpDef def;
  // nullptr: every output shape is unknown.
  ShapeFn shape_fn = nullptr;
  // Internal ops (names starting with `_`) exist only inside the IR and are never exported.
  bool internal = false;

  const tensorflow::OpDef::AttrDef* FindAttr(std::string_view name) const;
};

class OpRegistry {
 public:
  // Every op taskbuilder supports (graph/ops/*.cc).
  static const OpRegistry& Global();

  OpRegistry() = default;
  // Adds `op` with tf/op_defs' OpDef and `shape_fn`; aborts when tf/op_defs does not know the op or it is
  // registered twice (programming errors, caught by any test that touches the registry).
  void Register(std::string_view op, ShapeFn shape_fn);
  // nullptr when unknown.
  const OpRegistration* Find(std::string_view op) const;
  std::vector<std::string> OpNames() const;
  // All non-internal OpDefs, sorted by name.
  tensorflow::OpList ToOpList() const;

 private:
  std::map<std::string, std::unique_ptr<OpRegistration>, std::less<>> ops_;
};

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_OP_REGISTRY_H_
