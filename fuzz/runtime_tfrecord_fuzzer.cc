// TFRecord reading on arbitrary bytes (plain and, by magic, gzip): errors, never crashes or unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/data/tfrecord.h"
#include "tf/file_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tb::runtime::data::TFRecordLimits limits;
  limits.max_record_bytes = 1 << 20;
  limits.max_file_bytes = 8 << 20;
  auto reader = tb::runtime::data::TFRecordReader::Open(
      tb::tf::NewOwnedMemoryFile("fuzz.tfrecord", std::string(reinterpret_cast<const char*>(data), size)), limits);
  if (!reader.ok()) return 0;
  for (int i = 0; i < 1000; ++i) {
    auto next = (*reader)->Next();
    if (!next.ok() || !next->has_value()) break;
  }
  return 0;
}
