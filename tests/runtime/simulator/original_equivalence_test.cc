// The proof that matters most for a user: the artifacts taskbuilder builds train and evaluate like the original's.
// The keras fixture's config (σ given as the original calibrated it, use_daf removed: DAF plans are not built yet)
// goes through `taskbuilder build`, once for the suite. Training: our artifacts and the original's run in
// `taskbuilder simulate` from the same initial checkpoint with the DP noise switched off (stddev 0 in the server
// state), so both are deterministic, and every round's metrics and update norms must agree. Evaluation: our
// evaluation artifacts and the original's (eval_plan.pb, eval_client_only_plan.pb) evaluate the same models —
// the initial one and models trained by either side's training artifacts — on the same TFRecord of examples, and
// every evaluation metric must agree.
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runtime/data/synthetic_examples.h"
#include "runtime/data/tfrecord.h"
#include "tests/testing/testing.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"

namespace tb::runtime {
namespace {

constexpr char kKerasConfig[] = R"pb(
  mode: TRAINING_AND_EVAL
  population_name: "keras_example_int64_task_builder"
  policies {
    min_separation_policy { minimum_separation: 0 }
    data_availability_policy { min_example_count: 1 }
    model_release_policy { num_max_training_rounds: 1000 }
  }
  federated_learning {
    learning_process {
      client_learning_rate: 0.1
      server_learning_rate: 1.0
      runtime_config { report_goal: 2 }
    }
    evaluation {
      source_training_task_id: 1
      checkpoint_selector: "every_1_round"
      evaluation_traffic: 0.2
      report_goal: 2
    }
  }
  differential_privacy { clip_norm: 0.1 noise_multiplier: 0.22200350938986962 }
)pb";

std::vector<nlohmann::json> Rounds(const std::string& out) {
  std::vector<nlohmann::json> rounds;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("round")) rounds.push_back(j);
  }
  return rounds;
}

// The initial checkpoint of `artifacts` with the Gaussian noise's stddev set to 0, written to `out`.
void WriteNoiselessCheckpoint(const std::string& artifacts, const std::string& out) {
  auto reader = tf::CheckpointReader::Open(artifacts + "/initial_state.server.ckp");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto tensors = (*reader)->ReadAll();
  ASSERT_TRUE(tensors.ok()) << tensors.status();
  bool found = false;
  for (tf::NamedTensor& t : *tensors) {
    if (t.name != "server/aggregator/query_state/numerator_state/stddev") continue;
    ASSERT_EQ(t.tensor.num_elements(), 1);
    EXPECT_GT(t.tensor.flat<float>()[0], 0.0f);  // σ·clip as built
    t.tensor.flat<float>()[0] = 0.0f;
    found = true;
  }
  ASSERT_TRUE(found) << artifacts << " has no noise stddev in its server state";
  ASSERT_TRUE(tf::WriteCheckpointFile(out, *tensors).ok());
}

std::vector<nlohmann::json> SimulateWithoutNoise(const std::string& artifacts, const std::string& work) {
  const std::string checkpoint = work + "/noiseless.ckp";
  WriteNoiselessCheckpoint(artifacts, checkpoint);
  auto r = testing::Run({testing::TaskbuilderBinary(), "simulate", "--artifacts=" + artifacts,
                         "--initial_checkpoint=" + checkpoint, "--rounds=4", "--clients=2", "--seed=7",
                         "--examples_per_client=20", "--noprogress"},
                        std::chrono::seconds(300));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Rounds(r.out);
}

// Builds our artifacts for the keras config once; `ours()` is empty (and the tests skip) without the fixture.
class OriginalEquivalenceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = testing::FixturePath("keras/input/keras_model");
    original_ = testing::FixturePath("keras/output");
    if (!model_.has_value() || !original_.has_value()) return;
    dir_ = new testing::TempDir();
    testing::WriteFileOrDie(dir_->Join("keras.pbtxt"), kKerasConfig);
    auto build = testing::Run({testing::TaskbuilderBinary(), "build", "--saved_model=" + *model_,
                               "--task_config=" + dir_->Join("keras.pbtxt"), "--out=" + dir_->Join("ours"), "--quiet"},
                              std::chrono::seconds(300));
    build_error_ = build.exit_code == 0 ? "" : "taskbuilder build failed: " + build.err + build.out;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    TB_REQUIRE_FIXTURE(model, "keras/input/keras_model");
    TB_REQUIRE_FIXTURE(original, "keras/output");
    ASSERT_TRUE(build_error_.empty()) << build_error_;
  }
  static std::string ours() { return dir_->Join("ours"); }
  static std::string original() { return *original_; }

 private:
  static inline std::optional<std::string> model_, original_;
  static inline testing::TempDir* dir_ = nullptr;
  static inline std::string build_error_;
};

TEST_F(OriginalEquivalenceTest, OurKerasArtifactsTrainLikeTheOriginals) {
  testing::TempDir ours_work, theirs_work;
  const auto ours_rounds = SimulateWithoutNoise(ours(), ours_work.path());
  const auto theirs = SimulateWithoutNoise(original(), theirs_work.path());
  ASSERT_EQ(ours_rounds.size(), 4u);
  ASSERT_EQ(theirs.size(), 4u);
  const std::string loss = "server/client_work/train/loss";
  for (size_t i = 0; i < ours_rounds.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "round " << i);
    const double a = ours_rounds[i]["metrics"][loss], b = theirs[i]["metrics"][loss];
    EXPECT_NEAR(a, b, 1e-4 * std::abs(b)) << "loss";
    EXPECT_EQ(ours_rounds[i]["clipped_fraction"], theirs[i]["clipped_fraction"]);
    const double na = ours_rounds[i]["update_norm"]["mean"], nb = theirs[i]["update_norm"]["mean"];
    EXPECT_NEAR(na, nb, 1e-4 * nb) << "mean update norm";
  }
  // Training happened: the loss moved over the rounds in both.
  EXPECT_NE(ours_rounds.front()["metrics"][loss], ours_rounds.back()["metrics"][loss]);
}

// The model after 3 rounds of `artifacts`' training program (seeded, DP noise included): a checkpoint both
// evaluation programs can read, since both tasks name the server state the same way.
std::string TrainedCheckpoint(const std::string& artifacts, const std::string& work) {
  auto r = testing::Run({testing::TaskbuilderBinary(), "simulate", "--artifacts=" + artifacts, "--rounds=3",
                         "--clients=2", "--examples_per_client=40", "--seed=5", "--work_dir=" + work, "--noprogress"},
                        std::chrono::seconds(300));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string last;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) last = line;
  }
  nlohmann::json summary = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(summary.contains("final_checkpoint")) << r.out;
  return summary.value("final_checkpoint", "");
}

// One evaluation round of `artifacts`' evaluation task on `examples` (split over 2 clients); an empty checkpoint
// means the task's default (the training task's initial state).
nlohmann::json Evaluate(const std::string& artifacts, const std::string& examples, const std::string& checkpoint) {
  std::vector<std::string> argv = {testing::TaskbuilderBinary(), "simulate", "--artifacts=" + artifacts,
                                   "--task=evaluation", "--examples=" + examples, "--rounds=1", "--clients=2",
                                   "--noprogress"};
  if (!checkpoint.empty()) argv.push_back("--initial_checkpoint=" + checkpoint);
  auto r = testing::Run(argv, std::chrono::seconds(300));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto rounds = Rounds(r.out);
  EXPECT_EQ(rounds.size(), 1u) << r.out;
  return rounds.empty() ? nlohmann::json() : rounds[0];
}

TEST_F(OriginalEquivalenceTest, OurKerasArtifactsEvaluateLikeTheOriginals) {
  testing::TempDir work;
  // The same 60 examples for every evaluation, 30 per client.
  runtime::data::SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {784}});
  spec.label = {"y", tf::DType::kInt64, {1}};
  auto examples = runtime::data::GenerateSyntheticExamples(spec, 60, 11, 12);
  ASSERT_TRUE(examples.ok()) << examples.status();
  const std::string tfrecord = work.Join("examples.tfrecord");
  ASSERT_TRUE(runtime::data::WriteTFRecordFile(tfrecord, *examples).ok());

  std::map<std::string, std::string> models = {{"initial", ""}};
  testing::TempDir ours_training, theirs_training;
  models["trained by ours"] = TrainedCheckpoint(ours(), ours_training.path());
  models["trained by the original"] = TrainedCheckpoint(original(), theirs_training.path());
  const std::string loss = "server/eval/loss";
  std::map<std::string, double> losses;
  for (const auto& [model, checkpoint] : models) {
    SCOPED_TRACE(model);
    const nlohmann::json a = Evaluate(ours(), tfrecord, checkpoint);
    const nlohmann::json b = Evaluate(original(), tfrecord, checkpoint);
    ASSERT_TRUE(b.contains("metrics") && b["metrics"].contains(loss)) << b;
    EXPECT_EQ(a["examples"], 60);
    EXPECT_EQ(a["examples"], b["examples"]);
    // The same metrics, each within 1e-4.
    ASSERT_EQ(a["metrics"].size(), b["metrics"].size()) << a["metrics"] << " vs " << b["metrics"];
    for (const auto& [name, want] : b["metrics"].items()) {
      ASSERT_TRUE(a["metrics"].contains(name)) << name << " missing from " << a["metrics"];
      const double got = a["metrics"][name], expected = want;
      EXPECT_NEAR(got, expected, 1e-4 * std::max(1.0, std::abs(expected))) << name;
    }
    losses[model] = b["metrics"][loss];
  }
  // The checkpoints were really read: the trained models evaluate differently from the initial one.
  EXPECT_NE(losses["initial"], losses["trained by ours"]);
  EXPECT_NE(losses["initial"], losses["trained by the original"]);
}

}  // namespace
}  // namespace tb::runtime
