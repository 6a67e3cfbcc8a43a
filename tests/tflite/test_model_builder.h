// Test support: assembles small TFLite programs directly with the flatc-generated builders, so reader and
// interpreter tests have models the project makes itself (the fixtures are optional). Not a model writer: it
// does exactly what it is told, including writing invalid models on purpose.
#ifndef TASKBUILDER_TESTS_TFLITE_TEST_MODEL_BUILDER_H_
#define TASKBUILDER_TESTS_TFLITE_TEST_MODEL_BUILDER_H_

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "flatbuffers/flatbuffers.h"
#include "tflite/tflite_generated.h"

namespace tb::tflite::testing {

using OptionsFn = std::function<std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>>(flatbuffers::FlatBufferBuilder&)>;

class TestModelBuilder {
 public:
  // Returns the subgraph index; the first one added is `main`.
  int AddSubgraph(std::string name);

  // A non-constant tensor. `signature` empty means "static shape".
  int AddTensor(int sg, std::string name, fb::TensorType type, std::vector<int32_t> shape,
                std::vector<int32_t> signature = {});
  // A constant tensor holding `data` (raw bytes exactly as they go into the buffer).
  int AddConstantBytes(int sg, std::string name, fb::TensorType type, std::vector<int32_t> shape, std::string data);
  template <typename T>
  int AddConstant(int sg, std::string name, fb::TensorType type, std::vector<int32_t> shape,
                  const std::vector<T>& values) {
    std::string data(values.size() * sizeof(T), '\0');
    if (!values.empty()) std::memcpy(data.data(), values.data(), data.size());
    return AddConstantBytes(sg, std::move(name), type, std::move(shape), std::move(data));
  }
  int AddStringConstant(int sg, std::string name, std::vector<int32_t> shape, const std::vector<std::string>& values);

  void SetInputs(int sg, std::vector<int32_t> inputs);
  void SetOutputs(int sg, std::vector<int32_t> outputs);

  // A builtin operator; `options` (optional) creates its BuiltinOptions table.
  void AddOperator(int sg, fb::BuiltinOperator code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                   OptionsFn options = nullptr, int version = 1);
  // A Flex operator "Flex<tf_op>" whose custom_options are the FlexBuffer [tf_op, node_def].
  void AddFlexOperator(int sg, const std::string& tf_op, const std::string& node_def, std::vector<int32_t> inputs,
                       std::vector<int32_t> outputs);
  // A custom operator with raw custom_options.
  void AddCustomOperator(int sg, const std::string& custom_code, std::string custom_options,
                         std::vector<int32_t> inputs, std::vector<int32_t> outputs);

  void AddMetadata(std::string name, std::string bytes);
  void set_version(uint32_t version) { version_ = version; }

  std::string Finish();

 private:
  struct Tensor {
    std::string name;
    fb::TensorType type;
    std::vector<int32_t> shape, signature;
    std::optional<std::string> data;
  };
  struct Op {
    int32_t code;
    int version;
    std::string custom_code;
    std::optional<std::string> custom_options;
    std::vector<int32_t> inputs, outputs;
    OptionsFn options;
  };
  struct Subgraph {
    std::string name;
    std::vector<Tensor> tensors;
    std::vector<int32_t> inputs, outputs;
    std::vector<Op> ops;
  };
  std::vector<Subgraph> subgraphs_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  uint32_t version_ = 3;
};

// The TFLite program inside a serialized ClientOnlyPlan (field 5, `tflite_graph`), read without the FCP schema.
absl::StatusOr<std::string> TfliteFromClientOnlyPlan(const std::string& client_only_plan);

}  // namespace tb::tflite::testing

#endif  // TASKBUILDER_TESTS_TFLITE_TEST_MODEL_BUILDER_H_
