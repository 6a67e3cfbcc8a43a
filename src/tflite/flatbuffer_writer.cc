#include "tflite/flatbuffer_writer.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tflite/model_reader.h"
#include "tflite/op_versions.h"
#include "tflite/runtime_versions.h"

namespace tb::tflite {
namespace {

constexpr uint32_t kSchemaVersion = 3;
constexpr int kPlaceholderForGreaterOpCodes = 127;
constexpr size_t kMinRuntimeVersionBytes = 16;
constexpr char kMinRuntimeVersionName[] = "min_runtime_version";

struct OpCodeKey {
  int32_t code;
  std::string custom_code;
  bool operator<(const OpCodeKey& o) const { return std::tie(code, custom_code) < std::tie(o.code, o.custom_code); }
};

struct OpCodeEntry {
  OpCodeKey key;
  int version = 1;
};

std::string Where(const SubgraphDef& sg, int s) { return absl::StrCat("subgraph ", s, " (", sg.name, ")"); }

// The 16 NUL-padded bytes of the metadata entry; all zeros when the string would not leave a terminator.
std::string MinRuntimeVersionBytes(const std::string& version) {
  std::string bytes(kMinRuntimeVersionBytes, '\0');
  if (version.size() < kMinRuntimeVersionBytes) std::copy(version.begin(), version.end(), bytes.begin());
  return bytes;
}

}  // namespace

absl::StatusOr<WrittenModel> WriteModel(const Program& program) {
  if (program.subgraphs.empty()) return absl::InvalidArgumentError("TFLite program has no subgraph");
  const int32_t kCustom = static_cast<int32_t>(fb::BuiltinOperator::CUSTOM);

  // Operator codes in first-use order; versions are the maximum over every use.
  std::map<OpCodeKey, int> opcode_index;
  std::vector<OpCodeEntry> opcodes;
  std::vector<std::vector<int>> op_opcode(program.subgraphs.size());
  std::string min_runtime;
  for (size_t s = 0; s < program.subgraphs.size(); ++s) {
    const SubgraphDef& sg = program.subgraphs[s];
    for (size_t i = 0; i < sg.operators.size(); ++i) {
      const OperatorDef& op = sg.operators[i];
      const int32_t code = static_cast<int32_t>(op.code);
      for (const std::vector<int32_t>* list : {&op.inputs, &op.outputs}) {
        for (int32_t t : *list) {
          if (t < -1 || t >= static_cast<int32_t>(sg.tensors.size()) || (t == -1 && list == &op.outputs)) {
            return absl::InvalidArgumentError(absl::StrCat(Where(sg, s), ", operator ", i, ": tensor index ", t,
                                                           " out of range"));
          }
        }
      }
      OpCodeKey key{code, code == kCustom ? op.custom_code : std::string()};
      if (code == kCustom && key.custom_code.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(Where(sg, s), ", operator ", i, ": CUSTOM without a code"));
      }
      const int version = code == kCustom ? 1 : BuiltinOpVersion(sg, op);
      auto [it, inserted] = opcode_index.emplace(key, static_cast<int>(opcodes.size()));
      if (inserted) opcodes.push_back({key, version});
      opcodes[it->second].version = std::max(opcodes[it->second].version, version);
      op_opcode[s].push_back(it->second);
    }
  }
  for (const OpCodeEntry& e : opcodes) {
    if (e.key.code == kCustom) continue;
    const std::string_view rt = MinRuntimeVersionForOp(e.key.code, e.version);
    if (!rt.empty() && (min_runtime.empty() || CompareRuntimeVersions(rt, min_runtime) > 0)) {
      min_runtime = std::string(rt);
    }
  }

  flatbuffers::FlatBufferBuilder fbb(64 * 1024);
  // Buffers: [0] sentinel, then one per distinct constant payload. A constant a subgraph returns keeps its own
  // buffer (newer exporters never share those; the runtime may hand them out as outputs).
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(fbb));
  std::map<std::string_view, uint32_t> by_bytes;
  std::vector<std::vector<uint32_t>> tensor_buffer(program.subgraphs.size());
  for (size_t s = 0; s < program.subgraphs.size(); ++s) {
    const SubgraphDef& sg = program.subgraphs[s];
    const std::set<int32_t> returned(sg.outputs.begin(), sg.outputs.end());
    tensor_buffer[s].assign(sg.tensors.size(), 0);
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
      const TensorDef& tensor = sg.tensors[t];
      if (!tensor.data.has_value()) continue;
      const bool shareable = returned.count(static_cast<int32_t>(t)) == 0;
      if (shareable) {
        auto it = by_bytes.find(*tensor.data);
        if (it != by_bytes.end()) {
          tensor_buffer[s][t] = it->second;
          continue;
        }
      }
      fbb.ForceVectorAlignment(tensor.data->size(), sizeof(uint8_t), 16);
      auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(tensor.data->data()), tensor.data->size());
      const uint32_t index = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(fbb, data));
      tensor_buffer[s][t] = index;
      if (shareable) by_bytes.emplace(*tensor.data, index);
    }
  }
  const std::string metadata_bytes = MinRuntimeVersionBytes(min_runtime);
  const uint32_t metadata_buffer = static_cast<uint32_t>(buffers.size());
  {
    fbb.ForceVectorAlignment(metadata_bytes.size(), sizeof(uint8_t), 16);
    auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(metadata_bytes.data()), metadata_bytes.size());
    buffers.push_back(fb::CreateBuffer(fbb, data));
  }

  // One empty QuantizationParameters table shared by every tensor (the converter writes one per tensor; readers
  // that dereference it unconditionally need it present, its content means "not quantized").
  const auto quantization = fb::CreateQuantizationParameters(fbb);

  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs;
  for (size_t s = 0; s < program.subgraphs.size(); ++s) {
    const SubgraphDef& sg = program.subgraphs[s];
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    tensors.reserve(sg.tensors.size());
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
      const TensorDef& tensor = sg.tensors[t];
      std::optional<fb::TensorType> type = TensorTypeFromDType(tensor.dtype);
      if (!type.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(Where(sg, s), ", tensor ", t, " '", tensor.name,
                                                       "': TFLite has no type for dtype ",
                                                       ToAbsl(tf::DTypeName(tensor.dtype))));
      }
      std::vector<int32_t> shape, signature;
      bool dynamic = false;
      if (tensor.shape.rank_known()) {
        for (int64_t d : tensor.shape.dims()) {
          if (d > INT32_MAX) {
            return absl::InvalidArgumentError(absl::StrCat(Where(sg, s), ", tensor '", tensor.name, "': dimension ",
                                                           d, " exceeds int32"));
          }
          shape.push_back(d < 0 ? 1 : static_cast<int32_t>(d));
          signature.push_back(d < 0 ? -1 : static_cast<int32_t>(d));
          dynamic = dynamic || d < 0;
        }
      }
      auto shape_vec = fbb.CreateVector(shape);
      auto signature_vec = dynamic ? fbb.CreateVector(signature) : 0;
      auto name = fbb.CreateString(tensor.name);
      tensors.push_back(fb::CreateTensor(fbb, shape_vec, *type, tensor_buffer[s][t], name, quantization,
                                         /*is_variable=*/false, /*sparsity=*/0, signature_vec,
                                         /*has_rank=*/tensor.shape.rank_known()));
    }
    std::vector<flatbuffers::Offset<fb::Operator>> operators;
    operators.reserve(sg.operators.size());
    for (size_t i = 0; i < sg.operators.size(); ++i) {
      const OperatorDef& op = sg.operators[i];
      auto inputs = fbb.CreateVector(op.inputs);
      auto outputs = fbb.CreateVector(op.outputs);
      flatbuffers::Offset<void> options = 0;
      if (op.options_type != fb::BuiltinOptions::NONE) {
        if (!op.options) {
          return absl::InvalidArgumentError(absl::StrCat(Where(sg, s), ", operator ", i, ": options type ",
                                                         fb::EnumNameBuiltinOptions(op.options_type),
                                                         " without a writer"));
        }
        options = op.options(fbb);
      }
      flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom_options = 0;
      if (op.code == fb::BuiltinOperator::CUSTOM && !op.custom_options.empty()) {
        custom_options = fbb.CreateVector(reinterpret_cast<const uint8_t*>(op.custom_options.data()),
                                          op.custom_options.size());
      }
      operators.push_back(fb::CreateOperator(fbb, static_cast<uint32_t>(op_opcode[s][i]), inputs, outputs,
                                             op.options_type, options, custom_options,
                                             fb::CustomOptionsFormat::FLEXBUFFERS));
    }
    auto tensors_vec = fbb.CreateVector(tensors);
    auto inputs_vec = fbb.CreateVector(sg.inputs);
    auto outputs_vec = fbb.CreateVector(sg.outputs);
    auto operators_vec = fbb.CreateVector(operators);
    auto name = fbb.CreateString(sg.name);
    subgraphs.push_back(fb::CreateSubGraph(fbb, tensors_vec, inputs_vec, outputs_vec, operators_vec, name));
  }

  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  for (const OpCodeEntry& e : opcodes) {
    auto custom = e.key.code == kCustom ? fbb.CreateString(e.key.custom_code) : 0;
    codes.push_back(fb::CreateOperatorCode(fbb, static_cast<int8_t>(std::min(e.key.code, kPlaceholderForGreaterOpCodes)),
                                           custom, e.version, static_cast<fb::BuiltinOperator>(e.key.code)));
  }
  std::vector<flatbuffers::Offset<fb::Metadata>> metadata = {
      fb::CreateMetadata(fbb, fbb.CreateString(kMinRuntimeVersionName), metadata_buffer)};
  auto codes_vec = fbb.CreateVector(codes);
  auto subgraphs_vec = fbb.CreateVector(subgraphs);
  auto description = fbb.CreateString(program.description);
  auto buffers_vec = fbb.CreateVector(buffers);
  auto metadata_vec = fbb.CreateVector(metadata);
  auto signatures_vec = fbb.CreateVector(std::vector<flatbuffers::Offset<fb::SignatureDef>>{});
  auto model = fb::CreateModel(fbb, kSchemaVersion, codes_vec, subgraphs_vec, description, buffers_vec,
                               /*metadata_buffer=*/0, metadata_vec, signatures_vec);
  fb::FinishModelBuffer(fbb, model);

  WrittenModel written;
  written.bytes.assign(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  written.min_runtime_version = min_runtime;
  absl::StatusOr<Model> check = Model::Parse(written.bytes);
  if (!check.ok()) {
    return absl::InternalError(absl::StrCat("the written TFLite model fails verification: ", check.status().message()));
  }
  return written;
}

}  // namespace tb::tflite
