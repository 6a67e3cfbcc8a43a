#include "tf/checkpoint_writer.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/status_macros.h"
#include "tensorflow/saved_tensor_slice.pb.h"
#include "tf/ordered_code.h"
#include "tf/table_builder.h"
#include "tf/tensor_proto.h"

namespace tb::tf {
namespace {

// TF refuses slices whose serialized form could exceed protobuf's 2 GiB message limit.
constexpr uint64_t kMaxSliceBytes = (uint64_t{1} << 31) - 1;

constexpr uint32_t kWireLengthDelimited = 2;
void PutTag(std::string* out, uint32_t field) { PutVarint32(out, (field << 3) | kWireLengthDelimited); }
void PutLengthDelimited(std::string* out, uint32_t field, std::string_view bytes) {
  PutTag(out, field);
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

bool Supported(DType d) {
  switch (d) {
    case DType::kFloat:
    case DType::kDouble:
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt8:
    case DType::kBool:
    case DType::kString:
      return true;
    default:
      return false;
  }
}

// One data record as pieces: everything up to the raw values, then (for float/double) the raw tensor bytes.
struct Record {
  std::string key;
  std::string head;
  std::string_view raw;  // Points into the caller's tensor.
};

absl::StatusOr<Record> EncodeRecord(const NamedTensor& nt) {
  const Tensor& t = nt.tensor;
  Record rec;
  rec.key = EncodeTensorNameSliceKey(nt.name, t.rank());
  // SavedSlice.slice: one empty extent per dimension = the whole tensor.
  std::string slice;
  for (int i = 0; i < t.rank(); ++i) PutLengthDelimited(&slice, 1, "");
  std::string tensor_head;  // TensorProto bytes before the raw values.
  uint64_t tensor_size = 0;
  if (t.dtype() == DType::kFloat || t.dtype() == DType::kDouble) {
    rec.raw = t.bytes();
    if (!rec.raw.empty()) {
      PutTag(&tensor_head, t.dtype() == DType::kFloat ? 5 : 6);  // float_val / double_val, packed.
      PutVarint64(&tensor_head, rec.raw.size());
    }
    tensor_size = tensor_head.size() + rec.raw.size();
  } else {
    tensorflow::TensorProto proto;
    TB_RETURN_IF_ERROR(TensorToProto(t, &proto, TensorEncoding::kValuesOnly));
    if (proto.ByteSizeLong() > kMaxSliceBytes) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", nt.name, "' is too large for a V1 checkpoint"));
    }
    tensor_head = proto.SerializeAsString();
    tensor_size = tensor_head.size();
  }
  std::string saved_slice;
  PutLengthDelimited(&saved_slice, 1, nt.name);
  PutLengthDelimited(&saved_slice, 2, slice);
  PutTag(&saved_slice, 3);
  PutVarint64(&saved_slice, tensor_size);
  saved_slice += tensor_head;
  const uint64_t saved_slice_size = saved_slice.size() + rec.raw.size();
  if (saved_slice_size > kMaxSliceBytes) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", nt.name, "' (", t.DebugType(),
                                                   ") is too large for a V1 checkpoint (2 GiB per tensor)"));
  }
  PutTag(&rec.head, 2);  // SavedTensorSlices.data
  PutVarint64(&rec.head, saved_slice_size);
  rec.head += saved_slice;
  return rec;
}

}  // namespace

std::string EncodeTensorNameSliceKey(std::string_view name, int rank) {
  std::string key;
  ordered_code::WriteNumIncreasing(&key, 0);
  ordered_code::WriteString(&key, name);
  ordered_code::WriteNumIncreasing(&key, static_cast<uint64_t>(rank));
  for (int i = 0; i < rank; ++i) {
    ordered_code::WriteSignedNumIncreasing(&key, 0);   // start
    ordered_code::WriteSignedNumIncreasing(&key, -1);  // length: the whole dimension
  }
  return key;
}

absl::Status WriteCheckpoint(WritableFile* out, absl::Span<const NamedTensor> tensors) {
  tensorflow::SavedTensorSlices meta_record;
  auto* meta = meta_record.mutable_meta();
  std::set<std::string_view> names;
  std::map<std::string, Record> records;
  for (const NamedTensor& nt : tensors) {
    if (nt.name.empty()) return absl::InvalidArgumentError("checkpoint tensor names must not be empty");
    if (!names.insert(nt.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate checkpoint tensor name '", nt.name, "'"));
    }
    if (!nt.tensor.valid() || !Supported(nt.tensor.dtype())) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", nt.name, "' has type ",
                                                     ToAbsl(DTypeName(nt.tensor.dtype())),
                                                     ", which V1 checkpoints cannot hold"));
    }
    auto* m = meta->add_tensor();
    m->set_name(nt.name);
    ShapeToProto(nt.tensor.shape(), m->mutable_shape());
    m->set_type(ToProto(nt.tensor.dtype()));
    auto* slice = m->add_slice();
    for (int i = 0; i < nt.tensor.rank(); ++i) slice->add_extent();
    TB_ASSIGN_OR_RETURN(Record rec, EncodeRecord(nt));
    std::string key = rec.key;
    records.emplace(std::move(key), std::move(rec));
  }
  meta->mutable_versions()->set_producer(1);

  table::TableBuilder builder(table::TableOptions{}, out);
  TB_RETURN_IF_ERROR(builder.Add("", meta_record.SerializeAsString()));
  for (const auto& [key, rec] : records) {
    const std::string_view pieces[] = {rec.head, rec.raw};
    TB_RETURN_IF_ERROR(builder.AddPieces(key, pieces));
  }
  return builder.Finish();
}

absl::Status WriteCheckpointFile(const std::string& path, absl::Span<const NamedTensor> tensors,
                                 WriteOptions options) {
  TB_ASSIGN_OR_RETURN(auto file, NewWritableFile(path, options));
  TB_RETURN_IF_ERROR(Annotate(WriteCheckpoint(file.get(), tensors), path));
  return file->Close();
}

absl::StatusOr<std::string> SerializeCheckpoint(absl::Span<const NamedTensor> tensors) {
  std::string out;
  auto file = NewStringWritableFile("checkpoint", &out);
  TB_RETURN_IF_ERROR(WriteCheckpoint(file.get(), tensors));
  return out;
}

}  // namespace tb::tf
