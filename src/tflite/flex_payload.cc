#include "tflite/flex_payload.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::tflite {
namespace {

// FlexBuffer type codes (the upper six bits of a packed type byte) used here.
constexpr int kFlexString = 5;
constexpr int kFlexVector = 10;

int WidthOf(uint64_t value) {
  if (value < (uint64_t{1} << 8)) return 1;
  if (value < (uint64_t{1} << 16)) return 2;
  if (value < (uint64_t{1} << 32)) return 4;
  return 8;
}

int Log2Width(int width) { return width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3; }

uint64_t ReadUnsigned(std::string_view bytes, size_t pos, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[pos + i]);
  return v;
}

void AppendUnsigned(std::string* out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void PadTo(std::string* out, int width) {
  while (out->size() % width != 0) out->push_back('\0');
}

size_t Padding(size_t size, int width) { return (width - size % width) % width; }

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("Flex custom_options: ", ToAbsl(what)));
}

}  // namespace

absl::StatusOr<FlexPayload> DecodeFlexPayload(std::string_view b) {
  const size_t n = b.size();
  if (n < 3) return Bad(absl::StrCat("only ", n, " bytes"));
  const int root_width = static_cast<uint8_t>(b[n - 1]);
  if (root_width != 1 && root_width != 2 && root_width != 4 && root_width != 8) {
    return Bad(absl::StrCat("root width byte is ", root_width));
  }
  const uint8_t root_type = static_cast<uint8_t>(b[n - 2]);
  if ((root_type >> 2) != kFlexVector) {
    return Bad(absl::StrCat("root is FlexBuffer type ", root_type >> 2, ", expected an untyped vector"));
  }
  const int elem_width = 1 << (root_type & 3);
  if (n < 2 + static_cast<size_t>(root_width)) return Bad("truncated root");
  const size_t root_pos = n - 2 - root_width;
  const uint64_t root_offset = ReadUnsigned(b, root_pos, root_width);
  if (root_offset > root_pos) return Bad("root offset points before the buffer");
  const size_t vec = root_pos - root_offset;
  if (vec < static_cast<size_t>(elem_width)) return Bad("vector length lies before the buffer");
  const uint64_t length = ReadUnsigned(b, vec - elem_width, elem_width);
  if (length != 2) return Bad(absl::StrCat("vector has ", length, " elements, expected [op_name, NodeDef]"));
  const size_t types_pos = vec + 2 * static_cast<size_t>(elem_width);
  if (types_pos + 2 > root_pos) return Bad("vector overlaps its root");
  std::string values[2];
  for (int k = 0; k < 2; ++k) {
    const uint8_t type = static_cast<uint8_t>(b[types_pos + k]);
    if ((type >> 2) != kFlexString) {
      return Bad(absl::StrCat("element ", k, " is FlexBuffer type ", type >> 2, ", expected a string"));
    }
    const int size_width = 1 << (type & 3);
    const size_t slot = vec + static_cast<size_t>(k) * elem_width;
    const uint64_t offset = ReadUnsigned(b, slot, elem_width);
    if (offset > slot) return Bad(absl::StrCat("element ", k, " offset points before the buffer"));
    const size_t str = slot - offset;
    if (str < static_cast<size_t>(size_width)) return Bad(absl::StrCat("element ", k, " length lies before the buffer"));
    const uint64_t len = ReadUnsigned(b, str - size_width, size_width);
    if (len >= n || str + len + 1 > vec - elem_width || b[str + len] != '\0') {
      return Bad(absl::StrCat("element ", k, " string of ", len, " bytes runs past its end"));
    }
    values[k] = std::string(b.substr(str, len));
  }
  if (values[0].empty()) return Bad("empty op name");
  return FlexPayload{std::move(values[0]), std::move(values[1])};
}

std::string EncodeFlexPayload(std::string_view op, std::string_view node_def) {
  std::string out;
  std::string_view strings[2] = {op, node_def};
  size_t string_pos[2];
  int size_width[2];
  for (int k = 0; k < 2; ++k) {
    size_width[k] = WidthOf(strings[k].size());
    PadTo(&out, size_width[k]);
    AppendUnsigned(&out, strings[k].size(), size_width[k]);
    string_pos[k] = out.size();
    out.append(strings[k]);
    out.push_back('\0');
  }
  // Element width: the smallest that holds each slot's offset back to its string.
  const size_t start = out.size();
  int elem_width = 1;
  for (int k = 0; k < 2; ++k) {
    for (int w : {1, 2, 4, 8}) {
      uint64_t slot = start + Padding(start, w) + static_cast<uint64_t>(k + 1) * w;
      if (WidthOf(slot - string_pos[k]) <= w) {
        elem_width = std::max(elem_width, w);
        break;
      }
    }
  }
  PadTo(&out, elem_width);
  AppendUnsigned(&out, 2, elem_width);
  const size_t vec = out.size();
  for (int k = 0; k < 2; ++k) AppendUnsigned(&out, vec + k * elem_width - string_pos[k], elem_width);
  for (int k = 0; k < 2; ++k) out.push_back(static_cast<char>((kFlexString << 2) | Log2Width(size_width[k])));
  int root_width = 1;
  for (int w : {1, 2, 4, 8}) {
    if (WidthOf(out.size() + Padding(out.size(), w) - vec) <= w) {
      root_width = w;
      break;
    }
  }
  PadTo(&out, root_width);
  AppendUnsigned(&out, out.size() - vec, root_width);
  out.push_back(static_cast<char>((kFlexVector << 2) | Log2Width(elem_width)));
  out.push_back(static_cast<char>(root_width));
  return out;
}

std::string_view FlexOpFromCustomCode(std::string_view custom_code) {
  constexpr std::string_view kPrefix = "Flex";
  if (custom_code.size() <= kPrefix.size() || custom_code.substr(0, kPrefix.size()) != kPrefix) return {};
  return custom_code.substr(kPrefix.size());
}

}  // namespace tb::tflite
