// Writes a sorted string table in the format TensorFlow's tsl::table::TableBuilder produces (and LevelDB reads):
// data blocks, an empty metaindex block, an index block and the footer. With the same options and entries the
// output is byte-identical to TF's, including its rule of flushing the current block before an entry of at least
// twice the block size. Never accepts keys out of order (returns an error instead).
#ifndef TASKBUILDER_TF_TABLE_BUILDER_H_
#define TASKBUILDER_TF_TABLE_BUILDER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "tf/file_io.h"
#include "tf/table_block_builder.h"
#include "tf/table_format.h"

namespace tb::tf::table {

struct TableOptions {
  // TF's defaults (LevelDB's block size is 4096).
  size_t block_size = 262144;
  int block_restart_interval = 16;
  // Snappy blocks are kept only when they save at least 12.5%, as TF does.
  Compression compression = Compression::kNone;
};

class TableBuilder {
 public:
  // `file` must outlive the builder; the builder appends to it but does not close it.
  TableBuilder(const TableOptions& options, WritableFile* file);

  // REQUIRES: key > every key added before (bytewise).
  absl::Status Add(std::string_view key, std::string_view value);
  // As Add, with the value given as consecutive pieces (e.g. a proto header and raw tensor bytes), so large values
  // are never concatenated in memory.
  absl::Status AddPieces(std::string_view key, absl::Span<const std::string_view> value_pieces);
  // Writes the remaining blocks and the footer. The builder cannot be used afterwards.
  absl::Status Finish();

  uint64_t num_entries() const { return num_entries_; }
  // Bytes written so far.
  uint64_t file_size() const { return offset_; }

 private:
  absl::Status Flush();
  absl::Status WriteBlock(BlockBuilder* block, BlockHandle* handle);
  absl::Status WriteRawBlock(std::string_view contents, Compression type, BlockHandle* handle);
  absl::Status AddPendingIndexEntry(std::string_view next_key);
  // Writes an entry that fills a block of its own without copying its value.
  absl::Status WriteSingleEntryBlock(std::string_view key, absl::Span<const std::string_view> value_pieces,
                                     uint64_t value_size);

  TableOptions options_;
  WritableFile* file_;
  uint64_t offset_ = 0;
  absl::Status status_;
  BlockBuilder data_block_;
  BlockBuilder index_block_;
  std::string last_key_;
  uint64_t num_entries_ = 0;
  bool closed_ = false;
  // The index entry of a flushed block is written once the next key is known, to shorten it.
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::string compressed_;
  std::string scratch_;
};

// TF's (and LevelDB's bytewise) index-key shortening.
void FindShortestSeparator(std::string* start, std::string_view limit);
void FindShortSuccessor(std::string* key);

}  // namespace tb::tf::table

#endif  // TASKBUILDER_TF_TABLE_BUILDER_H_
