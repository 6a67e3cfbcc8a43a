// The flatbuffer writer's layout rules (tflite-lowering.md §1), read back through the verified reader: both
// opcode fields, versions from operand types, the min_runtime_version metadata, buffers (sentinel, one per distinct
// payload, never shared for returned constants, present-but-empty for zero-element constants), shapes with
// signatures, the string encoding, and the Flex payload bytes.
#include "tflite/flatbuffer_writer.h"

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tflite/builtin_options.h"
#include "tflite/flex_payload.h"
#include "tflite/model_reader.h"

namespace tb::tflite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TensorDef Tensor(std::string name, tf::DType dtype, graph::PartialShape shape) {
  TensorDef t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  return t;
}

TensorDef Constant(std::string name, tf::DType dtype, graph::PartialShape shape, std::string data) {
  TensorDef t = Tensor(std::move(name), dtype, std::move(shape));
  t.data = std::move(data);
  return t;
}

std::string Int32Bytes(const std::vector<int32_t>& v) {
  std::string s(v.size() * 4, '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

OperatorDef Builtin(fb::BuiltinOperator code, std::vector<int32_t> in, std::vector<int32_t> out,
                    OpOptions options = {}) {
  OperatorDef op;
  op.code = code;
  op.inputs = std::move(in);
  op.outputs = std::move(out);
  op.options_type = options.type;
  op.options = std::move(options.writer);
  op.flags = options.flags;
  return op;
}

TEST(FlatbufferWriterTest, OpcodesCarryBothFieldsAndTheHighestVersion) {
  Program p;
  SubgraphDef& sg = p.subgraphs.emplace_back();
  sg.name = "main";
  int a = sg.AddTensor(Tensor("a", tf::DType::kInt64, graph::PartialShape({-1})));
  int b = sg.AddTensor(Constant("one", tf::DType::kInt64, graph::PartialShape::Scalar(), std::string("\1\0\0\0\0\0\0\0", 8)));
  int c = sg.AddTensor(Tensor("c", tf::DType::kInt64, graph::PartialShape({-1})));
  int f = sg.AddTensor(Tensor("f", tf::DType::kFloat, graph::PartialShape({2})));
  int g = sg.AddTensor(Tensor("g", tf::DType::kFloat, graph::PartialShape({2})));
  int m = sg.AddTensor(Tensor("m", tf::DType::kBool, graph::PartialShape({2})));
  int all = sg.AddTensor(Tensor("all", tf::DType::kBool, graph::PartialShape::Scalar()));
  int axes = sg.AddTensor(Constant("axes", tf::DType::kInt32, graph::PartialShape({1}), Int32Bytes({0})));
  sg.inputs = {a, f};
  sg.outputs = {c, g, all};
  sg.operators.push_back(Builtin(fb::BuiltinOperator::ADD, {a, b}, {c}, options::Add()));
  sg.operators.push_back(Builtin(fb::BuiltinOperator::ADD, {f, f}, {g}, options::Add()));
  sg.operators.push_back(Builtin(fb::BuiltinOperator::EQUAL, {f, g}, {m}));
  sg.operators.push_back(Builtin(fb::BuiltinOperator::REDUCE_ALL, {m, axes}, {all}, options::Reducer(false)));
  auto written = WriteModel(p);
  ASSERT_TRUE(written.ok()) << written.status();
  // int64 ADD is version 4 (TFLite 2.6.0), and one int64 use makes the shared ADD code v4.
  EXPECT_EQ(written->min_runtime_version, "2.6.0");
  auto model = Model::Parse(written->bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  const auto* codes = model->root().operator_codes();
  ASSERT_EQ(codes->size(), 3u);
  EXPECT_EQ(codes->Get(0)->builtin_code(), fb::BuiltinOperator::ADD);
  EXPECT_EQ(codes->Get(0)->version(), 4);
  EXPECT_EQ(codes->Get(2)->builtin_code(), fb::BuiltinOperator::REDUCE_ALL);
  EXPECT_EQ(codes->Get(2)->deprecated_builtin_code(), 127);
  EXPECT_EQ(model->MinRuntimeVersion(), "2.6.0");
  auto metadata = model->Metadata("min_runtime_version");
  ASSERT_TRUE(metadata.has_value());
  EXPECT_EQ(metadata->size(), 16u);
  EXPECT_EQ(model->root().version(), 3u);
  EXPECT_EQ(std::string(written->bytes.substr(4, 4)), "TFL3");
  ASSERT_NE(model->root().signature_defs(), nullptr);
  EXPECT_EQ(model->root().signature_defs()->size(), 0u);
}

TEST(FlatbufferWriterTest, ShapesSignaturesAndRank) {
  Program p;
  SubgraphDef& sg = p.subgraphs.emplace_back();
  sg.name = "main";
  int x = sg.AddTensor(Tensor("x", tf::DType::kFloat, graph::PartialShape({-1, 784})));
  int s = sg.AddTensor(Tensor("s", tf::DType::kString, graph::PartialShape::Scalar()));
  int u = sg.AddTensor(Tensor("u", tf::DType::kFloat, graph::PartialShape()));
  sg.inputs = {x, s, u};
  auto written = WriteModel(p);
  ASSERT_TRUE(written.ok()) << written.status();
  auto model = Model::Parse(written->bytes);
  ASSERT_TRUE(model.ok());
  const auto* tensors = model->subgraph(0).tensors();
  EXPECT_THAT(*tensors->Get(0)->shape(), ElementsAre(1, 784));
  EXPECT_THAT(*tensors->Get(0)->shape_signature(), ElementsAre(-1, 784));
  EXPECT_TRUE(tensors->Get(0)->has_rank());
  EXPECT_EQ(tensors->Get(1)->shape()->size(), 0u);
  EXPECT_EQ(tensors->Get(1)->shape_signature(), nullptr);
  EXPECT_TRUE(tensors->Get(1)->has_rank());
  EXPECT_EQ(tensors->Get(2)->shape()->size(), 0u);
  EXPECT_FALSE(tensors->Get(2)->has_rank());
  EXPECT_EQ(tensors->Get(1)->type(), fb::TensorType::STRING);
  ASSERT_NE(model->subgraph(0).operators(), nullptr);  // present even when empty
}

TEST(FlatbufferWriterTest, BuffersAreSharedByContentExceptForReturnedConstants) {
  Program p;
  SubgraphDef& sg = p.subgraphs.emplace_back();
  sg.name = "main";
  const std::string zero4(4, '\0');
  int a = sg.AddTensor(Constant("f0", tf::DType::kFloat, graph::PartialShape::Scalar(), zero4));
  int b = sg.AddTensor(Constant("i0", tf::DType::kInt32, graph::PartialShape({1}), zero4));
  int empty = sg.AddTensor(Constant("empty", tf::DType::kFloat, graph::PartialShape({0}), ""));
  int strings = sg.AddTensor(Constant("xy", tf::DType::kString, graph::PartialShape({2}), EncodeStringBuffer({"x", "y"})));
  int ret = sg.AddTensor(Constant("ret", tf::DType::kFloat, graph::PartialShape::Scalar(), zero4));
  int out = sg.AddTensor(Tensor("out", tf::DType::kFloat, graph::PartialShape::Scalar()));
  sg.outputs = {out, ret};
  sg.operators.push_back(Builtin(fb::BuiltinOperator::ADD, {a, a}, {out}, options::Add()));
  (void)b;
  (void)empty;
  (void)strings;
  auto written = WriteModel(p);
  ASSERT_TRUE(written.ok()) << written.status();
  auto model = Model::Parse(written->bytes);
  ASSERT_TRUE(model.ok());
  const auto* tensors = model->subgraph(0).tensors();
  EXPECT_EQ(tensors->Get(a)->buffer(), tensors->Get(b)->buffer());   // same 4 zero bytes
  EXPECT_NE(tensors->Get(ret)->buffer(), tensors->Get(a)->buffer());  // a returned constant keeps its own
  EXPECT_EQ(tensors->Get(out)->buffer(), 0u);
  auto empty_data = model->ConstantData(*tensors->Get(empty));
  ASSERT_TRUE(empty_data.has_value());  // zero elements, still a constant
  EXPECT_EQ(empty_data->size(), 0u);
  auto decoded = DecodeStringBuffer(*model->ConstantData(*tensors->Get(strings)));
  ASSERT_TRUE(decoded.ok());
  EXPECT_THAT(*decoded, ElementsAre("x", "y"));
  // sentinel + 4 distinct payloads (zeros, empty, strings, returned zeros) + metadata.
  EXPECT_EQ(model->root().buffers()->size(), 6u);
}

TEST(FlatbufferWriterTest, FlexOperatorsKeepTheirPayload) {
  Program p;
  SubgraphDef& sg = p.subgraphs.emplace_back();
  sg.name = "main";
  int t = sg.AddTensor(Tensor("t", tf::DType::kFloat, graph::PartialShape({3})));
  int l = sg.AddTensor(Tensor("l", tf::DType::kFloat, graph::PartialShape::Scalar()));
  sg.inputs = {t};
  sg.outputs = {l};
  OperatorDef op;
  op.code = fb::BuiltinOperator::CUSTOM;
  op.custom_code = "FlexL2Loss";
  const std::string node_def("\x12\x06L2Loss\x1a\x00\x2a\x07\x0a\x01T\x12\x02\x30\x01\x32\x00", 21);
  op.custom_options = EncodeFlexPayload("L2Loss", node_def);
  op.inputs = {t};
  op.outputs = {l};
  sg.operators.push_back(op);
  auto written = WriteModel(p);
  ASSERT_TRUE(written.ok()) << written.status();
  auto model = Model::Parse(written->bytes);
  ASSERT_TRUE(model.ok());
  const fb::Operator& read = *model->subgraph(0).operators()->Get(0);
  EXPECT_EQ(model->CustomCode(read), "FlexL2Loss");
  EXPECT_EQ(model->root().operator_codes()->Get(0)->deprecated_builtin_code(), 32);
  auto payload = DecodeFlexPayload(model->CustomOptions(read));
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->op, "L2Loss");
  EXPECT_EQ(payload->node_def, node_def);
  EXPECT_EQ(model->CustomOptions(read).size(), 39u);  // the converter's bytes for this payload
  EXPECT_EQ(written->min_runtime_version, "");         // Flex ops have no runtime minimum
}

TEST(FlatbufferWriterTest, RefusesWhatTfliteCannotHold) {
  Program p;
  SubgraphDef& sg = p.subgraphs.emplace_back();
  sg.name = "main";
  sg.AddTensor(Tensor("bad", tf::DType::kInvalid, graph::PartialShape({1})));
  auto written = WriteModel(p);
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.status().message(), HasSubstr("bad"));

  Program q;
  SubgraphDef& sq = q.subgraphs.emplace_back();
  sq.name = "main";
  int a = sq.AddTensor(Tensor("a", tf::DType::kFloat, graph::PartialShape({1})));
  sq.operators.push_back(Builtin(fb::BuiltinOperator::NEG, {a}, {7}));
  EXPECT_FALSE(WriteModel(q).ok());
}

TEST(PruneUnusedTest, DropsDeadOperatorsButKeepsSideEffects) {
  SubgraphDef sg;
  int x = sg.AddTensor(Tensor("x", tf::DType::kFloat, graph::PartialShape({2})));
  int dead = sg.AddTensor(Tensor("dead", tf::DType::kFloat, graph::PartialShape({2})));
  int kept = sg.AddTensor(Tensor("kept", tf::DType::kFloat, graph::PartialShape({2})));
  int effect = sg.AddTensor(Tensor("effect", tf::DType::kFloat, graph::PartialShape({2})));
  sg.inputs = {x};
  sg.outputs = {kept};
  sg.operators.push_back(Builtin(fb::BuiltinOperator::NEG, {x}, {dead}));
  sg.operators.push_back(Builtin(fb::BuiltinOperator::ABS, {x}, {kept}));
  OperatorDef save = Builtin(fb::BuiltinOperator::CUSTOM, {x}, {effect});
  save.custom_code = "FlexSaveSlices";
  save.has_side_effects = true;
  sg.operators.push_back(save);
  EXPECT_EQ(PruneUnused(sg), 1);
  ASSERT_EQ(sg.operators.size(), 2u);
  EXPECT_EQ(sg.operators[0].code, fb::BuiltinOperator::ABS);
  EXPECT_EQ(sg.tensors.size(), 3u);
  EXPECT_EQ(sg.tensors[sg.outputs[0]].name, "kept");
}

}  // namespace
}  // namespace tb::tflite
