// Fuzzes the V2 bundle reader: the input is <u32 index length><index bytes><data file bytes>. Every entry is
// read and checksummed; lying offsets, sizes, shapes and string lengths must be errors.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "tf/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t index_len;
  std::memcpy(&index_len, data, 4);
  if (index_len > size - 4) return 0;
  const std::string index(reinterpret_cast<const char*>(data) + 4, index_len);
  const std::string shard(reinterpret_cast<const char*>(data) + 4 + index_len, size - 4 - index_len);
  tb::tf::BundleReadOptions options;
  options.index.max_block_bytes = 16 << 20;
  options.max_tensor_bytes = 16 << 20;
  options.max_entries = 10000;
  auto reader = tb::tf::BundleReader::OpenFrom(
      tb::tf::NewOwnedMemoryFile("fuzz.index", index),
      [&](int) -> absl::StatusOr<std::unique_ptr<tb::tf::RandomAccessFile>> {
        return tb::tf::NewOwnedMemoryFile("fuzz.data", shard);
      },
      options);
  if (!reader.ok()) return 0;
  for (const auto& e : (*reader)->entries()) {
    (void)(*reader)->Read(e);
    (void)(*reader)->VerifyChecksum(e);
  }
  return 0;
}
