// The ops that kept metric and optimizer programs off phones, in their builtin forms: Pow (client Adam's bias
// correction), Log1p (binary cross-entropy from logits), UnsortedSegmentSum (AUC buckets), and the two softmax
// cross-entropies in the shapes metrics give them (class count known only at run time; labels that broadcast).
// Each must lower without a Flex op and agree with the reference kernels (IR interpreter).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/tflite/lowering_harness.h"

namespace tb::tflite::testing {
namespace {

using graph::Builder;
using graph::Output;
using graph::PartialShape;
using tf::DType;
using tf::Tensor;

void ExpectBuiltinAndClose(const absl::StatusOr<BothRuns>& runs, double rtol, const std::string& what) {
  ASSERT_TRUE(runs.ok()) << what << ": " << runs.status();
  EXPECT_TRUE(runs->program.flex_ops.empty())
      << what << " became Flex: " << runs->program.flex_ops[0].op << " (" << runs->program.flex_ops[0].reason << ")";
  ASSERT_EQ(runs->ir.size(), runs->tflite.size());
  for (size_t i = 0; i < runs->ir.size(); ++i)
    EXPECT_EQ(Compare(runs->ir[i], runs->tflite[i], rtol), "") << what << " output " << i;
}

// Adam's beta^t: float POW is std::pow in both runtimes, so the values are bitwise equal.
TEST(LoweringMetricOpsTest, PowIsTheBuiltin) {
  auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 3}), RandomFloats({4, 3}, 1, 0.01f, 3.0f)},
                       {DType::kFloat, PartialShape({3}), Tensor::FromVector<float>({0.0f, 2.5f, -7.0f})}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        return std::vector<Output>{b.Op("Pow", {in[0], in[1]}),
                                                   b.Op("Pow", {b.Scalar<float>(0.999f), b.Scalar<float>(37.0f)})};
                      });
  ExpectBuiltinAndClose(runs, 0.0, "Pow");
  ASSERT_TRUE(runs.ok());
  EXPECT_GT(CountOps(runs->program.flatbuffer, "POW"), 0);
}

// Log1p is composed (no LOG1P builtin). Accepted error: 8 ulps relative to the reference (std::log1p) over the
// whole domain, including arguments far too small for log(1 + x); the special values are exact.
TEST(LoweringMetricOpsTest, Log1pWithinEightUlpsEverywhere) {
  std::vector<float> xs = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-10f, -3e-8f, 5.9604645e-8f, 1e-7f, 1e-4f, -1e-4f,
                           0.1f, -0.5f, -0.999999f, 0.75f, 1.0f, 3.0f, 100.0f, 1e20f, 3e38f,
                           std::numeric_limits<float>::denorm_min(), -1.0f, -2.0f,
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN()};
  // A sweep over magnitudes 2^-40 .. 2^40 of both signs (negative ones kept above -1).
  for (int e = -40; e <= 40; ++e) {
    for (float m : {1.0f, 1.37f, 1.9f}) {
      const float x = std::ldexp(m, e);
      xs.push_back(x);
      if (x < 1.0f) xs.push_back(-x);
    }
  }
  const auto n = static_cast<int64_t>(xs.size());
  auto runs = RunBoth({{DType::kFloat, PartialShape({-1}), Tensor::FromVector<float>(xs)}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        return std::vector<Output>{b.Op("Log1p", {in[0]})};
                      });
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_TRUE(runs->program.flex_ops.empty());
  EXPECT_EQ(CountOps(runs->program.flatbuffer, "CUSTOM"), 0);
  auto want = runs->ir[0].flat<float>(), got = runs->tflite[0].flat<float>();
  double max_ulps = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float w = want[i], g = got[i];
    SCOPED_TRACE(absl::StrCat("log1p(", xs[i], ") = ", w, ", got ", g));
    if (std::isnan(w) || std::isinf(w) || w == 0.0f) {
      // NaN for x < -1 and NaN, ±inf at -1 and +inf, signed zeros: exactly.
      EXPECT_EQ(std::isnan(w), std::isnan(g));
      if (!std::isnan(w)) {
        EXPECT_EQ(std::memcmp(&w, &g, sizeof w), 0);
      }
      continue;
    }
    const double ulp = std::ldexp(1.0, std::ilogb(w) - 23);
    EXPECT_LE(std::fabs(static_cast<double>(g) - w), 8 * ulp);
    max_ulps = std::max(max_ulps, std::fabs(static_cast<double>(g) - w) / ulp);
  }
  RecordProperty("max_ulps", absl::StrCat(max_ulps));
}

// AUC's bucket sums: the ids are clamped into range by the metric; a negative id is dropped, as in TF.
TEST(LoweringMetricOpsTest, UnsortedSegmentSumOfRowsAndVectors) {
  auto vec = RunBoth({{DType::kFloat, PartialShape({-1}), RandomFloats({9}, 2)},
                      {DType::kInt32, PartialShape({-1}), Tensor::FromVector<int32_t>({3, 0, 3, 199, 5, -1, 0, 3, 7})}},
                     [](const Builder& b, const std::vector<Output>& in) {
                       return std::vector<Output>{b.Op("UnsortedSegmentSum", {in[0], in[1], b.Scalar<int32_t>(200)})};
                     });
  ExpectBuiltinAndClose(vec, 0.0, "vector data");
  auto rows = RunBoth({{DType::kFloat, PartialShape({-1, 2}), RandomFloats({5, 2}, 3)},
                       {DType::kInt64, PartialShape({-1}), RandomInts({5}, 4, 0, 4, DType::kInt64)}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        return std::vector<Output>{b.Op("UnsortedSegmentSum", {in[0], in[1], b.Scalar<int64_t>(4)})};
                      });
  ExpectBuiltinAndClose(rows, 0.0, "row data, int64 ids");
}

// A metric's Reshape(logits, [-1, Shape(logits)[-1]]) leaves the class count unknown while building.
TEST(LoweringMetricOpsTest, SparseSoftmaxCrossEntropyWithRunTimeClassCount) {
  for (int64_t classes : {1, 5}) {
    for (DType label_type : {DType::kInt64, DType::kInt32}) {
      auto runs = RunBoth({{DType::kFloat, PartialShape({-1, -1}), RandomFloats({4, classes}, 5, -4, 4)},
                           {label_type, PartialShape({-1}), RandomInts({4}, 6, 0, classes, label_type)}},
                          [](const Builder& b, const std::vector<Output>& in) {
                            return b.Ops("SparseSoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                          });
      ExpectBuiltinAndClose(runs, 1e-5, absl::StrCat(classes, " classes, ", tf::DTypeName(label_type).data()));
    }
  }
}

// Labels of lower rank broadcast against the features as in TF's kernel ([B] against [B, C] when B is 1 or C;
// [1, C] against [B, C]).
TEST(LoweringMetricOpsTest, SoftmaxCrossEntropyWithBroadcastLabels) {
  struct Case {
    PartialShape declared;
    tf::Shape labels;
    int64_t batch;
  };
  for (const Case& k : {Case{PartialShape({-1}), {1}, 1}, Case{PartialShape({-1}), {4}, 4},
                        Case{PartialShape({1, 4}), {1, 4}, 3}}) {
    auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 4}), RandomFloats({k.batch, 4}, 7, -4, 4)},
                         {DType::kFloat, k.declared, RandomFloats(k.labels, 8, 0, 1)}},
                        [](const Builder& b, const std::vector<Output>& in) {
                          return b.Ops("SoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                        });
    ExpectBuiltinAndClose(runs, 1e-5, absl::StrCat("labels of rank ", k.labels.size(), ", batch ", k.batch));
  }
}

}  // namespace
}  // namespace tb::tflite::testing
