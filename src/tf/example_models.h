// Example TFF functional models built natively, with the structure of the ODP samples: an MLP like the keras
// sample (Dense+ReLU, Dense(2) logits, softmax, column 0; binary cross-entropy on int64 labels [batch,1]) and a CNN
// like the mnist sample (Conv2D+ReLU+MaxPool twice, Reshape, Dense+ReLU, Dense+softmax; sparse categorical
// cross-entropy on int32 labels). Sizes are options; weights are Glorot-uniform from a fixed seed (biases zero),
// so the same options always give the same model. They exist so tests, benchmarks and the quickstart need no
// fixtures; write them with WriteFunctionalModel (functional_model_writer.h).
#ifndef TASKBUILDER_TF_EXAMPLE_MODELS_H_
#define TASKBUILDER_TF_EXAMPLE_MODELS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "tf/functional_model.h"

namespace tb::tf {

struct MlpOptions {
  int64_t input_dim = 784;
  int64_t hidden_units = 256;
  uint32_t seed = 1;
  // The keras sample puts a sigmoid on its 2-unit layer before the softmax. That confines p = softmax(...)[0] to
  // [1/(1+e), e/(1+e)] ≈ [0.27, 0.73], so its binary cross-entropy can never fall below ≈ 0.31: a model that cannot
  // fit its labels. By default the layer is linear (logits), so p spans (0, 1) and the model learns; true gives the
  // sample's exact head, for tests that must match the fixture's structure.
  bool keras_sample_head = false;
};

struct CnnOptions {
  int64_t height = 28;
  int64_t width = 28;
  int64_t channels = 1;
  int64_t kernel_size = 5;
  int64_t filters1 = 32;
  int64_t filters2 = 64;
  int64_t dense_units = 512;
  int64_t classes = 10;
  uint32_t seed = 1;
};

// Largest example model (weights) we build: 2 GiB.
inline constexpr uint64_t kMaxExampleModelBytes = uint64_t{2} << 30;

absl::StatusOr<FunctionalModel> BuildMlpModel(const MlpOptions& options);
absl::StatusOr<FunctionalModel> BuildCnnModel(const CnnOptions& options);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_EXAMPLE_MODELS_H_
