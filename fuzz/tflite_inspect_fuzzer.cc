// Fuzzes `inspect` and the device check on TFLite bytes: verification, op inventory, Flex payloads and their
// NodeDefs, option tables and constant previews. Any bytes must give JSON or an error, never a crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tflite/device_compat.h"
#include "tflite/inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)tb::tflite::InspectToJson(bytes);
  (void)tb::tflite::CheckDeviceCompatibility(bytes);
  return 0;
}
