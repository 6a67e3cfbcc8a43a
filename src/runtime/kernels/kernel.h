// The reference-kernel contract (INTERFACES.md §4): one CPU kernel per TF op name, shared by the IR interpreter,
// the GraphDef interpreter and the TFLite Flex path. A kernel receives its node's input tensors and attrs
// (tensorflow.AttrValue, from the IR or straight from a NodeDef; attrs the node omits read as the OpDef default),
// checks types and shapes first, then computes, and either sets every output or returns an error that names the op
// and node (KernelContext::Error). Kernels are pure functions of (inputs, attrs) unless their op is stateful, in
// which case they use only the services in KernelEnv. A kernel never aborts on bad input and never allocates more
// than tf::Tensor::Create allows.
//
// Writing one (TFLite-Micro shape: helpers in an anonymous namespace, registration at the bottom):
//
//   namespace {
//   absl::Status Compute(KernelContext& ctx) {
//     TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
//     TB_ASSIGN_OR_RETURN(bool transpose_a, ctx.GetBool("transpose_a"));
//     ... validate shapes/dtypes, allocate with ctx.Allocate(), fill ...
//     ctx.set_output(0, std::move(out));
//     return absl::OkStatus();
//   }
//   }  // namespace
//   TB_REGISTER_KERNEL("MatMul", Compute);
//
// Calling one: RunKernel("MatMul", "dense/MatMul", node.attr(), inputs, &env) → outputs.
#ifndef TASKBUILDER_RUNTIME_KERNELS_KERNEL_H_
#define TASKBUILDER_RUNTIME_KERNELS_KERNEL_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/attrs.h"
#include "graph/types.h"
#include "tensorflow/attr_value.pb.h"
#include "tf/tensor.h"

namespace tb::graph {
struct OpRegistration;
}

namespace tb::runtime {

class ResourceStore;

// Runs a library function by name (for If/While/PartitionedCall and dataset bodies); implemented by interpreters.
class FunctionRunner {
 public:
  virtual ~FunctionRunner() = default;
  virtual absl::StatusOr<std::vector<tf::Tensor>> RunFunction(const tensorflow::NameAttrList& fn,
                                                              std::vector<tf::Tensor> args) = 0;
};

// Services for stateful kernels. Every pointer may be null; a kernel that needs a missing one fails with
// FailedPrecondition naming it.
struct KernelEnv {
  ResourceStore* resources = nullptr;    // resource variables (VarHandleOp, ReadVariableOp, AssignVariableOp)
  FunctionRunner* functions = nullptr;   // calls of library functions
  std::mt19937_64* rng = nullptr;        // random ops; seed it for reproducible runs
  int64_t max_loop_iterations = 10'000'000;  // While loops beyond this fail (bounded work on hostile graphs)
};

class KernelContext {
 public:
  KernelContext(std::string_view op, std::string_view node_name, graph::AttrView attrs,
                absl::Span<const tf::Tensor> inputs, KernelEnv* env);

  const std::string& op() const { return op_; }
  const std::string& node_name() const { return node_name_; }
  KernelEnv& env() { return *env_; }
  // The node's attrs, with OpDef defaults for the ones it omits.
  graph::AttrView attrs() const;

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const tf::Tensor& input(int i) const { return inputs_[i]; }
  absl::Span<const tf::Tensor> inputs() const { return inputs_; }

  // Attr readers; a missing attr reads as the OpDef default, else is an error naming the attr.
  absl::StatusOr<int64_t> GetInt(std::string_view name) const;
  absl::StatusOr<float> GetFloat(std::string_view name) const;
  absl::StatusOr<bool> GetBool(std::string_view name) const;
  absl::StatusOr<std::string> GetString(std::string_view name) const;
  absl::StatusOr<tf::DType> GetType(std::string_view name) const;
  absl::StatusOr<graph::PartialShape> GetShape(std::string_view name) const;
  absl::StatusOr<std::vector<int64_t>> GetIntList(std::string_view name) const;
  absl::StatusOr<std::vector<tf::DType>> GetTypeList(std::string_view name) const;
  absl::StatusOr<std::vector<graph::PartialShape>> GetShapeList(std::string_view name) const;
  absl::StatusOr<tf::Tensor> GetTensor(std::string_view name) const;
  absl::StatusOr<tensorflow::NameAttrList> GetFunc(std::string_view name) const;
  // The attr as stored (or its OpDef default), nullptr when neither exists.
  const tensorflow::AttrValue* FindAttr(std::string_view name) const;

  // Errors: "<Op> node '<name>': <message>".
  absl::Status Error(std::string_view message) const;
  absl::Status Error(absl::string_view message) const { return Error(std::string_view(message.data(), message.size())); }
  absl::Status Error(const std::string& message) const { return Error(std::string_view(message)); }
  absl::Status Error(const char* message) const { return Error(std::string_view(message)); }
  // Same code and text as `status`, prefixed with the node.
  absl::Status Annotate(const absl::Status& status) const;

  // Common checks.
  absl::Status CheckNumInputs(int n) const;
  absl::Status CheckDType(int input, tf::DType want) const;
  absl::Status CheckSameDType(int a, int b) const;
  absl::Status CheckRank(int input, int rank) const;

  // A zero-filled tensor, with the node named in the error when the size limit is hit.
  absl::StatusOr<tf::Tensor> Allocate(tf::DType dtype, const tf::Shape& shape) const;
  // As Allocate, but fixed-size elements are left unspecified: only for kernels that write every element (zeroing
  // a large output first costs a full memory pass).
  absl::StatusOr<tf::Tensor> AllocateUninitialized(tf::DType dtype, const tf::Shape& shape) const;

  void set_output(int i, tf::Tensor t);
  std::vector<tf::Tensor>& outputs() { return outputs_; }

 private:
  std::string op_;
  std::string node_name_;
  graph::AttrView attrs_;
  absl::Span<const tf::Tensor> inputs_;
  KernelEnv* env_;
  const graph::OpRegistration* reg_;
  std::vector<tf::Tensor> outputs_;
};

using KernelFn = absl::Status (*)(KernelContext& ctx);

class KernelRegistry {
 public:
  static KernelRegistry& Global();
  // Aborts on a duplicate op name (a programming error caught at start-up).
  void Register(std::string_view op, KernelFn fn);
  // nullptr when no kernel exists.
  KernelFn Find(std::string_view op) const;
  // Sorted.
  std::vector<std::string> Ops() const;

 private:
  std::map<std::string, KernelFn, std::less<>> kernels_;
};

struct KernelRegistrar {
  KernelRegistrar(std::string_view op, KernelFn fn) { KernelRegistry::Global().Register(op, fn); }
};

#define TB_KERNEL_CONCAT_INNER_(a, b) a##b
#define TB_KERNEL_CONCAT_(a, b) TB_KERNEL_CONCAT_INNER_(a, b)
// Registers `fn` as the kernel of TF op `op` (a string literal). Use once per op, at file scope.
#define TB_REGISTER_KERNEL(op, fn) \
  static const ::tb::runtime::KernelRegistrar TB_KERNEL_CONCAT_(tb_kernel_registrar_, __COUNTER__)(op, fn)

// Finds and runs the kernel of `op`. An unknown op is Unimplemented ("no kernel for op 'X' (node 'n')"); every
// other error comes from the kernel. `env` may be null (an empty KernelEnv is used).
absl::StatusOr<std::vector<tf::Tensor>> RunKernel(std::string_view op, std::string_view node_name,
                                                  graph::AttrView attrs, absl::Span<const tf::Tensor> inputs,
                                                  KernelEnv* env = nullptr);

}  // namespace tb::runtime

#endif  // TASKBUILDER_RUNTIME_KERNELS_KERNEL_H_
