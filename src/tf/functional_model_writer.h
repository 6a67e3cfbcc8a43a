// Writes a FunctionalModel as a SavedModel directory with the structure tff.learning.models.save_functional_model
// produces (the ODP samples): saved_model.pb with the object graph (_weights tuples, type-spec string variables,
// predict/loss bare concrete functions, __call__, the serving signature), forwarding wrapper functions around
// the bodies, default attrs stripped as TF does, and variables/variables.{index,data} holding the weights, the
// serialized TFF types and the trackable object graph. LoadFunctionalModel reads back exactly what was written
// (bodies, weights, specs). It writes no TF1 saver (saver_def, save/restore functions): TF2 loaders restore from
// the object graph. Output is deterministic: the same model gives the same bytes.
#ifndef TASKBUILDER_TF_FUNCTIONAL_MODEL_WRITER_H_
#define TASKBUILDER_TF_FUNCTIONAL_MODEL_WRITER_H_

#include <string>

#include "base/deterministic_serialization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensorflow/saved_model.pb.h"
#include "tf/bundle.h"
#include "tf/functional_model.h"

namespace tb::tf {

struct FunctionalModelWriteOptions {
  BundleWriteOptions variables;
};

// Creates `dir` if needed and writes saved_model.pb and variables/. Existing files of the same names are replaced.
absl::Status WriteFunctionalModel(const FunctionalModel& model, const std::string& dir,
                                  const FunctionalModelWriteOptions& options = {});

// The saved_model.pb message alone (for inspection and tests); `object_graph` receives the trackable object graph
// the variables bundle must carry under _CHECKPOINTABLE_OBJECT_GRAPH.
absl::StatusOr<tensorflow::SavedModel> BuildFunctionalSavedModel(const FunctionalModel& model,
                                                                 std::string* object_graph);


}  // namespace tb::tf

#endif  // TASKBUILDER_TF_FUNCTIONAL_MODEL_WRITER_H_
