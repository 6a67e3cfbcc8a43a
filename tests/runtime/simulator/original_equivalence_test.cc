// The proof that matters most for a user: the artifacts taskbuilder builds train like the original's. The keras
// fixture's config (σ given as the original calibrated it, use_daf removed: DAF plans are not built yet) goes through
// `taskbuilder build`; then our artifacts and the original's run in `taskbuilder simulate` from the same initial
// checkpoint with the DP noise switched off (stddev 0 in the server state), so both are deterministic, and every
// round's metrics and update norms must agree.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
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

TEST(OriginalEquivalenceTest, OurKerasArtifactsTrainLikeTheOriginals) {
  TB_REQUIRE_FIXTURE(model, "keras/input/keras_model");
  TB_REQUIRE_FIXTURE(original, "keras/output");
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.Join("keras.pbtxt"), kKerasConfig);
  auto build = testing::Run({testing::TaskbuilderBinary(), "build", "--saved_model=" + model,
                             "--task_config=" + dir.Join("keras.pbtxt"), "--out=" + dir.Join("ours"), "--quiet"},
                            std::chrono::seconds(300));
  ASSERT_EQ(build.exit_code, 0) << build.err;

  testing::TempDir ours_work, theirs_work;
  const auto ours = SimulateWithoutNoise(dir.Join("ours"), ours_work.path());
  const auto theirs = SimulateWithoutNoise(original, theirs_work.path());
  ASSERT_EQ(ours.size(), 4u);
  ASSERT_EQ(theirs.size(), 4u);
  const std::string loss = "server/client_work/train/loss";
  for (size_t i = 0; i < ours.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "round " << i);
    const double a = ours[i]["metrics"][loss], b = theirs[i]["metrics"][loss];
    EXPECT_NEAR(a, b, 1e-4 * std::abs(b)) << "loss";
    EXPECT_EQ(ours[i]["clipped_fraction"], theirs[i]["clipped_fraction"]);
    const double na = ours[i]["update_norm"]["mean"], nb = theirs[i]["update_norm"]["mean"];
    EXPECT_NEAR(na, nb, 1e-4 * nb) << "mean update norm";
  }
  // Training happened: the loss moved over the rounds in both.
  EXPECT_NE(ours.front()["metrics"][loss], ours.back()["metrics"][loss]);
}

}  // namespace
}  // namespace tb::runtime
