// Runs TFLite programs the way an ODP phone does (FCP's TfLiteWrapper: builtin resolver + Flex delegate): builtins
// with TFLite's semantics, IF/WHILE through their subgraphs, and Flex ops (custom code "Flex<Op>", payload
// [op, NodeDef]) through the reference TF kernels, with dataset functions resolved to subgraphs by name.
// Create() fails, naming the operator, wherever the device would refuse to build the interpreter or delegate
// (unknown builtin, undecodable payload, TF op without a kernel, broken subgraph linkage); Invoke() fails naming
// subgraph, operator and op when a computation is invalid. Shapes are dynamic: every output takes the shape its
// computation produces, as TFLite's resizing does; declared types are enforced.
#ifndef TASKBUILDER_RUNTIME_TFLITE_INTERPRETER_H_
#define TASKBUILDER_RUNTIME_TFLITE_INTERPRETER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/kernels/kernel.h"
#include "tensorflow/node_def.pb.h"
#include "tf/tensor.h"
#include "tflite/model_reader.h"

namespace tb::runtime::tflite {

struct InterpreterOptions {
  int max_call_depth = 32;  // nested IF / WHILE / dataset-function invocations
};

// Per op-name counts and time, when profiling is on.
struct OpProfile {
  int64_t calls = 0;
  int64_t nanos = 0;
};

class Interpreter final : public FunctionRunner {
 public:
  static absl::StatusOr<std::unique_ptr<Interpreter>> Create(std::shared_ptr<const ::tb::tflite::Model> model,
                                                             InterpreterOptions options = {});
  ~Interpreter() override;

  // Services for stateful kernels (resources hold variables and the examples ExternalDataset serves; rng). The
  // function runner is always this interpreter. Pointers are not owned and must outlive the runs that use them.
  void set_env(const KernelEnv& env);

  // Runs `subgraph` on positional inputs; returns its outputs.
  absl::StatusOr<std::vector<tf::Tensor>> Invoke(int subgraph, std::vector<tf::Tensor> inputs);
  // Runs subgraph 0 with inputs given by tensor name, as FCP feeds them ("input_filepath:0" -> path). Every main
  // input must be given, with the declared type, and no other name may appear.
  absl::StatusOr<std::vector<tf::Tensor>> InvokeMain(const std::map<std::string, tf::Tensor>& inputs);

  // FunctionRunner: the subgraph named fn.name() (Flex dataset functions).
  absl::StatusOr<std::vector<tf::Tensor>> RunFunction(const tensorflow::NameAttrList& fn,
                                                      std::vector<tf::Tensor> args) override;

  const ::tb::tflite::Model& model() const { return *model_; }

  void set_profiling(bool on) { profiling_ = on; }
  const std::map<std::string, OpProfile>& profile() const { return profile_; }

  // When on, the first operator output holding NaN or ±inf is remembered (the run is not stopped: programs test
  // for non-finite values themselves). Cleared by ResetNonFiniteWatch().
  void set_nonfinite_watch(bool on) { watch_nonfinite_ = on; }
  void ResetNonFiniteWatch() { first_nonfinite_.reset(); }
  // "subgraph 2 (...), operator 17 (FlexL2Loss), output 0 '.62'", or nullopt.
  const std::optional<std::string>& first_nonfinite() const { return first_nonfinite_; }

 private:
  struct PreparedOp;
  struct PreparedSubgraph;

  Interpreter(std::shared_ptr<const ::tb::tflite::Model> model, InterpreterOptions options);
  absl::Status Prepare();
  absl::Status PrepareOp(int sg, int index, PreparedOp& op);
  absl::Status RunOp(int sg, int index, const PreparedOp& op, const std::vector<const tf::Tensor*>& inputs,
                     std::vector<tf::Tensor>& outputs);

  std::shared_ptr<const ::tb::tflite::Model> model_;
  InterpreterOptions options_;
  std::vector<PreparedSubgraph> subgraphs_;
  std::map<std::string, int, std::less<>> by_name_;
  KernelEnv env_;
  int depth_ = 0;
  bool profiling_ = false;
  std::map<std::string, OpProfile> profile_;
  bool watch_nonfinite_ = false;
  std::optional<std::string> first_nonfinite_;
};

}  // namespace tb::runtime::tflite

#endif  // TASKBUILDER_RUNTIME_TFLITE_INTERPRETER_H_
