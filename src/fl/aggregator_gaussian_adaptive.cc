// DifferentiallyPrivateFactory.gaussian_adaptive (ODP ADAPTIVE_GAUSSIAN): NormalizedQuery over
// QuantileAdaptiveClipSumQuery (fl-semantics.md §4.3). The total noise z is split between the sum (z_v) and the
// private count of clients whose update norm was below the clip estimate (stddev 0.05*R); the clip follows the
// median norm geometrically (learning rate 0.2) and takes effect from the next round.
#include <cmath>

#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fl/aggregator.h"

namespace tb::fl {
namespace {

constexpr char kDpEventModule[] = "dp_accounting.dp_event";
constexpr float kTargetQuantile = 0.5f;
constexpr float kClipLearningRate = 0.2f;
constexpr float kBelowClip = 0.5f;

// State indices (InitialState order).
enum : int {
  kNoiseMultiplier,
  kSumClip,
  kSumStddev,
  kCurrentEstimate,
  kTargetQuantileIdx,
  kLearningRate,
  kBelowClipIdx,
  kBelowStddev,
  kBelowDenominator,
  kDenominator,
  kNumQueryState,
};

class GaussianAdaptive : public Aggregator {
 public:
  GaussianAdaptive(std::vector<graph::TensorType> types, float z_v, float clip, float stddev, float below_stddev,
                   float denominator)
      : types_(std::move(types)),
        z_v_(z_v),
        clip_(clip),
        stddev_(stddev),
        below_stddev_(below_stddev),
        denominator_(denominator) {}

  std::vector<StateTensor> InitialState() const override {
    const std::string n = "query_state/numerator_state/";
    const std::string q = n + "quantile_estimator_state/";
    return {FloatState(n + "noise_multiplier", z_v_),
            FloatState(n + "sum_state/l2_norm_clip", clip_),
            FloatState(n + "sum_state/stddev", stddev_),
            FloatState(q + "current_estimate", clip_),
            FloatState(q + "target_quantile", kTargetQuantile),
            FloatState(q + "learning_rate", kClipLearningRate),
            FloatState(q + "below_estimate_state/numerator_state/l2_norm_clip", kBelowClip),
            FloatState(q + "below_estimate_state/numerator_state/stddev", below_stddev_),
            FloatState(q + "below_estimate_state/denominator", denominator_),
            FloatState("query_state/denominator", denominator_),
            StringState("dp_event/module_name", kDpEventModule),
            StringState("dp_event/class_name", "ComposedDpEvent"),
            StringState("dp_event/events/0/module_name", kDpEventModule),
            StringState("dp_event/events/0/class_name", "GaussianDpEvent"),
            FloatState("dp_event/events/0/noise_multiplier", stddev_ / clip_),
            StringState("dp_event/events/1/module_name", kDpEventModule),
            StringState("dp_event/events/1/class_name", "GaussianDpEvent"),
            FloatState("dp_event/events/1/noise_multiplier", below_stddev_ / kBelowClip),
            BoolState("is_init_state", true)};
  }
  std::vector<Element> BroadcastElements() const override {
    const graph::TensorType f{tf::DType::kFloat, graph::PartialShape::Scalar()};
    return {Element{TensorSlot{"sum_params", f}, TensorSlot{"quantile_estimator_params/current_estimate", f},
                    TensorSlot{"quantile_estimator_params/below_estimate_params", f}}};
  }
  std::vector<Output> EmitPrepare(const graph::Builder&, const std::vector<Output>& state) const override {
    return {state[kSumClip], state[kCurrentEstimate], state[kBelowClipIdx]};
  }
  std::vector<Element> UpdateElements() const override {
    Element e;
    for (size_t i = 0; i < types_.size(); ++i) e.push_back(TensorSlot{absl::StrCat("sum_state/", i), types_[i]});
    e.push_back(TensorSlot{"quantile_estimator_state", {tf::DType::kFloat, graph::PartialShape::Scalar()}});
    return {e};
  }
  std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>& broadcast,
                                 const std::vector<Output>& update, Output) const override {
    Clipped clipped = EmitClipByGlobalNorm(e, update, broadcast[0]);
    // below = float(norm <= estimate) - 0.5, then the below-estimate query's own clip to 0.5 (a no-op for +-0.5).
    graph::Builder q = e.WithScope("quantile_estimator");
    Output below = q.Sub(q.Cast(q.LessEqual(clipped.norm, broadcast[1]), tf::DType::kFloat), q.Scalar<float>(0.5f));
    Output below_clipped = EmitClipByGlobalNorm(q, {below}, broadcast[2]).values[0];
    std::vector<Output> out = clipped.values;
    out.push_back(below_clipped);
    return out;
  }
  ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>& state,
                          const std::vector<Output>& sums) const override {
    graph::Builder s = e.WithScope("gaussian_adaptive");
    const size_t n = types_.size();
    ServerResult r;
    // The sum, noised with the current (pre-update) stddev.
    std::vector<Output> sum(sums.begin(), sums.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Output> noised = EmitGaussianNoise(s, sum, state[kSumStddev]);
    // The quantile estimate: private count of below-estimate clients, normalized, unshifted and clamped.
    graph::Builder q = s.WithScope("quantile_estimator");
    Output below_noised = EmitGaussianNoise(q, {sums[n]}, state[kBelowStddev])[0];
    Output below_result = q.Div(below_noised, state[kBelowDenominator]);
    Output below_estimate = q.Add(below_result, q.Scalar<float>(0.5f));
    below_estimate = q.Minimum(q.Scalar<float>(1.0f), q.Maximum(q.Scalar<float>(0.0f), below_estimate));
    Output loss_grad = q.Sub(below_estimate, state[kTargetQuantileIdx]);
    Output step = q.Mul(state[kLearningRate], loss_grad);
    Output new_estimate = q.Mul(state[kCurrentEstimate], q.Exp(q.Neg(step)));
    Output new_clip = s.Maximum(new_estimate, s.Scalar<float>(0.0f));
    Output new_stddev = s.Mul(new_clip, state[kNoiseMultiplier]);
    for (const Output& v : noised) r.value.push_back(s.Div(v, state[kDenominator]));
    r.state = {state[kNoiseMultiplier], new_clip,           new_stddev,
               new_estimate,            state[kTargetQuantileIdx], state[kLearningRate],
               state[kBelowClipIdx],    state[kBelowStddev], state[kBelowDenominator],
               state[kDenominator],
               s.WithName("module_name").Const(tf::Tensor::StringScalar(kDpEventModule)),
               s.WithName("class_name").Const(tf::Tensor::StringScalar("ComposedDpEvent")),
               s.WithName("events_0_module_name").Const(tf::Tensor::StringScalar(kDpEventModule)),
               s.WithName("events_0_class_name").Const(tf::Tensor::StringScalar("GaussianDpEvent")),
               s.WithName("events_0_noise_multiplier").Div(state[kSumStddev], state[kSumClip]),
               s.WithName("events_1_module_name").Const(tf::Tensor::StringScalar(kDpEventModule)),
               s.WithName("events_1_class_name").Const(tf::Tensor::StringScalar("GaussianDpEvent")),
               s.WithName("events_1_noise_multiplier").Div(state[kBelowStddev], state[kBelowClipIdx]),
               s.WithName("is_init_state").Scalar<bool>(false)};
    r.measurements = {new_clip};
    return r;
  }
  std::vector<MetricSlot> Measurements() const override {
    return {MetricSlot{"dp_query_metrics/clip", {tf::DType::kFloat, graph::PartialShape::Scalar()}}};
  }

 private:
  std::vector<graph::TensorType> types_;
  float z_v_, clip_, stddev_, below_stddev_, denominator_;
};

}  // namespace

// tff.aggregators.differential_privacy.adaptive_clip_noise_params: the value noise that leaves z in total once
// the clipped-count noise is accounted for. Fails when the count noise alone exceeds the budget.
absl::StatusOr<double> AdaptiveValueNoise(double z, double count_stddev, double clients_per_round) {
  if (z <= 0) return 0.0;
  if (z >= 2 * count_stddev) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the adaptive DP aggregators need report_goal > 10 x noise_multiplier (the clipped-count noise "
        "report_goal / 20 must exceed noise_multiplier / 2, or no noise is left for the model update); report_goal "
        "%d with noise_multiplier %.17g does not",
        static_cast<int64_t>(clients_per_round), z));
  }
  return std::pow(std::pow(z, -2.0) - std::pow(2 * count_stddev, -2.0), -0.5);
}

absl::StatusOr<std::unique_ptr<Aggregator>> MakeGaussianAdaptive(const AggregatorSpec& spec,
                                                                 const std::vector<graph::TensorType>& value_types) {
  if (!(spec.clip_norm > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ADAPTIVE_GAUSSIAN needs a positive initial clip norm, got ", spec.clip_norm));
  }
  const double r = static_cast<double>(spec.clients_per_round);
  // TFF's default clipped_count_stddev, 0.05 * R, applies only when there is noise at all.
  const double count_stddev = spec.noise_multiplier > 0 ? 0.05 * r : 0.0;
  auto z_v = AdaptiveValueNoise(spec.noise_multiplier, count_stddev, r);
  if (!z_v.ok()) return z_v.status();
  return std::make_unique<GaussianAdaptive>(value_types, static_cast<float>(*z_v), static_cast<float>(spec.clip_norm),
                                            static_cast<float>(*z_v * spec.clip_norm), static_cast<float>(count_stddev),
                                            static_cast<float>(spec.clients_per_round));
}

}  // namespace tb::fl
