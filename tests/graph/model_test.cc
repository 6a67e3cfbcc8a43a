// Whole models through the compiler: the generated MLP and CNN example models (and the keras fixture when present)
// are imported, composed into predict+loss programs, differentiated and checked by float64 finite differences;
// their frozen forward graphs and losses are exported and run by tfjs, which must agree with our kernels within
// 1e-5; their gradient programs export to NodeDefs that TF's OpDefs accept; and the clean-up passes leave the
// numbers unchanged.
#include <random>

#include "absl/strings/str_cat.h"

#include "gtest/gtest.h"
#include "graph/autodiff/gradients.h"
#include "graph/export.h"
#include "graph/passes/passes.h"
#include "runtime/interpreter/ir_interpreter.h"
#include "runtime/interpreter/kernel_evaluator.h"
#include "tests/graph/gradient_check.h"
#include "tests/graph/model_programs.h"
#include "tests/graph/tfjs_runner.h"
#include "tests/testing/testing.h"
#include "tf/example_models.h"
#include "tf/op_defs.h"

namespace tb::graph {
namespace {

using testing::BuildModelProgram;
using testing::ModelProgram;
using testing::ModelProgramOptions;
using tf::DType;

tf::FunctionalModel SmallMlp() {
  tf::MlpOptions o;
  o.input_dim = 12;
  o.hidden_units = 6;
  auto m = tf::BuildMlpModel(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

tf::FunctionalModel SmallCnn() {
  tf::CnnOptions o;
  o.height = o.width = 8;
  o.kernel_size = 3;
  o.filters1 = 3;
  o.filters2 = 4;
  o.dense_units = 8;
  o.classes = 5;
  auto m = tf::BuildCnnModel(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

// Random inputs for a batch: features uniform in [0, 1), labels valid for the model's loss.
std::map<Output, tf::Tensor> Batch(const ModelProgram& p, int64_t batch, bool dbl, uint64_t seed, int64_t classes) {
  std::mt19937_64 rng(seed);
  std::map<Output, tf::Tensor> feeds;
  for (const Output& f : p.features) {
    std::vector<int64_t> dims = f.shape().dims();
    dims[0] = batch;
    tf::Tensor t(dbl ? DType::kDouble : DType::kFloat, dims);
    std::uniform_real_distribution<double> d(0, 1);
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      if (dbl) t.flat<double>()[i] = d(rng);
      else t.flat<float>()[i] = static_cast<float>(d(rng));
    }
    feeds[f] = t;
  }
  for (const Output& l : p.labels) {
    std::vector<int64_t> dims = l.shape().dims();
    dims[0] = batch;
    tf::Tensor t(l.dtype(), dims);
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      const int64_t v = static_cast<int64_t>(rng() % classes);
      if (l.dtype() == DType::kInt64) t.flat<int64_t>()[i] = v;
      else t.flat<int32_t>()[i] = static_cast<int32_t>(v);
    }
    feeds[l] = t;
  }
  for (size_t i = 0; i < p.weights.size(); ++i) {
    if (p.weights[i].node->op() == "Placeholder") feeds[p.weights[i]] = p.weight_values[i];
  }
  return feeds;
}

void CheckModelGradients(const tf::FunctionalModel& model, int64_t classes, int max_elements) {
  ModelProgramOptions o;
  o.promote_to_double = true;
  auto p = BuildModelProgram(model, o);
  ASSERT_TRUE(p.ok()) << p.status();
  auto feeds = Batch(*p, 3, true, 11, classes);
  testing::GradCheckOptions g;
  g.max_elements = max_elements;
  absl::Status s = testing::CheckScalarGradients(*p->graph, p->loss, p->weights, feeds, g);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(ModelGradientTest, ExampleMlpMatchesFiniteDifferences) { CheckModelGradients(SmallMlp(), 2, 100); }
TEST(ModelGradientTest, ExampleCnnMatchesFiniteDifferences) { CheckModelGradients(SmallCnn(), 5, 60); }
TEST(ModelGradientTest, KerasFixtureMatchesFiniteDifferences) {
  TB_REQUIRE_FIXTURE(dir, "keras/input/keras_model");
  auto model = tf::LoadFunctionalModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  CheckModelGradients(*model, 2, 30);
}

// The training program's exported GraphDef (forward, loss and gradients) is valid for TF 2.14.
void CheckGradientProgramExports(const tf::FunctionalModel& model) {
  auto p = BuildModelProgram(model, {});
  ASSERT_TRUE(p.ok()) << p.status();
  auto grads = AddGradients(*p->graph, {p->loss}, p->weights);
  ASSERT_TRUE(grads.ok()) << grads.status();
  for (const Output& g : *grads) ASSERT_TRUE(g.valid());
  auto gdef = ExportGraphDef(*p->graph);
  ASSERT_TRUE(gdef.ok()) << gdef.status();
  std::set<std::string> ops;
  for (const auto& nd : gdef->node()) {
    ops.insert(nd.op());
    const tensorflow::OpDef* def = tf::FindOpDef(nd.op());
    ASSERT_NE(def, nullptr) << nd.op() << " is unknown to tf/op_defs";
    tensorflow::NodeDef copy = nd;
    tf::AddDefaultAttrs(*def, &copy);
    EXPECT_TRUE(tf::ValidateNodeDef(copy, *def).ok()) << tf::ValidateNodeDef(copy, *def);
  }
  EXPECT_TRUE(ops.count("MatMul"));
}

TEST(ModelExportTest, GradientProgramsAreValidTf) {
  CheckGradientProgramExports(SmallMlp());
  CheckGradientProgramExports(SmallCnn());
}

// Forward pass (and loss) in tfjs vs our kernels.
void CheckTfjsAgrees(const tf::FunctionalModel& model, int64_t classes, int64_t batch) {
  const std::string missing = testing::TfjsMissing();
  ASSERT_TRUE(missing.empty()) << missing;
  ModelProgramOptions o;
  o.frozen_weights = true;
  o.training = false;
  auto p = BuildModelProgram(model, o);
  ASSERT_TRUE(p.ok()) << p.status();
  auto gdef = ExportGraphDef(*p->graph);
  ASSERT_TRUE(gdef.ok()) << gdef.status();
  EXPECT_EQ(gdef->library().function_size(), 0);
  testing::TempDir dir;
  ASSERT_TRUE(testing::WriteTfjsModel(*gdef, dir.path()).ok());
  auto feeds = Batch(*p, batch, false, 5, classes);
  std::map<std::string, tf::Tensor> inputs;
  for (const auto& [o2, t] : feeds) inputs[o2.node->name()] = t;
  std::vector<std::string> names;
  std::vector<Output> fetches;
  for (const Output& pr : p->predictions) {
    names.push_back(pr.node->name());
    fetches.push_back(pr);
  }
  names.push_back(p->loss.node->name());
  fetches.push_back(p->loss);
  auto theirs = testing::RunTfjs(dir.path(), inputs, names);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  runtime::IrInterpreter interp;
  auto ours = interp.Run(*p->graph, feeds, fetches);
  ASSERT_TRUE(ours.ok()) << ours.status();
  ASSERT_EQ(theirs->size(), ours->size());
  for (size_t i = 0; i < ours->size(); ++i) {
    const tf::Tensor& a = (*ours)[i];
    const tf::Tensor& b = (*theirs)[i];
    ASSERT_EQ(a.num_elements(), b.num_elements()) << names[i];
    double worst = 0;
    for (int64_t k = 0; k < a.num_elements(); ++k) {
      worst = std::max<double>(worst, std::abs(a.flat<float>()[k] - b.flat<float>()[k]));
    }
    EXPECT_LE(worst, 1e-5) << names[i];
    ::testing::Test::RecordProperty(names[i] + "_max_abs_diff", absl::StrCat(worst));
    // Guard against a degenerate agreement (e.g. both all zeros).
    if (a.num_elements() > 1) {
      bool varies = false;
      for (int64_t k = 1; k < a.num_elements(); ++k) varies |= a.flat<float>()[k] != a.flat<float>()[0];
      EXPECT_TRUE(varies) << names[i] << " is constant";
    } else {
      EXPECT_NE(a.flat<float>()[0], 0.0f) << names[i];
    }
  }
}

TEST(TfjsTest, ExampleMlpForwardAndLossAgree) { CheckTfjsAgrees(SmallMlp(), 2, 5); }
TEST(TfjsTest, ExampleCnnForwardAndLossAgree) { CheckTfjsAgrees(SmallCnn(), 5, 4); }
TEST(TfjsTest, KerasFixtureForwardAndLossAgree) {
  TB_REQUIRE_FIXTURE(dir, "keras/input/keras_model");
  auto model = tf::LoadFunctionalModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  CheckTfjsAgrees(*model, 2, 8);
}

// CSE + folding + DCE on a differentiated program change nothing numerically and shrink it.
TEST(PassesTest, CleanupKeepsTheTrainingStepsNumbers) {
  auto p = BuildModelProgram(SmallCnn(), {});
  ASSERT_TRUE(p.ok()) << p.status();
  auto grads = AddGradients(*p->graph, {p->loss}, p->weights);
  ASSERT_TRUE(grads.ok()) << grads.status();
  std::vector<Output> fetches = *grads;
  fetches.push_back(p->loss);
  auto feeds = Batch(*p, 4, false, 3, 5);
  runtime::IrInterpreter before_interp;
  auto before = before_interp.Run(*p->graph, feeds, fetches);
  ASSERT_TRUE(before.ok()) << before.status();
  const int nodes = p->graph->num_nodes();
  // Keep the fetched nodes stable across passes by routing them through named Identities.
  Builder b(p->graph.get());
  std::vector<Output> named;
  for (size_t i = 0; i < fetches.size(); ++i) named.push_back(b.WithName("fetch_" + std::to_string(i)).Identity(fetches[i]));
  std::vector<Node*> keep;
  for (const Output& o : named) keep.push_back(o.node);
  auto cse = EliminateCommonSubexpressions(*p->graph, keep);
  ASSERT_TRUE(cse.ok()) << cse.status();
  runtime::KernelEvaluator evaluator;
  FoldOptions fold;
  fold.keep = keep;
  auto folded = FoldConstants(*p->graph, &evaluator, fold);
  ASSERT_TRUE(folded.ok()) << folded.status();
  auto dce = EliminateDeadCode(*p->graph, named);
  ASSERT_TRUE(dce.ok()) << dce.status();
  EXPECT_GT(*cse + *folded + *dce, 0);
  EXPECT_LT(p->graph->num_nodes(), nodes + static_cast<int>(named.size()));
  runtime::IrInterpreter after_interp;
  auto after = after_interp.Run(*p->graph, feeds, named);
  ASSERT_TRUE(after.ok()) << after.status();
  for (size_t i = 0; i < fetches.size(); ++i) EXPECT_TRUE((*before)[i].Equals((*after)[i])) << "fetch " << i;
}

}  // namespace
}  // namespace tb::graph
