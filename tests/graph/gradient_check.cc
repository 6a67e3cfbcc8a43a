#include "tests/graph/gradient_check.h"

#include <cmath>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/autodiff/gradients.h"
#include "graph/dump.h"
#include "graph/passes/inline.h"
#include "runtime/interpreter/ir_interpreter.h"

namespace tb::testing {

using graph::Output;

tf::Tensor RandomDoubles(const tf::Shape& shape, double lo, double hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  tf::Tensor t(tf::DType::kDouble, shape);
  for (double& v : t.flat<double>()) v = dist(rng);
  return t;
}

namespace {

double At(const tf::Tensor& t, int64_t i) {
  return t.dtype() == tf::DType::kDouble ? t.flat<double>()[i] : t.flat<float>()[i];
}
void Set(tf::Tensor& t, int64_t i, double v) {
  if (t.dtype() == tf::DType::kDouble) t.flat<double>()[i] = v;
  else t.flat<float>()[i] = static_cast<float>(v);
}

}  // namespace

absl::Status CheckGradients(const BuildFn& build, const std::vector<tf::Tensor>& inputs,
                            const GradCheckOptions& options) {
  graph::Graph g(options.library);
  graph::Builder b(&g);
  std::vector<Output> xs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    graph::PartialShape shape = options.dynamic_shapes ? graph::PartialShape::UnknownDims(inputs[i].rank())
                                                       : graph::PartialShape(inputs[i].shape());
    xs.push_back(b.Placeholder(inputs[i].dtype(), shape, absl::StrCat("x", i)));
  }
  Output y = build(b, xs);
  TB_RETURN_IF_ERROR(b.status());
  // Evaluate y once to learn its shape, then weight it by a fixed random tensor.
  runtime::IrInterpreter probe;
  std::map<Output, tf::Tensor> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) feeds[xs[i]] = inputs[i];
  TB_ASSIGN_OR_RETURN(auto y_value, probe.Run(g, feeds, {y}));
  tf::Tensor weights = RandomDoubles(y_value[0].shape(), -1, 1, options.seed + 1);
  Output w = b.Cast(b.Const(weights), y.dtype());
  Output loss = b.ReduceAllAxes("Sum", b.Mul(y, w));
  TB_RETURN_IF_ERROR(b.status());
  TB_RETURN_IF_ERROR(graph::InlineCalls(g).status());
  return CheckScalarGradients(g, loss, xs, feeds, options);
}

absl::Status CheckScalarGradients(graph::Graph& g, Output loss, const std::vector<Output>& xs,
                                  const std::map<Output, tf::Tensor>& feeds, const GradCheckOptions& options) {
  std::vector<Output> diff_xs;
  std::vector<size_t> diff_index;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (graph::IsDifferentiableType(xs[i].dtype())) {
      diff_xs.push_back(xs[i]);
      diff_index.push_back(i);
    }
  }
  TB_ASSIGN_OR_RETURN(std::vector<Output> grads, graph::AddGradients(g, {loss}, diff_xs));
  std::vector<Output> fetches = {loss};
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].valid()) return absl::InternalError(absl::StrCat("no gradient for input ", i));
    fetches.push_back(grads[i]);
  }
  runtime::IrInterpreter interp;
  auto analytic = interp.Run(g, feeds, fetches);
  if (!analytic.ok()) return Annotate(analytic.status(), absl::StrCat("running\n", graph::DumpGraph(g)));
  for (size_t d = 0; d < diff_index.size(); ++d) {
    const size_t i = diff_index[d];
    const tf::Tensor& ga = (*analytic)[d + 1];
    if (ga.shape() != feeds.at(xs[i]).shape()) {
      return absl::InternalError(absl::StrCat("gradient ", i, " has shape ", tf::ShapeToString(ga.shape()),
                                              ", input has ", tf::ShapeToString(feeds.at(xs[i]).shape())));
    }
    const int64_t n = feeds.at(xs[i]).num_elements();
    const int64_t stride = std::max<int64_t>(1, n / options.max_elements);
    for (int64_t j = 0; j < n; j += stride) {
      auto eval = [&](double delta) -> absl::StatusOr<double> {
        std::map<Output, tf::Tensor> f = feeds;
        tf::Tensor x = feeds.at(xs[i]).Clone();
        Set(x, j, At(x, j) + delta);
        f[xs[i]] = x;
        TB_ASSIGN_OR_RETURN(auto v, interp.Run(g, f, {loss}));
        return At(v[0], 0);
      };
      const double h = options.step * std::max(1.0, std::abs(At(feeds.at(xs[i]), j)));
      TB_ASSIGN_OR_RETURN(double up, eval(h));
      TB_ASSIGN_OR_RETURN(double down, eval(-h));
      const double numeric = (up - down) / (2 * h);
      const double a = At(ga, j);
      if (!(std::abs(numeric - a) <= options.atol + options.rtol * std::abs(numeric)) &&
          !(std::abs(numeric - a) <= options.atol + options.rtol * std::abs(a))) {
        return absl::InternalError(absl::StrCat("input ", i, " element ", j, ": analytic ", a, " vs numeric ", numeric,
                                                "\n", graph::DumpGraph(g)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tb::testing
