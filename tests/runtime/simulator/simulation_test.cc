#include "runtime/simulator/simulation.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/data/tfrecord.h"
#include "tests/runtime/simulator/toy_task.h"
#include "tests/testing/testing.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"

namespace tb::runtime::simulator {
namespace {

using ::testing::HasSubstr;

std::vector<std::vector<float>> Points(int n, float offset) {
  std::vector<std::vector<float>> xs;
  for (int i = 0; i < n; ++i) xs.push_back({offset + i, 2.0f * i - offset});
  return xs;
}

double Metric(const RoundReport& r, const std::string& name) {
  for (const auto& [n, v] : r.metrics) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no metric " << name;
  return NAN;
}

std::vector<float> ServerW(const std::string& ckpt) {
  auto reader = tf::CheckpointReader::Open(ckpt);
  EXPECT_TRUE(reader.ok()) << reader.status();
  auto w = (*reader)->Read("server/w");
  EXPECT_TRUE(w.ok());
  return std::vector<float>(w->flat<float>().begin(), w->flat<float>().end());
}

// Federated mean estimation: after one round w is the mean of every client's examples and the loss is the mean
// squared distance before the round — with one client, or five summed in one layer.
TEST(SimulationTest, ToyTaskRoundsMatchTheirClosedForm) {
  tb::testing::TempDir dir;
  testing::WriteToyTask(dir.path(), {1.0f, -1.0f});
  std::vector<std::vector<float>> xs = Points(20, 3.0f);
  ASSERT_TRUE(data::WriteTFRecordFile(dir.Join("examples.tfrecord"), testing::ToyExamples(xs)).ok());
  double mean[2] = {0, 0}, loss0 = 0;
  for (const auto& x : xs) {
    mean[0] += x[0] / xs.size();
    mean[1] += x[1] / xs.size();
    loss0 += ((x[0] - 1) * (x[0] - 1) + (x[1] + 1) * (x[1] + 1)) / xs.size();
  }
  for (int clients : {1, 5}) {
    auto artifacts = LoadTaskArtifacts(dir.path(), TaskKind::kTraining);
    ASSERT_TRUE(artifacts.ok()) << artifacts.status();
    SimulationOptions options;
    options.clients_per_round = clients;
    options.odp_two_layer_aggregation = false;
    options.examples_file = dir.Join("examples.tfrecord");
    auto sim = Simulation::Create(std::move(*artifacts), options);
    ASSERT_TRUE(sim.ok()) << sim.status();
    EXPECT_EQ((*sim)->min_client_version(), 341812000);
    auto r0 = (*sim)->RunRound(0);
    ASSERT_TRUE(r0.ok()) << r0.status();
    EXPECT_EQ(r0->clients.size(), static_cast<size_t>(clients));
    EXPECT_EQ(r0->examples, 20);
    EXPECT_DOUBLE_EQ(Metric(*r0, "server/toy/num_examples"), 20);
    EXPECT_NEAR(Metric(*r0, "server/toy/loss"), loss0, 1e-4 * loss0);
    std::vector<float> w = ServerW(r0->server_checkpoint);
    EXPECT_NEAR(w[0], mean[0], 1e-4);
    EXPECT_NEAR(w[1], mean[1], 1e-4);
    EXPECT_FALSE(r0->clip_norm.has_value());
    auto r1 = (*sim)->RunRound(1);
    ASSERT_TRUE(r1.ok()) << r1.status();
    EXPECT_LT(Metric(*r1, "server/toy/loss"), Metric(*r0, "server/toy/loss"));
    std::vector<float> w1 = ServerW(r1->server_checkpoint);
    EXPECT_NEAR(w1[0], mean[0], 1e-4);
  }
}

// ODP's aggregator sums 5 updates as partitions {3, 2} and then merges the partitions, but its second layer writes
// the intermediate accumulators: only the last partition (clients 3 and 4, 8 examples) reaches the model. The
// simulator reproduces that and says so.
TEST(SimulationTest, OdpTwoLayerAggregationKeepsOnlyTheLastPartition) {
  tb::testing::TempDir dir;
  testing::WriteToyTask(dir.path(), {0.0f, 0.0f});
  ASSERT_TRUE(data::WriteTFRecordFile(dir.Join("examples.tfrecord"), testing::ToyExamples(Points(20, 1.0f))).ok());
  SimulationOptions options;
  options.clients_per_round = 5;
  options.examples_file = dir.Join("examples.tfrecord");
  auto sim = Simulation::Create(*LoadTaskArtifacts(dir.path(), TaskKind::kTraining), options);
  ASSERT_TRUE(sim.ok()) << sim.status();
  auto r = (*sim)->RunRound(0);
  ASSERT_TRUE(r.ok()) << r.status();
  int last_partition_examples = 0;
  for (size_t k = 3; k < r->clients.size(); ++k) last_partition_examples += r->clients[k].examples;
  EXPECT_EQ(Metric(*r, "server/toy/num_examples"), last_partition_examples);
  ASSERT_TRUE(r->aggregation_warning.has_value());
  EXPECT_THAT(*r->aggregation_warning, HasSubstr("kept only the last of 2 partitions"));
  // Up to 3 updates form one partition per layer... 2 updates: a single partition, nothing lost.
  options.clients_per_round = 2;
  auto two = Simulation::Create(*LoadTaskArtifacts(dir.path(), TaskKind::kTraining), options);
  auto r2 = (*two)->RunRound(0);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(Metric(*r2, "server/toy/num_examples"), r2->examples);
  EXPECT_FALSE(r2->aggregation_warning.has_value());
}

TEST(SimulationTest, SyntheticExamplesForALabelFreeProgram) {
  tb::testing::TempDir dir;
  testing::WriteToyTask(dir.path(), {0.0f, 0.0f});
  auto artifacts = LoadTaskArtifacts(dir.path(), TaskKind::kTraining);
  ASSERT_TRUE(artifacts.ok());
  SimulationOptions options;
  options.clients_per_round = 3;
  options.population = 6;
  options.examples_per_client = 7;
  auto sim = Simulation::Create(std::move(*artifacts), options);
  ASSERT_TRUE(sim.ok()) << sim.status();
  EXPECT_THAT((*sim)->examples_source(), HasSubstr("x:float[2]; no label"));
  auto r = (*sim)->RunRound(0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->examples, 21);
  // Synthetic features are uniform in [0, 1): the mean estimate lands near 0.5.
  std::vector<float> w = ServerW(r->server_checkpoint);
  EXPECT_NEAR(w[0], 0.5, 0.2);
  EXPECT_NEAR(w[1], 0.5, 0.2);
}

TEST(SimulationTest, FaultsAreSpecific) {
  tb::testing::TempDir dir;
  testing::WriteToyTask(dir.path(), {0.0f, 0.0f});
  {  // A corrupted server checkpoint.
    tb::testing::TempDir copy;
    testing::WriteToyTask(copy.path(), {0.0f, 0.0f});
    std::string bytes = tb::testing::ReadFileOrDie(copy.Join("initial_state.server.ckp"));
    bytes[bytes.size() / 3] ^= 0x55;
    tb::testing::WriteFileOrDie(copy.Join("initial_state.server.ckp"), bytes);
    auto sim = Simulation::Create(*LoadTaskArtifacts(copy.path(), TaskKind::kTraining), {});
    ASSERT_FALSE(sim.ok());
    EXPECT_THAT(std::string(sim.status().message()), HasSubstr("initial_state.server.ckp"));
  }
  {  // A missing example file.
    SimulationOptions options;
    options.examples_file = dir.Join("no_such.tfrecord");
    auto sim = Simulation::Create(*LoadTaskArtifacts(dir.path(), TaskKind::kTraining), options);
    EXPECT_EQ(sim.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(std::string(sim.status().message()), HasSubstr("no_such.tfrecord"));
  }
  {  // An op outside the device allowlist.
    auto allowlist = ::tb::tflite::FlexAllowlist::ParseCsv("1,RestoreV2\n1,SaveSlices\n1,ExternalDataset\n1,BatchDatasetV2\n"
                                                     "1,MapDataset\n1,ParseExampleV2\n");
    SimulationOptions options;
    options.allowlist = &*allowlist;
    auto sim = Simulation::Create(*LoadTaskArtifacts(dir.path(), TaskKind::kTraining), options);
    EXPECT_EQ(sim.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(sim.status().message()), HasSubstr("outside the ODP allowlist: ReduceDataset"));
    options.check_allowlist = false;
    EXPECT_TRUE(Simulation::Create(*LoadTaskArtifacts(dir.path(), TaskKind::kTraining), options).ok());
  }
  {  // Missing artifacts.
    tb::testing::TempDir empty;
    EXPECT_THAT(std::string(LoadTaskArtifacts(empty.path(), TaskKind::kTraining).status().message()),
                HasSubstr("Plan not found"));
  }
  {  // Divergence: examples so large that the squared distances overflow float32.
    tb::testing::TempDir big;
    testing::WriteToyTask(big.path(), {0.0f, 0.0f});
    ASSERT_TRUE(data::WriteTFRecordFile(big.Join("examples.tfrecord"), testing::ToyExamples({{3e30f, 1}, {3e30f, 2}})).ok());
    SimulationOptions options;
    options.clients_per_round = 1;
    options.examples_file = big.Join("examples.tfrecord");
    auto sim = Simulation::Create(*LoadTaskArtifacts(big.path(), TaskKind::kTraining), options);
    ASSERT_TRUE(sim.ok()) << sim.status();
    auto r = (*sim)->RunRound(0);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("round 0: client 0 produced a non-finite update"));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("first NaN/inf at subgraph 2 (reduce_fn), operator"));
  }
}

}  // namespace
}  // namespace tb::runtime::simulator
