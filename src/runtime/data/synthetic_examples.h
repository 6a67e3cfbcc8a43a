// Synthetic, learnable tf.Examples generated from a model's input spec, so a task can be simulated without user
// data: features are drawn at random, and the label is what a fixed random "teacher" (a linear map of the
// features, seeded by the task) says — so a model that learns converges. Deterministic in (spec, seeds).
#ifndef TASKBUILDER_RUNTIME_DATA_SYNTHETIC_EXAMPLES_H_
#define TASKBUILDER_RUNTIME_DATA_SYNTHETIC_EXAMPLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tf/tensor.h"

namespace tb::runtime::data {

struct SyntheticFeature {
  std::string name;
  tf::DType dtype = tf::DType::kFloat;  // float, int64 (int32 labels are stored as int64, as tf.Example does)
  tf::Shape shape;                      // per example, fully known
};

struct SyntheticTaskSpec {
  std::vector<SyntheticFeature> inputs;  // features the teacher reads (float or int64)
  SyntheticFeature label;                // int64/int32: a class in [0, num_classes); float: see num_classes;
                                         // an empty name means no label (features only)
  // Integer labels: number of classes (>= 2). Float labels: 0 means a regression target (teacher output), n >= 2
  // means the class index as a float.
  int num_classes = 2;
};

// `task_seed` fixes the teacher (the same for every client of a task); `example_seed` fixes the feature draws.
absl::StatusOr<std::vector<std::string>> GenerateSyntheticExamples(const SyntheticTaskSpec& spec, int64_t count,
                                                                   uint64_t task_seed, uint64_t example_seed);

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_SYNTHETIC_EXAMPLES_H_
