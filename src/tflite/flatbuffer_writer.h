// Serializes a Program into a TFLite flatbuffer ("TFL3", schema version 3) laid out the way the TF converter lays
// out client programs (tflite-lowering.md §1): buffer 0 the empty sentinel, one buffer per distinct constant
// payload, one OperatorCode per distinct op with both code fields and the highest version any use needs, the
// `min_runtime_version` metadata, an empty signature_defs. Then it reads the bytes back through the verified
// reader (model_reader.h), so it never returns a model the runtime's verifier or builder would refuse.
#ifndef TASKBUILDER_TFLITE_FLATBUFFER_WRITER_H_
#define TASKBUILDER_TFLITE_FLATBUFFER_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "tflite/program.h"

namespace tb::tflite {

struct WrittenModel {
  std::string bytes;
  std::string min_runtime_version;  // "" when no builtin has a known minimum
};

// Errors: InvalidArgument for a program that cannot be expressed (a dtype TFLite lacks, an index out of range);
// Internal when the written bytes fail verification (a writer bug).
absl::StatusOr<WrittenModel> WriteModel(const Program& program);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_FLATBUFFER_WRITER_H_
