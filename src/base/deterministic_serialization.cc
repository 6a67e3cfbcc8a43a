#include "base/deterministic_serialization.h"

#include <limits>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace tb {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  const size_t size = message.ByteSizeLong();
  std::string out;
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) {
    // Beyond protobuf's 2 GiB limit: let protobuf's own checks report it.
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
    return out;
  }
  // Sized once and written in place: a StringOutputStream grows (and zero-fills) its string step by step, which
  // was a sixth of assembling a plan.
  out.resize(size);
  google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  coded.Trim();
  out.resize(static_cast<size_t>(coded.ByteCount()));
  return out;
}

}  // namespace tb
