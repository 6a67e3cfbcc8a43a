// The builtin forms of gradient and loss ops (tflite-lowering.md §3) against TF's reference kernels, over the
// geometry that decides them: strides, dilations, SAME/VALID padding, odd sizes, windows with tied maxima, dynamic
// batch sizes, broadcast shapes known only at run time. Each case must lower without any Flex op.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/attrs.h"
#include "tests/tflite/lowering_harness.h"

namespace tb::tflite::testing {
namespace {

using graph::AttrInt;
using graph::AttrIntList;
using graph::AttrString;
using graph::Builder;
using graph::Output;
using graph::PartialShape;
using tf::DType;
using tf::Tensor;

void ExpectBuiltinAndEqual(const absl::StatusOr<BothRuns>& runs, double rtol, const std::string& what) {
  ASSERT_TRUE(runs.ok()) << what << ": " << runs.status();
  EXPECT_TRUE(runs->program.flex_ops.empty())
      << what << " became Flex: " << runs->program.flex_ops[0].op << " (" << runs->program.flex_ops[0].reason << ")";
  ASSERT_EQ(runs->ir.size(), runs->tflite.size());
  for (size_t i = 0; i < runs->ir.size(); ++i) EXPECT_EQ(Compare(runs->ir[i], runs->tflite[i], rtol), "") << what << " output " << i;
}

struct ConvGeometry {
  int64_t h, w, k, stride, dilation;
  std::string padding;
};

std::string Name(const ConvGeometry& g) {
  return absl::StrCat(g.h, "x", g.w, " k", g.k, " s", g.stride, " d", g.dilation, " ", g.padding);
}

const std::vector<ConvGeometry> kConvGeometries = {
    {7, 6, 3, 1, 1, "SAME"}, {7, 6, 3, 2, 1, "SAME"}, {8, 8, 3, 2, 1, "VALID"}, {9, 7, 2, 3, 1, "VALID"},
    {7, 7, 3, 1, 2, "SAME"}, {9, 8, 3, 1, 2, "VALID"}, {5, 5, 5, 1, 1, "SAME"},  {6, 5, 1, 2, 1, "SAME"},
};

graph::AttrMap ConvAttrs(const ConvGeometry& g) {
  return {{"strides", AttrIntList({1, g.stride, g.stride, 1})},
          {"padding", AttrString(g.padding)},
          {"dilations", AttrIntList({1, g.dilation, g.dilation, 1})}};
}

TEST(LoweringGradTest, Conv2DBackpropFilterMatchesTfOverStridesDilationsAndPadding) {
  uint64_t seed = 1;
  for (const ConvGeometry& g : kConvGeometries) {
    if (g.stride > 1 && g.dilation > 1) continue;
    const int64_t ci = 2, co = 3, n = 2;
    // The output size the forward op produces, for dy's shape.
    const int64_t eff = (g.k - 1) * g.dilation + 1;
    const int64_t ho = g.padding == "SAME" ? (g.h + g.stride - 1) / g.stride : (g.h - eff + g.stride) / g.stride;
    const int64_t wo = g.padding == "SAME" ? (g.w + g.stride - 1) / g.stride : (g.w - eff + g.stride) / g.stride;
    auto runs = RunBoth(
        {{DType::kFloat, PartialShape({-1, g.h, g.w, ci}), RandomFloats({n, g.h, g.w, ci}, seed++)},
         {DType::kFloat, PartialShape({-1, ho, wo, co}), RandomFloats({n, ho, wo, co}, seed++)}},
        [&](const Builder& b, const std::vector<Output>& in) {
          return std::vector<Output>{b.Op("Conv2DBackpropFilter",
                                          {in[0], b.Int32s({static_cast<int32_t>(g.k), static_cast<int32_t>(g.k),
                                                            static_cast<int32_t>(ci), static_cast<int32_t>(co)}),
                                           in[1]},
                                          ConvAttrs(g))};
        });
    ExpectBuiltinAndEqual(runs, 1e-5, Name(g));
    if (runs.ok()) {
      EXPECT_EQ(CountOps(runs->program.flatbuffer, "CONV_2D"), 1) << Name(g);
    }
  }
}

TEST(LoweringGradTest, Conv2DBackpropInputIsTransposeConv) {
  uint64_t seed = 100;
  for (const ConvGeometry& g : kConvGeometries) {
    if (g.dilation != 1) continue;
    const int64_t ci = 2, co = 3, n = 2;
    const int64_t ho = g.padding == "SAME" ? (g.h + g.stride - 1) / g.stride : (g.h - g.k + g.stride) / g.stride;
    const int64_t wo = g.padding == "SAME" ? (g.w + g.stride - 1) / g.stride : (g.w - g.k + g.stride) / g.stride;
    auto runs = RunBoth(
        {{DType::kFloat, PartialShape({g.k, g.k, ci, co}), RandomFloats({g.k, g.k, ci, co}, seed++)},
         {DType::kFloat, PartialShape({-1, ho, wo, co}), RandomFloats({n, ho, wo, co}, seed++)}},
        [&](const Builder& b, const std::vector<Output>& in) {
          return std::vector<Output>{
              b.Op("Conv2DBackpropInput",
                   {b.Int32s({static_cast<int32_t>(n), static_cast<int32_t>(g.h), static_cast<int32_t>(g.w),
                              static_cast<int32_t>(ci)}),
                    in[0], in[1]},
                   ConvAttrs(g))};
        });
    ExpectBuiltinAndEqual(runs, 1e-5, Name(g));
    if (runs.ok()) {
      EXPECT_EQ(CountOps(runs->program.flatbuffer, "TRANSPOSE_CONV"), 1) << Name(g);
    }
  }
}

// Non-overlapping pools (ksize == strides) with many tied maxima: the gradient must go to the first maximum in
// row-major window order, exactly as TF's kernel scans.
TEST(LoweringGradTest, MaxPoolGradRoutesToTheFirstMaximumLikeTf) {
  struct Pool {
    int64_t h, w, k;
    std::string padding;
  };
  uint64_t seed = 200;
  for (const Pool& p : std::vector<Pool>{{6, 6, 2, "SAME"}, {7, 5, 2, "SAME"}, {7, 5, 2, "VALID"}, {9, 7, 3, "VALID"},
                                         {8, 7, 3, "SAME"}, {28, 28, 2, "SAME"}}) {
    const int64_t c = 3, n = 2;
    const int64_t ho = p.padding == "SAME" ? (p.h + p.k - 1) / p.k : (p.h - p.k) / p.k + 1;
    const int64_t wo = p.padding == "SAME" ? (p.w + p.k - 1) / p.k : (p.w - p.k) / p.k + 1;
    const std::string what = absl::StrCat(p.h, "x", p.w, " k", p.k, " ", p.padding);
    auto runs = RunBoth(
        {{DType::kFloat, PartialShape({-1, p.h, p.w, c}), RandomFloats({n, p.h, p.w, c}, seed++, -1, 1, /*ties=*/true)},
         {DType::kFloat, PartialShape({-1, ho, wo, c}), RandomFloats({n, ho, wo, c}, seed++)}},
        [&](const Builder& b, const std::vector<Output>& in) {
          Output y = b.MaxPool(in[0], {1, p.k, p.k, 1}, {1, p.k, p.k, 1}, p.padding);
          return std::vector<Output>{b.Op("MaxPoolGrad", {in[0], y, in[1]},
                                          {{"ksize", AttrIntList({1, p.k, p.k, 1})},
                                           {"strides", AttrIntList({1, p.k, p.k, 1})},
                                           {"padding", AttrString(p.padding)}})};
        });
    ExpectBuiltinAndEqual(runs, 0.0, what);
    if (runs.ok()) {
      EXPECT_EQ(CountOps(runs->program.flatbuffer, "ARG_MAX"), 1) << what;
    }
  }
}

TEST(LoweringGradTest, OverlappingMaxPoolGradStaysFlexWithAReason) {
  auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 6, 6, 1}), RandomFloats({1, 6, 6, 1}, 7)},
                       {DType::kFloat, PartialShape({-1, 3, 3, 1}), RandomFloats({1, 3, 3, 1}, 8)}},
                      [&](const Builder& b, const std::vector<Output>& in) {
                        Output y = b.MaxPool(in[0], {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
                        return std::vector<Output>{b.Op("MaxPoolGrad", {in[0], y, in[1]},
                                                        {{"ksize", AttrIntList({1, 3, 3, 1})},
                                                         {"strides", AttrIntList({1, 2, 2, 1})},
                                                         {"padding", AttrString("SAME")}})};
                      });
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->program.flex_ops.size(), 1u);
  EXPECT_EQ(runs->program.flex_ops[0].op, "MaxPoolGrad");
  EXPECT_THAT(runs->program.flex_ops[0].reason, ::testing::HasSubstr("overlapping"));
  EXPECT_EQ(Compare(runs->ir[0], runs->tflite[0]), "");
}

TEST(LoweringGradTest, SparseSoftmaxCrossEntropyBothOutputs) {
  for (DType label_type : {DType::kInt64, DType::kInt32}) {
    auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 5}), RandomFloats({4, 5}, 300, -4, 4)},
                         {label_type, PartialShape({-1}), RandomInts({4}, 301, 0, 5, label_type)}},
                        [](const Builder& b, const std::vector<Output>& in) {
                          return b.Ops("SparseSoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                        });
    ExpectBuiltinAndEqual(runs, 1e-5, tf::DTypeName(label_type).data());
  }
}

TEST(LoweringGradTest, SoftmaxCrossEntropyBothOutputs) {
  Tensor labels = RandomFloats({3, 4}, 302, 0, 1);
  auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 4}), RandomFloats({3, 4}, 303, -4, 4)},
                       {DType::kFloat, PartialShape({-1, 4}), labels}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        return b.Ops("SoftmaxCrossEntropyWithLogits", {in[0], in[1]});
                      });
  ExpectBuiltinAndEqual(runs, 1e-5, "SoftmaxCrossEntropyWithLogits");
}

// Shapes known only at run time: EQUAL/WHERE reproduce TF's BCast rule, including identical shapes (no axes) and
// size-1 dims on both sides (the axis goes to both).
TEST(LoweringGradTest, BroadcastGradientArgsAtRunTime) {
  struct Pair {
    std::vector<int32_t> s0, s1;
  };
  for (const Pair& p : std::vector<Pair>{{{2, 1, 3}, {3}}, {{1, 3}, {2, 3}}, {{4}, {4}}, {{1, 1}, {1, 5}},
                                         {{5, 1}, {1}}, {{}, {2, 2}}, {{3, 1, 1}, {3, 1, 1}}}) {
    const int64_t n0 = static_cast<int64_t>(p.s0.size()), n1 = static_cast<int64_t>(p.s1.size());
    auto runs = RunBoth({{DType::kInt32, PartialShape({n0}), Tensor::FromVector<int32_t>(p.s0, {n0})},
                         {DType::kInt32, PartialShape({n1}), Tensor::FromVector<int32_t>(p.s1, {n1})}},
                        [](const Builder& b, const std::vector<Output>& in) {
                          return b.Ops("BroadcastGradientArgs", {in[0], in[1]});
                        });
    ExpectBuiltinAndEqual(runs, 0.0, absl::StrCat("shapes of rank ", n0, " and ", n1));
  }
}

// The pattern autodiff emits for a broadcast bias when the batch is unknown: Sum over the BGA axes, Reshape back.
TEST(LoweringGradTest, BroadcastReductionOfAGradientWithUnknownBatch) {
  auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 3}), RandomFloats({4, 3}, 400)},
                       {DType::kFloat, PartialShape({-1, 1}), RandomFloats({4, 1}, 401)}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        auto r = b.Ops("BroadcastGradientArgs", {b.Op("Shape", {in[1]}), b.Op("Shape", {in[0]})});
                        return std::vector<Output>{b.Reshape(b.Sum(in[0], r[0], false), b.Op("Shape", {in[1]}))};
                      });
  ExpectBuiltinAndEqual(runs, 1e-6, "sum to [?,1]");
}

TEST(LoweringGradTest, StridedSliceGradForTheColumnSliceAndShrinks) {
  struct Spec {
    std::vector<int32_t> shape, begin, end, strides;
    int begin_mask, end_mask, shrink;
    PartialShape dy_declared;
    tf::Shape dy;
  };
  std::vector<Spec> specs = {
      {{3, 2}, {0, 0}, {0, 1}, {1, 1}, 1, 1, 2, PartialShape({-1}), {3}},              // keras [:, 0]
      {{4, 5}, {1, 2}, {3, 5}, {1, 1}, 0, 0, 0, PartialShape({2, 3}), {2, 3}},           // interior block
      {{4, 5}, {-1}, {0}, {1}, 0, 0, 1, PartialShape({5}), {5}},                          // last row
      {{2, 3, 4}, {0, 1}, {0, 2}, {1, 1}, 1, 1, 0, PartialShape({-1, 1, 4}), {2, 1, 4}},  // short spec
  };
  uint64_t seed = 500;
  for (const Spec& s : specs) {
    auto runs = RunBoth({{DType::kFloat, s.dy_declared, RandomFloats(s.dy, seed++)}},
                        [&](const Builder& b, const std::vector<Output>& in) {
                          return std::vector<Output>{b.Op(
                              "StridedSliceGrad",
                              {b.Int32s(s.shape), b.Int32s(s.begin), b.Int32s(s.end), b.Int32s(s.strides), in[0]},
                              {{"begin_mask", AttrInt(s.begin_mask)},
                               {"end_mask", AttrInt(s.end_mask)},
                               {"shrink_axis_mask", AttrInt(s.shrink)}})};
                        });
    ExpectBuiltinAndEqual(runs, 0.0, absl::StrCat("slice of rank ", s.shape.size()));
  }
}

TEST(LoweringGradTest, StridedSliceGradWithShapeOfABatchIsBuiltins) {
  auto runs = RunBoth({{DType::kFloat, PartialShape({-1, 2}), RandomFloats({3, 2}, 600)},
                       {DType::kFloat, PartialShape({-1}), RandomFloats({3}, 601)}},
                      [](const Builder& b, const std::vector<Output>& in) {
                        return std::vector<Output>{b.Op("StridedSliceGrad",
                                                        {b.Op("Shape", {in[0]}), b.Int32s({0, 0}), b.Int32s({0, 1}),
                                                         b.Int32s({1, 1}), in[1]},
                                                        {{"begin_mask", AttrInt(1)},
                                                         {"end_mask", AttrInt(1)},
                                                         {"shrink_axis_mask", AttrInt(2)}})};
                      });
  ExpectBuiltinAndEqual(runs, 0.0, "keras [:, 0] gradient");
  if (runs.ok()) {
    EXPECT_EQ(CountOps(runs->program.flatbuffer, "PAD"), 1);
  }
}

}  // namespace
}  // namespace tb::tflite::testing
