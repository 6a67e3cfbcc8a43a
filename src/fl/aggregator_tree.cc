// The DP-FTRL aggregators: DifferentiallyPrivateFactory.tree_aggregation (ODP TREE_AGGREGATION: a
// TreeResidualSumQuery with the efficient tree, never restarted) and tree_adaptive (ODP ADAPTIVE_TREE: the same
// residual tree on the sum plus a tree-noised quantile estimate of the update norm, restarted with the estimated
// clip after round 128 and every 1024 rounds after it), each under a NormalizedQuery with denominator R
// (fl-semantics.md §4.4-§4.5). The factory wraps both in the zeroing aggregator.
#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/aggregator.h"
#include "fl/tree_noise.h"

namespace tb::fl {

namespace {

constexpr char kDpEventModule[] = "dp_accounting.dp_event";
constexpr int32_t kRestartPeriod = 1024;
constexpr int32_t kRestartWarmup = 128;
constexpr float kTargetQuantile = 0.5f;
constexpr float kClipLearningRate = 0.2f;
constexpr float kBelowClip = 0.5f;

graph::TensorType F32() { return {tf::DType::kFloat, graph::PartialShape::Scalar()}; }

// A residual tree's state slots below `prefix`: tree_state/{level_buffer[/i], level_buffer_idx,
// value_generator_state/{seeds, stddev}}, clip_value, previous_tree_noise[/i]. A scalar record (no tuple) has no
// index in its names.
std::vector<StateTensor> TreeQueryState(const std::string& prefix, const std::vector<graph::TensorType>& shapes,
                                        bool tuple, const InitialTree& tree, float stddev, float clip) {
  std::vector<StateTensor> out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::vector<int64_t> dims = {-1};
    dims.insert(dims.end(), shapes[i].shape.dims().begin(), shapes[i].shape.dims().end());
    out.push_back(StateTensor{TensorSlot{absl::StrCat(prefix, "tree_state/level_buffer", tuple ? absl::StrCat("/", i) : ""),
                                         {tf::DType::kFloat, graph::PartialShape(dims)}},
                              tree.level_buffer[i]});
  }
  out.push_back(StateTensor{TensorSlot{prefix + "tree_state/level_buffer_idx", {tf::DType::kInt32, graph::PartialShape({-1})}},
                            tree.level_buffer_idx});
  out.push_back(StateTensor{TensorSlot{prefix + "tree_state/value_generator_state/seeds",
                                       {tf::DType::kInt64, graph::PartialShape({2})}},
                            tree.seeds});
  out.push_back(FloatState(prefix + "tree_state/value_generator_state/stddev", stddev));
  out.push_back(FloatState(prefix + "clip_value", clip));
  for (size_t i = 0; i < shapes.size(); ++i) {
    out.push_back(StateTensor{TensorSlot{absl::StrCat(prefix, "previous_tree_noise", tuple ? absl::StrCat("/", i) : ""), shapes[i]},
                              tf::Tensor(tf::DType::kFloat, shapes[i].shape.dims())});
  }
  return out;
}

// Views of a residual tree's state inside a flat state list starting at `at`.
struct TreeQueryView {
  TreeState tree;
  Output clip;
  std::vector<Output> previous;
};

TreeQueryView ViewTree(const std::vector<Output>& state, size_t at, size_t n) {
  TreeQueryView v;
  for (size_t i = 0; i < n; ++i) v.tree.level_buffer.push_back(state[at + i]);
  v.tree.level_buffer_idx = state[at + n];
  v.tree.seeds = state[at + n + 1];
  v.tree.stddev = state[at + n + 2];
  v.clip = state[at + n + 3];
  for (size_t i = 0; i < n; ++i) v.previous.push_back(state[at + n + 4 + i]);
  return v;
}

size_t TreeSlots(size_t n) { return 2 * n + 4; }

std::vector<Output> Flatten(const TreeQueryView& v) {
  std::vector<Output> out = v.tree.level_buffer;
  out.push_back(v.tree.level_buffer_idx);
  out.push_back(v.tree.seeds);
  out.push_back(v.tree.stddev);
  out.push_back(v.clip);
  for (const Output& o : v.previous) out.push_back(o);
  return out;
}

// One residual-sum round: noised = sum + cumulative noise - previous cumulative noise.
struct ResidualResult {
  std::vector<Output> noised;
  TreeQueryView next;
  Output overflow;
};

ResidualResult EmitResidualRound(const graph::Builder& b, const TreeQueryView& v, const std::vector<Output>& sums,
                                 const std::vector<graph::TensorType>& shapes, int depth) {
  ResidualResult r;
  TreeStep step = EmitTreeStep(b, v.tree, shapes, depth);
  for (size_t i = 0; i < shapes.size(); ++i) r.noised.push_back(b.Sub(b.Add(sums[i], step.cumsum[i]), v.previous[i]));
  r.next.tree = step.next;
  r.next.clip = v.clip;
  r.next.previous = step.cumsum;
  r.overflow = step.overflow;
  return r;
}

// The round's result divided by R; NaN when the tree outgrew its unrolled depth, so the finalizer skips the step
// instead of releasing an update with too little noise.
std::vector<Output> Normalize(const graph::Builder& b, const std::vector<Output>& noised, Output denominator,
                              Output overflow) {
  std::vector<Output> out;
  Output nan = b.Scalar<float>(std::numeric_limits<float>::quiet_NaN());
  for (const Output& v : noised) out.push_back(b.SelectV2(overflow, nan, b.Div(v, denominator)));
  return out;
}

class TreeAggregation : public Aggregator {
 public:
  TreeAggregation(std::vector<graph::TensorType> types, float clip, float stddev, float denominator, int depth,
                  std::array<int64_t, 2> seeds)
      : types_(std::move(types)), clip_(clip), stddev_(stddev), denominator_(denominator), depth_(depth), seeds_(seeds) {}

  std::vector<StateTensor> InitialState() const override {
    std::vector<StateTensor> out = TreeQueryState("query_state/numerator_state/", types_, true,
                                                  MakeInitialTree(seeds_, stddev_, types_), stddev_, clip_);
    out.push_back(FloatState("query_state/denominator", denominator_));
    out.push_back(StringState("dp_event/module_name", kDpEventModule));
    out.push_back(StringState("dp_event/class_name", "UnsupportedDpEvent"));
    out.push_back(BoolState("is_init_state", true));
    return out;
  }
  std::vector<Element> BroadcastElements() const override { return {Element{TensorSlot{"", F32()}}}; }
  std::vector<Output> EmitPrepare(const graph::Builder&, const std::vector<Output>& state) const override {
    return {ViewTree(state, 0, types_.size()).clip};
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
    graph::Builder s = e.WithScope("tree_residual_sum");
    const size_t n = types_.size();
    TreeQueryView v = ViewTree(state, 0, n);
    ResidualResult r = EmitResidualRound(s, v, sums, types_, depth_);
    ServerResult out;
    const Output denominator = state[TreeSlots(n)];
    out.value = Normalize(s, r.noised, denominator, r.overflow);
    out.state = Flatten(r.next);
    out.state.push_back(denominator);
    out.state.push_back(s.WithName("module_name").Const(tf::Tensor::StringScalar(kDpEventModule)));
    out.state.push_back(s.WithName("class_name").Const(tf::Tensor::StringScalar("UnsupportedDpEvent")));
    out.state.push_back(s.WithName("is_init_state").Scalar<bool>(false));
    return out;
  }
  std::vector<MetricSlot> Measurements() const override { return {}; }

 private:
  std::vector<graph::TensorType> types_;
  float clip_, stddev_, denominator_;
  int depth_;
  std::array<int64_t, 2> seeds_;
};

class TreeAdaptive : public Aggregator {
 public:
  TreeAdaptive(std::vector<graph::TensorType> types, float z_v, float clip, float sum_stddev, float below_stddev,
               float denominator, int depth, std::array<int64_t, 2> sum_seeds, std::array<int64_t, 2> below_seeds)
      : types_(std::move(types)),
        z_v_(z_v),
        clip_(clip),
        sum_stddev_(sum_stddev),
        below_stddev_(below_stddev),
        denominator_(denominator),
        depth_(depth),
        sum_seeds_(sum_seeds),
        below_seeds_(below_seeds) {}

  // Layout: noise_multiplier, sum tree (2n+4), current_estimate, target_quantile, learning_rate, below tree (6),
  // below denominator, indicator_state, denominator, dp_event (8 strings), is_init_state.
  std::vector<StateTensor> InitialState() const override {
    const std::string inner = "query_state/numerator_state/inner_query_state/";
    const std::string q = inner + "quantile_estimator_state/";
    const float sum_stddev = sum_stddev_;
    std::vector<StateTensor> out = {FloatState(inner + "noise_multiplier", z_v_)};
    for (StateTensor& t : TreeQueryState(inner + "sum_state/", types_, true, MakeInitialTree(sum_seeds_, sum_stddev, types_),
                                         sum_stddev, clip_)) {
      out.push_back(std::move(t));
    }
    out.push_back(FloatState(q + "current_estimate", clip_));
    out.push_back(FloatState(q + "target_quantile", kTargetQuantile));
    out.push_back(FloatState(q + "learning_rate", kClipLearningRate));
    const std::vector<graph::TensorType> scalar = {F32()};
    for (StateTensor& t : TreeQueryState(q + "below_estimate_state/numerator_state/", scalar, false,
                                         MakeInitialTree(below_seeds_, below_stddev_, scalar), below_stddev_, kBelowClip)) {
      out.push_back(std::move(t));
    }
    out.push_back(FloatState(q + "below_estimate_state/denominator", denominator_));
    out.push_back(StateTensor{TensorSlot{"query_state/numerator_state/indicator_state",
                                         {tf::DType::kInt32, graph::PartialShape::Scalar()}},
                              tf::Tensor::Scalar<int32_t>(0)});
    out.push_back(FloatState("query_state/denominator", denominator_));
    for (StateTensor& t : DpEvent()) out.push_back(std::move(t));
    out.push_back(BoolState("is_init_state", true));
    return out;
  }
  std::vector<Element> BroadcastElements() const override {
    return {Element{TensorSlot{"sum_params", F32()}, TensorSlot{"quantile_estimator_params/current_estimate", F32()},
                    TensorSlot{"quantile_estimator_params/below_estimate_params", F32()}}};
  }
  std::vector<Output> EmitPrepare(const graph::Builder&, const std::vector<Output>& state) const override {
    const Layout l = At();
    return {ViewTree(state, l.sum, types_.size()).clip, state[l.estimate], ViewTree(state, l.below, 1).clip};
  }
  std::vector<Element> UpdateElements() const override {
    Element e;
    for (size_t i = 0; i < types_.size(); ++i) e.push_back(TensorSlot{absl::StrCat("sum_state/", i), types_[i]});
    e.push_back(TensorSlot{"quantile_estimator_state", F32()});
    return {e};
  }
  std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>& broadcast,
                                 const std::vector<Output>& update, Output) const override {
    Clipped clipped = EmitClipByGlobalNorm(e, update, broadcast[0]);
    graph::Builder q = e.WithScope("quantile_estimator");
    Output below = q.Sub(q.Cast(q.LessEqual(clipped.norm, broadcast[1]), tf::DType::kFloat), q.Scalar<float>(0.5f));
    std::vector<Output> out = clipped.values;
    out.push_back(EmitClipByGlobalNorm(q, {below}, broadcast[2]).values[0]);
    return out;
  }
  ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>& state,
                          const std::vector<Output>& sums) const override {
    graph::Builder s = e.WithScope("tree_adaptive");
    const size_t n = types_.size();
    const Layout l = At();
    const std::vector<graph::TensorType> scalar = {F32()};
    // The sum's residual tree noise.
    ResidualResult sum = EmitResidualRound(s.WithScope("sum"), ViewTree(state, l.sum, n),
                                           std::vector<Output>(sums.begin(), sums.begin() + static_cast<std::ptrdiff_t>(n)),
                                           types_, depth_);
    // The quantile estimate, updated every round from its own residual tree.
    graph::Builder q = s.WithScope("quantile_estimator");
    ResidualResult below = EmitResidualRound(q, ViewTree(state, l.below, 1), {sums[n]}, scalar, depth_);
    Output below_result = q.Div(below.noised[0], state[l.below_denominator]);
    Output below_estimate = q.Add(below_result, q.Scalar<float>(0.5f));
    below_estimate = q.Minimum(q.Scalar<float>(1.0f), q.Maximum(q.Scalar<float>(0.0f), below_estimate));
    Output step = q.Mul(state[l.learning_rate], q.Sub(below_estimate, state[l.target]));
    Output new_estimate = q.Mul(state[l.estimate], q.Exp(q.Neg(step)));
    // The restart indicator: after round 128 and every 1024 rounds after it.
    graph::Builder r = s.WithScope("restart");
    Output indicator = r.Add(state[l.indicator], r.Scalar<int32_t>(1));
    Output restart = r.Equal(r.Op("FloorMod", {indicator, r.Scalar<int32_t>(kRestartPeriod)}),
                             r.Scalar<int32_t>(kRestartWarmup));
    // At a restart the sum tree takes the estimated clip (and its noise), and both trees start over.
    Output new_clip = r.Maximum(new_estimate, r.Scalar<float>(0.0f));
    Output new_stddev = r.Mul(new_clip, state[l.noise_multiplier]);
    TreeQueryView sum_next = sum.next;
    sum_next.tree.stddev = r.SelectV2(restart, new_stddev, sum_next.tree.stddev);
    sum_next.clip = r.SelectV2(restart, new_clip, sum_next.clip);
    sum_next.tree = EmitTreeRestart(r.WithScope("sum"), sum_next.tree, restart, types_);
    for (Output& p : sum_next.previous) p = r.SelectV2(restart, r.ZerosLike(p), p);
    TreeQueryView below_next = below.next;
    below_next.tree = EmitTreeRestart(r.WithScope("below"), below_next.tree, restart, scalar);
    below_next.previous[0] = r.SelectV2(restart, r.ZerosLike(below_next.previous[0]), below_next.previous[0]);

    ServerResult out;
    out.value = Normalize(s, sum.noised, state[l.denominator], s.Op("LogicalOr", {sum.overflow, below.overflow}));
    out.state = {state[l.noise_multiplier]};
    for (const Output& o : Flatten(sum_next)) out.state.push_back(o);
    out.state.push_back(new_estimate);
    out.state.push_back(state[l.target]);
    out.state.push_back(state[l.learning_rate]);
    for (const Output& o : Flatten(below_next)) out.state.push_back(o);
    out.state.push_back(state[l.below_denominator]);
    out.state.push_back(indicator);
    out.state.push_back(state[l.denominator]);
    for (const StateTensor& t : DpEvent()) {
      out.state.push_back(s.WithName("dp_event").Const(t.initial));
    }
    out.state.push_back(s.WithName("is_init_state").Scalar<bool>(false));
    out.measurements = {sum_next.clip, new_estimate};
    return out;
  }
  std::vector<MetricSlot> Measurements() const override {
    return {MetricSlot{"dp_query_metrics/current_clip", F32()}, MetricSlot{"dp_query_metrics/estimate_clip", F32()}};
  }

 private:
  struct Layout {
    size_t noise_multiplier, sum, estimate, target, learning_rate, below, below_denominator, indicator, denominator;
  };
  Layout At() const {
    Layout l;
    l.noise_multiplier = 0;
    l.sum = 1;
    l.estimate = l.sum + TreeSlots(types_.size());
    l.target = l.estimate + 1;
    l.learning_rate = l.target + 1;
    l.below = l.learning_rate + 1;
    l.below_denominator = l.below + TreeSlots(1);
    l.indicator = l.below_denominator + 1;
    l.denominator = l.indicator + 1;
    return l;
  }
  static std::vector<StateTensor> DpEvent() {
    return {StringState("dp_event/module_name", kDpEventModule),
            StringState("dp_event/class_name", "ComposedDpEvent"),
            StringState("dp_event/events/0/module_name", kDpEventModule),
            StringState("dp_event/events/0/class_name", "UnsupportedDpEvent"),
            StringState("dp_event/events/1/module_name", kDpEventModule),
            StringState("dp_event/events/1/class_name", "UnsupportedDpEvent")};
  }

  std::vector<graph::TensorType> types_;
  float z_v_, clip_, sum_stddev_, below_stddev_, denominator_;
  int depth_;
  std::array<int64_t, 2> sum_seeds_, below_seeds_;
};

absl::Status CheckShapes(const std::vector<graph::TensorType>& types) {
  for (const graph::TensorType& t : types) {
    if (!t.shape.IsFullyDefined()) {
      return absl::InvalidArgumentError(absl::StrCat("tree aggregation needs fully defined weight shapes, got ",
                                                     t.ToString()));
    }
  }
  return absl::OkStatus();
}

std::array<int64_t, 2> Seeds(const AggregatorSpec& spec) { return spec.tree_seeds ? spec.tree_seeds() : RandomSeeds(); }

}  // namespace

absl::StatusOr<std::unique_ptr<Aggregator>> MakeTreeAggregation(const AggregatorSpec& spec,
                                                                const std::vector<graph::TensorType>& value_types) {
  TB_RETURN_IF_ERROR(CheckShapes(value_types));
  if (!(spec.clip_norm > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("TREE_AGGREGATION needs a positive clip_norm, got ", spec.clip_norm));
  }
  return std::make_unique<TreeAggregation>(value_types, static_cast<float>(spec.clip_norm),
                                           static_cast<float>(spec.clip_norm * spec.noise_multiplier),
                                           static_cast<float>(spec.clients_per_round),
                                           TreeDepthBound(spec.num_training_rounds), Seeds(spec));
}

absl::StatusOr<std::unique_ptr<Aggregator>> MakeTreeAdaptive(const AggregatorSpec& spec,
                                                             const std::vector<graph::TensorType>& value_types) {
  TB_RETURN_IF_ERROR(CheckShapes(value_types));
  if (!(spec.clip_norm > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ADAPTIVE_TREE needs a positive initial clip norm, got ", spec.clip_norm));
  }
  const double r = static_cast<double>(spec.clients_per_round);
  // tree_adaptive sets the clipped-count stddev to R / 20 before the noise split, even without noise.
  const double count_stddev = r / 20.0;
  auto z_v = AdaptiveValueNoise(spec.noise_multiplier, count_stddev, r);
  if (!z_v.ok()) return z_v.status();
  const std::array<int64_t, 2> sum_seeds = Seeds(spec);
  const std::array<int64_t, 2> below_seeds = Seeds(spec);
  return std::make_unique<TreeAdaptive>(value_types, static_cast<float>(*z_v), static_cast<float>(spec.clip_norm),
                                        static_cast<float>(*z_v * spec.clip_norm), static_cast<float>(count_stddev), static_cast<float>(r),
                                        TreeDepthBound(spec.num_training_rounds), sum_seeds, below_seeds);
}

}  // namespace tb::fl
