// DifferentiallyPrivateFactory.gaussian_fixed (ODP FIXED_GAUSSIAN, the sample plans): NormalizedQuery over a
// GaussianSumQuery(clip C, stddev C*z) with denominator R = clients_per_round (fl-semantics.md §4.2). Clients clip
// their update to C (broadcast as client/1); the server adds N(0, stddev^2) per coordinate to the sum and divides by
// R — the constant R, not the number of clients that reported.
#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/aggregator.h"

namespace tb::fl {
namespace {

constexpr char kDpEventModule[] = "dp_accounting.dp_event";

class GaussianFixed : public Aggregator {
 public:
  GaussianFixed(std::vector<graph::TensorType> types, float clip, float stddev, float denominator)
      : types_(std::move(types)), clip_(clip), stddev_(stddev), denominator_(denominator) {}

  // query_state/{numerator_state/{l2_norm_clip, stddev}, denominator}, dp_event/{module_name, class_name,
  // noise_multiplier}, is_init_state.
  std::vector<StateTensor> InitialState() const override {
    return {FloatState("query_state/numerator_state/l2_norm_clip", clip_),
            FloatState("query_state/numerator_state/stddev", stddev_),
            FloatState("query_state/denominator", denominator_),
            StringState("dp_event/module_name", kDpEventModule),
            StringState("dp_event/class_name", "GaussianDpEvent"),
            // The placeholder event of initialize(): stddev / l2_norm_clip in float32.
            FloatState("dp_event/noise_multiplier", stddev_ / clip_),
            BoolState("is_init_state", true)};
  }
  std::vector<Element> BroadcastElements() const override {
    return {Element{TensorSlot{"", {tf::DType::kFloat, graph::PartialShape::Scalar()}}}};
  }
  std::vector<Output> EmitPrepare(const graph::Builder&, const std::vector<Output>& state) const override {
    return {state[0]};  // the sample params: l2_norm_clip
  }
  std::vector<Element> UpdateElements() const override {
    Element e;
    for (size_t i = 0; i < types_.size(); ++i) e.push_back(TensorSlot{absl::StrCat(i), types_[i]});
    return {e};
  }
  std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>& broadcast,
                                 const std::vector<Output>& update, Output) const override {
    return EmitClipByGlobalNorm(e, update, broadcast[0]).values;
  }
  ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>& state,
                          const std::vector<Output>& sums) const override {
    graph::Builder s = e.WithScope("gaussian_fixed");
    const Output clip = state[0], stddev = state[1], denominator = state[2];
    ServerResult r;
    std::vector<Output> noised = EmitGaussianNoise(s, sums, stddev);
    for (const Output& v : noised) r.value.push_back(s.Div(v, denominator));
    r.state = {clip,
               stddev,
               denominator,
               s.WithName("module_name").Const(tf::Tensor::StringScalar(kDpEventModule)),
               s.WithName("class_name").Const(tf::Tensor::StringScalar("GaussianDpEvent")),
               s.WithName("noise_multiplier").Div(stddev, clip),
               s.WithName("is_init_state").Scalar<bool>(false)};
    return r;
  }
  std::vector<MetricSlot> Measurements() const override { return {}; }

 private:
  std::vector<graph::TensorType> types_;
  float clip_, stddev_, denominator_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Aggregator>> MakeGaussianFixed(const AggregatorSpec& spec,
                                                              const std::vector<graph::TensorType>& value_types) {
  if (!(spec.clip_norm > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("FIXED_GAUSSIAN needs a positive clip_norm, got ", spec.clip_norm));
  }
  if (!(spec.noise_multiplier >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("FIXED_GAUSSIAN needs a nonnegative noise_multiplier, got ", spec.noise_multiplier));
  }
  // The product is taken in double, then stored as float32 (TFP builds the query from Python floats).
  const float stddev = static_cast<float>(spec.clip_norm * spec.noise_multiplier);
  return std::make_unique<GaussianFixed>(value_types, static_cast<float>(spec.clip_norm), stddev,
                                         static_cast<float>(spec.clients_per_round));
}

}  // namespace tb::fl
