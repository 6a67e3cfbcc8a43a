#include "fl/optimizer.h"

#include "base/status_macros.h"
#include "absl/strings/str_cat.h"

namespace tb::fl {
namespace {

StateTensor Scalar(std::string path, float v) {
  return StateTensor{TensorSlot{std::move(path), {tf::DType::kFloat, graph::PartialShape::Scalar()}},
                     tf::Tensor::Scalar<float>(v)};
}

}  // namespace

absl::StatusOr<std::vector<StateTensor>> OptimizerInitialState(const OptimizerSpec& spec,
                                                               const std::vector<graph::TensorType>& weight_types) {
  std::vector<StateTensor> state;
  // Python floats become float32 constants (fl-semantics.md §0.3).
  state.push_back(Scalar("learning_rate", static_cast<float>(spec.learning_rate)));
  if (spec.kind == OptimizerKind::kSgd) return state;
  state.push_back(Scalar("beta_1", static_cast<float>(spec.beta_1)));
  state.push_back(Scalar("beta_2", static_cast<float>(spec.beta_2)));
  state.push_back(Scalar("epsilon", static_cast<float>(spec.epsilon)));
  state.push_back(StateTensor{TensorSlot{"step", {tf::DType::kInt32, graph::PartialShape::Scalar()}},
                              tf::Tensor::Scalar<int32_t>(0)});
  // Both moment estimates start as the same zeros: one buffer per weight, shared (tensors are immutable once
  // shared), so a 100M-parameter model's Adam state costs one zero-fill, not two.
  std::vector<tf::Tensor> zeros;
  for (size_t i = 0; i < weight_types.size(); ++i) {
    const graph::TensorType& t = weight_types[i];
    if (!t.shape.IsFullyDefined()) {
      return absl::InvalidArgumentError(absl::StrCat("Adam needs fully defined weight shapes; weight ", i, " is ",
                                                     t.ToString()));
    }
    auto z = tf::Tensor::Create(t.dtype, t.shape.dims());
    if (!z.ok()) return z.status();
    zeros.push_back(*std::move(z));
  }
  for (const char* name : {"accumulator", "preconditioner"}) {
    for (size_t i = 0; i < weight_types.size(); ++i) {
      state.push_back(StateTensor{TensorSlot{absl::StrCat(name, "/", i), weight_types[i]}, zeros[i]});
    }
  }
  return state;
}

OptimizerStep EmitOptimizerStep(const graph::Builder& e, const OptimizerSpec& spec, const std::vector<Output>& state,
                                const std::vector<Output>& weights, const std::vector<Output>& gradients) {
  OptimizerStep out;
  const size_t n = weights.size();
  if (gradients.size() != n) {
    e.SetError(absl::InternalError("optimizer: weights and gradients differ in number"));
    return out;
  }
  if (spec.kind == OptimizerKind::kSgd) {
    if (state.size() != 1) {
      e.SetError(absl::InternalError("SGD state must be {learning_rate}"));
      return out;
    }
    const Output lr = state[0];
    for (size_t i = 0; i < n; ++i) {
      // w - (lr * g): the product first, as TFF writes it.
      out.weights.push_back(e.Sub(weights[i], e.Mul(lr, gradients[i])));
    }
    out.state = state;
    return out;
  }
  if (state.size() != 5 + 2 * n) {
    e.SetError(absl::InternalError("Adam state must be {lr, beta_1, beta_2, epsilon, step, accumulator, preconditioner}"));
    return out;
  }
  const Output lr = state[0], beta_1 = state[1], beta_2 = state[2], epsilon = state[3];
  const Output step = e.Add(state[4], e.Scalar<int32_t>(1));
  const Output one = e.Scalar<float>(1.0f);
  const Output one_minus_b1 = e.Sub(one, beta_1);
  const Output one_minus_b2 = e.Sub(one, beta_2);
  const Output step_f = e.Cast(step, tf::DType::kFloat);
  // lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
  const Output normalized_lr = e.Div(e.Mul(lr, e.Sqrt(e.Sub(one, e.Op("Pow", {beta_2, step_f})))),
                                     e.Sub(one, e.Op("Pow", {beta_1, step_f})));
  std::vector<Output> acc(n), pre(n);
  for (size_t i = 0; i < n; ++i) {
    const Output a = state[5 + i];
    const Output s = state[5 + n + i];
    const Output g = gradients[i];
    acc[i] = e.Add(a, e.Mul(e.Sub(g, a), one_minus_b1));
    pre[i] = e.Add(s, e.Mul(e.Sub(e.Square(g), s), one_minus_b2));
    // w - normalized_lr * a / (sqrt(s) + eps)
    out.weights.push_back(e.Sub(weights[i], e.Div(e.Mul(normalized_lr, acc[i]), e.Add(e.Sqrt(pre[i]), epsilon))));
  }
  out.state = {lr, beta_1, beta_2, epsilon, step};
  out.state.insert(out.state.end(), acc.begin(), acc.end());
  out.state.insert(out.state.end(), pre.begin(), pre.end());
  return out;
}

}  // namespace tb::fl
