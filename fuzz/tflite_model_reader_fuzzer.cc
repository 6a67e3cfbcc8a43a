// The TFLite reader on arbitrary bytes: verification must reject or accept without reading outside the buffer, and
// whatever it accepts must survive the op inventory, Flex payload decoding and interpreter preparation.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/tflite/interpreter.h"
#include "tflite/flex_payload.h"
#include "tflite/model_reader.h"
#include "tflite/op_inventory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)tb::tflite::DecodeFlexPayload(bytes);
  (void)tb::tflite::DecodeStringBuffer(bytes);
  auto model = tb::tflite::Model::Parse(bytes);
  if (!model.ok()) return 0;
  (void)tb::tflite::TakeOpInventory(*model);
  for (int s = 0; s < model->num_subgraphs(); ++s) {
    for (const auto* t : *model->subgraph(s).tensors()) (void)model->ConstantData(*t);
  }
  (void)tb::runtime::tflite::Interpreter::Create(std::make_shared<const tb::tflite::Model>(std::move(*model)));
  return 0;
}
