// Whole device programs: the fl layer's client training and evaluation programs for the example MLP (keras-like)
// and CNN (mnist-like), lowered to TFLite, checked by the ODP device check, then run as a phone runs them (the
// TFLite interpreter with Flex ops, examples from the ExternalDataset, broadcast and update as V1 checkpoints)
// and compared with the IR program run by the reference kernels on the same inputs.
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "fl/learning_process.h"
#include "runtime/data/synthetic_examples.h"
#include "runtime/interpreter/ir_interpreter.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/kernels/resource.h"
#include "runtime/tflite/interpreter.h"
#include "tests/fl/metric_models.h"
#include "tests/testing/testing.h"
#include "tests/tflite/lowering_harness.h"
#include "tf/checkpoint_reader.h"
#include "tf/bundle.h"
#include "tf/checkpoint_writer.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"
#include "tflite/device_compat.h"
#include "tflite/lowering.h"
#include "tflite/model_reader.h"

namespace tb::tflite {
namespace {

using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using Update = std::map<std::string, tf::Tensor>;

std::vector<std::string> Examples(const tf::FunctionalModel& model, int n, uint64_t seed) {
  runtime::data::SyntheticTaskSpec spec;
  const tf::TensorSpec& x = model.features[0];
  spec.inputs = {{"x", x.dtype, std::vector<int64_t>(x.shape.begin() + 1, x.shape.end())}};
  const tf::TensorSpec& y = model.labels[0];
  spec.label = {"y", y.dtype, std::vector<int64_t>(y.shape.begin() + 1, y.shape.end())};
  if (model.labels[0].dtype == tf::DType::kInt32) spec.num_classes = 3;
  auto ex = runtime::data::GenerateSyntheticExamples(spec, n, /*task_seed=*/7, seed);
  EXPECT_TRUE(ex.ok()) << ex.status();
  return ex.ok() ? *ex : std::vector<std::string>{};
}

fl::LearningSpec Spec(fl::AggregatorKind kind) {
  fl::LearningSpec spec;
  spec.client_optimizer = {fl::OptimizerKind::kSgd, 0.1};
  spec.aggregator.kind = kind;
  spec.aggregator.clip_norm = 0.1;
  spec.aggregator.noise_multiplier = 0.5;
  spec.aggregator.clients_per_round = 4;
  spec.aggregator.num_training_rounds = 10;
  spec.aggregator.tree_seeds = [] { return std::array<int64_t, 2>{1, 2}; };
  spec.batch_size = 3;
  return spec;
}

// The broadcast of round one: the server's prepare() on its initial state, named "client/<path>".
std::vector<tf::NamedTensor> Broadcast(const fl::MapReduceProgram& program) {
  runtime::IrInterpreter server(program.server_library.get(), 1);
  std::vector<tf::Tensor> state;
  for (const fl::StateTensor& s : program.server_state) state.push_back(s.initial);
  auto values = server.Call(*program.prepare, state);
  EXPECT_TRUE(values.ok()) << values.status();
  std::vector<tf::NamedTensor> out;
  for (size_t i = 0; values.ok() && i < values->size(); ++i) {
    out.push_back({absl::StrCat("client/", program.broadcast[i].path), (*values)[i]});
  }
  return out;
}

absl::StatusOr<Update> ReadUpdate(const std::string& path) {
  auto reader = tf::CheckpointReader::Open(path);
  if (!reader.ok()) return reader.status();
  auto all = (*reader)->ReadAll();
  if (!all.ok()) return all.status();
  Update u;
  for (auto& t : *all) u[t.name] = std::move(t.tensor);
  return u;
}

absl::StatusOr<Update> RunIr(const fl::ClientProgram& client, const std::vector<std::string>& examples,
                             const std::string& in, const std::string& out) {
  runtime::IrInterpreter interpreter(client.library.get(), 1);
  interpreter.resources().Set(runtime::ExternalDatasetKey("client"), tf::Tensor::FromVector<std::string>(examples));
  const graph::Graph& g = *client.graph;
  auto node = [&](const std::string& tensor) { return g.FindNode(tensor.substr(0, tensor.find(':'))); };
  std::map<graph::Output, tf::Tensor> feeds = {
      {graph::Output(node(client.dataset_token_tensor), 0), tf::Tensor::StringScalar("client")},
      {graph::Output(node(client.input_filepath_tensor), 0), tf::Tensor::StringScalar(in)},
      {graph::Output(node(client.output_filepath_tensor), 0), tf::Tensor::StringScalar(out)}};
  auto run = interpreter.Run(g, feeds, {}, {g.FindNode(client.target_node)});
  if (!run.ok()) return run.status();
  return ReadUpdate(out);
}

absl::StatusOr<Update> RunTfLite(const std::string& flatbuffer, const std::vector<std::string>& examples,
                                 const std::string& in, const std::string& out) {
  auto model = Model::Parse(flatbuffer);
  if (!model.ok()) return model.status();
  auto interp = runtime::tflite::Interpreter::Create(std::make_shared<const Model>(std::move(*model)));
  if (!interp.ok()) return interp.status();
  runtime::ResourceStore resources;
  resources.Set(runtime::ExternalDatasetKey("client"), tf::Tensor::FromVector<std::string>(examples));
  runtime::KernelEnv env;
  env.resources = &resources;
  (*interp)->set_env(env);
  auto run = (*interp)->InvokeMain({{"data_token:0", tf::Tensor::StringScalar("client")},
                                    {"input_filepath:0", tf::Tensor::StringScalar(in)},
                                    {"output_filepath:0", tf::Tensor::StringScalar(out)}});
  if (!run.ok()) return run.status();
  return ReadUpdate(out);
}

struct Lowered {
  LoweredProgram program;
  DeviceCompatibility compat;
};

// Lowers, device-checks and runs one client program both ways; the updates must agree. The device's update is
// left in `device_update` when given.
void LowerRunAndCompare(const fl::MapReduceProgram& program, const std::vector<std::string>& examples, double rtol,
                        Lowered* lowered, Update* device_update = nullptr) {
  auto low = LowerClientProgram(program.client);
  ASSERT_TRUE(low.ok()) << low.status();
  DeviceCheckOptions options;
  options.provenance = &low->flex_ops;
  auto compat = CheckDeviceCompatibility(low->flatbuffer, options);
  ASSERT_TRUE(compat.ok()) << compat.status();
  lowered->program = *low;
  lowered->compat = *compat;

  ::tb::testing::TempDir dir;
  ASSERT_TRUE(tf::WriteCheckpointFile(dir.Join("broadcast.ckp"), Broadcast(program)).ok());
  auto ir = RunIr(program.client, examples, dir.Join("broadcast.ckp"), dir.Join("ir.ckp"));
  ASSERT_TRUE(ir.ok()) << ir.status();
  auto device = RunTfLite(low->flatbuffer, examples, dir.Join("broadcast.ckp"), dir.Join("tflite.ckp"));
  ASSERT_TRUE(device.ok()) << device.status();
  ASSERT_EQ(ir->size(), device->size());
  ASSERT_EQ(ir->size(), program.client_update.size());
  for (const auto& [name, want] : *ir) {
    ASSERT_EQ(device->count(name), 1u) << name;
    EXPECT_EQ(testing::Compare(want, device->at(name), rtol), "") << name;
  }
  if (device_update != nullptr) *device_update = *std::move(device);
}

const std::set<std::string> kDatasetAndCheckpointOps = {"BatchDatasetV2", "ExternalDataset", "MapDataset",
                                                        "ParseExampleV2", "ReduceDataset",  "RestoreV2",
                                                        "SaveSlices",     "TakeDataset"};

TEST(ClientProgramTest, MlpTrainingNeedsOnlyDatasetAndCheckpointFlexOps) {
  tf::FunctionalModel model = fl::testing::SmallExampleMlp();
  auto program = fl::BuildTrainingProcess(model, Spec(fl::AggregatorKind::kFixedGaussian));
  ASSERT_TRUE(program.ok()) << program.status();
  Lowered lowered;
  LowerRunAndCompare(*program, Examples(model, 10, 1), 1e-5, &lowered);
  if (HasFatalFailure()) return;
  EXPECT_EQ(std::set<std::string>(lowered.compat.flex_ops.begin(), lowered.compat.flex_ops.end()),
            kDatasetAndCheckpointOps);
  // The original needs 341912000 here (its FlexL2Loss); every op we keep is in ODP's first module.
  EXPECT_EQ(lowered.compat.min_client_version, 341812000);
  for (const FlexOpUse& f : lowered.program.flex_ops) {
    EXPECT_EQ(kDatasetAndCheckpointOps.count(f.op), 1u) << f.op << " at " << f.node << ": " << f.reason;
  }
}

TEST(ClientProgramTest, MlpEvaluationRunsLikeTheIr) {
  tf::FunctionalModel model = fl::testing::SmallExampleMlp();
  auto program = fl::BuildEvaluationProcess(model, Spec(fl::AggregatorKind::kFixedGaussian));
  ASSERT_TRUE(program.ok()) << program.status();
  Lowered lowered;
  LowerRunAndCompare(*program, Examples(model, 7, 2), 1e-5, &lowered);
  if (HasFatalFailure()) return;
  EXPECT_EQ(lowered.compat.min_client_version, 341812000);
}

TEST(ClientProgramTest, CnnTrainingRunsOnPhonesWithoutSkippingTheCheck) {
  tf::FunctionalModel model = fl::testing::SmallExampleCnn();
  fl::LearningSpec spec = Spec(fl::AggregatorKind::kFixedGaussian);
  spec.metrics = {"sparse_categorical_accuracy"};
  auto program = fl::BuildTrainingProcess(model, spec);
  ASSERT_TRUE(program.ok()) << program.status();
  Lowered lowered;
  LowerRunAndCompare(*program, Examples(model, 8, 3), 1e-4, &lowered);
  if (HasFatalFailure()) return;
  // No Conv2DBackpropFilter, MaxPoolGrad or SparseSoftmaxCrossEntropyWithLogits Flex op (the original's mnist
  // program needs all three and fails ODP's check).
  EXPECT_EQ(std::set<std::string>(lowered.compat.flex_ops.begin(), lowered.compat.flex_ops.end()),
            kDatasetAndCheckpointOps);
  EXPECT_EQ(lowered.compat.min_client_version, 341812000);
  EXPECT_GT(testing::CountOps(lowered.program.flatbuffer, "TRANSPOSE_CONV"), 0);
  EXPECT_GT(testing::CountOps(lowered.program.flatbuffer, "ARG_MAX"), 0);
}

TEST(ClientProgramTest, CnnEvaluationRunsLikeTheIr) {
  tf::FunctionalModel model = fl::testing::SmallExampleCnn();
  fl::LearningSpec spec = Spec(fl::AggregatorKind::kFixedGaussian);
  spec.metrics = {"sparse_categorical_accuracy"};
  auto program = fl::BuildEvaluationProcess(model, spec);
  ASSERT_TRUE(program.ok()) << program.status();
  Lowered lowered;
  LowerRunAndCompare(*program, Examples(model, 5, 4), 1e-5, &lowered);
}

// Client Adam (its bias correction is a Pow) and the metrics whose ops have no single builtin (AUC's
// UnsortedSegmentSum, Log1p, the softmax cross-entropy of metric-reshaped logits) still need only the dataset and
// checkpoint Flex ops, and the device program trains and evaluates like the IR. Only metrics that fit each model's
// labels are run: the others (AUC or binary cross-entropy of the 3-class CNN's scores against its class indices)
// are refused when the process is built (fl/metrics_shapes.cc).
TEST(ClientProgramTest, AdamAndEveryLossLikeMetricRunOnPhones) {
  struct Case {
    bool cnn;
    bool training;
    std::vector<std::string> metrics;
  };
  const std::vector<Case> cases = {
      {false, true, {"auc-roc", "auc-pr", "binary_crossentropy_from_logits"}},
      {false, false, {"auc-roc", "binary_crossentropy_from_logits"}},
      {true, true, {"sparse_categorical_crossentropy_from_logits", "sparse_categorical_crossentropy"}},
      {true, false, {"sparse_categorical_crossentropy_from_logits", "sparse_categorical_accuracy"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.cnn ? "cnn" : "mlp", c.training ? " training" : " evaluation"));
    tf::FunctionalModel model = c.cnn ? fl::testing::SmallExampleCnn() : fl::testing::SmallExampleMlp();
    fl::LearningSpec spec = Spec(fl::AggregatorKind::kFixedGaussian);
    spec.client_optimizer = {fl::OptimizerKind::kAdam, 0.01};
    spec.metrics = c.metrics;
    auto program = c.training ? fl::BuildTrainingProcess(model, spec) : fl::BuildEvaluationProcess(model, spec);
    ASSERT_TRUE(program.ok()) << program.status();
    Lowered lowered;
    LowerRunAndCompare(*program, Examples(model, 6, 5), 1e-4, &lowered);
    if (HasFatalFailure()) return;
    for (const FlexOpUse& f : lowered.program.flex_ops) {
      EXPECT_EQ(kDatasetAndCheckpointOps.count(f.op), 1u) << f.op << " at " << f.node << ": " << f.reason;
    }
    EXPECT_EQ(lowered.compat.min_client_version, 341812000);
    if (c.training) {
      EXPECT_GT(testing::CountOps(lowered.program.flatbuffer, "POW"), 0);
    }
  }
}

// The metric shapes Keras pairs at batch sizes above 1, on the device: class indices [batch, 1] flattened against
// class scores [batch, 3] in the sparse cross-entropy, and one-hot labels [batch, 3] with the scores flattened in
// the confusion metrics and the categorical cross-entropy. The model's predictions are its examples' features, so
// the device's metric sums are checked against sums computed by hand (and the whole update against the IR).
TEST(ClientProgramTest, MetricsOfClassScoresComputeKerasValuesOnPhones) {
  struct Row {
    std::vector<float> p;
    int label;
  };
  // Batch size 3: one full batch and a batch of 1.
  const std::vector<Row> rows = {{{0.7f, 0.2f, 0.1f}, 0}, {{0.1f, 0.6f, 0.3f}, 2}, {{0.2f, 0.2f, 0.6f}, 2},
                                 {{0.5f, 0.4f, 0.1f}, 1}};
  double prob_ce = 0, logit_ce = 0;
  for (const Row& r : rows) {
    double sum = 0, exp_sum = 0;
    for (float v : r.p) {
      sum += v;
      exp_sum += std::exp(static_cast<double>(v));
    }
    prob_ce += -std::log(r.p[r.label] / sum);
    logit_ce += -static_cast<double>(r.p[r.label]) + std::log(exp_sum);
  }
  struct Case {
    fl::testing::PassThroughModelOptions model;
    std::vector<std::string> metrics;
  };
  const std::vector<Case> cases = {
      {{{3}, tf::DType::kInt64, {1}},
       {"sparse_categorical_crossentropy", "sparse_categorical_crossentropy_from_logits",
        "sparse_categorical_accuracy"}},
      {{{3}, tf::DType::kFloat, {3}},
       {"auc-roc", "auc-pr", "precision", "recall", "categorical_crossentropy_from_logits", "categorical_accuracy"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.metrics[0]);
    auto model = fl::testing::BuildPassThroughModel(c.model);
    ASSERT_TRUE(model.ok()) << model.status();
    std::vector<std::string> examples;
    for (const Row& r : rows) {
      std::vector<double> label = {static_cast<double>(r.label)};
      if (c.model.label_dtype == tf::DType::kFloat) {
        label = {0, 0, 0};
        label[r.label] = 1;
      }
      examples.push_back(fl::testing::PassThroughExample(r.p, label, c.model.label_dtype));
    }
    fl::LearningSpec spec = Spec(fl::AggregatorKind::kNone);
    spec.client_optimizer = {fl::OptimizerKind::kSgd, 0.0};  // the metrics see the broadcast weights throughout
    spec.metrics = c.metrics;
    auto program = fl::BuildTrainingProcess(*model, spec);
    ASSERT_TRUE(program.ok()) << program.status();
    Lowered lowered;
    Update device;
    LowerRunAndCompare(*program, examples, 1e-5, &lowered, &device);
    if (HasFatalFailure()) return;
    for (const FlexOpUse& f : lowered.program.flex_ops) {
      EXPECT_EQ(kDatasetAndCheckpointOps.count(f.op), 1u) << f.op << " at " << f.node << ": " << f.reason;
    }
    auto value = [&](const std::string& metric, int i) {
      return device.at(absl::StrCat("update/0/", metric, "/", i)).flat<float>()[0];
    };
    if (c.model.label_dtype == tf::DType::kInt64) {
      EXPECT_NEAR(value("sparse_categorical_crossentropy", 0), prob_ce, 1e-5);
      EXPECT_NEAR(value("sparse_categorical_crossentropy_from_logits", 0), logit_ce, 1e-5);
      EXPECT_EQ(value("sparse_categorical_accuracy", 0), 2.0f);  // rows 0 and 2 have their label as argmax
      for (const std::string& m : c.metrics) EXPECT_EQ(value(m, 1), 4.0f) << m;  // one value per example
    } else {
      EXPECT_NEAR(value("categorical_crossentropy_from_logits", 0), logit_ce, 1e-5);
      EXPECT_EQ(value("categorical_accuracy", 0), 2.0f);
      EXPECT_EQ(value("categorical_accuracy", 1), 4.0f);
      // Threshold 0.5 over the 12 (example, class) decisions: positives 0.7, 0.6 above, 0.3, 0.4 not; one
      // negative (0.6) above.
      EXPECT_EQ(value("precision", 0), 2.0f);
      EXPECT_EQ(value("precision", 1), 1.0f);
      EXPECT_EQ(value("recall", 1), 2.0f);
      // AUC's counts at the lowest threshold (every score is above it): 4 positives, 8 negatives.
      EXPECT_EQ(value("auc-roc", 0), 4.0f);
      EXPECT_EQ(value("auc-roc", 2), 8.0f);
    }
  }
}

TEST(ClientProgramTest, EveryAggregatorsClientSideLowersToAllowlistedOps) {
  tf::FunctionalModel model = fl::testing::SmallExampleMlp();
  for (fl::AggregatorKind kind : {fl::AggregatorKind::kNone, fl::AggregatorKind::kAdaptiveGaussian,
                                  fl::AggregatorKind::kTreeAggregation, fl::AggregatorKind::kAdaptiveTree}) {
    fl::LearningSpec spec = Spec(kind);
    // The adaptive aggregators need report_goal > 10 x noise_multiplier to leave noise for the model update.
    spec.aggregator.clients_per_round = 20;
    auto program = fl::BuildTrainingProcess(model, spec);
    ASSERT_TRUE(program.ok()) << program.status();
    Lowered lowered;
    LowerRunAndCompare(*program, Examples(model, 6, 5), 1e-5, &lowered);
    if (HasFatalFailure()) return;
    EXPECT_EQ(lowered.compat.min_client_version, 341812000) << static_cast<int>(kind);
  }
}

// The mnist sample's SavedModel without its (unpublished) variables data: its saved_model.pb with small random
// weights of the shapes its variables.index lists, and the type specs artifacts.md reports.
absl::StatusOr<tf::FunctionalModel> MnistWithSubstituteWeights(const std::string& dir, const std::string& tmp) {
  auto index = tf::BundleReader::Open(dir + "/variables/variables");
  if (!index.ok()) return index.status();
  std::error_code ec;
  std::filesystem::copy_file(dir + "/saved_model.pb", tmp + "/saved_model.pb", ec);
  if (ec) return absl::InternalError(ec.message());
  auto tensor_type = [](tensorflow::DataType dtype, std::vector<int64_t> dims) {
    tensorflow_federated::v0::Type t;
    t.mutable_tensor()->set_dtype(dtype);
    for (int64_t d : dims) t.mutable_tensor()->add_dims(d);
    return t;
  };
  tensorflow_federated::v0::Type input;
  *input.mutable_struct_()->add_element()->mutable_value() = tensor_type(tensorflow::DT_FLOAT, {-1, 28, 28, 1});
  *input.mutable_struct_()->add_element()->mutable_value() = tensor_type(tensorflow::DT_INT32, {-1});
  std::vector<std::pair<std::string, tf::Tensor>> tensors;
  uint64_t seed = 40;
  for (const auto& e : (*index)->entries()) {
    if (e.key.starts_with("_weights/")) {
      tensors.emplace_back(e.key, testing::RandomFloats(e.shape, ++seed, -0.05f, 0.05f));
    }
  }
  tensors.emplace_back("serialized_input_spec/.ATTRIBUTES/VARIABLE_VALUE",
                       tf::Tensor::StringScalar(input.SerializeAsString()));
  const std::string prediction = tensor_type(tensorflow::DT_FLOAT, {-1, 10}).SerializeAsString();
  tensors.emplace_back("predict_on_batch_training_type_spec/.ATTRIBUTES/VARIABLE_VALUE",
                       tf::Tensor::StringScalar(prediction));
  tensors.emplace_back("predict_on_batch_inference_type_spec/.ATTRIBUTES/VARIABLE_VALUE",
                       tf::Tensor::StringScalar(prediction));
  tensors.emplace_back("loss_type_spec/.ATTRIBUTES/VARIABLE_VALUE",
                       tf::Tensor::StringScalar(tensor_type(tensorflow::DT_FLOAT, {}).SerializeAsString()));
  TB_RETURN_IF_ERROR(tf::WriteBundle(tmp + "/variables/variables", tensors));
  return tf::LoadFunctionalModel(tmp);
}

// The original's mnist program needs FlexConv2D, FlexConv2DBackpropFilter, FlexMaxPoolGrad and
// FlexSparseSoftmaxCrossEntropyWithLogits and fails ODP's check; ours from the same saved_model.pb passes it and
// trains like the IR.
TEST(ClientProgramTest, MnistFixtureTrainingRunsOnPhonesWithoutSkippingTheCheck) {
  TB_REQUIRE_FIXTURE(dir, "mnist/input/mnist_model");
  ::tb::testing::TempDir tmp;
  auto model = MnistWithSubstituteWeights(dir, tmp.path());
  ASSERT_TRUE(model.ok()) << model.status();
  fl::LearningSpec spec = Spec(fl::AggregatorKind::kFixedGaussian);
  spec.metrics = {"sparse_categorical_accuracy"};
  auto program = fl::BuildTrainingProcess(*model, spec);
  ASSERT_TRUE(program.ok()) << program.status();
  Lowered lowered;
  LowerRunAndCompare(*program, Examples(*model, 5, 6), 1e-3, &lowered);
  if (HasFatalFailure()) return;
  EXPECT_EQ(std::set<std::string>(lowered.compat.flex_ops.begin(), lowered.compat.flex_ops.end()),
            kDatasetAndCheckpointOps);
  EXPECT_EQ(lowered.compat.min_client_version, 341812000);
  EXPECT_GT(testing::CountOps(lowered.program.flatbuffer, "CONV_2D"), 0);
}

TEST(ClientProgramTest, LoweringIsDeterministic) {
  tf::FunctionalModel model = fl::testing::SmallExampleCnn();
  auto a = fl::BuildTrainingProcess(model, Spec(fl::AggregatorKind::kFixedGaussian));
  auto b = fl::BuildTrainingProcess(model, Spec(fl::AggregatorKind::kFixedGaussian));
  ASSERT_TRUE(a.ok() && b.ok());
  auto la = LowerClientProgram(a->client), lb = LowerClientProgram(b->client);
  ASSERT_TRUE(la.ok() && lb.ok());
  EXPECT_EQ(la->flatbuffer, lb->flatbuffer);
}

TEST(ClientProgramTest, MainInputsAreTheTensorflowSpecNames) {
  tf::FunctionalModel model = fl::testing::SmallExampleMlp();
  auto program = fl::BuildTrainingProcess(model, Spec(fl::AggregatorKind::kFixedGaussian));
  ASSERT_TRUE(program.ok());
  auto low = LowerClientProgram(program->client);
  ASSERT_TRUE(low.ok()) << low.status();
  auto m = Model::Parse(low->flatbuffer);
  ASSERT_TRUE(m.ok());
  std::vector<std::string> names;
  for (int32_t t : *m->subgraph(0).inputs()) {
    names.push_back(m->TensorName(0, t));
    EXPECT_EQ(m->subgraph(0).tensors()->Get(t)->type(), fb::TensorType::STRING);
  }
  EXPECT_THAT(names, ElementsAre("data_token:0", "input_filepath:0", "output_filepath:0"));
  EXPECT_EQ(m->subgraph(0).outputs()->size(), 0u);
  EXPECT_EQ(m->SubgraphName(0), "main");
  // Dataset functions are subgraphs named like the function the Flex NodeDef's `f` attr names.
  EXPECT_TRUE(m->FindSubgraph("parse_examples").has_value());
  EXPECT_TRUE(m->FindSubgraph("train_on_batch").has_value());
}

}  // namespace
}  // namespace tb::tflite
