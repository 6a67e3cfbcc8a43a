// The aggregator factory (learning_process_utils._get_dp_aggregator, behavior.md §4.4) and helpers the
// lowerings share: TF's clip_by_global_norm and Gaussian noise, in the op patterns of the sample plans.
#include <cmath>

#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/aggregator.h"

namespace tb::fl {

size_t CountSlots(const std::vector<Element>& elements) {
  size_t n = 0;
  for (const Element& e : elements) n += e.size();
  return n;
}

StateTensor FloatState(std::string path, float value) {
  return StateTensor{TensorSlot{std::move(path), {tf::DType::kFloat, graph::PartialShape::Scalar()}},
                     tf::Tensor::Scalar<float>(value)};
}

StateTensor StringState(std::string path, std::string value) {
  return StateTensor{TensorSlot{std::move(path), {tf::DType::kString, graph::PartialShape::Scalar()}},
                     tf::Tensor::StringScalar(std::move(value))};
}

StateTensor BoolState(std::string path, bool value) {
  return StateTensor{TensorSlot{std::move(path), {tf::DType::kBool, graph::PartialShape::Scalar()}},
                     tf::Tensor::Scalar<bool>(value)};
}

Clipped EmitClipByGlobalNorm(const graph::Builder& e, const std::vector<Output>& values, Output clip) {
  graph::Builder s = e.WithScope("clip_by_global_norm");
  Clipped out;
  // global_norm: sqrt(sum(stack([l2_loss(t)...])) * 2)
  std::vector<Output> halves;
  for (const Output& v : values) halves.push_back(s.Op("L2Loss", {v}));
  Output half_sum = s.ReduceAllAxes("Sum", s.Pack(halves));
  out.norm = s.WithName("global_norm").Sqrt(s.Mul(half_sum, s.Scalar<float>(2.0f)));
  // scale = clip * min(1/norm, 1/clip) + (norm - norm); NaN when the norm is not finite.
  Output one = s.Scalar<float>(1.0f);
  Output scale_for_finite = s.Mul(clip, s.Minimum(s.Div(one, out.norm), s.Div(one, clip)));
  Output scale = s.Add(scale_for_finite, s.Sub(out.norm, out.norm));
  for (const Output& v : values) out.values.push_back(s.Mul(v, scale));
  return out;
}

std::vector<Output> EmitGaussianNoise(const graph::Builder& e, const std::vector<Output>& values, Output stddev) {
  std::vector<Output> out;
  for (const Output& v : values) {
    graph::Builder s = e.WithScope("random_normal");
    Output shape;
    if (v.valid() && v.shape().IsFullyDefined()) {
      std::vector<int32_t> dims;
      for (int64_t d : v.shape().dims()) dims.push_back(static_cast<int32_t>(d));
      shape = s.WithName("shape").Int32s(dims);
    } else {
      shape = s.ShapeOf(v);
    }
    graph::AttrMap attrs;
    attrs["dtype"] = graph::AttrType(tf::DType::kFloat);
    attrs["seed"] = graph::AttrInt(0);
    attrs["seed2"] = graph::AttrInt(0);
    Output normal = s.Op("RandomStandardNormal", {shape}, std::move(attrs));
    out.push_back(e.Add(v, s.Mul(stddev, normal)));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Aggregator>> MakeAggregator(const AggregatorSpec& requested, Algorithm algorithm,
                                                           const std::vector<graph::TensorType>& value_types) {
  // The original builds its aggregator from the noise multiplier after a trip through float32 (the report's
  // DPHyperparameters field) but from the clip as the config's double: the keras sample's stddev and event
  // noise are f32(0.1 * f32(z)) and only that reproduces them bit for bit.
  AggregatorSpec spec = requested;
  spec.noise_multiplier = static_cast<float>(requested.noise_multiplier);
  switch (spec.kind) {
    case AggregatorKind::kNone:
      return algorithm == Algorithm::kFedSgd ? MakeWeightedMean(value_types) : MakeUnweightedMean(value_types);
    case AggregatorKind::kFixedGaussian:
      return MakeGaussianFixed(spec, value_types);
    case AggregatorKind::kAdaptiveGaussian:
      return MakeGaussianAdaptive(spec, value_types);
    case AggregatorKind::kTreeAggregation: {
      auto inner = MakeTreeAggregation(spec, value_types);
      if (!inner.ok()) return inner.status();
      return MakeZeroing(static_cast<float>(100.0 * spec.clip_norm), *std::move(inner));
    }
    case AggregatorKind::kAdaptiveTree: {
      auto inner = MakeTreeAdaptive(spec, value_types);
      if (!inner.ok()) return inner.status();
      return MakeZeroing(static_cast<float>(100.0 * spec.clip_norm), *std::move(inner));
    }
  }
  return absl::InvalidArgumentError("unknown DP aggregator");
}

}  // namespace tb::fl
