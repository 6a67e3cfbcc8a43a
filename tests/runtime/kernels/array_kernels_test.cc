// Shape, creation, slicing, gathering, joining and selection kernels against hand-computed values.
#include "tests/runtime/kernels/kernel_test_util.h"

namespace tb::runtime {
namespace {

using graph::AttrBool;
using graph::AttrInt;
using graph::AttrIntList;
using tf::DType;

TEST(ArrayKernelsTest, ShapesAndCreation) {
  auto x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectNear<int32_t>(Out("Shape", {}, {x}), {2, 3}, {2});
  ExpectNear<int64_t>(Out("Shape", {{"out_type", T(DType::kInt64)}}, {x}), {2, 3}, {2});
  ExpectNear<int32_t>(Out("Size", {}, {x}), {6}, {});
  ExpectNear<int32_t>(Out("Rank", {}, {x}), {2}, {});
  auto shapes = RunOp("ShapeN", {{"N", AttrInt(2)}}, {x, F({1}, {1})});
  ASSERT_TRUE(shapes.ok());
  ExpectNear<int32_t>((*shapes)[1], {1}, {1});
  ExpectNear<int32_t>(Out("Range", {}, {tf::Tensor::Scalar<int32_t>(1), tf::Tensor::Scalar<int32_t>(10),
                                         tf::Tensor::Scalar<int32_t>(4)}),
                      {1, 5, 9}, {3});
  ExpectNear<float>(Out("Range", {{"Tidx", T(DType::kFloat)}}, {tf::Tensor::Scalar<float>(0), tf::Tensor::Scalar<float>(1),
                                                                tf::Tensor::Scalar<float>(0.25f)}),
                    {0, 0.25, 0.5, 0.75}, {4});
  ExpectNear<float>(Out("Fill", {}, {I32({2, 2}), tf::Tensor::Scalar<float>(7)}), {7, 7, 7, 7}, {2, 2});
  ExpectNear<float>(Out("ZerosLike", {}, {x}), {0, 0, 0, 0, 0, 0}, {2, 3});
  ExpectNear<int32_t>(Out("OnesLike", {}, {I32({5, 6})}), {1, 1}, {2});
  EXPECT_FALSE(RunOp("Range", {}, {tf::Tensor::Scalar<int32_t>(0), tf::Tensor::Scalar<int32_t>(5),
                                 tf::Tensor::Scalar<int32_t>(0)}).ok());
  auto huge = RunOp("Fill", {}, {V<int64_t>({int64_t{1} << 40, int64_t{1} << 40}, {2}), tf::Tensor::Scalar<float>(0)});
  ASSERT_FALSE(huge.ok());  // refused, not allocated
  EXPECT_NE(huge.status().message().find("Fill node"), std::string::npos) << huge.status();
}

TEST(ArrayKernelsTest, Reshapes) {
  auto x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectNear<float>(Out("Reshape", {}, {x, I32({3, -1})}), {1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_FALSE(RunOp("Reshape", {}, {x, I32({4, -1})}).ok());
  EXPECT_FALSE(RunOp("Reshape", {}, {x, I32({-1, -1})}).ok());
  ExpectNear<float>(Out("Squeeze", {}, {F({1, 2}, {1, 2, 1})}), {1, 2}, {2});
  ExpectNear<float>(Out("Squeeze", {{"squeeze_dims", AttrIntList({0})}}, {F({1, 2}, {1, 2, 1})}), {1, 2}, {2, 1});
  EXPECT_FALSE(RunOp("Squeeze", {{"squeeze_dims", AttrIntList({1})}}, {F({1, 2}, {1, 2, 1})}).ok());
  ExpectNear<float>(Out("ExpandDims", {}, {x, tf::Tensor::Scalar<int32_t>(-1)}), {1, 2, 3, 4, 5, 6}, {2, 3, 1});
  ExpectNear<float>(Out("Transpose", {}, {x, I32({1, 0})}), {1, 4, 2, 5, 3, 6}, {3, 2});
  ExpectNear<int32_t>(Out("InvertPermutation", {}, {I32({2, 0, 1})}), {1, 2, 0}, {3});
  tf::Tensor s(DType::kString, {2, 1});
  s.flat<std::string>()[0] = "a";
  s.flat<std::string>()[1] = "b";
  auto st = Out("Transpose", {}, {s, I32({1, 0})});
  ASSERT_EQ(st.shape(), (tf::Shape{1, 2}));
  EXPECT_EQ(st.flat<std::string>()[1], "b");
}

TEST(ArrayKernelsTest, JoinAndSplit) {
  auto a = F({1, 2, 3, 4}, {2, 2});
  auto b = F({5, 6}, {2, 1});
  ExpectNear<float>(Out("ConcatV2", {}, {a, b, tf::Tensor::Scalar<int32_t>(-1)}), {1, 2, 5, 3, 4, 6}, {2, 3});
  EXPECT_FALSE(RunOp("ConcatV2", {}, {a, b, tf::Tensor::Scalar<int32_t>(0)}).ok());
  auto offsets = RunOp("ConcatOffset", {}, {tf::Tensor::Scalar<int32_t>(1), I32({2, 2}), I32({2, 1})});
  ASSERT_TRUE(offsets.ok());
  ExpectNear<int32_t>((*offsets)[1], {0, 2}, {2});
  ExpectNear<float>(Out("Pack", {{"axis", AttrInt(1)}}, {F({1, 2}, {2}), F({3, 4}, {2})}), {1, 3, 2, 4}, {2, 2});
  auto parts = RunOp("Unpack", {{"num", AttrInt(2)}, {"axis", AttrInt(1)}}, {a});
  ASSERT_TRUE(parts.ok());
  ExpectNear<float>((*parts)[1], {2, 4}, {2});
  ExpectNear<float>(Out("Tile", {}, {F({1, 2}, {1, 2}), I32({2, 2})}), {1, 2, 1, 2, 1, 2, 1, 2}, {2, 4});
  ExpectNear<float>(Out("BroadcastTo", {}, {F({1, 2}, {2, 1}), I32({2, 3})}), {1, 1, 1, 2, 2, 2}, {2, 3});
  ExpectNear<float>(Out("Pad", {}, {F({1, 2}, {1, 2}), I32({1, 0, 0, 1}, {2, 2})}), {0, 0, 0, 1, 2, 0}, {2, 3});
}

TEST(ArrayKernelsTest, StridedSliceAndSlice) {
  auto x = F({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  auto ss = [&](std::vector<int32_t> b, std::vector<int32_t> e, std::vector<int32_t> s, graph::AttrMap masks) {
    const int64_t n = static_cast<int64_t>(b.size());
    return Out("StridedSlice", masks, {x, I32(b, {n}), I32(e, {n}), I32(s, {n})});
  };
  // x[:, 0] (the keras predict body's slice).
  ExpectNear<float>(ss({0, 0}, {0, 1}, {1, 1}, {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}, {"shrink_axis_mask", AttrInt(2)}}),
                    {0, 4, 8}, {3});
  // x[::-1, 1:3]
  ExpectNear<float>(ss({0, 1}, {0, 3}, {-1, 1}, {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}}),
                    {9, 10, 5, 6, 1, 2}, {3, 2});
  // x[..., 3] with an ellipsis, and x[1, tf.newaxis, :2].
  ExpectNear<float>(ss({0, 3}, {0, 4}, {1, 1}, {{"ellipsis_mask", AttrInt(1)}, {"shrink_axis_mask", AttrInt(2)}}), {3, 7, 11}, {3});
  ExpectNear<float>(ss({1, 0, 0}, {2, 0, 2}, {1, 1, 1}, {{"new_axis_mask", AttrInt(2)}, {"shrink_axis_mask", AttrInt(1)}}),
                    {4, 5}, {1, 2});
  // Negative indices clamp like Python.
  ExpectNear<float>(ss({-1, -2}, {100, 100}, {1, 1}, {}), {10, 11}, {1, 2});
  auto grad = Out("StridedSliceGrad", {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}, {"shrink_axis_mask", AttrInt(2)}},
                  {I32({2, 2}), I32({0, 1}), I32({0, 2}), I32({1, 1}), F({7, 8}, {2})});
  ExpectNear<float>(grad, {0, 7, 0, 8}, {2, 2});
  EXPECT_FALSE(RunOp("StridedSlice", {{"shrink_axis_mask", AttrInt(1)}}, {x, I32({5}), I32({6}), I32({1})}).ok());
  ExpectNear<float>(Out("Slice", {}, {x, I32({1, 1}), I32({-1, 2})}), {5, 6, 9, 10}, {2, 2});
  EXPECT_FALSE(RunOp("Slice", {}, {x, I32({2, 0}), I32({2, 1})}).ok());
}

TEST(ArrayKernelsTest, GatherSegmentsSelect) {
  auto params = F({0, 1, 10, 11, 20, 21}, {3, 2});
  ExpectNear<float>(Out("GatherV2", {}, {params, I32({2, 0, 2}), tf::Tensor::Scalar<int32_t>(0)}), {20, 21, 0, 1, 20, 21},
                    {3, 2});
  ExpectNear<float>(Out("GatherV2", {}, {params, I32({1}), tf::Tensor::Scalar<int32_t>(1)}), {1, 11, 21}, {3, 1});
  ExpectNear<float>(Out("GatherV2", {{"batch_dims", AttrInt(1)}}, {params, I32({1, 0, 1}, {3, 1}), tf::Tensor::Scalar<int32_t>(1)}),
                    {1, 10, 21}, {3, 1});
  auto bad = RunOp("GatherV2", {}, {params, I32({3}), tf::Tensor::Scalar<int32_t>(0)});
  EXPECT_NE(bad.status().message().find("indices[0] = 3"), std::string::npos) << bad.status();
  ExpectNear<float>(Out("UnsortedSegmentSum", {}, {F({1, 2, 3, 4}, {4}), I32({0, 2, 0, -1}), tf::Tensor::Scalar<int32_t>(3)}),
                    {4, 0, 2}, {3});
  auto cond = V<bool>({true, false}, {2});
  ExpectNear<float>(Out("Select", {}, {cond, F({1, 2, 3, 4}, {2, 2}), F({5, 6, 7, 8}, {2, 2})}), {1, 2, 7, 8}, {2, 2});
  ExpectNear<float>(Out("SelectV2", {}, {cond, F({1}, {}), F({5, 6, 7, 8}, {2, 2})}), {1, 6, 1, 8}, {2, 2});
  auto bga = RunOp("BroadcastGradientArgs", {}, {I32({2, 1, 3}), I32({3})});
  ASSERT_TRUE(bga.ok());
  ExpectNear<int32_t>((*bga)[0], {1}, {1});
  ExpectNear<int32_t>((*bga)[1], {0, 1}, {2});
  bga = RunOp("BroadcastGradientArgs", {}, {I32({4}), I32({4})});
  ExpectNear<int32_t>((*bga)[0], {}, {0});
  EXPECT_FALSE(RunOp("BroadcastGradientArgs", {}, {I32({2}), I32({3})}).ok());
}

TEST(ArrayKernelsTest, PlumbingAndVariables) {
  auto x = F({1, 2}, {2});
  ExpectNear<float>(Out("Identity", {}, {x}), {1, 2}, {2});
  ExpectNear<float>(Out("Const", {{"value", graph::AttrTensor(x)}, {"dtype", T(DType::kFloat)}}, {}), {1, 2}, {2});
  EXPECT_EQ(RunOp("Placeholder", {{"dtype", T(DType::kFloat)}}, {}).status().code(), absl::StatusCode::kFailedPrecondition);
  ResourceStore store;
  KernelEnv env;
  env.resources = &store;
  graph::AttrMap var = {{"dtype", T(DType::kFloat)}, {"shape", graph::AttrShape(graph::PartialShape({2}))},
                        {"shared_name", graph::AttrString("w")}};
  auto handle = RunOp("VarHandleOp", var, {}, &env);
  ASSERT_TRUE(handle.ok()) << handle.status();
  auto init = RunOp("VarIsInitializedOp", {}, {(*handle)[0]}, &env);
  ExpectNear<bool>((*init)[0], {false}, {});
  auto read = RunOp("ReadVariableOp", {{"dtype", T(DType::kFloat)}}, {(*handle)[0]}, &env);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(RunOp("AssignVariableOp", {{"dtype", T(DType::kFloat)}}, {(*handle)[0], x}, &env).ok());
  read = RunOp("ReadVariableOp", {{"dtype", T(DType::kFloat)}}, {(*handle)[0]}, &env);
  ExpectNear<float>((*read)[0], {1, 2}, {2});
  EXPECT_NE(store.Get("w"), nullptr);
  auto bad = RunOp("AssignVariableOp", {{"dtype", T(DType::kFloat)}, {"validate_shape", AttrBool(true)}},
                 {(*handle)[0], F({1, 2, 3}, {3})}, &env);
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(RunOp("ReadVariableOp", {{"dtype", T(DType::kFloat)}}, {(*handle)[0]}).ok());  // no store
  auto joined = Out("StringJoin", {{"N", AttrInt(2)}, {"separator", graph::AttrString("/")}},
                    {tf::Tensor::StringScalar("a"), tf::Tensor::StringScalar("b")});
  EXPECT_EQ(joined.flat<std::string>()[0], "a/b");
  auto sharded = Out("ShardedFilename", {}, {tf::Tensor::StringScalar("ckpt"), tf::Tensor::Scalar<int32_t>(0),
                                             tf::Tensor::Scalar<int32_t>(1)});
  EXPECT_EQ(sharded.flat<std::string>()[0], "ckpt-00000-of-00001");
}

}  // namespace
}  // namespace tb::runtime
