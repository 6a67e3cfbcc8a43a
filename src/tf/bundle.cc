#include "tf/bundle.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/status_macros.h"
#include "tf/tensor_proto.h"

namespace tb::tf {

std::string BundleIndexPath(const std::string& prefix) { return prefix + ".index"; }

std::string BundleDataPath(const std::string& prefix, int shard, int num_shards) {
  return absl::StrFormat("%s.data-%05d-of-%05d", prefix, shard, num_shards);
}

namespace {

// TF's layout of a string tensor: varint64 lengths, a masked CRC of the lengths (as uint32), then the bytes.
// `crc` accumulates the entry checksum over (uint32 lengths, the length checksum, the bytes).
std::string EncodeStringHeader(absl::Span<const std::string> strings, uint32_t* crc) {
  std::string header;
  uint32_t c = 0;
  for (const std::string& s : strings) {
    PutVarint64(&header, s.size());
    const uint32_t len32 = static_cast<uint32_t>(s.size());
    char buf[4];
    std::memcpy(buf, &len32, 4);
    c = crc32c::Extend(c, buf, 4);
  }
  std::string checksum;
  PutFixed32(&checksum, crc32c::Mask(c));
  c = crc32c::Extend(c, checksum.data(), 4);
  header += checksum;
  *crc = c;
  return header;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BundleWriter>> BundleWriter::Create(const std::string& prefix,
                                                                   BundleWriteOptions options) {
  std::unique_ptr<BundleWriter> w(new BundleWriter());
  w->prefix_ = prefix;
  w->options_ = options;
  TB_ASSIGN_OR_RETURN(w->data_, NewWritableFile(BundleDataPath(prefix, 0, 1), options.file));
  return w;
}

absl::Status BundleWriter::Add(std::string_view key, const Tensor& tensor) {
  if (finished_) return absl::FailedPreconditionError(absl::StrCat(prefix_, ": bundle already finished"));
  if (key.empty()) return absl::InvalidArgumentError(absl::StrCat(prefix_, ": tensor key must not be empty"));
  for (const auto& e : entries_) {
    if (e.first == key) {
      return absl::InvalidArgumentError(absl::StrCat(prefix_, ": duplicate tensor key '", ToAbsl(key), "'"));
    }
  }
  tensorflow::BundleEntryProto entry;
  entry.set_dtype(ToProto(tensor.dtype()));
  ShapeToProto(tensor.shape(), entry.mutable_shape());
  entry.set_offset(static_cast<int64_t>(data_->size()));
  uint32_t crc = 0;
  if (tensor.dtype() == DType::kString) {
    const auto strings = tensor.flat<std::string>();
    const std::string header = EncodeStringHeader(strings, &crc);
    TB_RETURN_IF_ERROR(data_->Append(header));
    for (const std::string& s : strings) {
      crc = crc32c::Extend(crc, s.data(), s.size());
      TB_RETURN_IF_ERROR(data_->Append(s));
    }
  } else if (DTypeSize(tensor.dtype()) > 0) {
    const std::string_view bytes = tensor.bytes();
    crc = crc32c::Value(bytes.data(), bytes.size());
    TB_RETURN_IF_ERROR(data_->Append(bytes));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, ": cannot save '", ToAbsl(key), "' of type ",
                                                   ToAbsl(DTypeName(tensor.dtype())), " in a bundle"));
  }
  entry.set_size(static_cast<int64_t>(data_->size()) - entry.offset());
  entry.set_crc32c(crc32c::Mask(crc));
  entries_.emplace_back(std::string(key), std::move(entry));
  return absl::OkStatus();
}

absl::Status BundleWriter::Finish() {
  if (finished_) return absl::FailedPreconditionError(absl::StrCat(prefix_, ": bundle already finished"));
  finished_ = true;
  TB_RETURN_IF_ERROR(data_->Close());
  std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  TB_ASSIGN_OR_RETURN(auto index, NewWritableFile(BundleIndexPath(prefix_), options_.file));
  table::TableOptions table_options;
  table_options.compression = options_.index_compression;
  table::TableBuilder builder(table_options, index.get());
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.mutable_version()->set_producer(1);
  TB_RETURN_IF_ERROR(builder.Add("", header.SerializeAsString()));
  for (const auto& [key, entry] : entries_) TB_RETURN_IF_ERROR(builder.Add(key, entry.SerializeAsString()));
  TB_RETURN_IF_ERROR(builder.Finish());
  return index->Close();
}

absl::Status WriteBundle(const std::string& prefix, const std::vector<std::pair<std::string, Tensor>>& tensors,
                         BundleWriteOptions options) {
  TB_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(prefix, options));
  for (const auto& [key, tensor] : tensors) TB_RETURN_IF_ERROR(writer->Add(key, tensor));
  return writer->Finish();
}

absl::StatusOr<std::unique_ptr<BundleReader>> BundleReader::Open(const std::string& prefix, BundleReadOptions options) {
  TB_ASSIGN_OR_RETURN(auto index, OpenRandomAccessFile(BundleIndexPath(prefix)));
  auto reader_or = OpenFrom(std::move(index), nullptr, options);
  if (!reader_or.ok()) return reader_or.status();
  auto reader = std::move(*reader_or);
  reader->prefix_ = prefix;
  return reader;
}

absl::StatusOr<std::unique_ptr<BundleReader>> BundleReader::OpenFrom(std::unique_ptr<RandomAccessFile> index,
                                                                     DataOpener open_data, BundleReadOptions options) {
  std::unique_ptr<BundleReader> r(new BundleReader());
  r->index_name_ = index->name();
  r->options_ = options;
  r->open_data_ = std::move(open_data);
  TB_ASSIGN_OR_RETURN(auto table, table::TableReader::Open(std::move(index), options.index));
  const std::string& name = r->index_name_;
  bool seen_header = false;
  TB_RETURN_IF_ERROR(table->ForEach([&](std::string_view key, std::string_view value) -> absl::Status {
    if (key.empty()) {
      if (!r->header_.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return absl::DataLossError(absl::StrCat(name, ": the bundle header (key \"\") is not a BundleHeaderProto"));
      }
      seen_header = true;
      return absl::OkStatus();
    }
    if (!seen_header) return absl::DataLossError(absl::StrCat(name, ": bundle index has no header entry"));
    if (r->entries_.size() >= options.max_entries) {
      return absl::ResourceExhaustedError(absl::StrCat(name, ": more than ", options.max_entries, " bundle entries"));
    }
    BundleEntry e;
    e.key = std::string(key);
    if (!e.proto.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError(absl::StrCat(name, ": entry '", ToAbsl(key), "' is not a BundleEntryProto"));
    }
    const auto& p = e.proto;
    auto where = [&] { return absl::StrCat(name, ": entry '", ToAbsl(key), "'"); };
    auto shape = ShapeFromProto(p.shape());
    if (!shape.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", shape.status().message()));
    e.shape = *std::move(shape);
    auto n = NumElements(e.shape, static_cast<int64_t>(options.max_tensor_bytes));
    if (!n.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", n.status().message()));
    if (p.shard_id() < 0 || p.shard_id() >= r->header_.num_shards()) {
      return absl::DataLossError(absl::StrCat(where(), ": shard ", p.shard_id(), " is not in [0, ",
                                              r->header_.num_shards(), ")"));
    }
    if (p.offset() < 0 || p.size() < 0 || p.offset() > INT64_MAX - p.size()) {
      return absl::DataLossError(absl::StrCat(where(), ": invalid offset ", p.offset(), " / size ", p.size()));
    }
    auto dtype = DTypeFromProto(p.dtype());
    if (dtype && IsSupported(*dtype)) {
      e.dtype = *dtype;
      const size_t elem = DTypeSize(e.dtype);
      if (elem > 0 && static_cast<uint64_t>(p.size()) != static_cast<uint64_t>(*n) * elem) {
        return absl::DataLossError(absl::StrCat(where(), ": size ", p.size(), " does not match ",
                                                ToAbsl(DTypeName(e.dtype)), ShapeToString(e.shape), " (",
                                                static_cast<uint64_t>(*n) * elem, " bytes)"));
      }
      if (e.dtype == DType::kString && static_cast<uint64_t>(p.size()) < static_cast<uint64_t>(*n) + 4) {
        return absl::DataLossError(absl::StrCat(where(), ": size ", p.size(), " is too small for ", *n, " strings"));
      }
    }
    r->entries_.push_back(std::move(e));
    return absl::OkStatus();
  }));
  if (!seen_header) return absl::DataLossError(absl::StrCat(name, ": bundle index has no header entry"));
  if (r->header_.num_shards() < 1 || r->header_.num_shards() > (1 << 16)) {
    return absl::DataLossError(absl::StrCat(name, ": invalid shard count ", r->header_.num_shards()));
  }
  if (r->header_.endianness() != tensorflow::BundleHeaderProto::LITTLE) {
    return absl::UnimplementedError(absl::StrCat(name, ": big-endian bundles are not supported"));
  }
  // A well-formed table is sorted; the binary search in Find() relies on it.
  for (size_t i = 1; i < r->entries_.size(); ++i) {
    if (!(r->entries_[i - 1].key < r->entries_[i].key)) {
      return absl::DataLossError(absl::StrCat(name, ": bundle keys are not sorted"));
    }
  }
  if (name.size() > 6 && name.ends_with(".index")) r->prefix_ = name.substr(0, name.size() - 6);
  r->data_files_.resize(static_cast<size_t>(r->header_.num_shards()));
  return r;
}

std::string BundleReader::DataFileName(int shard) const {
  return BundleDataPath(prefix_, shard, header_.num_shards());
}

const BundleEntry* BundleReader::Find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const BundleEntry& e, std::string_view k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) return nullptr;
  return &*it;
}

absl::StatusOr<const RandomAccessFile*> BundleReader::DataFile(int shard) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = data_files_[static_cast<size_t>(shard)];
  if (!slot) {
    if (open_data_) {
      TB_ASSIGN_OR_RETURN(slot, open_data_(shard));
    } else {
      auto f = OpenRandomAccessFile(DataFileName(shard));
      if (!f.ok()) {
        return absl::Status(f.status().code(),
                            absl::StrCat("bundle data file ", DataFileName(shard), " is missing or unreadable: ",
                                         f.status().message()));
      }
      slot = *std::move(f);
    }
  }
  return slot.get();
}

absl::StatusOr<std::string> BundleReader::ReadRaw(const BundleEntry& e) const {
  TB_ASSIGN_OR_RETURN(const RandomAccessFile* file, DataFile(e.proto.shard_id()));
  const uint64_t size = static_cast<uint64_t>(e.proto.size());
  if (size > options_.max_tensor_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(index_name_, ": entry '", e.key, "' is ", size,
                                                     " bytes, more than the limit of ", options_.max_tensor_bytes));
  }
  std::string raw(static_cast<size_t>(size), '\0');
  absl::Status s = file->Read(static_cast<uint64_t>(e.proto.offset()), raw.size(), raw.data());
  if (!s.ok()) return absl::DataLossError(absl::StrCat("entry '", e.key, "': ", s.message()));
  return raw;
}

absl::StatusOr<Tensor> BundleReader::Read(std::string_view key) const {
  const BundleEntry* e = Find(key);
  if (e == nullptr) return absl::NotFoundError(absl::StrCat(index_name_, ": no tensor named '", ToAbsl(key), "'"));
  return Read(*e);
}

absl::StatusOr<Tensor> BundleReader::Read(const BundleEntry& e) const {
  auto where = [&] { return absl::StrCat(index_name_, ": entry '", e.key, "'"); };
  if (e.dtype == DType::kInvalid) {
    return absl::UnimplementedError(absl::StrCat(where(), " has unsupported type ", ProtoDTypeName(e.proto.dtype())));
  }
  if (e.proto.slices_size() > 0) {
    return absl::UnimplementedError(absl::StrCat(where(), " is a partitioned (sliced) tensor, which is not supported"));
  }
  const uint32_t expected_crc = crc32c::Unmask(e.proto.crc32c());
  auto crc_error = [&](uint32_t actual) {
    return absl::DataLossError(absl::StrCat(where(), ": checksum mismatch in ", DataFileName(e.proto.shard_id()),
                                            " (stored 0x", absl::Hex(expected_crc), ", computed 0x",
                                            absl::Hex(actual), ")"));
  };
  if (e.dtype != DType::kString) {
    TB_ASSIGN_OR_RETURN(const RandomAccessFile* file, DataFile(e.proto.shard_id()));
    TB_ASSIGN_OR_RETURN(Tensor t, Tensor::CreateUninitialized(e.dtype, e.shape));
    absl::Status s = file->Read(static_cast<uint64_t>(e.proto.offset()), t.byte_size(), t.mutable_bytes());
    if (!s.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", s.message()));
    const uint32_t actual = crc32c::Value(t.mutable_bytes(), t.byte_size());
    if (actual != expected_crc) return crc_error(actual);
    return t;
  }
  TB_ASSIGN_OR_RETURN(std::string raw, ReadRaw(e));
  TB_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(DType::kString, e.shape));
  auto strings = t.flat<std::string>();
  std::string_view in(raw);
  uint32_t crc = 0;
  uint64_t total = 0;
  std::vector<uint64_t> lengths(strings.size());
  for (size_t i = 0; i < strings.size(); ++i) {
    if (!GetVarint64(&in, &lengths[i]) || lengths[i] > raw.size()) {
      return absl::DataLossError(absl::StrCat(where(), ": corrupted length of string ", i));
    }
    total += lengths[i];
    const uint32_t len32 = static_cast<uint32_t>(lengths[i]);
    char buf[4];
    std::memcpy(buf, &len32, 4);
    crc = crc32c::Extend(crc, buf, 4);
  }
  uint32_t length_checksum = 0;
  if (!GetFixed32(&in, &length_checksum)) return absl::DataLossError(absl::StrCat(where(), ": truncated string data"));
  if (crc32c::Unmask(length_checksum) != crc) {
    return absl::DataLossError(absl::StrCat(where(), ": string lengths checksum mismatch"));
  }
  char buf[4];
  std::memcpy(buf, &length_checksum, 4);
  crc = crc32c::Extend(crc, buf, 4);
  if (total != in.size()) {
    return absl::DataLossError(absl::StrCat(where(), ": string lengths add up to ", total, " bytes but ", in.size(),
                                            " remain"));
  }
  for (size_t i = 0; i < strings.size(); ++i) {
    strings[i].assign(in.data(), lengths[i]);
    in.remove_prefix(lengths[i]);
  }
  crc = crc32c::Extend(crc, raw.data() + (raw.size() - total), total);
  if (crc != expected_crc) return crc_error(crc);
  return t;
}

absl::Status BundleReader::VerifyChecksum(const BundleEntry& e) const {
  // A string entry's checksum covers a normalized form (uint32 lengths), not the stored bytes: decode it.
  if (e.dtype == DType::kString) return Read(e).status();
  TB_ASSIGN_OR_RETURN(const RandomAccessFile* file, DataFile(e.proto.shard_id()));
  const uint64_t size = static_cast<uint64_t>(e.proto.size());
  uint64_t offset = static_cast<uint64_t>(e.proto.offset());
  std::string chunk;
  uint32_t crc = 0;
  for (uint64_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size - done, 1 << 20));
    chunk.resize(n);
    absl::Status s = file->Read(offset + done, n, chunk.data());
    if (!s.ok()) return absl::DataLossError(absl::StrCat(index_name_, ": entry '", e.key, "': ", s.message()));
    crc = crc32c::Extend(crc, chunk.data(), n);
    done += n;
  }
  if (crc != crc32c::Unmask(e.proto.crc32c())) {
    return absl::DataLossError(absl::StrCat(index_name_, ": entry '", e.key, "': checksum mismatch in ",
                                            DataFileName(e.proto.shard_id())));
  }
  return absl::OkStatus();
}

}  // namespace tb::tf
