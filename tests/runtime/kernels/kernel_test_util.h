// Helpers for kernel tests: run one kernel by op name with attrs and inputs, and compare tensors.
#ifndef TASKBUILDER_TESTS_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_
#define TASKBUILDER_TESTS_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "graph/attrs.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/resource.h"
#include "tf/tensor.h"

namespace tb::runtime {

inline absl::StatusOr<std::vector<tf::Tensor>> RunOp(const std::string& op, const graph::AttrMap& attrs,
                                                   const std::vector<tf::Tensor>& inputs, KernelEnv* env = nullptr) {
  return RunKernel(op, "test_node", graph::AttrView(attrs), inputs, env);
}

// Runs and returns output `i`, failing the test on error.
inline tf::Tensor Out(const std::string& op, const graph::AttrMap& attrs, const std::vector<tf::Tensor>& inputs,
                      int i = 0) {
  auto r = RunOp(op, attrs, inputs);
  EXPECT_TRUE(r.ok()) << op << ": " << r.status();
  if (!r.ok() || static_cast<int>(r->size()) <= i) return tf::Tensor();
  return (*r)[i];
}

template <typename T>
tf::Tensor V(std::vector<T> values, tf::Shape shape) {
  return tf::Tensor::FromVector<T>(values, std::move(shape));
}
inline tf::Tensor F(std::vector<float> v, tf::Shape s) { return V<float>(std::move(v), std::move(s)); }
inline tf::Tensor D(std::vector<double> v, tf::Shape s) { return V<double>(std::move(v), std::move(s)); }
inline tf::Tensor I32(std::vector<int32_t> v, tf::Shape s) { return V<int32_t>(std::move(v), std::move(s)); }
inline tf::Tensor I32(std::vector<int32_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return V<int32_t>(std::move(v), {n});
}

template <typename T>
void ExpectNear(const tf::Tensor& got, const std::vector<T>& want, const tf::Shape& shape, double tol = 1e-6) {
  ASSERT_TRUE(got.valid());
  ASSERT_EQ(got.dtype(), tf::DTypeOf<T>());
  ASSERT_EQ(got.shape(), shape) << tf::ShapeToString(got.shape());
  auto g = got.flat<T>();
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(static_cast<double>(want[i]))) {
        EXPECT_TRUE(std::isnan(static_cast<double>(g[i]))) << "element " << i;
        continue;
      }
      if (g[i] == want[i]) continue;  // also covers equal infinities
      EXPECT_NEAR(g[i], want[i], tol) << "element " << i;
    } else {
      EXPECT_EQ(g[i], want[i]) << "element " << i;
    }
  }
}

inline tensorflow::AttrValue T(tf::DType t) { return graph::AttrType(t); }

}  // namespace tb::runtime

#endif  // TASKBUILDER_TESTS_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_
