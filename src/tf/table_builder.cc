#include "tf/table_builder.h"

#include <snappy.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/status_macros.h"

namespace tb::tf::table {

void FindShortestSeparator(std::string* start, std::string_view limit) {
  const size_t min_length = std::min(start->size(), limit.size());
  size_t diff = 0;
  while (diff < min_length && (*start)[diff] == limit[diff]) ++diff;
  if (diff >= min_length) return;  // One is a prefix of the other: keep it.
  const uint8_t byte = static_cast<uint8_t>((*start)[diff]);
  if (byte < 0xff && byte + 1 < static_cast<uint8_t>(limit[diff])) {
    (*start)[diff] = static_cast<char>(byte + 1);
    start->resize(diff + 1);
  }
}

void FindShortSuccessor(std::string* key) {
  for (size_t i = 0; i < key->size(); ++i) {
    const uint8_t byte = static_cast<uint8_t>((*key)[i]);
    if (byte != 0xff) {
      (*key)[i] = static_cast<char>(byte + 1);
      key->resize(i + 1);
      return;
    }
  }
}

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(options.block_restart_interval),
      index_block_(1) {}

absl::Status TableBuilder::Add(std::string_view key, std::string_view value) {
  const std::string_view pieces[] = {value};
  return AddPieces(key, pieces);
}

absl::Status TableBuilder::AddPendingIndexEntry(std::string_view next_key) {
  if (!pending_index_entry_) return absl::OkStatus();
  FindShortestSeparator(&last_key_, next_key);
  std::string handle;
  pending_handle_.EncodeTo(&handle);
  index_block_.Add(last_key_, handle);
  pending_index_entry_ = false;
  return absl::OkStatus();
}

absl::Status TableBuilder::AddPieces(std::string_view key, absl::Span<const std::string_view> value_pieces) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat(file_->name(), ": table already finished"));
  TB_RETURN_IF_ERROR(status_);
  if (num_entries_ > 0 && !(key > std::string_view(last_key_))) {
    return absl::InvalidArgumentError(absl::StrCat(file_->name(), ": table keys must be added in increasing order"));
  }
  uint64_t value_size = 0;
  for (std::string_view p : value_pieces) value_size += p.size();
  if (value_size > UINT32_MAX || key.size() > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_->name(), ": table entry of ", value_size, " bytes exceeds the 4 GiB format limit"));
  }
  const uint64_t entry_bytes = key.size() + value_size;
  // TF flushes before an overly large entry so it does not bloat a block of small ones.
  if (num_entries_ > 0 && entry_bytes >= 2 * uint64_t{options_.block_size}) TB_RETURN_IF_ERROR(Flush());
  TB_RETURN_IF_ERROR(AddPendingIndexEntry(key));
  last_key_.assign(key.data(), key.size());
  ++num_entries_;

  // An entry that is alone in an empty block and reaches the block size is flushed right after being added;
  // stream it instead of copying it into the block buffer (the bytes are identical).
  if (data_block_.empty() && entry_bytes >= options_.block_size && options_.compression == Compression::kNone) {
    return WriteSingleEntryBlock(key, value_pieces, value_size);
  }
  if (value_pieces.size() == 1) {
    data_block_.Add(key, value_pieces[0]);
  } else {
    scratch_.clear();
    for (std::string_view p : value_pieces) scratch_.append(p);
    data_block_.Add(key, scratch_);
  }
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) TB_RETURN_IF_ERROR(Flush());
  return absl::OkStatus();
}

absl::Status TableBuilder::WriteSingleEntryBlock(std::string_view key, absl::Span<const std::string_view> value_pieces,
                                                 uint64_t value_size) {
  std::string header;
  PutVarint32(&header, 0);
  PutVarint32(&header, static_cast<uint32_t>(key.size()));
  PutVarint32(&header, static_cast<uint32_t>(value_size));
  header.append(key);
  std::string restarts;
  PutFixed32(&restarts, 0);
  PutFixed32(&restarts, 1);
  pending_handle_.offset = offset_;
  pending_handle_.size = header.size() + value_size + restarts.size();
  uint32_t crc = crc32c::Value(header.data(), header.size());
  status_ = file_->Append(header);
  for (std::string_view p : value_pieces) {
    if (!status_.ok()) break;
    crc = crc32c::Extend(crc, p.data(), p.size());
    status_ = file_->Append(p);
  }
  if (status_.ok()) {
    crc = crc32c::Extend(crc, restarts.data(), restarts.size());
    status_ = file_->Append(restarts);
  }
  if (status_.ok()) status_ = file_->Append(BlockTrailer(crc, Compression::kNone));
  TB_RETURN_IF_ERROR(status_);
  offset_ += pending_handle_.size + kBlockTrailerSize;
  pending_index_entry_ = true;
  return absl::OkStatus();
}

absl::Status TableBuilder::Flush() {
  TB_RETURN_IF_ERROR(status_);
  if (data_block_.empty()) return absl::OkStatus();
  TB_RETURN_IF_ERROR(WriteBlock(&data_block_, &pending_handle_));
  pending_index_entry_ = true;
  return absl::OkStatus();
}

absl::Status TableBuilder::WriteBlock(BlockBuilder* block, BlockHandle* handle) {
  const std::string_view raw = block->Finish();
  std::string_view contents = raw;
  Compression type = options_.compression;
  if (type == Compression::kSnappy) {
    compressed_.clear();
    snappy::Compress(raw.data(), raw.size(), &compressed_);
    if (compressed_.size() < raw.size() - raw.size() / 8) {
      contents = compressed_;
    } else {
      type = Compression::kNone;
    }
  }
  absl::Status s = WriteRawBlock(contents, type, handle);
  compressed_.clear();
  block->Reset();
  return s;
}

absl::Status TableBuilder::WriteRawBlock(std::string_view contents, Compression type, BlockHandle* handle) {
  handle->offset = offset_;
  handle->size = contents.size();
  status_ = file_->Append(contents);
  if (status_.ok()) status_ = file_->Append(BlockTrailer(crc32c::Value(contents.data(), contents.size()), type));
  TB_RETURN_IF_ERROR(status_);
  offset_ += contents.size() + kBlockTrailerSize;
  return absl::OkStatus();
}

absl::Status TableBuilder::Finish() {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat(file_->name(), ": table already finished"));
  TB_RETURN_IF_ERROR(Flush());
  closed_ = true;
  Footer footer;
  BlockBuilder metaindex(options_.block_restart_interval);
  TB_RETURN_IF_ERROR(WriteBlock(&metaindex, &footer.metaindex));
  if (pending_index_entry_) {
    FindShortSuccessor(&last_key_);
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_.Add(last_key_, handle);
    pending_index_entry_ = false;
  }
  TB_RETURN_IF_ERROR(WriteBlock(&index_block_, &footer.index));
  status_ = file_->Append(footer.Encode());
  TB_RETURN_IF_ERROR(status_);
  offset_ += kFooterSize;
  return absl::OkStatus();
}

}  // namespace tb::tf::table
