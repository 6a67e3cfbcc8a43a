#include "tests/tflite/test_model_builder.h"

#include <map>

#include "absl/status/status.h"
#include "google/protobuf/unknown_field_set.h"
#include "tflite/flex_payload.h"
#include "tflite/model_reader.h"

namespace tb::tflite::testing {

int TestModelBuilder::AddSubgraph(std::string name) {
  subgraphs_.push_back(Subgraph{std::move(name), {}, {}, {}, {}});
  return static_cast<int>(subgraphs_.size()) - 1;
}

int TestModelBuilder::AddTensor(int sg, std::string name, fb::TensorType type, std::vector<int32_t> shape,
                                std::vector<int32_t> signature) {
  subgraphs_[sg].tensors.push_back(Tensor{std::move(name), type, std::move(shape), std::move(signature), std::nullopt});
  return static_cast<int>(subgraphs_[sg].tensors.size()) - 1;
}

int TestModelBuilder::AddConstantBytes(int sg, std::string name, fb::TensorType type, std::vector<int32_t> shape,
                                       std::string data) {
  subgraphs_[sg].tensors.push_back(Tensor{std::move(name), type, std::move(shape), {}, std::move(data)});
  return static_cast<int>(subgraphs_[sg].tensors.size()) - 1;
}

int TestModelBuilder::AddStringConstant(int sg, std::string name, std::vector<int32_t> shape,
                                        const std::vector<std::string>& values) {
  return AddConstantBytes(sg, std::move(name), fb::TensorType::STRING, std::move(shape), EncodeStringBuffer(values));
}

void TestModelBuilder::SetInputs(int sg, std::vector<int32_t> inputs) { subgraphs_[sg].inputs = std::move(inputs); }
void TestModelBuilder::SetOutputs(int sg, std::vector<int32_t> outputs) { subgraphs_[sg].outputs = std::move(outputs); }

void TestModelBuilder::AddOperator(int sg, fb::BuiltinOperator code, std::vector<int32_t> inputs,
                                   std::vector<int32_t> outputs, OptionsFn options, int version) {
  subgraphs_[sg].ops.push_back(
      Op{static_cast<int32_t>(code), version, "", std::nullopt, std::move(inputs), std::move(outputs), std::move(options)});
}

void TestModelBuilder::AddFlexOperator(int sg, const std::string& tf_op, const std::string& node_def,
                                       std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  AddCustomOperator(sg, "Flex" + tf_op, EncodeFlexPayload(tf_op, node_def), std::move(inputs), std::move(outputs));
}

void TestModelBuilder::AddCustomOperator(int sg, const std::string& custom_code, std::string custom_options,
                                         std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  subgraphs_[sg].ops.push_back(Op{static_cast<int32_t>(fb::BuiltinOperator::CUSTOM), 1, custom_code,
                                  std::move(custom_options), std::move(inputs), std::move(outputs), nullptr});
}

void TestModelBuilder::AddMetadata(std::string name, std::string bytes) {
  metadata_.emplace_back(std::move(name), std::move(bytes));
}

std::string TestModelBuilder::Finish() {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(b));
  // Operator codes: one per (code, version, custom code), in first-use order.
  std::map<std::tuple<int32_t, int, std::string>, uint32_t> code_index;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::SubGraph>> sgs;
  for (Subgraph& sg : subgraphs_) {
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    for (Tensor& t : sg.tensors) {
      uint32_t buffer = 0;
      if (t.data.has_value()) {
        b.ForceVectorAlignment(t.data->size(), 1, 16);
        auto data = b.CreateVector(reinterpret_cast<const uint8_t*>(t.data->data()), t.data->size());
        buffers.push_back(fb::CreateBuffer(b, data));
        buffer = static_cast<uint32_t>(buffers.size() - 1);
      } else {
        buffers.push_back(fb::CreateBuffer(b));
        buffer = static_cast<uint32_t>(buffers.size() - 1);
      }
      tensors.push_back(fb::CreateTensorDirect(b, &t.shape, t.type, buffer, t.name.c_str(),
                                               fb::CreateQuantizationParameters(b), false, 0,
                                               t.signature.empty() ? nullptr : &t.signature, true));
    }
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    for (Op& op : sg.ops) {
      auto key = std::make_tuple(op.code, op.version, op.custom_code);
      auto it = code_index.find(key);
      if (it == code_index.end()) {
        int8_t deprecated = static_cast<int8_t>(op.code < 127 ? op.code : 127);
        codes.push_back(fb::CreateOperatorCodeDirect(b, deprecated, op.custom_code.empty() ? nullptr : op.custom_code.c_str(),
                                                     op.version, static_cast<fb::BuiltinOperator>(op.code)));
        it = code_index.emplace(key, static_cast<uint32_t>(codes.size() - 1)).first;
      }
      fb::BuiltinOptions options_type = fb::BuiltinOptions::NONE;
      flatbuffers::Offset<void> options;
      if (op.options) std::tie(options_type, options) = op.options(b);
      flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom;
      if (op.custom_options.has_value()) {
        custom = b.CreateVector(reinterpret_cast<const uint8_t*>(op.custom_options->data()), op.custom_options->size());
      }
      auto inputs = b.CreateVector(op.inputs);
      auto outputs = b.CreateVector(op.outputs);
      ops.push_back(fb::CreateOperator(b, it->second, inputs, outputs, options_type, options, custom));
    }
    sgs.push_back(fb::CreateSubGraphDirect(b, &tensors, &sg.inputs, &sg.outputs, &ops, sg.name.c_str()));
  }
  std::vector<flatbuffers::Offset<fb::Metadata>> metadata;
  for (auto& [name, bytes] : metadata_) {
    auto data = b.CreateVector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    buffers.push_back(fb::CreateBuffer(b, data));
    metadata.push_back(fb::CreateMetadataDirect(b, name.c_str(), static_cast<uint32_t>(buffers.size() - 1)));
  }
  auto model = fb::CreateModelDirect(b, version_, &codes, &sgs, "taskbuilder test", &buffers, nullptr, &metadata);
  fb::FinishModelBuffer(b, model);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

absl::StatusOr<std::string> TfliteFromClientOnlyPlan(const std::string& client_only_plan) {
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(client_only_plan)) return absl::InvalidArgumentError("not a protobuf message");
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& f = fields.field(i);
    if (f.number() == 5 && f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) return f.length_delimited();
  }
  return absl::NotFoundError("ClientOnlyPlan has no tflite_graph (field 5)");
}

}  // namespace tb::tflite::testing
