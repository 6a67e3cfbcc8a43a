#include "runtime/data/synthetic_examples.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/data/parse_example.h"

namespace tb::runtime::data {
namespace {

SyntheticTaskSpec KerasLike() {
  SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {784}});
  spec.label = {"y", tf::DType::kInt64, {1}};
  spec.num_classes = 2;
  return spec;
}

TEST(SyntheticExamplesTest, DeterministicAndParseable) {
  auto a = GenerateSyntheticExamples(KerasLike(), 50, 1, 2);
  auto b = GenerateSyntheticExamples(KerasLike(), 50, 1, 2);
  auto c = GenerateSyntheticExamples(KerasLike(), 50, 1, 3);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  ParseExampleSpec spec;
  spec.dense.push_back({"x", tf::DType::kFloat, {784}, {}});
  spec.dense.push_back({"y", tf::DType::kInt64, {1}, {}});
  auto parsed = ParseExamples(*a, spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  for (float v : parsed->dense[0].flat<float>()) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
  }
}

// The teacher labels are a function of the features: the same features always get the same label, both classes
// occur, and a linear rule fitted on part of the data predicts the rest (the task is learnable).
TEST(SyntheticExamplesTest, LabelsAreLearnable) {
  SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {8}});
  spec.label = {"y", tf::DType::kInt64, {}};
  spec.num_classes = 2;
  auto examples = GenerateSyntheticExamples(spec, 2000, 42, 7);
  ASSERT_TRUE(examples.ok());
  ParseExampleSpec parse;
  parse.dense.push_back({"x", tf::DType::kFloat, {8}, {}});
  parse.dense.push_back({"y", tf::DType::kInt64, {}, {}});
  auto parsed = ParseExamples(*examples, parse);
  ASSERT_TRUE(parsed.ok());
  auto x = parsed->dense[0].flat<float>();
  auto y = parsed->dense[1].flat<int64_t>();
  int ones = 0;
  for (int64_t v : y) ones += static_cast<int>(v);
  EXPECT_GT(ones, 600);
  EXPECT_LT(ones, 1400);
  // Logistic regression by plain gradient descent on the first 1500, evaluated on the last 500.
  std::vector<double> w(9, 0.0);
  for (int epoch = 0; epoch < 200; ++epoch) {
    std::vector<double> g(9, 0.0);
    for (int i = 0; i < 1500; ++i) {
      double z = w[8];
      for (int k = 0; k < 8; ++k) z += w[k] * (x[i * 8 + k] - 0.5);
      double p = 1.0 / (1.0 + std::exp(-z));
      double d = p - static_cast<double>(y[i]);
      for (int k = 0; k < 8; ++k) g[k] += d * (x[i * 8 + k] - 0.5);
      g[8] += d;
    }
    for (int k = 0; k < 9; ++k) w[k] -= 0.05 * g[k] / 1500 * 40;
  }
  int correct = 0;
  for (int i = 1500; i < 2000; ++i) {
    double z = w[8];
    for (int k = 0; k < 8; ++k) z += w[k] * (x[i * 8 + k] - 0.5);
    correct += (z > 0) == (y[i] == 1);
  }
  EXPECT_GT(correct, 450);
}

struct Labeled {
  std::vector<float> x;  // [n, dims]
  std::vector<int64_t> y;
};

Labeled Generate(int dims, int64_t n, uint64_t task_seed, uint64_t example_seed) {
  SyntheticTaskSpec spec;
  spec.inputs.push_back({"x", tf::DType::kFloat, {dims}});
  spec.label = {"y", tf::DType::kInt64, {}};
  auto examples = GenerateSyntheticExamples(spec, n, task_seed, example_seed);
  EXPECT_TRUE(examples.ok());
  ParseExampleSpec parse;
  parse.dense.push_back({"x", tf::DType::kFloat, {dims}, {}});
  parse.dense.push_back({"y", tf::DType::kInt64, {}, {}});
  auto parsed = ParseExamples(*examples, parse);
  EXPECT_TRUE(parsed.ok());
  auto x = parsed->dense[0].flat<float>();
  auto y = parsed->dense[1].flat<int64_t>();
  return {std::vector<float>(x.begin(), x.end()), std::vector<int64_t>(y.begin(), y.end())};
}

// Fraction of `test` that a logistic regression fitted on `train` labels correctly.
double FitAndScore(const Labeled& train, const Labeled& test, int dims) {
  std::vector<double> w(dims + 1, 0.0);
  const size_t n = train.y.size();
  for (int epoch = 0; epoch < 300; ++epoch) {
    std::vector<double> g(dims + 1, 0.0);
    for (size_t i = 0; i < n; ++i) {
      double z = w[dims];
      for (int k = 0; k < dims; ++k) z += w[k] * (train.x[i * dims + k] - 0.5);
      const double d = 1.0 / (1.0 + std::exp(-z)) - static_cast<double>(train.y[i]);
      for (int k = 0; k < dims; ++k) g[k] += d * (train.x[i * dims + k] - 0.5);
      g[dims] += d;
    }
    for (int k = 0; k <= dims; ++k) w[k] -= 20.0 * g[k] / static_cast<double>(n);
  }
  int correct = 0;
  for (size_t i = 0; i < test.y.size(); ++i) {
    double z = w[dims];
    for (int k = 0; k < dims; ++k) z += w[k] * (test.x[i * dims + k] - 0.5);
    correct += (z > 0) == (test.y[i] == 1);
  }
  return static_cast<double>(correct) / static_cast<double>(test.y.size());
}

// Federated learning needs one rule for the whole population: every client of a task (same task seed, its own
// example seed) is labeled by the same teacher, so a rule learned from one client's examples labels another's;
// a different task seed is a different rule.
TEST(SyntheticExamplesTest, EveryClientOfATaskSharesTheRule) {
  constexpr int kDims = 32;
  const Labeled client_a = Generate(kDims, 1500, 42, 1);
  const Labeled client_b = Generate(kDims, 500, 42, 2);
  const Labeled other_task = Generate(kDims, 500, 43, 2);
  EXPECT_EQ(client_b.x, other_task.x);  // same example seed, same features: only the teacher differs
  EXPECT_GT(FitAndScore(client_a, client_a, kDims), 0.95);
  EXPECT_GT(FitAndScore(client_a, client_b, kDims), 0.9);
  EXPECT_LT(FitAndScore(client_a, other_task, kDims), 0.8);
}

TEST(SyntheticExamplesTest, MultiClassIntAndFloatLabels) {
  SyntheticTaskSpec spec;
  spec.inputs.push_back({"image", tf::DType::kFloat, {4, 4, 1}});
  spec.label = {"label", tf::DType::kInt32, {}};
  spec.num_classes = 10;
  auto examples = GenerateSyntheticExamples(spec, 300, 5, 5);
  ASSERT_TRUE(examples.ok());
  ParseExampleSpec parse;
  parse.dense.push_back({"label", tf::DType::kInt64, {}, {}});
  auto parsed = ParseExamples(*examples, parse);
  ASSERT_TRUE(parsed.ok());
  std::vector<int> seen(10, 0);
  for (int64_t v : parsed->dense[0].flat<int64_t>()) {
    ASSERT_GE(v, 0);
    ASSERT_LT(v, 10);
    seen[v] = 1;
  }
  int distinct = 0;
  for (int s : seen) distinct += s;
  EXPECT_GE(distinct, 5);

  spec.label = {"target", tf::DType::kFloat, {1}};
  spec.num_classes = 0;
  EXPECT_TRUE(GenerateSyntheticExamples(spec, 3, 1, 1).ok());
  spec.label = {"bad", tf::DType::kString, {1}};
  EXPECT_FALSE(GenerateSyntheticExamples(spec, 3, 1, 1).ok());
}

}  // namespace
}  // namespace tb::runtime::data
