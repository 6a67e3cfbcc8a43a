// Fuzzes the V1 (tensor-slice) checkpoint reader: metadata, slice records, partitioned tensors and the packed
// float fast path must reject anything inconsistent without crashing or over-allocating.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tf/checkpoint_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tb::tf::CheckpointReadOptions options;
  options.table.max_block_bytes = 16 << 20;
  options.max_tensor_bytes = 16 << 20;
  options.max_tensors = 10000;
  auto reader = tb::tf::CheckpointReader::Open(
      tb::tf::NewMemoryFile("fuzz.ckp", std::string_view(reinterpret_cast<const char*>(data), size)), options);
  if (!reader.ok()) return 0;
  (void)(*reader)->ReadAll();
  return 0;
}
