// Reads one table block (see table_block_builder.h for the layout). Parse() validates the restart array up front;
// the iterator validates every entry as it decodes it, so corrupted blocks give errors, never out-of-bounds reads.
#ifndef TASKBUILDER_TF_TABLE_BLOCK_H_
#define TASKBUILDER_TF_TABLE_BLOCK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tf/table_format.h"

namespace tb::tf::table {

class Block {
 public:
  // `where` names the block in errors, e.g. "model.index: block at offset 0".
  static absl::StatusOr<Block> Parse(ByteBuffer contents, std::string where);
  static absl::StatusOr<Block> Parse(std::string_view contents, std::string where);

  class Iterator {
   public:
    explicit Iterator(const Block* block) : block_(block) {}
    bool Valid() const { return valid_; }
    void SeekToFirst();
    // Positions at the first entry whose key is >= target (bytewise).
    void Seek(std::string_view target);
    void Next();
    std::string_view key() const { return key_; }
    std::string_view value() const { return value_; }
    // Not OK once corruption was found (Valid() is then false).
    const absl::Status& status() const { return status_; }

   private:
    // Decodes the entry at `offset`; false (and status_) on corruption or at the end.
    bool ParseEntryAt(uint32_t offset);
    // Key of the entry at a restart point (which must not share a prefix).
    bool RestartKey(uint32_t index, std::string_view* key);
    void Corrupt(std::string_view what);

    const Block* block_;
    bool valid_ = false;
    uint32_t next_ = 0;  // Offset of the entry after the current one.
    std::string key_;
    std::string_view value_;
    absl::Status status_;
  };

  Iterator NewIterator() const { return Iterator(this); }
  size_t size() const { return contents_.size; }
  uint32_t num_restarts() const { return num_restarts_; }
  const std::string& where() const { return where_; }

 private:
  Block() = default;
  uint32_t RestartPoint(uint32_t index) const;

  const char* data() const { return contents_.data.get(); }

  ByteBuffer contents_;
  std::string where_;
  uint32_t data_end_ = 0;  // Offset of the restart array = end of the entries.
  uint32_t num_restarts_ = 0;
};

}  // namespace tb::tf::table

#endif  // TASKBUILDER_TF_TABLE_BLOCK_H_
