// Builds one table block: prefix-compressed sorted entries with a restart point every `restart_interval` entries,
// followed by the restart offsets and their count. Byte-compatible with LevelDB's and TensorFlow's builders.
// Never reorders entries: the caller adds keys in strictly increasing bytewise order.
#ifndef TASKBUILDER_TF_TABLE_BLOCK_BUILDER_H_
#define TASKBUILDER_TF_TABLE_BLOCK_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::tf::table {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval);

  void Reset();
  // REQUIRES: not finished; key > every key added since Reset().
  void Add(std::string_view key, std::string_view value);
  // Appends the restart array; the result stays valid until Reset().
  std::string_view Finish();
  // Size of the block if finished now.
  size_t CurrentSizeEstimate() const { return buffer_.size() + restarts_.size() * 4 + 4; }
  bool empty() const { return buffer_.empty(); }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace tb::tf::table

#endif  // TASKBUILDER_TF_TABLE_BLOCK_BUILDER_H_
