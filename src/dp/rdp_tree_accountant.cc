#include "dp/rdp_tree_accountant.h"

#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tb::dp {
namespace {

// dp_accounting's default RDP orders: 1.1 … 10.9, 11 … 63, 128, 256, 512, 1024.
const std::vector<double>& DefaultOrders() {
  static const std::vector<double>* orders = [] {
    auto* v = new std::vector<double>;
    for (int x = 1; x < 100; ++x) v->push_back(1 + x / 10.0);
    for (int x = 11; x < 64; ++x) v->push_back(x);
    for (double x : {128.0, 256.0, 512.0, 1024.0}) v->push_back(x);
    return v;
  }();
  return *orders;
}

}  // namespace

absl::StatusOr<double> TreeAggregationEpsilon(double sigma, int64_t rounds, double delta) {
  if (!(sigma >= 0) || !std::isfinite(sigma)) {
    return absl::InvalidArgumentError(absl::StrCat("noise multiplier must be finite and >= 0, got ", sigma));
  }
  if (rounds < 0) return absl::InvalidArgumentError(absl::StrCat("rounds must be >= 0, got ", rounds));
  if (!(delta >= 0 && delta <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("delta must be in [0, 1], got ", delta));
  }
  const std::vector<double>& orders = DefaultOrders();
  std::vector<double> rdp(orders.size(), 0.0);
  if (rounds > 0) {  // T == 0 is a NoOp event: all RDP values stay 0
    const double depth = std::ceil(std::log2(static_cast<double>(rounds) + 1));
    for (size_t i = 0; i < orders.size(); ++i) {
      rdp[i] = sigma == 0 ? INFINITY : orders[i] * depth / (2 * (sigma * sigma));
    }
  }
  if (delta == 0) {
    for (double r : rdp) {
      if (r != 0) return INFINITY;
    }
    return 0.0;
  }
  double best = INFINITY;
  bool first = true;
  for (size_t i = 0; i < orders.size(); ++i) {
    const double a = orders[i], r = rdp[i];
    double eps;
    if (delta * delta + std::expm1(-r) > 0) {
      eps = 0;
    } else if (a > 1.01) {
      eps = r + std::log1p(-1 / a) - std::log(delta * a) / (a - 1);
    } else {
      eps = INFINITY;
    }
    if (first || eps < best) best = eps;
    first = false;
  }
  return std::max(0.0, best);
}

}  // namespace tb::dp
