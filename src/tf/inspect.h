// JSON summaries of TensorFlow artifacts for `taskbuilder inspect`: SavedModel directories (and the functional
// model inside), tensor bundles, V1 checkpoints, bare tables, and any protobuf message (bytes fields shown as
// size + CRC, so plans stay readable). Summaries verify what they report: every checksum is checked.
// Detection never trusts file names alone: tables are recognized by their footer magic and first record.
#ifndef TASKBUILDER_TF_INSPECT_H_
#define TASKBUILDER_TF_INSPECT_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace tb::tf {

enum class ArtifactKind { kSavedModel, kBundle, kV1Checkpoint, kTable, kTfLite, kOther };

// What `path` is: a SavedModel directory (or its saved_model.pb), a bundle (prefix, .index, or a file that is
// a bundle index), a V1 checkpoint, another table, a TFLite flatbuffer, or something else (e.g. a plan proto).
absl::StatusOr<ArtifactKind> DetectArtifact(const std::string& path);

absl::StatusOr<nlohmann::json> InspectSavedModel(const std::string& dir);
// `path` is a bundle prefix or its .index file.
absl::StatusOr<nlohmann::json> InspectBundle(const std::string& path);
absl::StatusOr<nlohmann::json> InspectCheckpoint(const std::string& path);
absl::StatusOr<nlohmann::json> InspectTable(const std::string& path);

// Any message as JSON via reflection (field names as in the .proto); bytes longer than 64 are summarized as
// {"bytes": N, "crc32c": "..."}, google.protobuf.Any as its type URL and size.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_INSPECT_H_
