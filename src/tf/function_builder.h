// A small helper for writing FunctionDefs by hand (example models, SavedModel wrapper functions): adds nodes
// with their attrs completed from our OpDefs and returns references in FunctionDef syntax ("node:out_arg:i").
// It never guesses an op: unknown ops and invalid nodes are reported by Build().
#ifndef TASKBUILDER_TF_FUNCTION_BUILDER_H_
#define TASKBUILDER_TF_FUNCTION_BUILDER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/function.pb.h"
#include "tf/tensor.h"
#include "tf/tensor_spec.h"

namespace tb::tf {

class FunctionBuilder {
 public:
  explicit FunctionBuilder(std::string name) { def_.mutable_signature()->set_name(std::move(name)); }

  // Adds an argument; returns the reference to it (its name). Records its shape in the `_input_shapes` attr.
  std::string AddInput(const TensorSpec& spec);
  // Adds a node running `op` on `inputs` with `attrs`; missing attrs with OpDef defaults are filled in.
  // Returns a reference to output 0 of the op's first output arg.
  std::string AddNode(const std::string& name, const std::string& op, const std::vector<std::string>& inputs,
                      std::map<std::string, tensorflow::AttrValue> attrs = {});
  // Reference to element `index` of output arg `arg` of node `name`.
  static std::string Output(const std::string& node, const std::string& arg, int index = 0);
  // A Const node holding `value`.
  std::string AddConst(const std::string& name, const Tensor& value);
  // Binds an output of the function to `ref`.
  void AddOutput(const std::string& name, DType dtype, const std::string& ref);
  void SetAttr(const std::string& name, tensorflow::AttrValue value) { (*def_.mutable_attr())[name] = std::move(value); }

  // Validates every node against our OpDefs (and `library` for calls) and returns the function.
  absl::StatusOr<tensorflow::FunctionDef> Build(const tensorflow::FunctionDefLibrary& library = {});

 private:
  tensorflow::FunctionDef def_;
  std::vector<TensorSpec> inputs_;
};

// AttrValue shorthands.
tensorflow::AttrValue TypeAttr(DType dtype);
tensorflow::AttrValue IntAttr(int64_t v);
tensorflow::AttrValue BoolAttr(bool v);
tensorflow::AttrValue FloatAttr(float v);
tensorflow::AttrValue StringAttr(const std::string& v);
tensorflow::AttrValue IntListAttr(const std::vector<int64_t>& v);
tensorflow::AttrValue TypeListAttr(const std::vector<DType>& v);
tensorflow::AttrValue ShapeAttr(const TensorSpec& spec);
tensorflow::AttrValue ShapeListAttr(const std::vector<TensorSpec>& specs);
tensorflow::AttrValue FuncAttr(const std::string& function_name);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_FUNCTION_BUILDER_H_
