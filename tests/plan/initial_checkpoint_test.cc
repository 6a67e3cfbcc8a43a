// The initial checkpoint from generated models and every kind of state tensor the processes hold (float weights,
// int32/int64 counters and seeds, bools, strings): plan's sized single-pass writer gives exactly the bytes of the
// tf/ checkpoint writer over the same tensors, and they read back as the state.
#include <map>

#include "fl/learning_process.h"
#include "gtest/gtest.h"
#include "plan/initial_checkpoint.h"
#include "tests/testing/testing.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"
#include "tf/example_models.h"

namespace tb::plan {
namespace {

TEST(InitialCheckpointTest, SerializedStateIsTheCheckpointWritersBytesAndReadsBack) {
  tf::CnnOptions o;
  o.height = 8;
  o.width = 8;
  o.kernel_size = 3;
  o.filters1 = 2;
  o.filters2 = 4;
  o.dense_units = 8;
  o.classes = 3;
  const tf::FunctionalModel model = *tf::BuildCnnModel(o);
  for (fl::AggregatorKind kind : {fl::AggregatorKind::kFixedGaussian, fl::AggregatorKind::kAdaptiveTree}) {
    fl::LearningSpec spec;
    spec.server_optimizer = {fl::OptimizerKind::kAdam, 0.01};
    spec.aggregator.kind = kind;
    spec.aggregator.clip_norm = 0.1;
    spec.aggregator.noise_multiplier = 1.0;
    spec.aggregator.clients_per_round = 20;
    spec.aggregator.num_training_rounds = 16;
    spec.aggregator.tree_seeds = [] { return std::array<int64_t, 2>{3, 5}; };
    auto state = fl::TrainingServerState(model, spec);
    ASSERT_TRUE(state.ok()) << state.status();
    for (const std::vector<fl::StateTensor>& s : {*state, fl::ZeroState(*state)}) {
      auto bytes = SerializeInitialCheckpoint(s);
      ASSERT_TRUE(bytes.ok()) << bytes.status();
      auto reference = tf::SerializeCheckpoint(InitialCheckpointTensors(s));
      ASSERT_TRUE(reference.ok());
      EXPECT_EQ(*bytes, *reference);
      ::tb::testing::TempDir dir;
      ::tb::testing::WriteFileOrDie(dir.Join("ckpt"), *bytes);
      auto reader = tf::CheckpointReader::Open(dir.Join("ckpt"));
      ASSERT_TRUE(reader.ok()) << reader.status();
      for (const fl::StateTensor& t : s) {
        auto read = (*reader)->Read("server/" + t.slot.path);
        ASSERT_TRUE(read.ok()) << t.slot.path << ": " << read.status();
        EXPECT_TRUE(read->Equals(t.initial)) << t.slot.path;
      }
    }
  }
}

}  // namespace
}  // namespace tb::plan
