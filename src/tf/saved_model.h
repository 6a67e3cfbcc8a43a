// Reading the files of a SavedModel directory: saved_model.pb (or .pbtxt), the MetaGraphDef to use, and the
// variables bundle. Size-limited; errors name the file that is missing or malformed.
#ifndef TASKBUILDER_TF_SAVED_MODEL_H_
#define TASKBUILDER_TF_SAVED_MODEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tensorflow/saved_model.pb.h"
#include "tf/bundle.h"

namespace tb::tf {

inline constexpr char kSavedModelFile[] = "saved_model.pb";
inline constexpr char kSavedModelTextFile[] = "saved_model.pbtxt";
inline constexpr char kVariablesPrefix[] = "variables/variables";
// saved_model.pb larger than this is refused.
inline constexpr uint64_t kMaxSavedModelBytes = uint64_t{1} << 30;

// Parses <dir>/saved_model.pb (falling back to saved_model.pbtxt).
absl::StatusOr<tensorflow::SavedModel> ReadSavedModelProto(const std::string& dir);
// Parses serialized SavedModel bytes; `name` is used in errors.
absl::StatusOr<tensorflow::SavedModel> ParseSavedModel(std::string_view bytes, const std::string& name);

// The MetaGraphDef tagged "serve", or the only one. Errors list the available tag sets.
absl::StatusOr<const tensorflow::MetaGraphDef*> FindServingMetaGraph(const tensorflow::SavedModel& saved_model,
                                                                     const std::string& name);

// Opens <dir>/variables/variables.{index,data-*}.
absl::StatusOr<std::unique_ptr<BundleReader>> OpenSavedModelVariables(const std::string& dir);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_SAVED_MODEL_H_
