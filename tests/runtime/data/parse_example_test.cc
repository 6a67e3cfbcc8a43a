#include "runtime/data/parse_example.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/data/example.h"

namespace tb::runtime::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Example(std::vector<float> x, std::vector<int64_t> y) {
  return ExampleBuilder().AddFloats("x", x).AddInt64s("y", y).Serialize();
}

// The keras fixture's spec: x float [784], y int64 [1], both required (empty defaults).
ParseExampleSpec KerasLikeSpec(int width) {
  ParseExampleSpec spec;
  spec.dense.push_back({"x", tf::DType::kFloat, {width}, tf::Tensor(tf::DType::kFloat, {0})});
  spec.dense.push_back({"y", tf::DType::kInt64, {1}, tf::Tensor(tf::DType::kInt64, {0})});
  return spec;
}

TEST(ParseExampleTest, DenseBatch) {
  std::vector<std::string> batch = {Example({1, 2, 3}, {0}), Example({4, 5, 6}, {1})};
  auto parsed = ParseExamples(batch, KerasLikeSpec(3));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->dense.size(), 2u);
  EXPECT_EQ(parsed->dense[0].shape(), (tf::Shape{2, 3}));
  EXPECT_THAT(parsed->dense[0].flat<float>(), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(parsed->dense[1].shape(), (tf::Shape{2, 1}));
  EXPECT_THAT(parsed->dense[1].flat<int64_t>(), ElementsAre(0, 1));
}

TEST(ParseExampleTest, ScalarInputHasNoBatchDimension) {
  std::vector<std::string> one = {Example({7, 8}, {3})};
  auto parsed = ParseExamples(one, KerasLikeSpec(2), /*scalar_input=*/true);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->dense[0].shape(), (tf::Shape{2}));
  EXPECT_EQ(parsed->dense[1].shape(), (tf::Shape{1}));
}

TEST(ParseExampleTest, ErrorsNameExampleAndFeature) {
  std::vector<std::string> missing = {Example({1, 2, 3}, {0}), ExampleBuilder().AddFloats("x", {{1, 2, 3}}).Serialize()};
  EXPECT_THAT(std::string(ParseExamples(missing, KerasLikeSpec(3)).status().message()),
              HasSubstr("Example 1, Feature: y (data type: int64) is required but could not be found."));
  std::vector<std::string> wrong_count = {Example({1, 2}, {0})};
  EXPECT_THAT(std::string(ParseExamples(wrong_count, KerasLikeSpec(3)).status().message()),
              HasSubstr("Example 0, Feature: x.  Number of float values != expected.  Values size: 2 but output "
                        "shape: [3]"));
  std::vector<std::string> wrong_type = {ExampleBuilder().AddInt64s("x", {{1, 2, 3}}).AddInt64s("y", {{1}}).Serialize()};
  EXPECT_THAT(std::string(ParseExamples(wrong_type, KerasLikeSpec(3)).status().message()),
              HasSubstr("Data types don't match. Data type: int64 but expected type: float"));
  std::vector<std::string> garbage = {"\x0a\x09garbage"};
  EXPECT_THAT(std::string(ParseExamples(garbage, KerasLikeSpec(3)).status().message()), HasSubstr("Example 0"));
}

TEST(ParseExampleTest, DefaultsFillMissingFeatures) {
  ParseExampleSpec spec;
  spec.dense.push_back({"w", tf::DType::kFloat, {2}, tf::Tensor::FromVector<float>({9, 8})});
  std::vector<std::string> batch = {ExampleBuilder().AddFloats("w", {{1, 2}}).Serialize(), ExampleBuilder().Serialize()};
  auto parsed = ParseExamples(batch, spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->dense[0].flat<float>(), ElementsAre(1, 2, 9, 8));
}

TEST(ParseExampleTest, VariableLengthDenseIsPadded) {
  ParseExampleSpec spec;
  spec.dense.push_back({"ids", tf::DType::kInt64, {-1}, tf::Tensor::FromVector<int64_t>({-1})});
  std::vector<std::string> batch = {ExampleBuilder().AddInt64s("ids", {{5, 6, 7}}).Serialize(),
                                    ExampleBuilder().AddInt64s("ids", {{8}}).Serialize(), ExampleBuilder().Serialize()};
  auto parsed = ParseExamples(batch, spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->dense[0].shape(), (tf::Shape{3, 3}));
  EXPECT_THAT(parsed->dense[0].flat<int64_t>(), ElementsAre(5, 6, 7, 8, -1, -1, -1, -1, -1));
}

TEST(ParseExampleTest, SparseFeatures) {
  ParseExampleSpec spec;
  spec.sparse.push_back({"tags", tf::DType::kString});
  std::vector<std::string> batch = {ExampleBuilder().AddBytes("tags", std::vector<std::string>{"a", "b"}).Serialize(),
                                    ExampleBuilder().Serialize(),
                                    ExampleBuilder().AddBytes("tags", std::vector<std::string>{"c"}).Serialize()};
  auto parsed = ParseExamples(batch, spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const SparseOutput& s = parsed->sparse[0];
  EXPECT_THAT(s.indices.flat<int64_t>(), ElementsAre(0, 0, 0, 1, 2, 0));
  EXPECT_THAT(s.values.flat<std::string>(), ElementsAre("a", "b", "c"));
  EXPECT_THAT(s.shape.flat<int64_t>(), ElementsAre(3, 2));
}

TEST(ParseExampleTest, BadSpecs) {
  ParseExampleSpec spec;
  spec.dense.push_back({"x", tf::DType::kFloat, {2, -1}, {}});
  EXPECT_THAT(std::string(ParseExamples({}, spec).status().message()), HasSubstr("only the first dimension"));
  ParseExampleSpec wrong_default;
  wrong_default.dense.push_back({"x", tf::DType::kFloat, {3}, tf::Tensor::FromVector<float>({1, 2})});
  EXPECT_THAT(std::string(ParseExamples({}, wrong_default).status().message()), HasSubstr("default has 2 values"));
}

}  // namespace
}  // namespace tb::runtime::data
