#include "tf/table_block.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/status_macros.h"

namespace tb::tf::table {

absl::StatusOr<Block> Block::Parse(std::string_view contents, std::string where) {
  ByteBuffer copy = ByteBuffer::Allocate(contents.size());
  if (!contents.empty()) std::memcpy(copy.data.get(), contents.data(), contents.size());
  return Parse(std::move(copy), std::move(where));
}

absl::StatusOr<Block> Block::Parse(ByteBuffer contents, std::string where) {
  const size_t size = contents.size;
  if (size < 4) return absl::DataLossError(absl::StrCat(where, ": block too short (", size, " bytes)"));
  if (size > UINT32_MAX) {
    return absl::DataLossError(absl::StrCat(where, ": block of ", size, " bytes exceeds 4 GiB"));
  }
  Block block;
  const uint32_t n = DecodeFixed32(contents.data.get() + size - 4);
  const uint64_t max_restarts = (size - 4) / 4;
  if (n > max_restarts) {
    return absl::DataLossError(absl::StrCat(where, ": restart count ", n, " does not fit in a block of ", size,
                                            " bytes"));
  }
  block.num_restarts_ = n;
  block.data_end_ = static_cast<uint32_t>(size - 4 - uint64_t{n} * 4);
  block.contents_ = std::move(contents);
  block.where_ = std::move(where);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t r = block.RestartPoint(i);
    // An empty block still has one restart point, at offset 0.
    const bool in_range = r < block.data_end_ || (block.data_end_ == 0 && r == 0 && n == 1);
    if (!in_range || (i > 0 && r <= block.RestartPoint(i - 1))) {
      return absl::DataLossError(absl::StrCat(block.where_, ": restart point ", i, " (offset ", r, ") is invalid"));
    }
  }
  if (n == 0 && block.data_end_ != 0) {
    return absl::DataLossError(absl::StrCat(block.where_, ": block has entries but no restart points"));
  }
  return block;
}

uint32_t Block::RestartPoint(uint32_t index) const {
  return DecodeFixed32(data() + data_end_ + uint64_t{index} * 4);
}

void Block::Iterator::Corrupt(std::string_view what) {
  valid_ = false;
  if (status_.ok()) status_ = absl::DataLossError(absl::StrCat(block_->where_, ": ", ToAbsl(what)));
}

bool Block::Iterator::ParseEntryAt(uint32_t offset) {
  if (offset >= block_->data_end_) {
    valid_ = false;
    return false;
  }
  std::string_view in(block_->data() + offset, block_->data_end_ - offset);
  uint32_t shared = 0, non_shared = 0, value_len = 0;
  if (!GetVarint32(&in, &shared) || !GetVarint32(&in, &non_shared) || !GetVarint32(&in, &value_len)) {
    Corrupt(absl::StrCat("truncated entry header at offset ", offset));
    return false;
  }
  if (shared > key_.size()) {
    Corrupt(absl::StrCat("entry at offset ", offset, " shares ", shared, " bytes with a ", key_.size(), "-byte key"));
    return false;
  }
  if (uint64_t{non_shared} + value_len > in.size()) {
    Corrupt(absl::StrCat("entry at offset ", offset, " is longer than its block"));
    return false;
  }
  key_.resize(shared);
  key_.append(in.data(), non_shared);
  value_ = in.substr(non_shared, value_len);
  next_ = static_cast<uint32_t>(value_.data() + value_.size() - block_->data());
  valid_ = true;
  return true;
}

bool Block::Iterator::RestartKey(uint32_t index, std::string_view* key) {
  const uint32_t offset = block_->RestartPoint(index);
  std::string_view in(block_->data() + offset, block_->data_end_ - offset);
  uint32_t shared = 0, non_shared = 0, value_len = 0;
  if (!GetVarint32(&in, &shared) || !GetVarint32(&in, &non_shared) || !GetVarint32(&in, &value_len) ||
      shared != 0 || uint64_t{non_shared} + value_len > in.size()) {
    Corrupt(absl::StrCat("bad entry at restart point ", index));
    return false;
  }
  *key = in.substr(0, non_shared);
  return true;
}

void Block::Iterator::SeekToFirst() {
  key_.clear();
  if (block_->num_restarts_ == 0) {
    valid_ = false;
    return;
  }
  ParseEntryAt(0);
}

void Block::Iterator::Seek(std::string_view target) {
  if (block_->num_restarts_ == 0) {
    valid_ = false;
    return;
  }
  // Last restart point whose key is < target; the answer is at or after it.
  uint32_t left = 0, right = block_->num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    std::string_view mid_key;
    if (!RestartKey(mid, &mid_key)) return;
    if (mid_key < target) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  key_.clear();
  if (!ParseEntryAt(block_->RestartPoint(left))) return;
  while (valid_ && std::string_view(key_) < target) Next();
}

void Block::Iterator::Next() {
  if (!valid_) return;
  ParseEntryAt(next_);
}

}  // namespace tb::tf::table
