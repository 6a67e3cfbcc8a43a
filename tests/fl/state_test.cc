// The server state of the learning processes as values: the training state's layout and initial values, and the
// evaluation task's all-zero instance of it, whose zero buffers are shared (a 100M-parameter model must not pay a
// fresh 400 MB buffer per zero tensor).
#include <map>
#include <string>

#include "fl/learning_process.h"
#include "gtest/gtest.h"
#include "tf/example_models.h"

namespace tb::fl {
namespace {

tf::FunctionalModel SmallMlp() {
  tf::MlpOptions o;
  o.input_dim = 6;
  o.hidden_units = 4;
  return *tf::BuildMlpModel(o);
}

LearningSpec AdamTreeSpec() {
  LearningSpec spec;
  spec.server_optimizer = {OptimizerKind::kAdam, 0.01};
  spec.aggregator.kind = AggregatorKind::kTreeAggregation;
  spec.aggregator.clip_norm = 0.1;
  spec.aggregator.noise_multiplier = 1.0;
  spec.aggregator.clients_per_round = 10;
  spec.aggregator.num_training_rounds = 16;
  spec.aggregator.tree_seeds = [] { return std::array<int64_t, 2>{3, 5}; };
  return spec;
}

std::map<std::string, tf::Tensor> ByPath(const std::vector<StateTensor>& state) {
  std::map<std::string, tf::Tensor> out;
  for (const StateTensor& s : state) out[s.slot.path] = s.initial;
  return out;
}

const void* Data(const tf::Tensor& t) { return t.bytes().data(); }

TEST(ServerStateTest, AdamMomentEstimatesStartAsOneSharedZeroBufferPerWeight) {
  const tf::FunctionalModel model = SmallMlp();
  auto state = TrainingServerState(model, AdamTreeSpec());
  ASSERT_TRUE(state.ok()) << state.status();
  auto s = ByPath(*state);
  for (size_t i = 0; i < model.trainable_weights.size(); ++i) {
    const std::string k = std::to_string(i);
    const tf::Tensor& acc = s.at("finalizer/accumulator/" + k);
    const tf::Tensor& pre = s.at("finalizer/preconditioner/" + k);
    const tf::Tensor& w = model.trainable_weights[i].tensor;
    EXPECT_EQ(acc.shape(), w.shape());
    EXPECT_TRUE(acc.Equals(tf::Tensor(w.dtype(), w.shape())));
    EXPECT_EQ(Data(acc), Data(pre)) << "weight " << i;
    // The model's weights are the state's, not a copy.
    EXPECT_EQ(Data(s.at("global_model_weights/trainable/" + k)), Data(w));
  }
}

TEST(ServerStateTest, ZeroStateIsZeroWithTheSlotsShapesAndReusesZeroBuffers) {
  const tf::FunctionalModel model = SmallMlp();
  auto state = TrainingServerState(model, AdamTreeSpec());
  ASSERT_TRUE(state.ok()) << state.status();
  const std::vector<StateTensor> zero = ZeroState(*state);
  ASSERT_EQ(zero.size(), state->size());
  for (size_t i = 0; i < zero.size(); ++i) {
    SCOPED_TRACE(zero[i].slot.path);
    EXPECT_EQ(zero[i].slot.path, (*state)[i].slot.path);
    std::vector<int64_t> dims;
    for (int64_t d : zero[i].slot.type.shape.dims()) dims.push_back(d < 0 ? 0 : d);
    EXPECT_TRUE(zero[i].initial.Equals(tf::Tensor(zero[i].slot.type.dtype, dims)));
  }
  auto t = ByPath(*state);
  auto z = ByPath(zero);
  int nonzero_weights = 0, zero_weights = 0;
  for (size_t i = 0; i < model.trainable_weights.size(); ++i) {
    const std::string k = std::to_string(i);
    // One buffer per shape: the weight's zero instance and both moment estimates.
    const void* shared = Data(z.at("global_model_weights/trainable/" + k));
    EXPECT_EQ(Data(z.at("finalizer/accumulator/" + k)), shared);
    EXPECT_EQ(Data(z.at("finalizer/preconditioner/" + k)), shared);
    // Already-zero state tensors are their own zero instance: the zero-initialized biases themselves, else the
    // training state's moment estimates.
    const tf::Tensor& w = model.trainable_weights[i].tensor;
    if (w.Equals(tf::Tensor(w.dtype(), w.shape()))) {
      ++zero_weights;
      EXPECT_EQ(shared, Data(w)) << "weight " << i;
    } else {
      ++nonzero_weights;
      EXPECT_NE(shared, Data(w)) << "weight " << i;
      // Reused from the training state (the tree's previous noise or Adam's moments, whichever comes first).
      bool reused = false;
      for (const auto& [path, tensor] : t) reused |= Data(tensor) == shared;
      EXPECT_TRUE(reused) << "weight " << i << "'s zero instance is a fresh buffer";
    }
  }
  EXPECT_GT(nonzero_weights, 0);
  EXPECT_GT(zero_weights, 0);  // the example models' biases start at zero
  // Non-zero scalars and strings get fresh zeros (the tree's seeds and noise, the DP event names).
  EXPECT_EQ(z.at("finalizer/learning_rate").scalar<float>(), 0.0f);
  EXPECT_NE(t.at("finalizer/learning_rate").scalar<float>(), 0.0f);
}

// A negative zero is not the zero instance: ZeroState gives +0.0 bit for bit.
TEST(ServerStateTest, NegativeZeroIsReplacedByPositiveZero) {
  StateTensor s{TensorSlot{"x", {tf::DType::kFloat, graph::PartialShape({3})}},
                tf::Tensor::FromVector<float>({-0.0f, -0.0f, -0.0f})};
  const std::vector<StateTensor> zero = ZeroState({s});
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_TRUE(zero[0].initial.Equals(tf::Tensor(tf::DType::kFloat, {3})));
  EXPECT_NE(Data(zero[0].initial), Data(s.initial));
}

}  // namespace
}  // namespace tb::fl

namespace tb::fl {
namespace {

// One build composes both processes from one training state: the programs carry it as given (the tree's initial
// noise is not drawn again), and a state that does not fit the model is refused.
TEST(ServerStateTest, ProcessesBuiltFromAGivenStateCarryItAndRefuseOneThatDoesNotFit) {
  const tf::FunctionalModel model = SmallMlp();
  const LearningSpec spec = AdamTreeSpec();
  auto state = TrainingServerState(model, spec);
  ASSERT_TRUE(state.ok()) << state.status();
  auto training = BuildTrainingProcess(model, spec, &*state);
  ASSERT_TRUE(training.ok()) << training.status();
  ASSERT_EQ(training->server_state.size(), state->size());
  for (size_t i = 0; i < state->size(); ++i) {
    EXPECT_EQ(training->server_state[i].slot.path, (*state)[i].slot.path);
    EXPECT_EQ(Data(training->server_state[i].initial), Data((*state)[i].initial)) << (*state)[i].slot.path;
  }
  auto eval = BuildEvaluationProcess(model, spec, &*state);
  ASSERT_TRUE(eval.ok()) << eval.status();
  ASSERT_EQ(eval->server_state.size(), state->size());
  // Different tree seeds give a different initial state; the given one wins.
  LearningSpec other = spec;
  other.aggregator.tree_seeds = [] { return std::array<int64_t, 2>{8, 9}; };
  auto from_given = BuildTrainingProcess(model, other, &*state);
  ASSERT_TRUE(from_given.ok());
  auto fresh = BuildTrainingProcess(model, other);
  ASSERT_TRUE(fresh.ok());
  bool differs = false;
  for (size_t i = 0; i < state->size(); ++i) {
    EXPECT_TRUE(from_given->server_state[i].initial.Equals((*state)[i].initial));
    differs |= !fresh->server_state[i].initial.Equals((*state)[i].initial);
  }
  EXPECT_TRUE(differs) << "the tree's initial noise should depend on its seeds";

  std::vector<StateTensor> missing_weight(state->begin() + 1, state->end());
  EXPECT_FALSE(BuildTrainingProcess(model, spec, &missing_weight).ok());
  std::vector<StateTensor> stray = *state;
  stray.push_back(StateTensor{TensorSlot{"other/x", {tf::DType::kFloat, graph::PartialShape::Scalar()}},
                              tf::Tensor::Scalar<float>(1)});
  auto refused = BuildEvaluationProcess(model, spec, &stray);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("other/x"), std::string_view::npos) << refused.status();
}

}  // namespace
}  // namespace tb::fl
