// Reads a sorted string table written by TensorFlow, LevelDB or table_builder.h: opens the footer and index,
// then reads data blocks on demand with positional reads (a multi-gigabyte table is never loaded whole).
// Every block's CRC is verified and every handle checked against the file size; corruption is an error naming
// the file and block offset, never a crash or an unbounded allocation.
#ifndef TASKBUILDER_TF_TABLE_READER_H_
#define TASKBUILDER_TF_TABLE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tf/file_io.h"
#include "tf/table_block.h"
#include "tf/table_format.h"

namespace tb::tf::table {

struct TableReadOptions {
  bool verify_checksums = true;
  // Largest data/index block (after decompression) the reader allocates.
  uint64_t max_block_bytes = uint64_t{4} << 30;
};

class TableReader {
 public:
  static absl::StatusOr<std::unique_ptr<TableReader>> Open(std::unique_ptr<RandomAccessFile> file,
                                                           TableReadOptions options = {});

  // Iterates entries in key order. key()/value() stay valid until the next Next()/Seek().
  class Iterator {
   public:
    explicit Iterator(const TableReader* table);
    void SeekToFirst();
    void Seek(std::string_view target);
    void Next();
    bool Valid() const { return data_ && data_iter_.Valid(); }
    std::string_view key() const { return data_iter_.key(); }
    std::string_view value() const { return data_iter_.value(); }
    // Offset of the data block holding the current entry.
    uint64_t block_offset() const { return block_handle_.offset; }
    absl::Status status() const;

   private:
    // Loads the block the index iterator points at; skips empty blocks forward.
    void LoadBlock();
    void SkipEmptyBlocks();

    const TableReader* table_;
    Block::Iterator index_iter_;
    std::unique_ptr<Block> data_;
    Block::Iterator data_iter_{nullptr};
    BlockHandle block_handle_;
    absl::Status status_;
  };

  Iterator NewIterator() const { return Iterator(this); }

  // Calls fn for every entry in order; stops at the first error from the table or from fn.
  absl::Status ForEach(const std::function<absl::Status(std::string_view key, std::string_view value)>& fn) const;

  // The value stored under exactly `key`, or nullopt.
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) const;

  // The handle of the data block whose key range covers `key` (an index lookup; no data block is read), or nullopt
  // when `key` is past the last block. Lets readers of very large entries fetch parts of a block themselves.
  absl::StatusOr<std::optional<BlockHandle>> FindBlock(std::string_view key) const;
  const TableReadOptions& options() const { return options_; }

  const RandomAccessFile& file() const { return *file_; }
  const Footer& footer() const { return footer_; }
  // Number of data blocks (entries of the index block).
  uint64_t num_data_blocks() const;

 private:
  TableReader() = default;
  absl::StatusOr<std::unique_ptr<Block>> ReadDataBlock(const BlockHandle& handle) const;

  std::unique_ptr<RandomAccessFile> file_;
  TableReadOptions options_;
  Footer footer_;
  std::unique_ptr<Block> index_;
};

}  // namespace tb::tf::table

#endif  // TASKBUILDER_TF_TABLE_READER_H_
