#include "tests/runtime/simulator/toy_task.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "runtime/data/example.h"
#include "tensorflow/graph.pb.h"
#include "tensorflow/node_def.pb.h"
#include "tests/testing/testing.h"
#include "tests/tflite/test_model_builder.h"
#include "tf/checkpoint_writer.h"

namespace tb::runtime::testing {
namespace {

namespace fb = ::tb::tflite::fb;
using ::tb::tflite::testing::TestModelBuilder;

// ---- Server graph (text format, expanded from small templates) ------------------------------------------------

std::string Var(const std::string& name, const std::string& shape) {
  return absl::StrCat(
      "node { name: '", name, "' op: 'VarHandleOp' attr { key: 'dtype' value { type: DT_FLOAT } } attr { key: 'shape' value { shape { ",
      shape, " } } } attr { key: 'shared_name' value { s: '", name, "' } } }\n",
      "node { name: '", name, "/Read' op: 'ReadVariableOp' input: '", name,
      "' attr { key: 'dtype' value { type: DT_FLOAT } } }\n");
}

std::string Const(const std::string& name, const std::string& tensor, const std::string& dtype) {
  return absl::StrCat("node { name: '", name, "' op: 'Const' attr { key: 'dtype' value { type: ", dtype,
                      " } } attr { key: 'value' value { tensor { ", tensor, " } } } }\n");
}

std::string Assign(const std::string& name, const std::string& var, const std::string& value) {
  return absl::StrCat("node { name: '", name, "' op: 'AssignVariableOp' input: '", var, "' input: '", value,
                      "' attr { key: 'dtype' value { type: DT_FLOAT } } }\n");
}

std::string Binary(const std::string& name, const std::string& op, const std::string& a, const std::string& b) {
  return absl::StrCat("node { name: '", name, "' op: '", op, "' input: '", a, "' input: '", b,
                      "' attr { key: 'T' value { type: DT_FLOAT } } }\n");
}

std::string Group(const std::string& name, const std::vector<std::string>& deps) {
  std::string s = absl::StrCat("node { name: '", name, "' op: 'NoOp'");
  for (const std::string& d : deps) absl::StrAppend(&s, " input: '^", d, "'");
  return s + " }\n";
}

std::string StringList(const std::vector<std::string>& v) {
  std::string s = absl::StrCat("dtype: DT_STRING tensor_shape { dim { size: ", v.size(), " } }");
  for (const std::string& x : v) absl::StrAppend(&s, " string_val: '", x, "'");
  return s;
}

// One savepoint over `vars` (sorted names): filename tensor <sp>/Const, save tensor <sp>/control_dependency,
// restore op <sp>/restore_all — the TF1 Saver layout of ODP plans.
std::string Savepoint(const std::string& sp, const std::vector<std::string>& vars) {
  std::string s;
  absl::StrAppend(&s, Const(sp + "/filename/input", "dtype: DT_STRING tensor_shape {} string_val: 'model'", "DT_STRING"));
  absl::StrAppend(&s, "node { name: '", sp, "/Const' op: 'PlaceholderWithDefault' input: '", sp,
                  "/filename/input' attr { key: 'dtype' value { type: DT_STRING } } attr { key: 'shape' value { shape {} } } }\n");
  absl::StrAppend(&s, Const(sp + "/names", StringList(vars), "DT_STRING"));
  absl::StrAppend(&s, Const(sp + "/slices", StringList(std::vector<std::string>(vars.size(), "")), "DT_STRING"));
  absl::StrAppend(&s, "node { name: '", sp, "/save' op: 'SaveSlices' input: '", sp, "/Const' input: '", sp,
                  "/names' input: '", sp, "/slices'");
  for (const std::string& v : vars) absl::StrAppend(&s, " input: '", v, "/Read'");
  absl::StrAppend(&s, " attr { key: 'T' value { list {");
  for (size_t i = 0; i < vars.size(); ++i) absl::StrAppend(&s, " type: DT_FLOAT");
  absl::StrAppend(&s, " } } } }\n");
  absl::StrAppend(&s, "node { name: '", sp, "/control_dependency' op: 'Identity' input: '", sp, "/Const' input: '^", sp,
                  "/save' attr { key: 'T' value { type: DT_STRING } } }\n");
  absl::StrAppend(&s, "node { name: '", sp, "/RestoreV2' op: 'RestoreV2' input: '", sp, "/Const' input: '", sp,
                  "/names' input: '", sp, "/slices' attr { key: 'dtypes' value { list {");
  for (size_t i = 0; i < vars.size(); ++i) absl::StrAppend(&s, " type: DT_FLOAT");
  absl::StrAppend(&s, " } } } }\n");
  std::vector<std::string> assigns;
  for (size_t i = 0; i < vars.size(); ++i) {
    const std::string a = absl::StrCat(sp, "/Assign_", i);
    absl::StrAppend(&s, Assign(a, vars[i], absl::StrCat(sp, "/RestoreV2:", i)));
    assigns.push_back(a);
  }
  absl::StrAppend(&s, Group(sp + "/restore_all", assigns));
  return s;
}

std::string ServerGraph() {
  std::string g;
  for (const char* acc : {"intermediate_update", "aggregated_update", "update"}) {
    absl::StrAppend(&g, Var(absl::StrCat(acc, "/count"), ""), Var(absl::StrCat(acc, "/delta"), "dim { size: 2 }"),
                    Var(absl::StrCat(acc, "/loss"), ""));
  }
  absl::StrAppend(&g, Var("server/w", "dim { size: 2 }"), Var("client/w", "dim { size: 2 }"),
                  Var("metrics/loss", ""), Var("metrics/count", ""));
  absl::StrAppend(&g, Const("zero", "dtype: DT_FLOAT tensor_shape {} float_val: 0", "DT_FLOAT"),
                  Const("zeros2", "dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 0 float_val: 0", "DT_FLOAT"));
  // phase_init: zero both accumulators.
  std::vector<std::string> init;
  for (const char* acc : {"intermediate_update", "aggregated_update"}) {
    for (const char* part : {"count", "loss"}) {
      absl::StrAppend(&g, Assign(absl::StrCat("init/", acc, "/", part), absl::StrCat(acc, "/", part), "zero"));
      init.push_back(absl::StrCat("init/", acc, "/", part));
    }
    absl::StrAppend(&g, Assign(absl::StrCat("init/", acc, "/delta"), absl::StrCat(acc, "/delta"), "zeros2"));
    init.push_back(absl::StrCat("init/", acc, "/delta"));
  }
  absl::StrAppend(&g, Group("phase_init", init));
  // before write_client_init: broadcast server/w.
  absl::StrAppend(&g, Assign("prepare/assign", "client/w", "server/w/Read"), Group("prepare", {"prepare/assign"}));
  // accumulate: intermediate += update; merge: aggregated += intermediate.
  for (const auto& [group, into, from] : {std::tuple<std::string, std::string, std::string>{"accumulate", "intermediate_update", "update"},
                                         {"merge", "aggregated_update", "intermediate_update"}}) {
    std::vector<std::string> assigns;
    for (const char* part : {"count", "delta", "loss"}) {
      const std::string sum = absl::StrCat(group, "/", part);
      absl::StrAppend(&g, Binary(sum, "AddV2", absl::StrCat(into, "/", part, "/Read"), absl::StrCat(from, "/", part, "/Read")),
                      Assign(sum + "/assign", absl::StrCat(into, "/", part), sum));
      assigns.push_back(sum + "/assign");
    }
    absl::StrAppend(&g, Group(group + "_all", assigns));
  }
  // apply: w += delta / count; metrics.
  absl::StrAppend(&g, Binary("apply/step", "RealDiv", "aggregated_update/delta/Read", "aggregated_update/count/Read"),
                  Binary("apply/w", "AddV2", "server/w/Read", "apply/step"), Assign("apply/assign_w", "server/w", "apply/w"),
                  Binary("apply/loss", "RealDiv", "aggregated_update/loss/Read", "aggregated_update/count/Read"),
                  Assign("apply/assign_loss", "metrics/loss", "apply/loss"),
                  Assign("apply/assign_count", "metrics/count", "aggregated_update/count/Read"),
                  Group("apply", {"apply/assign_w", "apply/assign_loss", "apply/assign_count"}));
  absl::StrAppend(&g, "node { name: 'loss_metric' op: 'Identity' input: 'metrics/loss/Read' attr { key: 'T' value { type: DT_FLOAT } } }\n",
                  "node { name: 'count_metric' op: 'Identity' input: 'metrics/count/Read' attr { key: 'T' value { type: DT_FLOAT } } }\n");
  absl::StrAppend(&g, Savepoint("server_savepoint", {"metrics/count", "metrics/loss", "server/w"}),
                  Savepoint("client_savepoint", {"client/w"}),
                  Savepoint("update_savepoint", {"update/count", "update/delta", "update/loss"}),
                  Savepoint("intermediate_update_savepoint",
                            {"intermediate_update/count", "intermediate_update/delta", "intermediate_update/loss"}),
                  Savepoint("aggregated_update_savepoint",
                            {"aggregated_update/count", "aggregated_update/delta", "aggregated_update/loss"}));
  return absl::StrReplaceAll(g, {{"'", "\""}});
}

void SaverDef(const std::string& sp, tensorflow::SaverDef* s) {
  s->set_filename_tensor_name(sp + "/Const:0");
  s->set_save_tensor_name(sp + "/control_dependency:0");
  s->set_restore_op_name(sp + "/restore_all");
  s->set_version(tensorflow::SaverDef::V1);
}

// ---- Client program -------------------------------------------------------------------------------------------

std::string NodeDef(const std::string& op, const std::string& attrs_text) {
  tensorflow::NodeDef n;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(attrs_text, &n)) << attrs_text;
  n.set_op(op);
  return n.SerializeAsString();
}

tb::tflite::testing::OptionsFn Reducer(bool keep_dims) {
  return [keep_dims](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::BuiltinOptions::ReducerOptions, fb::CreateReducerOptions(b, keep_dims).Union());
  };
}

std::string ClientProgram() {
  TestModelBuilder b;
  const int main = b.AddSubgraph("main");
  const int parse = b.AddSubgraph("parse_fn");
  const int reduce = b.AddSubgraph("reduce_fn");
  using T = fb::TensorType;
  {  // main
    int token = b.AddTensor(main, "data_token:0", T::STRING, {});
    int in = b.AddTensor(main, "input_filepath:0", T::STRING, {});
    int out = b.AddTensor(main, "output_filepath:0", T::STRING, {});
    b.SetInputs(main, {token, in, out});
    int selector = b.AddStringConstant(main, "selector", {}, {""});
    int names = b.AddStringConstant(main, "restore_names", {1}, {"client/w"});
    int slices1 = b.AddStringConstant(main, "restore_slices", {1}, {""});
    int batch = b.AddConstant<int64_t>(main, "batch_size", T::INT64, {}, {2});
    int drop = b.AddConstant<uint8_t>(main, "drop", T::BOOL, {}, {0});
    int zeros2 = b.AddConstant<float>(main, "zeros2", T::FLOAT32, {2}, {0, 0});
    int zero = b.AddConstant<float>(main, "zero", T::FLOAT32, {}, {0});
    int save_names = b.AddStringConstant(main, "save_names", {3}, {"update/count", "update/delta", "update/loss"});
    int save_slices = b.AddStringConstant(main, "save_slices", {3}, {"", "", ""});
    int w = b.AddTensor(main, "w", T::FLOAT32, {});
    int ds = b.AddTensor(main, "ds", T::VARIANT, {});
    int batched = b.AddTensor(main, "batched", T::VARIANT, {});
    int parsed = b.AddTensor(main, "parsed", T::VARIANT, {});
    int sum = b.AddTensor(main, "sum", T::FLOAT32, {});
    int count = b.AddTensor(main, "count", T::FLOAT32, {});
    int loss = b.AddTensor(main, "loss", T::FLOAT32, {});
    int cw = b.AddTensor(main, "count_w", T::FLOAT32, {});
    int delta = b.AddTensor(main, "delta", T::FLOAT32, {});
    b.AddFlexOperator(main, "RestoreV2", NodeDef("RestoreV2", "attr { key: 'dtypes' value { list { type: DT_FLOAT } } }"),
                      {in, names, slices1}, {w});
    b.AddFlexOperator(main, "ExternalDataset", NodeDef("ExternalDataset", ""), {token, selector}, {ds});
    b.AddFlexOperator(main, "BatchDatasetV2",
                      NodeDef("BatchDatasetV2", "attr { key: 'output_types' value { list { type: DT_STRING } } } "
                                                "attr { key: 'output_shapes' value { list { shape { dim { size: -1 } } } } }"),
                      {ds, batch, drop}, {batched});
    b.AddFlexOperator(main, "MapDataset",
                      NodeDef("MapDataset", "attr { key: 'f' value { func { name: 'parse_fn' } } } "
                                            "attr { key: 'Targuments' value { list { } } } "
                                            "attr { key: 'output_types' value { list { type: DT_FLOAT } } } "
                                            "attr { key: 'output_shapes' value { list { shape { dim { size: -1 } dim { size: 2 } } } } }"),
                      {batched}, {parsed});
    b.AddFlexOperator(main, "ReduceDataset",
                      NodeDef("ReduceDataset", "attr { key: 'f' value { func { name: 'reduce_fn' } } } "
                                               "attr { key: 'Tstate' value { list { type: DT_FLOAT type: DT_FLOAT type: DT_FLOAT } } } "
                                               "attr { key: 'Targuments' value { list { type: DT_FLOAT } } } "
                                               "attr { key: 'output_types' value { list { type: DT_FLOAT type: DT_FLOAT type: DT_FLOAT } } } "
                                               "attr { key: 'output_shapes' value { list { shape { dim { size: 2 } } shape { } shape { } } } }"),
                      {parsed, zeros2, zero, zero, w}, {sum, count, loss});
    b.AddOperator(main, fb::BuiltinOperator::MUL, {count, w}, {cw});
    b.AddOperator(main, fb::BuiltinOperator::SUB, {sum, cw}, {delta});
    b.AddFlexOperator(main, "SaveSlices",
                      NodeDef("SaveSlices", "attr { key: 'T' value { list { type: DT_FLOAT type: DT_FLOAT type: DT_FLOAT } } }"),
                      {out, save_names, save_slices, count, delta, loss}, {});
  }
  {  // parse_fn: string[b] -> x float[b,2]
    int serialized = b.AddTensor(parse, "arg0", T::STRING, {1}, {-1});
    int empty = b.AddStringConstant(parse, "empty", {0}, {});
    int keys = b.AddStringConstant(parse, "keys", {1}, {"x"});
    int no_default = b.AddConstant<float>(parse, "no_default", T::FLOAT32, {0}, {});
    int x = b.AddTensor(parse, "x", T::FLOAT32, {1, 2}, {-1, 2});
    b.SetInputs(parse, {serialized});
    b.SetOutputs(parse, {x});
    b.AddFlexOperator(parse, "ParseExampleV2",
                      NodeDef("ParseExampleV2", "attr { key: 'Tdense' value { list { type: DT_FLOAT } } } "
                                                "attr { key: 'dense_shapes' value { list { shape { dim { size: 2 } } } } } "
                                                "attr { key: 'num_sparse' value { i: 0 } } "
                                                "attr { key: 'sparse_types' value { list { } } } "
                                                "attr { key: 'ragged_value_types' value { list { } } } "
                                                "attr { key: 'ragged_split_types' value { list { } } }"),
                      {serialized, empty, empty, keys, empty, no_default}, {x});
  }
  {  // reduce_fn(sum[2], count, loss, x[b,2], w[2]) -> (sum + Σx, count + b, loss + Σ(x-w)²)
    int sum = b.AddTensor(reduce, "sum", T::FLOAT32, {2});
    int count = b.AddTensor(reduce, "count", T::FLOAT32, {});
    int loss = b.AddTensor(reduce, "loss", T::FLOAT32, {});
    int x = b.AddTensor(reduce, "x", T::FLOAT32, {1, 2}, {-1, 2});
    int w = b.AddTensor(reduce, "w", T::FLOAT32, {2});
    b.SetInputs(reduce, {sum, count, loss, x, w});
    int axis0 = b.AddConstant<int32_t>(reduce, "axis0", T::INT32, {1}, {0});
    int axes01 = b.AddConstant<int32_t>(reduce, "axes01", T::INT32, {2}, {0, 1});
    int begin = b.AddConstant<int32_t>(reduce, "begin", T::INT32, {1}, {0});
    int end = b.AddConstant<int32_t>(reduce, "end", T::INT32, {1}, {1});
    int xsum = b.AddTensor(reduce, "xsum", T::FLOAT32, {2});
    int sum1 = b.AddTensor(reduce, "sum1", T::FLOAT32, {2});
    int shape = b.AddTensor(reduce, "shape", T::INT32, {2});
    int rows = b.AddTensor(reduce, "rows", T::INT32, {});
    int rowsf = b.AddTensor(reduce, "rowsf", T::FLOAT32, {});
    int count1 = b.AddTensor(reduce, "count1", T::FLOAT32, {});
    int d = b.AddTensor(reduce, "d", T::FLOAT32, {1, 2}, {-1, 2});
    int d2 = b.AddTensor(reduce, "d2", T::FLOAT32, {1, 2}, {-1, 2});
    int sq = b.AddTensor(reduce, "sq", T::FLOAT32, {});
    int loss1 = b.AddTensor(reduce, "loss1", T::FLOAT32, {});
    b.SetOutputs(reduce, {sum1, count1, loss1});
    b.AddOperator(reduce, fb::BuiltinOperator::SUM, {x, axis0}, {xsum}, Reducer(false));
    b.AddOperator(reduce, fb::BuiltinOperator::ADD, {sum, xsum}, {sum1});
    b.AddOperator(reduce, fb::BuiltinOperator::SHAPE, {x}, {shape}, [](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions::ShapeOptions, fb::CreateShapeOptions(fbb, T::INT32).Union());
    });
    b.AddOperator(reduce, fb::BuiltinOperator::STRIDED_SLICE, {shape, begin, end, end}, {rows},
                  [](flatbuffers::FlatBufferBuilder& fbb) {
                    return std::make_pair(fb::BuiltinOptions::StridedSliceOptions,
                                          fb::CreateStridedSliceOptions(fbb, 0, 0, 0, 0, 1).Union());
                  });
    b.AddOperator(reduce, fb::BuiltinOperator::CAST, {rows}, {rowsf});
    b.AddOperator(reduce, fb::BuiltinOperator::ADD, {count, rowsf}, {count1});
    b.AddOperator(reduce, fb::BuiltinOperator::SUB, {x, w}, {d});
    b.AddOperator(reduce, fb::BuiltinOperator::MUL, {d, d}, {d2});
    b.AddOperator(reduce, fb::BuiltinOperator::SUM, {d2, axes01}, {sq}, Reducer(false));
    b.AddOperator(reduce, fb::BuiltinOperator::ADD, {loss, sq}, {loss1});
  }
  b.AddMetadata("min_runtime_version", std::string("1.14.0\0\0\0\0\0\0\0\0\0\0", 16));
  return b.Finish();
}

}  // namespace

void WriteToyTask(const std::string& dir, const std::vector<float>& initial_w) {
  namespace plan = ::google::internal::federated::plan;
  tensorflow::GraphDef graph;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(ServerGraph(), &graph));
  plan::Plan p;
  p.set_version(1);
  SaverDef("server_savepoint", p.mutable_server_savepoint()->mutable_saver_def());
  p.mutable_server_graph_bytes()->set_type_url("type.googleapis.com/tensorflow.GraphDef");
  p.mutable_server_graph_bytes()->set_value(graph.SerializeAsString());
  auto* phase = p.add_phase();
  auto* spec = phase->mutable_client_phase()->mutable_tensorflow_spec();
  spec->set_dataset_token_tensor_name("data_token:0");
  spec->add_target_node_names("save_client_update_tensors");
  phase->mutable_client_phase()->mutable_federated_compute()->set_input_filepath_tensor_name("input_filepath:0");
  phase->mutable_client_phase()->mutable_federated_compute()->set_output_filepath_tensor_name("output_filepath:0");
  auto* server = phase->mutable_server_phase();
  server->set_phase_init_op("phase_init");
  SaverDef("client_savepoint", server->mutable_write_client_init()->mutable_saver_def());
  server->mutable_write_client_init()->set_before_save_op("prepare");
  SaverDef("update_savepoint", server->mutable_read_update()->mutable_saver_def());
  server->set_aggregate_into_accumulators_op("accumulate_all");
  SaverDef("intermediate_update_savepoint", server->mutable_write_intermediate_update()->mutable_saver_def());
  SaverDef("intermediate_update_savepoint", server->mutable_read_intermediate_update()->mutable_saver_def());
  server->set_intermediate_aggregate_into_accumulators_op("merge_all");
  SaverDef("aggregated_update_savepoint", server->mutable_write_accumulators()->mutable_saver_def());
  server->set_apply_aggregrated_updates_op("apply");
  auto* loss = server->add_metrics();
  loss->set_variable_name("loss_metric:0");
  loss->set_stat_name("server/toy/loss");
  auto* count = server->add_metrics();
  count->set_variable_name("count_metric:0");
  count->set_stat_name("server/toy/num_examples");
  plan::ClientOnlyPlan client;
  *client.mutable_phase() = phase->client_phase();
  client.set_tflite_graph(ClientProgram());
  p.set_client_tflite_graph_bytes(client.tflite_graph());
  tb::testing::WriteFileOrDie(dir + "/plan.pb", p.SerializeAsString());
  tb::testing::WriteFileOrDie(dir + "/client_only_plan.pb", client.SerializeAsString());
  std::vector<tf::NamedTensor> state = {{"metrics/count", tf::Tensor::Scalar<float>(0)},
                                        {"metrics/loss", tf::Tensor::Scalar<float>(0)},
                                        {"server/w", tf::Tensor::FromVector<float>(initial_w)}};
  ASSERT_TRUE(tf::WriteCheckpointFile(dir + "/initial_state.server.ckp", state).ok());
}

std::vector<std::string> ToyExamples(const std::vector<std::vector<float>>& xs) {
  std::vector<std::string> out;
  for (const auto& x : xs) out.push_back(data::ExampleBuilder().AddFloats("x", x).Serialize());
  return out;
}

}  // namespace tb::runtime::testing
