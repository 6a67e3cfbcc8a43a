// Shape, creation, slicing, gathering, joining and selection kernels against hand-computed values.
#include <algorithm>
#include <string>
#include <vector>

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

// Every permutation of rank-4 tensors (with size-1 axes, which the kernel drops, axes it merges, and matrices
// larger than its 32x32 tiles), checked element by element against index arithmetic, for 1-, 4- and 8-byte
// elements and strings.
TEST(ArrayKernelsTest, TransposeMatchesIndexArithmetic) {
  for (const tf::Shape& shape :
       {tf::Shape{2, 3, 4, 5}, tf::Shape{3, 1, 4, 2}, tf::Shape{1, 5, 1, 3}, tf::Shape{2, 70, 1, 45}}) {
    const int64_t n = shape[0] * shape[1] * shape[2] * shape[3];
    std::vector<int64_t> values(n);
    for (int64_t i = 0; i < n; ++i) values[i] = 1000 + i;
    tf::Tensor i64 = V<int64_t>(values, shape);
    tf::Tensor f32(DType::kFloat, shape), u8(DType::kUInt8, shape), str(DType::kString, shape);
    for (int64_t i = 0; i < n; ++i) {
      f32.flat<float>()[i] = static_cast<float>(i) * 0.5f;
      u8.flat<uint8_t>()[i] = static_cast<uint8_t>(i * 7);
      str.flat<std::string>()[i] = std::to_string(i);
    }
    std::vector<int32_t> perm = {0, 1, 2, 3};
    do {
      SCOPED_TRACE(::testing::Message() << tf::ShapeToString(shape) << " perm " << perm[0] << perm[1] << perm[2]
                                        << perm[3]);
      tf::Shape out_shape(4);
      for (int k = 0; k < 4; ++k) out_shape[k] = shape[perm[k]];
      // want[o] = in[i] where i's coordinate along axis perm[k] is o's coordinate along k.
      std::vector<int64_t> from(n);
      int64_t in_strides[4] = {shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1};
      for (int64_t o = 0; o < n; ++o) {
        int64_t rest = o, off = 0;
        for (int k = 3; k >= 0; --k) {
          off += (rest % out_shape[k]) * in_strides[perm[k]];
          rest /= out_shape[k];
        }
        from[o] = off;
      }
      std::vector<int64_t> want_i64(n);
      std::vector<float> want_f32(n);
      for (int64_t o = 0; o < n; ++o) {
        want_i64[o] = values[from[o]];
        want_f32[o] = f32.flat<float>()[from[o]];
      }
      ExpectNear<int64_t>(Out("Transpose", {}, {i64, I32(perm)}), want_i64, out_shape);
      ExpectNear<float>(Out("Transpose", {}, {f32, I32(perm)}), want_f32, out_shape, 0.0);
      tf::Tensor got_u8 = Out("Transpose", {}, {u8, I32(perm)});
      tf::Tensor got_str = Out("Transpose", {}, {str, I32(perm)});
      ASSERT_EQ(got_u8.shape(), out_shape);
      ASSERT_EQ(got_str.shape(), out_shape);
      for (int64_t o = 0; o < n; ++o) {
        ASSERT_EQ(got_u8.flat<uint8_t>()[o], u8.flat<uint8_t>()[from[o]]) << o;
        ASSERT_EQ(got_str.flat<std::string>()[o], std::to_string(from[o])) << o;
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

// SelectV2's fast forms (operands of the output's shape or single elements) and its general broadcast agree with
// numpy's rule; Select (v1) with an elementwise condition too.
TEST(ArrayKernelsTest, SelectBroadcastForms) {
  auto cond = V<bool>({true, false, false, true, true, false}, {2, 3});
  auto t = F({1, 2, 3, 4, 5, 6}, {2, 3});
  auto e = F({-1, -2, -3, -4, -5, -6}, {2, 3});
  ExpectNear<float>(Out("SelectV2", {}, {cond, t, e}), {1, -2, -3, 4, 5, -6}, {2, 3});
  ExpectNear<float>(Out("Select", {}, {cond, t, e}), {1, -2, -3, 4, 5, -6}, {2, 3});
  ExpectNear<float>(Out("SelectV2", {}, {cond, t, F({0}, {})}), {1, 0, 0, 4, 5, 0}, {2, 3});
  ExpectNear<float>(Out("SelectV2", {}, {V<bool>({false}, {}), t, F({9}, {1, 1})}), {9, 9, 9, 9, 9, 9}, {2, 3});
  // General broadcasting: a row condition against a column 't' and a scalar 'e'.
  ExpectNear<float>(Out("SelectV2", {}, {V<bool>({true, false, true}, {3}), F({7, 8}, {2, 1}), F({0}, {})}),
                    {7, 0, 7, 8, 0, 8}, {2, 3});
  ExpectNear<int64_t>(Out("SelectV2", {}, {cond, V<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}), V<int64_t>({0}, {})}),
                      {1, 0, 0, 4, 5, 0}, {2, 3});
  tf::Tensor strs(DType::kString, {3});
  strs.flat<std::string>()[0] = "a";
  strs.flat<std::string>()[1] = "b";
  strs.flat<std::string>()[2] = "c";
  tf::Tensor got = Out("SelectV2", {}, {V<bool>({false, true, false}, {3}), strs, tf::Tensor::StringScalar("z")});
  ASSERT_EQ(got.num_elements(), 3);
  EXPECT_EQ(got.flat<std::string>()[0], "z");
  EXPECT_EQ(got.flat<std::string>()[1], "b");
  EXPECT_FALSE(RunOp("SelectV2", {}, {V<bool>({true, false}, {2}), t, e}).ok());
  EXPECT_EQ(Out("SelectV2", {}, {V<bool>({}, {0, 3}), F({1, 2, 3}, {3}), F({0}, {})}).shape(), (tf::Shape{0, 3}));

  // Rank-4 broadcasts like a max-pool gradient's (a window axis the value is broadcast along), against index
  // arithmetic: out[i,j,k,l] = c[...] ? t[...] : e[...] with size-1 axes read at 0.
  const tf::Shape out_shape = {3, 2, 4, 5};
  const std::vector<std::vector<tf::Shape>> cases = {
      {out_shape, {3, 2, 4, 1}, {}}, {{2, 1, 5}, {3, 1, 4, 5}, {1, 2, 1, 1}}, {{3, 2, 4, 5}, {5}, {4, 5}}};
  for (const auto& shapes : cases) {
    const tf::Shape& cs = shapes[0];
    auto fill = [](const tf::Shape& shape, float base) {
      tf::Tensor x(DType::kFloat, shape);
      for (int64_t i = 0; i < x.num_elements(); ++i) x.flat<float>()[i] = base + static_cast<float>(i);
      return x;
    };
    tf::Tensor c(DType::kBool, cs);
    for (int64_t i = 0; i < c.num_elements(); ++i) c.flat<bool>()[i] = (i * 7) % 3 == 0;
    const tf::Tensor tv = fill(shapes[1], 100);
    const tf::Tensor ev = fill(shapes[2], -100);
    auto at = [&](const tf::Tensor& x, const int64_t* coord) {
      int64_t off = 0;
      const int pad = 4 - x.rank();
      for (int k = 0; k < x.rank(); ++k) off = off * x.dim(k) + (x.dim(k) == 1 ? 0 : coord[pad + k]);
      return off;
    };
    std::vector<float> want;
    int64_t coord[4];
    for (coord[0] = 0; coord[0] < 3; ++coord[0]) {
      for (coord[1] = 0; coord[1] < 2; ++coord[1]) {
        for (coord[2] = 0; coord[2] < 4; ++coord[2]) {
          for (coord[3] = 0; coord[3] < 5; ++coord[3]) {
            want.push_back(c.flat<bool>()[at(c, coord)] ? tv.flat<float>()[at(tv, coord)] : ev.flat<float>()[at(ev, coord)]);
          }
        }
      }
    }
    ExpectNear<float>(Out("SelectV2", {}, {c, tv, ev}), want, out_shape, 0.0);
  }
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
