#include "tf/inspect.h"

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/status_macros.h"
#include "tensorflow/saved_tensor_slice.pb.h"
#include "tensorflow/tensor_bundle.pb.h"
#include "tf/bundle.h"
#include "tf/checkpoint_reader.h"
#include "tf/functional_model.h"
#include "tf/saved_model.h"
#include "tf/table_reader.h"
#include "tf/tensor_proto.h"

namespace tb::tf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Hex32(uint32_t v) { return absl::StrCat(absl::Hex(v, absl::kZeroPad8)); }

json SpecJson(const TensorSpec& s) { return {{"name", s.name}, {"type", s.TypeString()}}; }

json ShapeJson(const Shape& shape) { return json(shape); }

json ScalarValue(const Tensor& t) {
  switch (t.dtype()) {
    case DType::kFloat: return t.scalar<float>();
    case DType::kDouble: return t.scalar<double>();
    case DType::kInt32: return t.scalar<int32_t>();
    case DType::kInt64: return t.scalar<int64_t>();
    case DType::kBool: return t.scalar<bool>();
    case DType::kString: {
      const std::string& s = t.flat<std::string>()[0];
      const bool printable = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
      if (printable && s.size() <= 256) return s;
      return json{{"bytes", s.size()}};
    }
    default: return nullptr;
  }
}

json FunctionJson(const ModelFunction& f) {
  json inputs = json::array(), outputs = json::array();
  for (const TensorSpec& s : f.inputs) inputs.push_back(SpecJson(s));
  for (const TensorSpec& s : f.outputs) outputs.push_back(SpecJson(s));
  std::map<std::string, int> ops;
  for (const auto& n : f.function.node_def()) ++ops[n.op()];
  return {{"entry", f.entry}, {"body", f.name()}, {"call_chain", f.call_chain},
          {"inputs", inputs}, {"outputs", outputs}, {"ops", ops}};
}

json WeightsJson(const std::vector<NamedTensor>& weights, int64_t* parameters) {
  json out = json::array();
  for (const NamedTensor& w : weights) {
    *parameters += w.tensor.num_elements();
    out.push_back({{"name", w.name}, {"type", w.tensor.DebugType()}, {"bytes", w.tensor.byte_size()}});
  }
  return out;
}

json TensorInfoJson(const tensorflow::TensorInfo& info) {
  TensorSpec spec;
  spec.dtype = static_cast<DType>(info.dtype());
  if (info.tensor_shape().unknown_rank()) {
    spec.unknown_rank = true;
  } else {
    for (const auto& d : info.tensor_shape().dim()) spec.shape.push_back(d.size());
  }
  return {{"tensor", info.name()}, {"type", spec.TypeString()}};
}

bool IsTable(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size < table::kFooterSize) return false;
  auto file = OpenRandomAccessFile(path);
  if (!file.ok()) return false;
  char magic[8];
  if (!(*file)->Read(size - 8, 8, magic).ok()) return false;
  return DecodeFixed64(magic) == table::kTableMagic;
}

// The value of the table's first record if its key is "".
std::optional<std::string> HeaderRecord(const std::string& path) {
  auto file = OpenRandomAccessFile(path);
  if (!file.ok()) return std::nullopt;
  auto table = table::TableReader::Open(*std::move(file));
  if (!table.ok()) return std::nullopt;
  auto it = (*table)->NewIterator();
  it.SeekToFirst();
  if (!it.Valid() || !it.key().empty()) return std::nullopt;
  return std::string(it.value());
}

}  // namespace

absl::StatusOr<ArtifactKind> DetectArtifact(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path + "/" + kSavedModelFile) || fs::exists(path + "/" + kSavedModelTextFile)) {
      return ArtifactKind::kSavedModel;
    }
    return absl::InvalidArgumentError(absl::StrCat(path, " is a directory without a saved_model.pb"));
  }
  if (fs::path(path).filename() == kSavedModelFile) return ArtifactKind::kSavedModel;
  if (!fs::exists(path, ec) && fs::exists(path + ".index", ec)) return ArtifactKind::kBundle;
  if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
  if (IsTable(path)) {
    auto header = HeaderRecord(path);
    if (header) {
      tensorflow::SavedTensorSlices sts;
      if (sts.ParseFromString(*header) && sts.has_meta()) return ArtifactKind::kV1Checkpoint;
      tensorflow::BundleHeaderProto bh;
      if (bh.ParseFromString(*header) && bh.num_shards() > 0) return ArtifactKind::kBundle;
    }
    return ArtifactKind::kTable;
  }
  auto file = OpenRandomAccessFile(path);
  if (file.ok() && (*file)->size() >= 8) {
    char head[8];
    if ((*file)->Read(0, 8, head).ok() && std::string_view(head + 4, 4) == "TFL3") return ArtifactKind::kTfLite;
  }
  return ArtifactKind::kOther;
}

absl::StatusOr<json> InspectBundle(const std::string& path) {
  std::string prefix = path;
  if (prefix.ends_with(".index")) prefix.resize(prefix.size() - 6);
  TB_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(prefix));
  json entries = json::array();
  bool all_ok = true;
  for (const BundleEntry& e : reader->entries()) {
    json j = {{"key", e.key},
              {"dtype", ProtoDTypeName(e.proto.dtype())},
              {"shape", ShapeJson(e.shape)},
              {"shard", e.proto.shard_id()},
              {"offset", e.proto.offset()},
              {"size", e.proto.size()},
              {"crc32c", Hex32(e.proto.crc32c())}};
    absl::Status s = reader->VerifyChecksum(e);
    j["checksum"] = s.ok() ? json("ok") : json(std::string(s.message()));
    all_ok = all_ok && s.ok();
    if (s.ok() && e.shape.empty() && e.dtype != DType::kInvalid && e.key != kObjectGraphKey) {
      auto t = reader->Read(e);
      if (t.ok()) j["value"] = ScalarValue(*t);
    }
    entries.push_back(std::move(j));
  }
  json files = json::array();
  for (int i = 0; i < reader->header().num_shards(); ++i) {
    const std::string name = reader->DataFileName(i);
    std::error_code ec;
    const auto size = fs::file_size(name, ec);
    files.push_back(ec ? json{{"path", name}, {"missing", true}} : json{{"path", name}, {"bytes", size}});
  }
  return json{{"kind", "tensor_bundle"},
              {"index", BundleIndexPath(prefix)},
              {"num_shards", reader->header().num_shards()},
              {"version", {{"producer", reader->header().version().producer()},
                           {"min_consumer", reader->header().version().min_consumer()}}},
              {"data_files", files},
              {"checksums_ok", all_ok},
              {"entries", entries}};
}

absl::StatusOr<json> InspectCheckpoint(const std::string& path) {
  TB_ASSIGN_OR_RETURN(auto reader, CheckpointReader::Open(path));
  json tensors = json::array();
  bool all_ok = true;
  for (const auto& info : reader->tensors()) {
    json j = {{"name", info.name},
              {"dtype", std::string(DTypeName(info.dtype))},
              {"shape", ShapeJson(info.shape)},
              {"slices", info.slices.size()}};
    auto t = reader->Read(info.name);
    if (t.ok()) {
      j["checksum"] = "ok";
      if (info.shape.empty()) j["value"] = ScalarValue(*t);
    } else {
      j["checksum"] = std::string(t.status().message());
      all_ok = false;
    }
    tensors.push_back(std::move(j));
  }
  std::error_code ec;
  return json{{"kind", "v1_checkpoint"},
              {"path", path},
              {"bytes", fs::file_size(path, ec)},
              {"versions", {{"producer", reader->versions().producer()}}},
              {"checksums_ok", all_ok},
              {"tensors", tensors}};
}

absl::StatusOr<json> InspectTable(const std::string& path) {
  TB_ASSIGN_OR_RETURN(auto file, OpenRandomAccessFile(path));
  TB_ASSIGN_OR_RETURN(auto table, table::TableReader::Open(std::move(file)));
  json entries = json::array();
  uint64_t count = 0;
  TB_RETURN_IF_ERROR(table->ForEach([&](std::string_view key, std::string_view value) {
    if (++count <= 1000) {
      std::string printable;
      for (char c : key) {
        printable += (c >= 0x20 && c < 0x7f) ? std::string(1, c)
                                             : absl::StrCat("\\x", absl::Hex(static_cast<uint8_t>(c), absl::kZeroPad2));
      }
      entries.push_back({{"key", printable}, {"value_bytes", value.size()}});
    }
    return absl::OkStatus();
  }));
  return json{{"kind", "table"}, {"path", path}, {"entries_total", count}, {"data_blocks", table->num_data_blocks()},
              {"entries", entries}};
}

absl::StatusOr<json> InspectSavedModel(const std::string& path) {
  std::string dir = path;
  if (fs::path(path).filename() == kSavedModelFile) dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  TB_ASSIGN_OR_RETURN(tensorflow::SavedModel sm, ReadSavedModelProto(dir));
  TB_ASSIGN_OR_RETURN(const tensorflow::MetaGraphDef* mg, FindServingMetaGraph(sm, dir));
  std::map<std::string, int> ops;
  for (const auto& n : mg->graph_def().node()) ++ops[n.op()];
  json signatures = json::object();
  for (const auto& [name, sig] : mg->signature_def()) {
    json in = json::object(), out = json::object();
    for (const auto& [k, v] : sig.inputs()) in[k] = TensorInfoJson(v);
    for (const auto& [k, v] : sig.outputs()) out[k] = TensorInfoJson(v);
    signatures[name] = {{"method", sig.method_name()}, {"inputs", in}, {"outputs", out}};
  }
  json j = {{"kind", "saved_model"},
            {"path", dir},
            {"tensorflow_version", mg->meta_info_def().tensorflow_version()},
            {"tags", mg->meta_info_def().tags()},
            {"stripped_default_attrs", mg->meta_info_def().stripped_default_attrs()},
            {"graph",
             {{"producer", mg->graph_def().versions().producer()},
              {"min_consumer", mg->graph_def().versions().min_consumer()},
              {"nodes", mg->graph_def().node_size()},
              {"functions", mg->graph_def().library().function_size()},
              {"ops", ops}}},
            {"objects", mg->object_graph_def().nodes_size()},
            {"signatures", signatures}};
  auto model = LoadFunctionalModel(dir);
  if (model.ok()) {
    int64_t parameters = 0;
    json features = json::array(), labels = json::array();
    for (const TensorSpec& s : model->features) features.push_back(SpecJson(s));
    for (const TensorSpec& s : model->labels) labels.push_back(SpecJson(s));
    json fm = {{"predict_on_batch_training", FunctionJson(model->predict_training)},
               {"predict_on_batch_inference", FunctionJson(model->predict_inference)},
               {"loss", FunctionJson(model->loss)},
               {"trainable_weights", WeightsJson(model->trainable_weights, &parameters)},
               {"non_trainable_weights", WeightsJson(model->non_trainable_weights, &parameters)},
               {"input_spec", TffTypeToString(model->input_spec)},
               {"features", features},
               {"labels", labels},
               {"unknown_ops", model->unknown_ops}};
    fm["parameters"] = parameters;
    j["functional_model"] = std::move(fm);
  } else {
    j["functional_model_error"] = std::string(model.status().message());
  }
  if (fs::exists(BundleIndexPath(dir + "/" + kVariablesPrefix))) {
    auto variables = InspectBundle(dir + "/" + kVariablesPrefix);
    if (variables.ok()) {
      j["variables"] = *std::move(variables);
    } else {
      j["variables_error"] = std::string(variables.status().message());
    }
  }
  return j;
}

json ProtoToJson(const google::protobuf::Message& m) {
  using google::protobuf::FieldDescriptor;
  const auto* descriptor = m.GetDescriptor();
  const auto* reflection = m.GetReflection();
  json out = json::object();
  if (descriptor->full_name() == "google.protobuf.Any") {
    const FieldDescriptor* url = descriptor->FindFieldByNumber(1);
    const FieldDescriptor* value = descriptor->FindFieldByNumber(2);
    const std::string bytes = reflection->GetString(m, value);
    return {{"type_url", reflection->GetString(m, url)}, {"bytes", bytes.size()},
            {"crc32c", Hex32(crc32c::Value(bytes))}};
  }
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  auto scalar = [&](const FieldDescriptor* f, int index) -> json {
    const bool rep = index >= 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return rep ? reflection->GetRepeatedInt32(m, f, index) : reflection->GetInt32(m, f);
      case FieldDescriptor::CPPTYPE_INT64: return rep ? reflection->GetRepeatedInt64(m, f, index) : reflection->GetInt64(m, f);
      case FieldDescriptor::CPPTYPE_UINT32: return rep ? reflection->GetRepeatedUInt32(m, f, index) : reflection->GetUInt32(m, f);
      case FieldDescriptor::CPPTYPE_UINT64: return rep ? reflection->GetRepeatedUInt64(m, f, index) : reflection->GetUInt64(m, f);
      case FieldDescriptor::CPPTYPE_FLOAT: return rep ? reflection->GetRepeatedFloat(m, f, index) : reflection->GetFloat(m, f);
      case FieldDescriptor::CPPTYPE_DOUBLE: return rep ? reflection->GetRepeatedDouble(m, f, index) : reflection->GetDouble(m, f);
      case FieldDescriptor::CPPTYPE_BOOL: return rep ? reflection->GetRepeatedBool(m, f, index) : reflection->GetBool(m, f);
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = rep ? reflection->GetRepeatedEnum(m, f, index) : reflection->GetEnum(m, f);
        return e->name();
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string s = rep ? reflection->GetRepeatedString(m, f, index) : reflection->GetString(m, f);
        bool printable = f->type() == FieldDescriptor::TYPE_STRING;
        if (!printable && s.size() <= 64) {
          printable = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
        }
        if (printable && s.size() <= 4096) return s;
        return {{"bytes", s.size()}, {"crc32c", Hex32(crc32c::Value(s))}};
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return ProtoToJson(rep ? reflection->GetRepeatedMessage(m, f, index) : reflection->GetMessage(m, f));
    }
    return nullptr;
  };
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) {
      json list = json::array();
      for (int i = 0; i < reflection->FieldSize(m, f); ++i) list.push_back(scalar(f, i));
      out[f->name()] = std::move(list);
    } else {
      out[f->name()] = scalar(f, -1);
    }
  }
  if (!reflection->GetUnknownFields(m).empty()) out["unknown_fields"] = reflection->GetUnknownFields(m).field_count();
  return out;
}

}  // namespace tb::tf
