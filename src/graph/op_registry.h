// The ops the compiler knows: for each, its TensorFlow OpDef (argument lists, attrs with kinds, defaults, allowed
// values and minimums, statefulness — the facts of tensorflow/core/ops/*.cc as TF 2.14 has them, tf-ops.md) and a
// shape function. Ops are declared with a compact spec language modelled on TF's registration syntax:
//
//   OpBuilder("MatMul").Input("a: T").Input("b: T").Output("product: T")
//       .Attr("transpose_a: bool = false").Attr("transpose_b: bool = false")
//       .Attr("T: {bfloat16, half, float, double, int32, int64, complex64, complex128}")
//       .SetShapeFn(MatMulShape)
//
// Arg specs: "name: float" (fixed dtype), "name: T" (type attr), "name: N * T" (number attr), "name: Tlist"
// (list(type) attr). Attr specs: "name: kind [>= min] [= default]" with kinds string|int|float|bool|type|shape|
// tensor|func|list(kind), "{t1, t2}" (type with allowed values), "{'A', 'B'}" (string with allowed values).
// Defaults: true/false, numbers, "quoted", type names, `unknown` / [d0,d1] for shapes, [..] for lists.
// The registry is immutable after construction; never register ops that TF 2.14 does not have under that name
// (internal ops start with `_` and are never exported).
#ifndef TASKBUILDER_GRAPH_OP_REGISTRY_H_
#define TASKBUILDER_GRAPH_OP_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
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

class OpBuilder {
 public:
  explicit OpBuilder(std::string_view name);
  OpBuilder& Input(std::string_view spec);
  OpBuilder& Output(std::string_view spec);
  OpBuilder& Attr(std::string_view spec);
  OpBuilder& SetIsStateful();
  OpBuilder& SetIsCommutative();
  OpBuilder& SetIsAggregate();
  OpBuilder& SetShapeFn(ShapeFn fn);
  // Parses every spec and resolves arg types against the attrs. Errors name the op and the bad spec.
  absl::StatusOr<OpRegistration> Finalize() const;

 private:
  std::string name_;
  std::vector<std::string> inputs_, outputs_, attrs_;
  bool stateful_ = false, commutative_ = false, aggregate_ = false;
  ShapeFn shape_fn_ = nullptr;
};

class OpRegistry {
 public:
  // Every op taskbuilder supports (graph/ops/*.cc).
  static const OpRegistry& Global();

  OpRegistry() = default;
  // Adds `builder`'s op; aborts with the error on a malformed spec or a duplicate name (a programming error).
  void Register(const OpBuilder& builder);
  // nullptr when unknown.
  const OpRegistration* Find(std::string_view op) const;
  std::vector<std::string> OpNames() const;
  // All non-internal OpDefs, sorted by name.
  tensorflow::OpList ToOpList() const;

 private:
  std::map<std::string, std::unique_ptr<OpRegistration>, std::less<>> ops_;
};

// Parsing helpers shared with tests: a dtype name as used in specs ("float", "int32", "resource", ...).
absl::StatusOr<tensorflow::DataType> DataTypeFromSpecName(std::string_view name);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_OP_REGISTRY_H_
