#include "tasks/aggregation.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace tb::tasks {
namespace {

TEST(MaxAggregationSizeTest, TruncatesTheFloat64ProductLikeTheOriginal) {
  EXPECT_EQ(MaxAggregationSize(2000, 0.3), 2600);
  EXPECT_EQ(MaxAggregationSize(200, 0.3), 260);
  EXPECT_EQ(MaxAggregationSize(2, 0.0), 2);  // 2 * 1.3 = 2.6
  EXPECT_EQ(MaxAggregationSize(7, 0.3), 9);
  EXPECT_EQ(MaxAggregationSize(100, 0.15), 114);  // 114.99999999999999
  EXPECT_EQ(MaxAggregationSize(100, 0.1), 110);
  EXPECT_EQ(MaxAggregationSize(1000, 0.7), 1700);
  EXPECT_EQ(MaxAggregationSize(10, 0.29), 12);
  EXPECT_EQ(MaxAggregationSize(0, 0.3), 0);
}

TEST(MaxAggregationSizeTest, OutOfInt64RangeIsReported) {
  EXPECT_FALSE(MaxAggregationSize(std::numeric_limits<int64_t>::max(), 0.3).has_value());
  EXPECT_FALSE(MaxAggregationSize(1000, 1e300).has_value());
  EXPECT_TRUE(MaxAggregationSize(1000000000000000000, 0.3).has_value());
}

TEST(EvalTrafficWeightTest, OriginalsTable) {
  const std::pair<double, int64_t> cases[] = {
      {0, 0},      {0.01, 1},    {0.05, 5},    {0.1, 11},    {0.2, 25},     {0.25, 33},
      {0.3, 42},   {0.33, 49},   {0.5, 100},   {0.6, 150},   {0.7, 233},    {0.75, 300},
      {0.8, 400},  {0.9, 900},   {0.95, 1899}, {0.99, 9899}, {0.999, 99899}, {1.0, 10000},
  };
  for (const auto& [share, weight] : cases) EXPECT_EQ(EvalTrafficWeight(share), weight) << share;
}

}  // namespace
}  // namespace tb::tasks
