#include "tf/checkpoint_reader.h"

#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/status_macros.h"
#include "tf/ordered_code.h"
#include "tf/tensor_proto.h"

namespace tb::tf {
namespace {

// Minimal protobuf wire scanning, so multi-hundred-megabyte float records are not copied through a message.
struct WireField {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;
  std::string_view bytes;
};

bool NextField(std::string_view* in, WireField* f) {
  uint64_t tag = 0;
  if (!GetVarint64(in, &tag) || tag > UINT32_MAX) return false;
  f->number = static_cast<uint32_t>(tag >> 3);
  f->wire_type = static_cast<uint32_t>(tag & 7);
  switch (f->wire_type) {
    case 0:
      return GetVarint64(in, &f->varint);
    case 1:
      if (in->size() < 8) return false;
      f->bytes = in->substr(0, 8);
      in->remove_prefix(8);
      return true;
    case 2: {
      uint64_t len = 0;
      if (!GetVarint64(in, &len) || len > in->size()) return false;
      f->bytes = in->substr(0, static_cast<size_t>(len));
      in->remove_prefix(static_cast<size_t>(len));
      return true;
    }
    case 5:
      if (in->size() < 4) return false;
      f->bytes = in->substr(0, 4);
      in->remove_prefix(4);
      return true;
    default:
      return false;
  }
}

// The key of a slice (TF's EncodeTensorNameSlice): extents with a length keep it, full extents use -1.
std::string SliceKey(std::string_view name, const tensorflow::TensorSliceProto& slice) {
  std::string key;
  ordered_code::WriteNumIncreasing(&key, 0);
  ordered_code::WriteString(&key, name);
  ordered_code::WriteNumIncreasing(&key, static_cast<uint64_t>(slice.extent_size()));
  for (const auto& e : slice.extent()) {
    ordered_code::WriteSignedNumIncreasing(&key, e.start());
    ordered_code::WriteSignedNumIncreasing(&key, e.has_length_case() ? e.length() : -1);
  }
  return key;
}

// Copies `part` (the values of a slice) into `full` at the slice's position. Shapes were validated.
void CopySlice(const Tensor& part, const tensorflow::TensorSliceProto& slice, Tensor* full) {
  const int rank = full->rank();
  const Shape& fs = full->shape();
  const Shape& ps = part.shape();
  if (part.num_elements() == 0) return;
  // Row-major strides of the full tensor.
  std::vector<int64_t> stride(rank, 1);
  for (int i = rank - 2; i >= 0; --i) stride[i] = stride[i + 1] * fs[i + 1];
  const int64_t run = rank == 0 ? 1 : ps[rank - 1];  // Contiguous elements per innermost row.
  std::vector<int64_t> idx(rank, 0);
  const bool is_string = full->dtype() == DType::kString;
  const size_t elem = DTypeSize(full->dtype());
  int64_t src = 0;
  while (true) {
    int64_t dst = 0;
    for (int i = 0; i < rank; ++i) dst += (slice.extent(i).start() + idx[i]) * stride[i];
    if (is_string) {
      auto in = part.flat<std::string>();
      auto out = full->flat<std::string>();
      for (int64_t k = 0; k < run; ++k) out[dst + k] = in[src + k];
    } else {
      std::memcpy(full->mutable_bytes() + dst * elem, part.bytes().data() + src * elem, run * elem);
    }
    src += run;
    int d = rank - 2;
    for (; d >= 0; --d) {
      if (++idx[d] < ps[d]) break;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<CheckpointReader>> CheckpointReader::Open(const std::string& path,
                                                                         CheckpointReadOptions options) {
  TB_ASSIGN_OR_RETURN(auto file, OpenRandomAccessFile(path));
  return Open(std::move(file), options);
}

absl::StatusOr<std::unique_ptr<CheckpointReader>> CheckpointReader::Open(std::unique_ptr<RandomAccessFile> file,
                                                                         CheckpointReadOptions options) {
  std::unique_ptr<CheckpointReader> r(new CheckpointReader());
  r->options_ = options;
  const std::string name = file->name();
  TB_ASSIGN_OR_RETURN(r->table_, table::TableReader::Open(std::move(file), options.table));
  auto it = r->table_->NewIterator();
  it.SeekToFirst();
  TB_RETURN_IF_ERROR(it.status());
  if (!it.Valid() || !it.key().empty()) {
    return absl::DataLossError(absl::StrCat(name, ": not a V1 checkpoint (no metadata record under key \"\")"));
  }
  tensorflow::SavedTensorSlices record;
  if (!record.ParseFromArray(it.value().data(), static_cast<int>(it.value().size())) || !record.has_meta()) {
    return absl::DataLossError(absl::StrCat(name, ": the metadata record is not a SavedTensorSlices with meta"));
  }
  r->versions_ = record.meta().versions();
  if (static_cast<uint64_t>(record.meta().tensor_size()) > options.max_tensors) {
    return absl::ResourceExhaustedError(absl::StrCat(name, ": more than ", options.max_tensors, " tensors"));
  }
  std::set<std::string> seen;
  for (const auto& m : record.meta().tensor()) {
    auto where = [&] { return absl::StrCat(name, ": tensor '", m.name(), "'"); };
    if (m.name().empty()) return absl::DataLossError(absl::StrCat(name, ": metadata lists a tensor with no name"));
    if (!seen.insert(m.name()).second) return absl::DataLossError(absl::StrCat(where(), " is listed twice"));
    CheckpointTensorInfo info;
    info.name = m.name();
    auto dtype = FromProto(m.type());
    if (!dtype.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", dtype.status().message()));
    info.dtype = *dtype;
    auto shape = ShapeFromProto(m.shape());
    if (!shape.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", shape.status().message()));
    info.shape = *std::move(shape);
    auto n = NumElements(info.shape, static_cast<int64_t>(options.max_tensor_bytes));
    if (!n.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", n.status().message()));
    if (m.slice_size() == 0) return absl::DataLossError(absl::StrCat(where(), " has no slices"));
    for (const auto& s : m.slice()) {
      if (s.extent_size() != static_cast<int>(info.shape.size())) {
        return absl::DataLossError(absl::StrCat(where(), ": a slice has rank ", s.extent_size(), ", the tensor ",
                                                info.shape.size()));
      }
      for (int d = 0; d < s.extent_size(); ++d) {
        const auto& e = s.extent(d);
        const int64_t len = e.has_length_case() ? e.length() : info.shape[d] - e.start();
        if (e.start() < 0 || len < 0 || e.start() > info.shape[d] - len) {
          return absl::DataLossError(absl::StrCat(where(), ": slice extent ", d, " [", e.start(), ", +", len,
                                                  ") is outside dimension ", info.shape[d]));
        }
      }
      info.slices.push_back(s);
    }
    r->tensors_.push_back(std::move(info));
  }
  return r;
}

const CheckpointTensorInfo* CheckpointReader::Find(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

absl::StatusOr<std::optional<Tensor>> CheckpointReader::ReadLargeSliceDirect(const CheckpointTensorInfo& info,
                                                                             const std::string& key,
                                                                             const Shape& slice_shape) const {
  constexpr uint64_t kMinDirectBytes = 256 << 10;  // The table block size: smaller values share blocks.
  constexpr uint64_t kMaxPrefix = 1 << 16;
  const size_t elem = DTypeSize(info.dtype);
  auto n = NumElements(slice_shape);
  if (!n.ok()) return std::optional<Tensor>();
  const uint64_t value_bytes = static_cast<uint64_t>(*n) * elem;
  if (value_bytes < kMinDirectBytes || value_bytes > options_.max_tensor_bytes) return std::optional<Tensor>();
  TB_ASSIGN_OR_RETURN(std::optional<table::BlockHandle> handle, table_->FindBlock(key));
  const RandomAccessFile& file = table_->file();
  // Block = entry (header, key, value ending with the packed values) + one restart (0) + restart count (1).
  if (!handle || handle->size < value_bytes + 8 || handle->size - value_bytes - 8 > kMaxPrefix ||
      handle->offset > file.size() || handle->size + table::kBlockTrailerSize > file.size() - handle->offset) {
    return std::optional<Tensor>();
  }
  const uint64_t values_at = handle->size - 8 - value_bytes;
  std::string prefix(static_cast<size_t>(values_at), '\0');
  char suffix[8 + table::kBlockTrailerSize];
  TB_RETURN_IF_ERROR(file.Read(handle->offset, prefix.size(), prefix.data()));
  TB_RETURN_IF_ERROR(file.Read(handle->offset + handle->size - 8, sizeof suffix, suffix));
  if (DecodeFixed32(suffix) != 0 || DecodeFixed32(suffix + 4) != 1 || suffix[8] != 0) return std::optional<Tensor>();
  // Walk the headers; every length must end exactly where the block's entry ends.
  const uint64_t entry_end = handle->size - 8;
  std::string_view in(prefix);
  auto pos = [&] { return static_cast<uint64_t>(prefix.size() - in.size()); };
  uint32_t shared = 0, non_shared = 0, value_len = 0;
  if (!GetVarint32(&in, &shared) || !GetVarint32(&in, &non_shared) || !GetVarint32(&in, &value_len) || shared != 0 ||
      non_shared > in.size() || in.substr(0, non_shared) != key) {
    return std::optional<Tensor>();
  }
  in.remove_prefix(non_shared);
  if (pos() + value_len != entry_end) return std::optional<Tensor>();
  // Length-delimited field `number` whose payload runs to `end`.
  auto enter = [&](uint32_t number, uint64_t end) {
    uint64_t tag = 0, len = 0;
    return GetVarint64(&in, &tag) && tag == ((number << 3) | 2) && GetVarint64(&in, &len) && pos() + len == end;
  };
  if (!enter(2, entry_end)) return std::optional<Tensor>();  // SavedTensorSlices.data
  // SavedSlice: name and slice, then data (3) last.
  bool name_ok = false;
  while (true) {
    std::string_view save = in;
    uint64_t tag = 0;
    if (!GetVarint64(&in, &tag)) return std::optional<Tensor>();
    if (tag == ((3 << 3) | 2)) {
      in = save;
      break;
    }
    in = save;
    WireField f;
    if (!NextField(&in, &f)) return std::optional<Tensor>();
    if (f.number == 1 && f.wire_type == 2) name_ok = f.bytes == info.name;
  }
  if (!name_ok || !enter(3, entry_end)) return std::optional<Tensor>();
  const uint32_t values_field = info.dtype == DType::kFloat ? 5 : 6;
  if (!enter(values_field, entry_end) || pos() != values_at) return std::optional<Tensor>();

  TB_ASSIGN_OR_RETURN(Tensor t, Tensor::CreateUninitialized(info.dtype, slice_shape));
  TB_RETURN_IF_ERROR(file.Read(handle->offset + values_at, t.byte_size(), t.mutable_bytes()));
  if (table_->options().verify_checksums) {
    uint32_t crc = crc32c::Value(prefix.data(), prefix.size());
    crc = crc32c::Extend(crc, t.mutable_bytes(), t.byte_size());
    crc = crc32c::Extend(crc, suffix, 9);
    const uint32_t stored = crc32c::Unmask(DecodeFixed32(suffix + 9));
    if (crc != stored) {
      return absl::DataLossError(absl::StrCat(name(), ": block at offset ", handle->offset,
                                              " has a checksum mismatch (tensor '", info.name, "')"));
    }
  }
  return std::optional<Tensor>(std::move(t));
}

absl::StatusOr<Tensor> CheckpointReader::ReadSlice(const CheckpointTensorInfo& info,
                                                   const tensorflow::TensorSliceProto& slice,
                                                   const Shape& slice_shape) const {
  auto where = [&] { return absl::StrCat(name(), ": tensor '", info.name, "'"); };
  const std::string key = SliceKey(info.name, slice);
  if (info.dtype == DType::kFloat || info.dtype == DType::kDouble) {
    TB_ASSIGN_OR_RETURN(std::optional<Tensor> direct, ReadLargeSliceDirect(info, key, slice_shape));
    if (direct) return *std::move(direct);
  }
  auto it = table_->NewIterator();
  it.Seek(key);
  TB_RETURN_IF_ERROR(it.status());
  if (!it.Valid() || it.key() != key) return absl::DataLossError(absl::StrCat(where(), ": data record is missing"));

  // SavedTensorSlices { data = 2: SavedSlice { name = 1, slice = 2, data = 3: TensorProto } }.
  std::string_view in = it.value();
  std::string_view saved_slice;
  bool found = false;
  WireField f;
  while (!in.empty()) {
    if (!NextField(&in, &f)) return absl::DataLossError(absl::StrCat(where(), ": data record is not a valid proto"));
    if (f.number == 2 && f.wire_type == 2) {
      saved_slice = f.bytes;
      found = true;
    }
  }
  if (!found) return absl::DataLossError(absl::StrCat(where(), ": data record has no SavedSlice"));
  std::string_view record_name, tensor_bytes;
  while (!saved_slice.empty()) {
    if (!NextField(&saved_slice, &f)) return absl::DataLossError(absl::StrCat(where(), ": corrupted SavedSlice"));
    if (f.number == 1 && f.wire_type == 2) record_name = f.bytes;
    if (f.number == 3 && f.wire_type == 2) tensor_bytes = f.bytes;
  }
  if (record_name != info.name) {
    return absl::DataLossError(absl::StrCat(where(), ": data record is named '", ToAbsl(record_name), "'"));
  }
  // Fast path: a single packed float_val/double_val field of exactly the right size.
  if (info.dtype == DType::kFloat || info.dtype == DType::kDouble) {
    std::string_view scan = tensor_bytes;
    WireField only;
    int fields = 0;
    bool ok = true;
    while (!scan.empty() && ok) {
      ok = NextField(&scan, &only);
      ++fields;
    }
    const uint32_t want_field = info.dtype == DType::kFloat ? 5 : 6;
    if (ok && fields <= 1) {
      TB_ASSIGN_OR_RETURN(Tensor t, Tensor::CreateUninitialized(info.dtype, slice_shape));
      if (fields == 0 && t.byte_size() == 0) return t;
      if (fields == 1 && only.number == want_field && only.wire_type == 2 && only.bytes.size() == t.byte_size()) {
        std::memcpy(t.mutable_bytes(), only.bytes.data(), t.byte_size());
        return t;
      }
    }
  }
  tensorflow::TensorProto proto;
  if (!proto.ParseFromArray(tensor_bytes.data(), static_cast<int>(tensor_bytes.size()))) {
    return absl::DataLossError(absl::StrCat(where(), ": data is not a valid TensorProto"));
  }
  auto t = TensorFromProtoValues(proto, info.dtype, slice_shape);
  if (!t.ok()) return absl::DataLossError(absl::StrCat(where(), ": ", t.status().message()));
  const int64_t values = std::max({proto.float_val_size(), proto.double_val_size(), proto.int_val_size(),
                                   proto.int64_val_size(), proto.bool_val_size(), proto.string_val_size()});
  if (proto.tensor_content().empty() && values != t->num_elements()) {
    return absl::DataLossError(absl::StrCat(where(), ": record has ", values, " values for ", t->num_elements(),
                                            " elements"));
  }
  return t;
}

absl::StatusOr<Tensor> CheckpointReader::Read(std::string_view tensor_name) const {
  const CheckpointTensorInfo* info = Find(tensor_name);
  if (info == nullptr) {
    return absl::NotFoundError(absl::StrCat(name(), ": no tensor named '", ToAbsl(tensor_name), "'"));
  }
  auto slice_shape = [&](const tensorflow::TensorSliceProto& s) {
    Shape shape(info->shape.size());
    for (int d = 0; d < s.extent_size(); ++d) {
      const auto& e = s.extent(d);
      shape[d] = e.has_length_case() ? e.length() : info->shape[d] - e.start();
    }
    return shape;
  };
  if (info->slices.size() == 1 && slice_shape(info->slices[0]) == info->shape) {
    return ReadSlice(*info, info->slices[0], info->shape);
  }
  TB_ASSIGN_OR_RETURN(Tensor full, Tensor::Create(info->dtype, info->shape));
  int64_t covered = 0;
  for (const auto& s : info->slices) {
    const Shape shape = slice_shape(s);
    TB_ASSIGN_OR_RETURN(Tensor part, ReadSlice(*info, s, shape));
    CopySlice(part, s, &full);
    covered += part.num_elements();
  }
  if (covered != full.num_elements()) {
    return absl::DataLossError(absl::StrCat(name(), ": tensor '", info->name, "': its slices hold ", covered,
                                            " elements, the tensor has ", full.num_elements()));
  }
  return full;
}

absl::StatusOr<std::vector<NamedTensor>> CheckpointReader::ReadAll() const {
  std::vector<NamedTensor> out;
  out.reserve(tensors_.size());
  for (const auto& info : tensors_) {
    TB_ASSIGN_OR_RETURN(Tensor t, Read(info.name));
    out.push_back({info.name, std::move(t)});
  }
  return out;
}

}  // namespace tb::tf
