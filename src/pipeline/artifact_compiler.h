// The artifact compiler behind the pipeline's ArtifactBuilder port: composes the learning processes the original
// builds (behavior.md §4.4, §10.1) from the TaskConfig, the DP parameters and the flags as fl/ MapReduce programs,
// lowers each client program to the TFLite program phones run (tflite/), checks its Flex ops against the ODP
// allowlist for min_client_version (§10.4), and assembles the Plan, ClientOnlyPlan and initial checkpoint with
// plan/ (§10.2). It never uploads or talks to task management. The ArtifactInputs it is given must outlive the
// PreparedLearning it returns (the pipeline keeps them for the whole request).
#ifndef TASKBUILDER_PIPELINE_ARTIFACT_COMPILER_H_
#define TASKBUILDER_PIPELINE_ARTIFACT_COMPILER_H_

#include <functional>
#include <memory>

#include "fl/learning_spec.h"
#include "pipeline/ports.h"

namespace tb::pipeline {

struct ArtifactCompilerOptions {
  // Seeds of the tree aggregators' noise (tests fix them); empty: the system's entropy source.
  fl::SeedSource tree_seeds;
};

std::unique_ptr<ArtifactBuilder> NewArtifactCompiler(ArtifactCompilerOptions options = {});

// The learning spec the original's compose_iterative_processes would build for `inputs` (defaults applied, the
// DP aggregator chosen as §4.4 says, the training or evaluation example selector). Exposed for tests and tools.
fl::LearningSpec LearningSpecFor(const ArtifactInputs& inputs, TaskRole role);

}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_ARTIFACT_COMPILER_H_
