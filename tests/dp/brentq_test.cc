// Brent's method with SciPy's step rules: convergence, an infinite endpoint, sign errors, failures of f.
#include "dp/brentq.h"

#include <cmath>

#include "gtest/gtest.h"

namespace tb::dp {
namespace {

TEST(BrentQTest, FindsRootsWithinTolerance) {
  BrentOptions o;
  o.xtol = 1e-12;
  auto r = BrentQ([](double x) -> absl::StatusOr<double> { return x * x - 2; }, 0, 2, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->converged);
  EXPECT_NEAR(r->root, std::sqrt(2.0), 1e-11);
}

TEST(BrentQTest, InfiniteEndpointFallsBackToBisection) {
  // ε-like function: +inf at 0, decreasing. The interpolation through the infinite value is NaN, so Brent bisects
  // towards the finite bracket, then converges.
  BrentOptions o;
  o.xtol = 1e-6;
  auto f = [](double s) -> absl::StatusOr<double> { return s == 0 ? INFINITY : 1 / s - 4.5; };
  auto r = BrentQ(f, 0, 1, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->converged);
  EXPECT_NEAR(r->root, 1 / 4.5, 2e-6);
  EXPECT_LT(r->function_calls, 40);
}

TEST(BrentQTest, SameSignIsAnError) {
  auto r = BrentQ([](double x) -> absl::StatusOr<double> { return x * x + 1; }, -1, 1, BrentOptions{});
  EXPECT_FALSE(r.ok());
}

TEST(BrentQTest, PropagatesFunctionErrors) {
  auto r =
      BrentQ([](double) -> absl::StatusOr<double> { return absl::InvalidArgumentError("boom"); }, 0, 1, BrentOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "boom");
}

TEST(BrentQTest, ReportsNonConvergence) {
  BrentOptions o;
  o.xtol = 1e-300;
  o.rtol = 8.881784197001252e-16;
  o.max_iterations = 3;
  auto r = BrentQ([](double x) -> absl::StatusOr<double> { return std::exp(x) - 3; }, 0, 5, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->converged);
}

}  // namespace
}  // namespace tb::dp
