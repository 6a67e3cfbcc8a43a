// CRC-32C (Castagnoli), as used by TF/LevelDB tables, tensor bundles, TFRecord and GCS object checksums.
// Masked() applies the table format's rotation so a CRC stored next to its data does not checksum itself.
#ifndef TASKBUILDER_BASE_CRC32C_H_
#define TASKBUILDER_BASE_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tb::crc32c {

// Returns the CRC-32C of data[0, n) continued from `init_crc` (the CRC of everything before it).
uint32_t Extend(uint32_t init_crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
// The stored form of a CRC: rotate right by 15 bits and add a constant.
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace tb::crc32c

#endif  // TASKBUILDER_BASE_CRC32C_H_
