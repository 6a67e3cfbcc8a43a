// Loads a TFF functional-model SavedModel (tff.learning.models.save_functional_model, e.g. the ODP keras/mnist
// samples) into what the compiler needs: the forward-pass bodies for training and inference and the loss body
// (wrapper functions followed through their call chains, default attrs restored, dead nodes removed), the
// initial weights, and the input spec decoded from the serialized TFF type. It validates everything it returns
// against everything else in the model and never executes anything. A plain Keras SavedModel, missing files,
// cyclic call chains and malformed protos are errors that name the file, object or function at fault.
#ifndef TASKBUILDER_TF_FUNCTIONAL_MODEL_H_
#define TASKBUILDER_TF_FUNCTIONAL_MODEL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/function.pb.h"
#include "tensorflow/saved_model.pb.h"
#include "tf/bundle.h"
#include "tf/tensor.h"
#include "tf/tensor_spec.h"
#include "tff/computation.pb.h"

namespace tb::tf {

// One of the model's computations, reduced to the FunctionDef that does the work.
struct ModelFunction {
  // The concrete function the SavedModel's object graph names (e.g. "__inference_flat_predict_on_batch_233").
  std::string entry;
  // entry, then each function it merely forwards to, ending with `function`'s name.
  std::vector<std::string> call_chain;
  // The body: default attrs restored, nodes that reach no output or control output removed. Its arguments
  // correspond one to one, in order, to the entry's arguments.
  tensorflow::FunctionDef function;
  // The body's arguments and results (name = argument name; shapes from the SavedModel, -1 = unknown).
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;

  const std::string& name() const { return function.signature().name(); }

  // A body that is its own entry (no forwarding functions), as models built natively have.
  static ModelFunction FromBody(tensorflow::FunctionDef body, std::vector<TensorSpec> inputs,
                                std::vector<TensorSpec> outputs);
};

struct FunctionalModel {
  std::string saved_model_dir;
  std::string tensorflow_version;  // meta_info_def.tensorflow_version of the writer, e.g. "2.17.0"
  int graph_producer = 0;          // graph_def.versions.producer

  // predict_on_batch(weights, x, training): inputs = trainable weights, non-trainable weights, then the features
  // (flattened x), in that order; outputs = the flattened predictions.
  ModelFunction predict_training;
  ModelFunction predict_inference;
  // loss(output, label): inputs = the flattened predictions, then the flattened labels; output = scalar loss.
  ModelFunction loss;
  // The three bodies and every function they call (transitively), all with default attrs restored, sorted by name.
  tensorflow::FunctionDefLibrary library;

  // Initial weights in order: `_weights/0/<i>` (trainable), `_weights/1/<i>` (non-trainable). Names are those paths.
  std::vector<NamedTensor> trainable_weights;
  std::vector<NamedTensor> non_trainable_weights;

  // The input spec (x, y): features are x's tensors (named "x", or "x/<key>" when x is a structure), labels y's.
  std::vector<TensorSpec> features;
  std::vector<TensorSpec> labels;
  tensorflow_federated::v0::Type input_spec;
  // The serialized result types of predict_on_batch_{training,inference} and loss.
  tensorflow_federated::v0::Type predict_training_type;
  tensorflow_federated::v0::Type predict_inference_type;
  tensorflow_federated::v0::Type loss_type;

  // Ops in the library that taskbuilder has no OpDef for (their default attrs could not be restored), sorted.
  std::vector<std::string> unknown_ops;

  const tensorflow::FunctionDef* FindFunction(std::string_view name) const;
  size_t num_weights() const { return trainable_weights.size() + non_trainable_weights.size(); }
};

// Loads <saved_model_dir> (saved_model.pb + variables/). Reads every weight, verifying its checksum.
absl::StatusOr<FunctionalModel> LoadFunctionalModel(const std::string& saved_model_dir);

// The same from an already-parsed SavedModel and its variables; `name` is used in errors. (For fuzzing and for
// callers that hold the files in memory.)
absl::StatusOr<FunctionalModel> LoadFunctionalModelFrom(const tensorflow::SavedModel& saved_model,
                                                        const BundleReader& variables, const std::string& name);

// The checkpoint key of an object-graph path, e.g. {"_weights","0","1"} -> "_weights/0/1/.ATTRIBUTES/VARIABLE_VALUE".
std::string VariableCheckpointKey(const std::vector<std::string>& path);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_FUNCTIONAL_MODEL_H_
