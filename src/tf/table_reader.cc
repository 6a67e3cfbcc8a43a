#include "tf/table_reader.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::tf::table {

absl::StatusOr<std::unique_ptr<TableReader>> TableReader::Open(std::unique_ptr<RandomAccessFile> file,
                                                               TableReadOptions options) {
  if (file->size() < kFooterSize) {
    return absl::DataLossError(absl::StrCat(file->name(), ": file is too short to be a table (", file->size(),
                                            " bytes, need at least ", kFooterSize, ")"));
  }
  std::string footer_bytes(kFooterSize, '\0');
  TB_RETURN_IF_ERROR(file->Read(file->size() - kFooterSize, kFooterSize, footer_bytes.data()));
  TB_ASSIGN_OR_RETURN(Footer footer, Footer::Decode(footer_bytes, file->name()));
  ReadBlockOptions read_options{options.verify_checksums, options.max_block_bytes};
  TB_ASSIGN_OR_RETURN(ByteBuffer index_contents, ReadBlock(*file, footer.index, read_options));
  TB_ASSIGN_OR_RETURN(Block index, Block::Parse(std::move(index_contents),
                                                absl::StrCat(file->name(), ": index block at offset ",
                                                             footer.index.offset)));
  std::unique_ptr<TableReader> table(new TableReader());
  table->file_ = std::move(file);
  table->options_ = options;
  table->footer_ = footer;
  table->index_ = std::make_unique<Block>(std::move(index));
  return table;
}

absl::StatusOr<std::unique_ptr<Block>> TableReader::ReadDataBlock(const BlockHandle& handle) const {
  ReadBlockOptions read_options{options_.verify_checksums, options_.max_block_bytes};
  TB_ASSIGN_OR_RETURN(ByteBuffer contents, ReadBlock(*file_, handle, read_options));
  TB_ASSIGN_OR_RETURN(Block block, Block::Parse(std::move(contents), absl::StrCat(file_->name(), ": data block at offset ",
                                                                                  handle.offset)));
  return std::make_unique<Block>(std::move(block));
}

absl::StatusOr<std::optional<BlockHandle>> TableReader::FindBlock(std::string_view key) const {
  Block::Iterator it = index_->NewIterator();
  it.Seek(key);
  TB_RETURN_IF_ERROR(it.status());
  if (!it.Valid()) return std::optional<BlockHandle>();
  std::string_view handle_bytes = it.value();
  BlockHandle handle;
  if (!handle.DecodeFrom(&handle_bytes)) {
    return absl::DataLossError(absl::StrCat(file_->name(), ": index entry has a corrupted block handle"));
  }
  return std::optional<BlockHandle>(handle);
}

uint64_t TableReader::num_data_blocks() const {
  uint64_t n = 0;
  Block::Iterator it = index_->NewIterator();
  for (it.SeekToFirst(); it.Valid(); it.Next()) ++n;
  return n;
}

TableReader::Iterator::Iterator(const TableReader* table) : table_(table), index_iter_(table->index_.get()) {}

absl::Status TableReader::Iterator::status() const {
  if (!index_iter_.status().ok()) return index_iter_.status();
  if (!status_.ok()) return status_;
  if (data_ && !data_iter_.status().ok()) return data_iter_.status();
  return absl::OkStatus();
}

void TableReader::Iterator::LoadBlock() {
  data_.reset();
  if (!index_iter_.Valid() || !status_.ok()) return;
  std::string_view handle_bytes = index_iter_.value();
  BlockHandle handle;
  if (!handle.DecodeFrom(&handle_bytes)) {
    status_ = absl::DataLossError(absl::StrCat(table_->file_->name(), ": index entry has a corrupted block handle"));
    return;
  }
  auto block = table_->ReadDataBlock(handle);
  if (!block.ok()) {
    status_ = block.status();
    return;
  }
  block_handle_ = handle;
  data_ = std::move(*block);
  data_iter_ = data_->NewIterator();
}

void TableReader::Iterator::SkipEmptyBlocks() {
  while (status_.ok() && data_ && !data_iter_.Valid() && data_iter_.status().ok()) {
    index_iter_.Next();
    LoadBlock();
    if (data_) data_iter_.SeekToFirst();
  }
}

void TableReader::Iterator::SeekToFirst() {
  index_iter_.SeekToFirst();
  LoadBlock();
  if (data_) data_iter_.SeekToFirst();
  SkipEmptyBlocks();
}

void TableReader::Iterator::Seek(std::string_view target) {
  index_iter_.Seek(target);
  LoadBlock();
  if (data_) data_iter_.Seek(target);
  SkipEmptyBlocks();
}

void TableReader::Iterator::Next() {
  if (!Valid()) return;
  data_iter_.Next();
  SkipEmptyBlocks();
}

absl::Status TableReader::ForEach(
    const std::function<absl::Status(std::string_view key, std::string_view value)>& fn) const {
  Iterator it = NewIterator();
  for (it.SeekToFirst(); it.Valid(); it.Next()) TB_RETURN_IF_ERROR(fn(it.key(), it.value()));
  return it.status();
}

absl::StatusOr<std::optional<std::string>> TableReader::Get(std::string_view key) const {
  Iterator it = NewIterator();
  it.Seek(key);
  TB_RETURN_IF_ERROR(it.status());
  if (it.Valid() && it.key() == key) return std::optional<std::string>(std::string(it.value()));
  return std::optional<std::string>();
}

}  // namespace tb::tf::table
