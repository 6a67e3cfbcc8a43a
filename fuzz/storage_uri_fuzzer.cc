// Storage URIs come from requests (model and config locations) and from task management (artifact URLs):
// parsing, the original's compat parser and the relative-name check must never crash, and what parses must
// print back to something that parses to the same thing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/blob_uri.h"
#include "storage/directory_download.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string uri(reinterpret_cast<const char*>(data), size);
  for (bool bucket_only : {false, true}) {
    auto parsed = tb::storage::ParseBlobUri(uri, {.allow_bucket_only = bucket_only});
    if (parsed.ok() && parsed->scheme == tb::storage::Scheme::kGcs) {
      auto again = tb::storage::ParseBlobUri(parsed->ToString(), {.allow_bucket_only = bucket_only});
      if (!again.ok() || again->bucket != parsed->bucket || again->object != parsed->object) __builtin_trap();
    }
  }
  (void)tb::storage::ParseGcsUriCompat(uri, false);
  (void)tb::storage::ParseGcsUriCompat(uri, true);
  (void)tb::storage::ValidateRelativeName(uri);
  return 0;
}
