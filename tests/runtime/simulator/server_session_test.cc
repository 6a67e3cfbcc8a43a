// The keras fixture's server program, run with FCP's PhaseSession semantics on the fixture's initial checkpoint and
// on the device updates from the ODP end-to-end fixtures.
#include "runtime/simulator/server_session.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/simulator/artifacts.h"
#include "runtime/simulator/simulation.h"
#include "tests/testing/testing.h"
#include "tf/checkpoint_reader.h"

namespace tb::runtime::simulator {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::shared_ptr<const ServerProgram>> KerasProgram(const std::string& plan_path) {
  plan::Plan p;
  if (!p.ParseFromString(tb::testing::ReadFileOrDie(plan_path))) return absl::InvalidArgumentError("bad plan");
  return LoadServerProgram(std::move(p));
}

tf::Tensor ReadTensor(const std::string& ckpt, const std::string& name) {
  auto reader = tf::CheckpointReader::Open(ckpt);
  EXPECT_TRUE(reader.ok()) << reader.status();
  auto t = (*reader)->Read(name);
  EXPECT_TRUE(t.ok()) << name << ": " << t.status();
  return t.ok() ? *t : tf::Tensor();
}

TEST(ServerSessionFixtureTest, KerasClientCheckpointBroadcastsTheWeightsAndClip) {
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/plan.pb");
  TB_REQUIRE_FIXTURE(ckpt, "keras/output/initial_state.server.ckp");
  auto program = KerasProgram(plan_path);
  ASSERT_TRUE(program.ok()) << program.status();
  auto session = ServerSession::Create(*program, ckpt);
  ASSERT_TRUE(session.ok()) << session.status();
  tb::testing::TempDir dir;
  ASSERT_TRUE((*session)->WriteClientCheckpoint(dir.Join("client.ckp")).ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(ReadTensor(dir.Join("client.ckp"), "client/0/trainable/" + std::to_string(i))
                    .Equals(ReadTensor(ckpt, "server/global_model_weights/trainable/" + std::to_string(i))));
  }
  EXPECT_FLOAT_EQ(ReadTensor(dir.Join("client.ckp"), "client/1").scalar<float>(), 0.1f);
}

// Aggregates the e2e fixture's two device updates (one per aggregator partition of size 1... here both in one
// layer), applies them and checks the server's arithmetic: w' = w - lr * (Σ deltas + noise) / report_goal, where the
// DP noise has the checkpoint's stddev; and the loss metric is Σ loss / Σ count over the clients.
TEST(ServerSessionFixtureTest, KerasAppliesRealDeviceUpdates) {
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/plan.pb");
  TB_REQUIRE_FIXTURE(ckpt, "keras/output/initial_state.server.ckp");
  TB_REQUIRE_FIXTURE(g1, "e2e/gradient_v1");
  TB_REQUIRE_FIXTURE(g2, "e2e/gradient_v2");
  auto program = KerasProgram(plan_path);
  ASSERT_TRUE(program.ok()) << program.status();
  tb::testing::TempDir dir;
  auto aggregator = ServerSession::Create(*program, std::nullopt, {.seed = 11});
  ASSERT_TRUE(aggregator.ok()) << aggregator.status();
  ASSERT_TRUE((*aggregator)->AccumulateClientUpdate(g1).ok());
  ASSERT_TRUE((*aggregator)->AccumulateClientUpdate(g2).ok());
  ASSERT_TRUE((*aggregator)->WriteIntermediateUpdate(dir.Join("aggregate.ckp")).ok());

  auto updater = ServerSession::Create(*program, ckpt, {.seed = 12});
  ASSERT_TRUE(updater.ok()) << updater.status();
  ASSERT_TRUE((*updater)->AccumulateIntermediateUpdate(dir.Join("aggregate.ckp")).ok());
  ASSERT_TRUE((*updater)->ApplyAggregatedUpdates().ok());
  ASSERT_TRUE((*updater)->WriteCheckpoint(dir.Join("next.ckp")).ok());
  auto metrics = (*updater)->Metrics();
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ASSERT_EQ(metrics->size(), 2u);
  EXPECT_EQ((*metrics)[0].first, "server/client_work/train/loss");
  EXPECT_EQ((*metrics)[1].first, "server/finalizer/update_non_finite");
  EXPECT_EQ((*metrics)[1].second, 0.0);
  const double loss_sum = ReadTensor(g1, "update/0/loss/0").scalar<float>() + ReadTensor(g2, "update/0/loss/0").scalar<float>();
  const double count = ReadTensor(g1, "update/0/loss/1").scalar<float>() + ReadTensor(g2, "update/0/loss/1").scalar<float>();
  EXPECT_NEAR((*metrics)[0].second, loss_sum / count, 1e-5 * std::abs(loss_sum / count));

  // Residual after removing the deterministic part must look like N(0, stddev / 2).
  const tf::Tensor w = ReadTensor(ckpt, "server/global_model_weights/trainable/0");
  const tf::Tensor next = ReadTensor(dir.Join("next.ckp"), "server/global_model_weights/trainable/0");
  const tf::Tensor d1 = ReadTensor(g1, "update/1/0"), d2 = ReadTensor(g2, "update/1/0");
  const double stddev = ReadTensor(ckpt, "server/aggregator/query_state/numerator_state/stddev").scalar<float>();
  double sum = 0, sum2 = 0;
  const int64_t n = w.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    const double r = next.flat<float>()[i] - (w.flat<float>()[i] - (d1.flat<float>()[i] + d2.flat<float>()[i]) / 2.0);
    sum += r;
    sum2 += r * r;
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 5 * (stddev / 2) / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(sd, stddev / 2, 0.02 * stddev / 2);
  // The saved server checkpoint also carries the metrics (save_server_savepoint).
  EXPECT_NEAR(ReadTensor(dir.Join("next.ckp"), "metrics/client_work/train/loss").scalar<float>(), loss_sum / count, 1e-4);
}

// The whole keras fixture task in the simulator: clipped, noised FedAvg rounds on synthetic examples.
TEST(SimulationFixtureTest, KerasTrainingRounds) {
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/plan.pb");
  const std::string dir = plan_path.substr(0, plan_path.rfind('/'));
  auto artifacts = LoadTaskArtifacts(dir, TaskKind::kTraining);
  ASSERT_TRUE(artifacts.ok()) << artifacts.status();
  SimulationOptions options;
  options.clients_per_round = 5;
  options.examples_per_client = 12;
  auto sim = Simulation::Create(std::move(*artifacts), options);
  ASSERT_TRUE(sim.ok()) << sim.status();
  EXPECT_EQ((*sim)->min_client_version(), 341912000);  // L2Loss
  for (int r = 0; r < 2; ++r) {
    auto report = (*sim)->RunRound(r);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE(report->clip_norm.has_value());
    EXPECT_FLOAT_EQ(*report->clip_norm, 0.1f);
    EXPECT_LE(report->update_norm_max, 0.1 * (1 + 1e-3));
    EXPECT_GT(report->update_norm_mean, 0.0);
    ASSERT_TRUE(report->clipped_fraction.has_value());
    EXPECT_EQ(report->examples, 60);
    ASSERT_EQ(report->metrics.size(), 2u);
    EXPECT_TRUE(std::isfinite(report->metrics[0].second));
    EXPECT_GT(report->metrics[0].second, 0.0);
  }
}

TEST(SimulationFixtureTest, KerasEvaluationRound) {
  TB_REQUIRE_FIXTURE(plan_path, "keras/output/eval_plan.pb");
  const std::string dir = plan_path.substr(0, plan_path.rfind('/'));
  auto artifacts = LoadTaskArtifacts(dir, TaskKind::kEvaluation);
  ASSERT_TRUE(artifacts.ok()) << artifacts.status();
  EXPECT_THAT(artifacts->checkpoint_path, HasSubstr("/initial_state.server.ckp"));
  auto sim = Simulation::Create(std::move(*artifacts), {.clients_per_round = 3, .examples_per_client = 5});
  ASSERT_TRUE(sim.ok()) << sim.status();
  EXPECT_EQ((*sim)->min_client_version(), 341812000);
  auto report = (*sim)->RunRound(0);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->metrics.size(), 1u);
  EXPECT_EQ(report->metrics[0].first, "server/eval/loss");
  EXPECT_GT(report->metrics[0].second, 0.0);
  EXPECT_EQ(report->update_norm_max, 0.0);
}

TEST(SimulationFixtureTest, MnistNeedsOpsPhonesLackAndHasNoCheckpoint) {
  TB_REQUIRE_FIXTURE(plan_path, "mnist/output/plan.pb");
  const std::string dir = plan_path.substr(0, plan_path.rfind('/'));
  auto missing = LoadTaskArtifacts(dir, TaskKind::kTraining);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("initial_state.server.ckp"));
  // With a checkpoint supplied (the keras one does not fit, so this one is built from the server graph's shapes by
  // the fixture test of the interpreter), the allowlist check still refuses the program before any round.
  TB_REQUIRE_FIXTURE(keras_ckpt, "keras/output/initial_state.server.ckp");
  auto artifacts = LoadTaskArtifacts(dir, TaskKind::kTraining, keras_ckpt);
  ASSERT_TRUE(artifacts.ok()) << artifacts.status();
  auto sim = Simulation::Create(std::move(*artifacts), {});
  EXPECT_EQ(sim.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(sim.status().message()),
              HasSubstr("Conv2DBackpropFilter, MaxPoolGrad, SparseSoftmaxCrossEntropyWithLogits"));
}

}  // namespace
}  // namespace tb::runtime::simulator
