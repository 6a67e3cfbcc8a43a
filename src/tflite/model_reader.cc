#include "tflite/model_reader.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "base/coding.h"
#include "base/status_macros.h"
#include "flatbuffers/flatbuffers.h"

namespace tb::tflite {
namespace {

constexpr int32_t kCustomCode = static_cast<int32_t>(fb::BuiltinOperator::CUSTOM);
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("TFLite model: ", ToAbsl(where), ": ", ToAbsl(what)));
}

// Bytes per element of a numeric constant, or 0 for types whose constants are not plain arrays.
int ElementBytes(fb::TensorType type) {
  switch (type) {
    case fb::TensorType::FLOAT32:
    case fb::TensorType::INT32:
    case fb::TensorType::UINT32:
      return 4;
    case fb::TensorType::FLOAT16:
    case fb::TensorType::INT16:
    case fb::TensorType::UINT16:
    case fb::TensorType::BFLOAT16:
      return 2;
    case fb::TensorType::UINT8:
    case fb::TensorType::BOOL:
    case fb::TensorType::INT8:
      return 1;
    case fb::TensorType::INT64:
    case fb::TensorType::UINT64:
    case fb::TensorType::FLOAT64:
    case fb::TensorType::COMPLEX64:
      return 8;
    case fb::TensorType::COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

// The per-subgraph checks of tflite::Verify: every index in range, constants sized to their shapes, and the
// operators in SSA order (each input produced before use, each output written once).
class SubgraphVerifier {
 public:
  SubgraphVerifier(const Model& model, const fb::Model& root, int index, const ReadLimits& limits)
      : model_(model), root_(root), index_(index), limits_(limits), sg_(*root.subgraphs()->Get(index)) {}

  absl::Status Run() {
    if (sg_.tensors() == nullptr) return Invalid(Where(), "missing 'tensors'");
    num_tensors_ = sg_.tensors()->size();
    if (num_tensors_ > limits_.max_tensors_per_subgraph) {
      return Invalid(Where(), absl::StrCat(num_tensors_, " tensors exceed the limit of ",
                                           limits_.max_tensors_per_subgraph));
    }
    if (sg_.operators() == nullptr) return Invalid(Where(), "missing 'operators'");
    if (static_cast<int64_t>(sg_.operators()->size()) > limits_.max_operators_per_subgraph) {
      return Invalid(Where(), absl::StrCat(sg_.operators()->size(), " operators exceed the limit of ",
                                           limits_.max_operators_per_subgraph));
    }
    produced_.assign(num_tensors_, 0);
    for (int64_t t = 0; t < num_tensors_; ++t) TB_RETURN_IF_ERROR(CheckTensor(static_cast<int>(t)));
    TB_RETURN_IF_ERROR(CheckIndexList(sg_.inputs(), "inputs", /*allow_optional=*/false));
    TB_RETURN_IF_ERROR(CheckIndexList(sg_.outputs(), "outputs", /*allow_optional=*/false));
    if (sg_.inputs() != nullptr) {
      for (int32_t t : *sg_.inputs()) produced_[t] = kSubgraphInput;
    }
    for (uint32_t i = 0; i < sg_.operators()->size(); ++i) TB_RETURN_IF_ERROR(CheckOperator(static_cast<int>(i)));
    return absl::OkStatus();
  }

 private:
  enum Origin : uint8_t { kNotProduced = 0, kConstant, kVariable, kSubgraphInput, kOperatorOutput };

  std::string Where() const { return absl::StrCat("subgraph ", index_, " (", model_.SubgraphName(index_), ")"); }

  absl::Status CheckIndexList(const flatbuffers::Vector<int32_t>* list, std::string_view what, bool allow_optional) {
    if (list == nullptr) return absl::OkStatus();
    for (uint32_t i = 0; i < list->size(); ++i) {
      int32_t t = list->Get(i);
      if (allow_optional && t == -1) continue;
      if (t < 0 || t >= num_tensors_) {
        return Invalid(Where(), absl::StrFormat("%s[%d] = %d is not a tensor index in [0, %d)", ToAbsl(what), i, t,
                                                num_tensors_));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckTensor(int t) {
    const fb::Tensor& tensor = *sg_.tensors()->Get(t);
    auto where = [&] { return absl::StrCat(Where(), ", tensor ", t, " (", model_.TensorName(index_, t), ")"); };
    int type = static_cast<int>(tensor.type());
    if (type < static_cast<int>(fb::TensorType::MIN) || type > static_cast<int>(fb::TensorType::MAX)) {
      return Invalid(where(), absl::StrCat("unknown tensor type ", type));
    }
    int rank = tensor.shape() == nullptr ? 0 : static_cast<int>(tensor.shape()->size());
    if (rank > limits_.max_rank) {
      return Invalid(where(), absl::StrCat("rank ", rank, " exceeds the limit of ", limits_.max_rank));
    }
    uint64_t elements = 1;
    bool overflow = false;
    for (int d = 0; d < rank; ++d) {
      int32_t dim = tensor.shape()->Get(d);
      if (dim < 0) return Invalid(where(), absl::StrCat("negative dimension ", dim, " in 'shape'"));
      elements *= static_cast<uint64_t>(dim);
      if (elements > (uint64_t{1} << 40)) overflow = true;
    }
    if (tensor.shape_signature() != nullptr && tensor.shape_signature()->size() > 0) {
      if (static_cast<int>(tensor.shape_signature()->size()) != rank) {
        return Invalid(where(), absl::StrCat("shape_signature has rank ", tensor.shape_signature()->size(),
                                             " but shape has rank ", rank));
      }
      for (int d = 0; d < rank; ++d) {
        int32_t sig = tensor.shape_signature()->Get(d);
        if (sig < -1 || (sig != -1 && sig != tensor.shape()->Get(d))) {
          return Invalid(where(), absl::StrCat("shape_signature[", d, "] = ", sig, " disagrees with shape[", d,
                                               "] = ", tensor.shape()->Get(d)));
        }
      }
    }
    if (tensor.sparsity() != nullptr) return Invalid(where(), "sparse tensors are not supported");
    if (tensor.buffer() >= root_.buffers()->size()) {
      return Invalid(where(), absl::StrCat("buffer ", tensor.buffer(), " is out of range [0, ",
                                           root_.buffers()->size(), ")"));
    }
    std::optional<std::string_view> data = model_.ConstantData(tensor);
    if (tensor.is_variable()) {
      if (data.has_value()) return Invalid(where(), "a variable tensor must not have a constant buffer");
      produced_[t] = kVariable;
      return absl::OkStatus();
    }
    if (!data.has_value()) return absl::OkStatus();
    produced_[t] = kConstant;
    if (tensor.type() == fb::TensorType::STRING) {
      auto strings = DecodeStringBuffer(*data);
      if (!strings.ok()) return Invalid(where(), FromAbsl(strings.status().message()));
      if (strings->size() != elements) {
        return Invalid(where(), absl::StrCat("string buffer holds ", strings->size(), " strings, shape needs ",
                                             elements));
      }
      return absl::OkStatus();
    }
    if (tensor.type() == fb::TensorType::RESOURCE || tensor.type() == fb::TensorType::VARIANT) {
      return Invalid(where(), absl::StrCat("constant buffer of invalid type ", TensorTypeName(tensor.type())));
    }
    uint64_t want = 0;
    if (tensor.type() == fb::TensorType::INT4) {
      want = (elements + 1) / 2;
    } else {
      want = elements * static_cast<uint64_t>(ElementBytes(tensor.type()));
    }
    if (overflow || want != data->size()) {
      return Invalid(where(), absl::StrCat("constant buffer has ", data->size(), " bytes, shape ",
                                           TensorTypeName(tensor.type()), "[", rank, "-D, ", elements,
                                           " elements] needs ", want));
    }
    return absl::OkStatus();
  }

  absl::Status CheckOperator(int i) {
    const fb::Operator& op = *sg_.operators()->Get(i);
    const uint32_t num_codes = root_.operator_codes() == nullptr ? 0 : root_.operator_codes()->size();
    if (op.opcode_index() >= num_codes) {
      return Invalid(absl::StrCat(Where(), ", operator ", i),
                     absl::StrCat("opcode_index ", op.opcode_index(), " is out of range [0, ", num_codes, ")"));
    }
    std::string where = model_.DescribeOperator(index_, i);
    if (op.inputs() == nullptr) return Invalid(where, "missing 'inputs'");
    if (op.outputs() == nullptr) return Invalid(where, "missing 'outputs'");
    TB_RETURN_IF_ERROR(Annotate(CheckIndexList(op.inputs(), "inputs", /*allow_optional=*/true), where));
    TB_RETURN_IF_ERROR(Annotate(CheckIndexList(op.outputs(), "outputs", /*allow_optional=*/false), where));
    TB_RETURN_IF_ERROR(Annotate(CheckIndexList(op.intermediates(), "intermediates", /*allow_optional=*/false), where));
    if (op.custom_options() == nullptr && op.large_custom_options_offset() > 1) {
      if (!model_.CustomOptions(op).data()) {
        return Invalid(where, "large_custom_options offset/size lie outside the model bytes");
      }
    }
    for (uint32_t k = 0; k < op.inputs()->size(); ++k) {
      int32_t t = op.inputs()->Get(k);
      if (t == -1) continue;
      if (produced_[t] == kNotProduced) {
        return Invalid(where, absl::StrCat("input ", k, " (tensor ", t, " '", model_.TensorName(index_, t),
                                           "') is not produced by an earlier operator"));
      }
    }
    for (uint32_t k = 0; k < op.outputs()->size(); ++k) {
      int32_t t = op.outputs()->Get(k);
      const char* problem = nullptr;
      switch (produced_[t]) {
        case kConstant: problem = "is a constant"; break;
        case kVariable: problem = "is a variable"; break;
        case kSubgraphInput: problem = "is a subgraph input"; break;
        case kOperatorOutput: problem = "is produced more than once"; break;
        default: break;
      }
      if (problem != nullptr) {
        return Invalid(where, absl::StrCat("output ", k, " (tensor ", t, " '", model_.TensorName(index_, t), "') ",
                                           problem));
      }
      produced_[t] = kOperatorOutput;
    }
    return absl::OkStatus();
  }

  const Model& model_;
  const fb::Model& root_;
  int index_;
  const ReadLimits& limits_;
  const fb::SubGraph& sg_;
  int64_t num_tensors_ = 0;
  std::vector<uint8_t> produced_;
};

}  // namespace

std::string BuiltinName(int32_t code) {
  if (code >= static_cast<int32_t>(fb::BuiltinOperator::MIN) && code <= static_cast<int32_t>(fb::BuiltinOperator::MAX)) {
    const char* name = fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code));
    if (name != nullptr && *name != '\0') return name;
  }
  return absl::StrCat("BUILTIN_", code);
}

std::optional<tf::DType> DTypeFromTensorType(fb::TensorType type) {
  switch (type) {
    case fb::TensorType::FLOAT32: return tf::DType::kFloat;
    case fb::TensorType::FLOAT64: return tf::DType::kDouble;
    case fb::TensorType::INT32: return tf::DType::kInt32;
    case fb::TensorType::UINT8: return tf::DType::kUInt8;
    case fb::TensorType::INT64: return tf::DType::kInt64;
    case fb::TensorType::STRING: return tf::DType::kString;
    case fb::TensorType::BOOL: return tf::DType::kBool;
    case fb::TensorType::INT16: return tf::DType::kInt16;
    case fb::TensorType::INT8: return tf::DType::kInt8;
    case fb::TensorType::UINT64: return tf::DType::kUInt64;
    case fb::TensorType::RESOURCE: return tf::DType::kResource;
    case fb::TensorType::VARIANT: return tf::DType::kVariant;
    case fb::TensorType::UINT32: return tf::DType::kUInt32;
    case fb::TensorType::UINT16: return tf::DType::kUInt16;
    default: return std::nullopt;
  }
}

std::string TensorTypeName(fb::TensorType type) {
  int v = static_cast<int>(type);
  if (v >= static_cast<int>(fb::TensorType::MIN) && v <= static_cast<int>(fb::TensorType::MAX)) {
    return fb::EnumNameTensorType(type);
  }
  return absl::StrCat("TYPE_", v);
}

absl::StatusOr<Model> Model::Parse(std::string bytes, const ReadLimits& limits) {
  if (bytes.size() > limits.max_model_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("TFLite model: ", bytes.size(), " bytes exceed the limit of ",
                                                   limits.max_model_bytes));
  }
  if (bytes.size() < 8) {
    return absl::InvalidArgumentError(absl::StrCat("TFLite model: only ", bytes.size(), " bytes; not a flatbuffer"));
  }
  if (std::memcmp(bytes.data() + 4, "TFL3", 4) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("TFLite model: file identifier is '",
                                                   absl::CEscape(absl::string_view(bytes.data() + 4, 4)),
                                                   "', expected 'TFL3'"));
  }
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  const auto* data = reinterpret_cast<const uint8_t*>(owned->data());
  flatbuffers::Verifier verifier(data, owned->size(), /*max_depth=*/64, /*max_tables=*/1'000'000);
  if (!fb::VerifyModelBuffer(verifier)) {
    return absl::InvalidArgumentError("TFLite model: the flatbuffer failed structural verification (an offset, "
                                      "length or table lies outside the buffer or is misaligned)");
  }
  const fb::Model* root = fb::GetModel(data);
  Model model(owned, root);

  if (root->version() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("TFLite model: schema version ", root->version(),
                                                   " is not the supported version 3"));
  }
  if (root->subgraphs() == nullptr || root->subgraphs()->size() == 0) {
    return absl::InvalidArgumentError("TFLite model: no subgraph in the model");
  }
  if (root->subgraphs()->size() > limits.max_subgraphs) {
    return absl::InvalidArgumentError(absl::StrCat("TFLite model: ", root->subgraphs()->size(),
                                                   " subgraphs exceed the limit of ", limits.max_subgraphs));
  }
  if (root->buffers() == nullptr) return absl::InvalidArgumentError("TFLite model: no buffers in the model");
  for (uint32_t b = 0; b < root->buffers()->size(); ++b) {
    const fb::Buffer* buffer = root->buffers()->Get(b);
    if (buffer->data() == nullptr && buffer->offset() > 1 && !model.ExternalRange(buffer->offset(), buffer->size())) {
      return absl::InvalidArgumentError(absl::StrCat("TFLite model: buffer ", b, " offset ", buffer->offset(),
                                                     " size ", buffer->size(), " lies outside the model bytes"));
    }
  }
  if (root->operator_codes() != nullptr) {
    for (uint32_t c = 0; c < root->operator_codes()->size(); ++c) {
      const fb::OperatorCode* code = root->operator_codes()->Get(c);
      int32_t effective = std::max<int32_t>(static_cast<int32_t>(code->builtin_code()), code->deprecated_builtin_code());
      if (effective < 0) {
        return absl::InvalidArgumentError(absl::StrCat("TFLite model: operator_codes[", c, "] has negative code ",
                                                       effective));
      }
      if (effective == kCustomCode && code->custom_code() == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("TFLite model: operator_codes[", c,
                                                       "] is CUSTOM but has no custom_code"));
      }
      if (code->version() < 1) {
        return absl::InvalidArgumentError(absl::StrCat("TFLite model: operator_codes[", c, "] (",
                                                       BuiltinName(effective), ") has version ", code->version()));
      }
    }
  }
  if (root->metadata() != nullptr) {
    for (uint32_t m = 0; m < root->metadata()->size(); ++m) {
      const fb::Metadata* entry = root->metadata()->Get(m);
      if (entry->buffer() >= root->buffers()->size()) {
        return absl::InvalidArgumentError(absl::StrCat("TFLite model: metadata[", m, "] refers to buffer ",
                                                       entry->buffer(), " of ", root->buffers()->size()));
      }
    }
  }
  for (uint32_t s = 0; s < root->subgraphs()->size(); ++s) {
    TB_RETURN_IF_ERROR(SubgraphVerifier(model, *root, static_cast<int>(s), limits).Run());
  }
  return model;
}

int Model::num_subgraphs() const { return static_cast<int>(root_->subgraphs()->size()); }

const fb::SubGraph& Model::subgraph(int index) const { return *root_->subgraphs()->Get(index); }

std::optional<int> Model::FindSubgraph(std::string_view name) const {
  for (int i = 0; i < num_subgraphs(); ++i) {
    const flatbuffers::String* n = subgraph(i).name();
    if (n != nullptr && n->string_view() == name) return i;
  }
  return std::nullopt;
}

std::string Model::SubgraphName(int index) const {
  const flatbuffers::String* n = subgraph(index).name();
  return n == nullptr ? std::string() : n->str();
}

int32_t Model::OpCode(const fb::Operator& op) const {
  const fb::OperatorCode* code = root_->operator_codes()->Get(op.opcode_index());
  return std::max<int32_t>(static_cast<int32_t>(code->builtin_code()), code->deprecated_builtin_code());
}

int Model::OpVersion(const fb::Operator& op) const { return root_->operator_codes()->Get(op.opcode_index())->version(); }

std::string_view Model::CustomCode(const fb::Operator& op) const {
  const fb::OperatorCode* code = root_->operator_codes()->Get(op.opcode_index());
  if (OpCode(op) != kCustomCode || code->custom_code() == nullptr) return {};
  return code->custom_code()->string_view();
}

std::string Model::OpName(const fb::Operator& op) const {
  int32_t code = OpCode(op);
  if (code == kCustomCode) return std::string(CustomCode(op));
  return BuiltinName(code);
}

std::optional<std::string_view> Model::ExternalRange(uint64_t offset, uint64_t size) const {
  if (offset > bytes_->size() || size > bytes_->size() - offset) return std::nullopt;
  return std::string_view(bytes_->data() + offset, size);
}

std::string_view Model::CustomOptions(const fb::Operator& op) const {
  if (op.custom_options() != nullptr) {
    return std::string_view(reinterpret_cast<const char*>(op.custom_options()->data()), op.custom_options()->size());
  }
  if (op.large_custom_options_offset() > 1) {
    return ExternalRange(op.large_custom_options_offset(), op.large_custom_options_size()).value_or(std::string_view());
  }
  return {};
}

std::optional<std::string_view> Model::ConstantData(const fb::Tensor& tensor) const {
  if (tensor.buffer() == 0 || tensor.buffer() >= root_->buffers()->size()) return std::nullopt;
  const fb::Buffer* buffer = root_->buffers()->Get(tensor.buffer());
  if (buffer->data() != nullptr) {
    return std::string_view(reinterpret_cast<const char*>(buffer->data()->data()), buffer->data()->size());
  }
  if (buffer->offset() > 1) return ExternalRange(buffer->offset(), buffer->size());
  return std::nullopt;
}

std::optional<std::string_view> Model::Metadata(std::string_view name) const {
  if (root_->metadata() == nullptr) return std::nullopt;
  for (const fb::Metadata* entry : *root_->metadata()) {
    if (entry->name() == nullptr || entry->name()->string_view() != name) continue;
    const fb::Buffer* buffer = root_->buffers()->Get(entry->buffer());
    if (buffer->data() != nullptr) {
      return std::string_view(reinterpret_cast<const char*>(buffer->data()->data()), buffer->data()->size());
    }
    if (buffer->offset() > 1) return ExternalRange(buffer->offset(), buffer->size());
    return std::string_view();
  }
  return std::nullopt;
}

std::optional<std::string> Model::MinRuntimeVersion() const {
  std::optional<std::string_view> raw = Metadata("min_runtime_version");
  if (!raw.has_value()) return std::nullopt;
  std::string_view v = *raw;
  size_t nul = v.find('\0');
  if (nul != std::string_view::npos) v = v.substr(0, nul);
  return std::string(v);
}

std::string Model::DescribeOperator(int subgraph_index, int op_index) const {
  const fb::SubGraph& sg = subgraph(subgraph_index);
  std::string op_name = "?";
  if (sg.operators() != nullptr && op_index >= 0 && static_cast<uint32_t>(op_index) < sg.operators()->size()) {
    const fb::Operator& op = *sg.operators()->Get(op_index);
    if (root_->operator_codes() != nullptr && op.opcode_index() < root_->operator_codes()->size()) op_name = OpName(op);
  }
  return absl::StrCat("subgraph ", subgraph_index, " (", SubgraphName(subgraph_index), "), operator ", op_index, " (",
                      op_name, ")");
}

std::string Model::TensorName(int subgraph_index, int tensor) const {
  const fb::SubGraph& sg = subgraph(subgraph_index);
  if (sg.tensors() == nullptr || tensor < 0 || static_cast<uint32_t>(tensor) >= sg.tensors()->size()) return "?";
  const flatbuffers::String* n = sg.tensors()->Get(tensor)->name();
  return n == nullptr ? std::string() : n->str();
}

absl::StatusOr<std::vector<std::string>> DecodeStringBuffer(std::string_view data) {
  if (data.size() < 4) {
    return absl::InvalidArgumentError(absl::StrCat("string buffer of ", data.size(), " bytes lacks its count"));
  }
  int32_t count = static_cast<int32_t>(DecodeFixed32(data.data()));
  if (count < 0) return absl::InvalidArgumentError(absl::StrCat("string buffer has negative count ", count));
  uint64_t header = 4 * (static_cast<uint64_t>(count) + 2);
  if (header > data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("string buffer claims ", count, " strings but has only ",
                                                   data.size(), " bytes"));
  }
  std::vector<std::string> out;
  out.reserve(count);
  uint32_t prev = static_cast<uint32_t>(DecodeFixed32(data.data() + 4));
  if (prev != header) {
    return absl::InvalidArgumentError(absl::StrCat("string buffer's first offset is ", prev, ", expected ", header));
  }
  for (int32_t i = 0; i < count; ++i) {
    uint32_t next = DecodeFixed32(data.data() + 4 * (i + 2));
    if (next < prev || next > data.size()) {
      return absl::InvalidArgumentError(absl::StrCat("string buffer offset ", i + 1, " = ", next, " is invalid"));
    }
    out.emplace_back(data.substr(prev, next - prev));
    prev = next;
  }
  if (prev != data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("string buffer's last offset is ", prev, ", expected its size ",
                                                   data.size()));
  }
  return out;
}

std::string EncodeStringBuffer(const std::vector<std::string>& values) {
  std::string out;
  uint32_t offset = static_cast<uint32_t>(4 * (values.size() + 2));
  PutFixed32(&out, static_cast<uint32_t>(values.size()));
  for (const std::string& v : values) {
    PutFixed32(&out, offset);
    offset += static_cast<uint32_t>(v.size());
  }
  PutFixed32(&out, offset);
  for (const std::string& v : values) out += v;
  return out;
}

}  // namespace tb::tflite
