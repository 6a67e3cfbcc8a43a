// Fuzzes the table reader (tensor-bundle indexes, V1 checkpoints): any bytes must give entries or an error,
// never a crash, hang or allocation beyond the limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tf/table_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tb::tf::table::TableReadOptions options;
  options.max_block_bytes = 16 << 20;
  auto table = tb::tf::table::TableReader::Open(
      tb::tf::NewMemoryFile("fuzz", std::string_view(reinterpret_cast<const char*>(data), size)), options);
  if (!table.ok()) return 0;
  size_t n = 0;
  (void)(*table)->ForEach([&](std::string_view, std::string_view) {
    ++n;
    return absl::OkStatus();
  });
  auto it = (*table)->NewIterator();
  for (std::string_view target : {std::string_view(""), std::string_view("\x00", 1), std::string_view("m"),
                                  std::string_view("\xff\xff")}) {
    it.Seek(target);
    if (it.Valid()) it.Next();
  }
  (void)(*table)->Get("_CHECKPOINTABLE_OBJECT_GRAPH");
  return 0;
}
