// Protobuf serialization with map entries in key order: protobuf's default leaves map order unspecified, and our
// artifacts, journal records and comparisons need the same bytes for the same message every time.
#ifndef TASKBUILDER_BASE_DETERMINISTIC_SERIALIZATION_H_
#define TASKBUILDER_BASE_DETERMINISTIC_SERIALIZATION_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace tb {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

}  // namespace tb

#endif  // TASKBUILDER_BASE_DETERMINISTIC_SERIALIZATION_H_
