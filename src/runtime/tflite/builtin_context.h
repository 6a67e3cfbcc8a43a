// What a TFLite builtin sees while it runs: its operator (options, declared output types), its input tensors, and
// helpers to delegate the arithmetic to the reference TF kernels (runtime/kernels) where TFLite's semantics equal
// TF's. Builtins differ from TF ops in the details that matter (fused activations clamp float results to
// [lowest, max], FULLY_CONNECTED's [units, input] weights, OHWI conv filters, output types taken from the output
// tensor); those details live in the builtin, never in the shared kernels.
#ifndef TASKBUILDER_RUNTIME_TFLITE_BUILTIN_CONTEXT_H_
#define TASKBUILDER_RUNTIME_TFLITE_BUILTIN_CONTEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attrs.h"
#include "runtime/kernels/kernel.h"
#include "tf/tensor.h"
#include "tflite/model_reader.h"

namespace tb::runtime::tflite {

namespace fb = ::tb::tflite::fb;

class BuiltinContext {
 public:
  BuiltinContext(const ::tb::tflite::Model& model, int subgraph, int op_index, const fb::Operator& op,
                 const std::vector<const tf::Tensor*>& inputs, std::vector<tf::Tensor>& outputs, KernelEnv* env)
      : model_(model), subgraph_(subgraph), op_index_(op_index), op_(op), inputs_(inputs), outputs_(outputs),
        env_(env) {}

  const fb::Operator& op() const { return op_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  // False for an omitted optional input (-1).
  bool has_input(int i) const { return i < num_inputs() && inputs_[i] != nullptr; }
  // REQUIRES: has_input(i).
  const tf::Tensor& input(int i) const { return *inputs_[i]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  void set_output(int i, tf::Tensor t) { outputs_[i] = std::move(t); }

  // The output tensor's declared TFLite type and its DType (kInvalid when the runtime cannot hold it).
  fb::TensorType output_type(int i) const;
  tf::DType output_dtype(int i) const;

  template <typename T>
  const T* options() const {
    return op_.builtin_options_as<T>();
  }

  // "<subgraph/operator description>: <message>".
  absl::Status Error(std::string_view message) const;
  absl::Status Annotate(const absl::Status& status) const;
  absl::Status CheckInputs(int min, int max) const;
  absl::Status CheckOutputs(int n) const;

  // Runs the TF kernel of `op` on `inputs` and returns all its outputs; errors carry this operator's description.
  absl::StatusOr<std::vector<tf::Tensor>> RunTf(std::string_view op, const graph::AttrMap& attrs,
                                                std::vector<tf::Tensor> inputs) const;
  // The same, for kernels with one output.
  absl::StatusOr<tf::Tensor> RunTf1(std::string_view op, const graph::AttrMap& attrs,
                                    std::vector<tf::Tensor> inputs) const;

  std::string Describe() const { return model_.DescribeOperator(subgraph_, op_index_); }

 private:
  const ::tb::tflite::Model& model_;
  int subgraph_;
  int op_index_;
  const fb::Operator& op_;
  const std::vector<const tf::Tensor*>& inputs_;
  std::vector<tf::Tensor>& outputs_;
  KernelEnv* env_;
};

using BuiltinFn = absl::Status (*)(BuiltinContext& ctx);

// Applies a fused activation the way TFLite's float kernels do: NONE still clamps to [lowest, max] (so ±inf
// becomes ±FLT_MAX; NaN passes), RELU/RELU6/RELU_N1_TO_1 clamp, TANH maps. Integer tensors are clamped only by
// the RELU family. Never mutates storage shared with another tensor.
absl::StatusOr<tf::Tensor> ApplyActivation(const BuiltinContext& ctx, tf::Tensor t, fb::ActivationFunctionType act);

}  // namespace tb::runtime::tflite

#endif  // TASKBUILDER_RUNTIME_TFLITE_BUILTIN_CONTEXT_H_
