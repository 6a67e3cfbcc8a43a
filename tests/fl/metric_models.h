// Models for testing the Keras metrics through whole client programs: the prediction is the example's feature
// times a trainable weight of 1.0, so a test chooses the predictions (and the labels, of any shape and dtype) by
// writing the examples, and computes the metric's value by hand. For tests of fl/ and tflite/ only.
#ifndef TASKBUILDER_TESTS_FL_METRIC_MODELS_H_
#define TASKBUILDER_TESTS_FL_METRIC_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tf/functional_model.h"

namespace tb::fl::testing {

struct PassThroughModelOptions {
  std::vector<int64_t> prediction_shape;  // per example: {} gives predictions [batch], {3} gives [batch, 3]
  tf::DType label_dtype = tf::DType::kInt64;  // int64, int32 or float
  std::vector<int64_t> label_shape;           // per example
};

// x: float [-1, prediction_shape...], y: label_dtype [-1, label_shape...]; predictions = x * w with w = [1.0];
// loss = mean(predictions^2) (labels are not read by the loss, only by the metrics).
absl::StatusOr<tf::FunctionalModel> BuildPassThroughModel(const PassThroughModelOptions& options);

// One tf.Example for that model: feature "x" (the prediction's values, row-major) and label "y" (int64 values
// for integer labels, float for float labels).
std::string PassThroughExample(const std::vector<float>& prediction, const std::vector<double>& label,
                               tf::DType label_dtype);

// The example models at test size, with the prediction shapes the metric rules were found with: the MLP 12 -> 8 -> 2
// (predictions [batch], int64 labels [batch, 1]) and the CNN on 8x8 inputs with 3 classes (predictions
// [batch, 3], int32 labels [batch]).
tf::FunctionalModel SmallExampleMlp();
tf::FunctionalModel SmallExampleCnn();

}  // namespace tb::fl::testing

#endif  // TASKBUILDER_TESTS_FL_METRIC_MODELS_H_
