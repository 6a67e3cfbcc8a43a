#include "tf/tensor.h"

#include "gtest/gtest.h"

namespace tb::tf {
namespace {

TEST(TensorTest, CreateZeroFillsAndReportsShape) {
  auto t = Tensor::Create(DType::kFloat, {2, 3});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_elements(), 6);
  EXPECT_EQ(t->byte_size(), 24u);
  for (float v : t->flat<float>()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(t->DebugType(), "float[2,3]");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->bytes().data()) % 64, 0u);
}

TEST(TensorTest, ScalarsAndVectors) {
  EXPECT_EQ(Tensor::Scalar<int64_t>(-7).scalar<int64_t>(), -7);
  EXPECT_EQ(Tensor::StringScalar("abc").flat<std::string>()[0], "abc");
  Tensor v = Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(v.shape(), (Shape{2, 2}));
  EXPECT_EQ(v.flat<float>()[3], 4.0f);
}

TEST(TensorTest, RejectsBadShapesWithoutAllocating) {
  EXPECT_FALSE(Tensor::Create(DType::kFloat, {-1, 3}).ok());
  EXPECT_FALSE(Tensor::Create(DType::kFloat, {1ll << 40, 1ll << 40}).ok());
  EXPECT_FALSE(Tensor::Create(DType::kFloat, {int64_t{1} << 33}).ok());  // 32 GiB > limit
  EXPECT_FALSE(Tensor::Create(DType::kHalf, {1}).ok());
  EXPECT_TRUE(Tensor::Create(DType::kFloat, {0, 1ll << 40}).ok());  // empty tensors are fine
}

TEST(TensorTest, CopiesShareCloneDoesNot) {
  Tensor a = Tensor::FromVector<int32_t>({1, 2});
  Tensor shared = a;
  Tensor cloned = a.Clone();
  a.flat<int32_t>()[0] = 9;
  EXPECT_EQ(shared.flat<int32_t>()[0], 9);
  EXPECT_EQ(cloned.flat<int32_t>()[0], 1);
  EXPECT_FALSE(a.Equals(cloned));
  cloned.flat<int32_t>()[0] = 9;
  EXPECT_TRUE(a.Equals(cloned));
}

TEST(TensorTest, ReshapeKeepsElementCount) {
  Tensor a = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6});
  auto r = a.Reshaped({3, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->flat<float>()[5], 6.0f);
  EXPECT_FALSE(a.Reshaped({4, 2}).ok());
}

TEST(TensorTest, DTypeNamesRoundTrip) {
  for (int i = 0; i < 30; ++i) {
    auto d = DTypeFromProto(i);
    if (!d) continue;
    EXPECT_EQ(DTypeFromName(DTypeName(*d)), d);
  }
  EXPECT_FALSE(DTypeFromProto(101).has_value());  // *_REF types are not values
  EXPECT_EQ(DTypeSize(DType::kInt64), 8u);
}

}  // namespace
}  // namespace tb::tf
