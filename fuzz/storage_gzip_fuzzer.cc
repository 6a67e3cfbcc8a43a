// gzip bodies can come back from a storage server that does not transcode: decompression must stay within its
// output limit and never crash on corrupt or truncated input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto out = tb::storage::GzipDecompress(in, 1 << 20);
  if (out.ok() && out->size() > (1u << 20)) __builtin_trap();
  if (size < 4096) {
    auto z = tb::storage::GzipCompress(in, 1);
    auto back = tb::storage::GzipDecompress(*z, size);
    if (!back.ok() || *back != in) __builtin_trap();
  }
  return 0;
}
