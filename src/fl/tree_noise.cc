#include "fl/tree_noise.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::fl {
namespace {

constexpr int kMaxLevels = 64;

Output Int32(const graph::Builder& b, int32_t v) { return b.Scalar<int32_t>(v); }

// Dimension 0 of `x` as an int32 scalar.
Output Rows(const graph::Builder& b, Output x) {
  Output shape = b.Op("Shape", {x}, {{"out_type", graph::AttrType(tf::DType::kInt32)}});
  return b.Op("StridedSlice", {shape, b.Int32s({0}), b.Int32s({1}), b.Int32s({1})},
              {{"shrink_axis_mask", graph::AttrInt(1)}});
}

std::vector<int32_t> Dims(const graph::TensorType& t) {
  std::vector<int32_t> out;
  for (int64_t d : t.shape.dims()) out.push_back(static_cast<int32_t>(d));
  return out;
}

int64_t Elements(const graph::TensorType& t) {
  int64_t n = 1;
  for (int64_t d : t.shape.dims()) n *= d;
  return n;
}

Output StandardNormal(const graph::Builder& b, Output shape) {
  return b.Op("RandomStandardNormal", {shape},
              {{"dtype", graph::AttrType(tf::DType::kFloat)}, {"seed", graph::AttrInt(0)}, {"seed2", graph::AttrInt(0)}});
}

// stddev * N(0, 1) of `t`'s shape; with `active`, a zero-size draw padded with zeros when it is false.
Output DrawNormal(const graph::Builder& b, const graph::TensorType& t, Output active, Output stddev) {
  graph::Builder s = b.WithScope("node_noise");
  if (!active.valid()) return s.Mul(StandardNormal(s, s.Int32s(Dims(t))), stddev);
  const int32_t n = static_cast<int32_t>(Elements(t));
  Output count = s.SelectV2(active, Int32(s, n), Int32(s, 0));
  Output raw = StandardNormal(s, s.Reshape(count, s.Int32s({1})));
  Output paddings = s.Reshape(s.Pack({Int32(s, 0), s.Sub(Int32(s, n), count)}), s.Int32s({1, 2}));
  Output padded = s.Op("Pad", {raw, paddings});
  return s.Mul(s.Reshape(padded, s.Int32s(Dims(t))), stddev);
}

// Begin/size vectors [first, 0, ...] / [rows, -1, ...] for a Slice along dimension 0 of a rank-`rank` tensor.
Output LeadingVector(const graph::Builder& b, Output first, int rank, int32_t fill) {
  std::vector<Output> parts = {first};
  for (int i = 1; i < rank; ++i) parts.push_back(Int32(b, fill));
  return b.Pack(parts);
}

}  // namespace

int TreeDepthBound(int64_t rounds) {
  if (rounds <= 0) return 32;
  int bits = 0;
  while (bits < 62 && (int64_t{1} << bits) <= rounds) ++bits;
  return std::min(bits + 1, kMaxLevels - 1);
}

Output SelectRows(const graph::Builder& b, Output active, Output a, Output c) {
  graph::Builder s = b.WithScope("select_rows");
  if (!a.valid() || !a.shape().rank_known()) {
    s.SetError(absl::InternalError("SelectRows needs a known rank"));
    return Output();
  }
  const int rank = a.shape().rank();
  Output la = Rows(s, a), lc = Rows(s, c);
  Output cat = s.ConcatV2({a, c}, 0);
  Output begin = LeadingVector(s, s.SelectV2(active, Int32(s, 0), la), rank, 0);
  Output size = LeadingVector(s, s.SelectV2(active, la, lc), rank, -1);
  return s.Op("Slice", {cat, begin, size});
}

TreeStep EmitTreeStep(const graph::Builder& b, const TreeState& state, const std::vector<graph::TensorType>& shapes,
                      int depth_bound) {
  graph::Builder s = b.WithScope("tree_aggregation");
  TreeStep out;
  const size_t n = shapes.size();
  const Output idx = state.level_buffer_idx;
  Output levels = Rows(s, idx);
  // Weighted cumulative noise: node of depth d counts 1 / (2 - 0.5^d).
  tf::Tensor powers(tf::DType::kFloat, {kMaxLevels});
  for (int d = 0; d < kMaxLevels; ++d) powers.flat<float>()[d] = std::ldexp(1.0f, -d);
  Output half_pow = s.Op("GatherV2", {s.Const(powers), idx, Int32(s, 0)});
  Output weights = s.Div(s.Scalar<float>(1.0f), s.Sub(s.Scalar<float>(2.0f), half_pow));
  for (size_t i = 0; i < n; ++i) {
    std::vector<int32_t> expand = {-1};
    for (int r = 0; r < shapes[i].shape.rank(); ++r) expand.push_back(1);
    out.cumsum.push_back(s.Sum(s.Mul(state.level_buffer[i], s.Reshape(weights, s.Int32s(expand))), std::vector<int32_t>{0}));
  }
  // k = how many lowest levels are complete (idx[j] == j for j < k): each merges into the new node.
  Output k = s.Sum(s.Cast(s.Equal(idx, s.Op("Range", {Int32(s, 0), levels, Int32(s, 1)})), tf::DType::kInt32), std::vector<int32_t>{0});
  std::vector<Output> v;
  for (size_t i = 0; i < n; ++i) v.push_back(DrawNormal(s, shapes[i], Output(), state.stddev));
  Output last_row = s.Sub(levels, Int32(s, 1));
  for (int j = 0; j < depth_bound; ++j) {
    graph::Builder step = s.WithScope(absl::StrCat("level_", j));
    Output active = step.Less(Int32(step, j), k);
    Output row = step.Minimum(Int32(step, j), last_row);
    for (size_t i = 0; i < n; ++i) {
      Output left = step.Op("GatherV2", {state.level_buffer[i], row, Int32(step, 0)});
      Output node = DrawNormal(step, shapes[i], active, state.stddev);
      Output merged = step.Add(step.Mul(step.Scalar<float>(0.5f), step.Add(left, v[i])), node);
      v[i] = step.SelectV2(active, merged, v[i]);
    }
  }
  out.overflow = s.Greater(k, Int32(s, depth_bound));
  // The new node at level k, then the untouched levels k.. of the old buffer.
  for (size_t i = 0; i < n; ++i) {
    const int rank = shapes[i].shape.rank() + 1;
    Output rest = s.Op("Slice", {state.level_buffer[i], LeadingVector(s, k, rank, 0), LeadingVector(s, Int32(s, -1), rank, -1)});
    out.next.level_buffer.push_back(s.ConcatV2({s.ExpandDims(v[i], 0), rest}, 0));
  }
  Output k1 = s.Reshape(k, s.Int32s({1}));
  out.next.level_buffer_idx = s.ConcatV2({k1, s.Op("Slice", {idx, k1, s.Int32s({-1})})}, 0);
  Output draws = s.Add(s.Minimum(k, Int32(s, depth_bound)), Int32(s, 1));
  out.next.seeds = s.Add(state.seeds, s.Cast(s.Mul(draws, Int32(s, static_cast<int32_t>(n))), tf::DType::kInt64));
  out.next.stddev = state.stddev;
  return out;
}

TreeState EmitTreeRestart(const graph::Builder& b, const TreeState& state, Output active,
                          const std::vector<graph::TensorType>& shapes) {
  graph::Builder s = b.WithScope("tree_restart");
  TreeState out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    Output fresh = s.ExpandDims(DrawNormal(s, shapes[i], active, state.stddev), 0);
    out.level_buffer.push_back(SelectRows(s, active, fresh, state.level_buffer[i]));
  }
  out.level_buffer_idx = SelectRows(s, active, s.Int32s({0}), state.level_buffer_idx);
  Output advanced = s.Add(state.seeds, s.Scalar<int64_t>(static_cast<int64_t>(shapes.size())));
  out.seeds = s.SelectV2(active, advanced, state.seeds);
  out.stddev = state.stddev;
  return out;
}

InitialTree MakeInitialTree(std::array<int64_t, 2> seeds, float stddev, const std::vector<graph::TensorType>& shapes) {
  const uint64_t a = static_cast<uint64_t>(seeds[0]), c = static_cast<uint64_t>(seeds[1]);
  std::seed_seq seq{static_cast<uint32_t>(a), static_cast<uint32_t>(a >> 32), static_cast<uint32_t>(c),
                    static_cast<uint32_t>(c >> 32)};
  std::mt19937_64 gen(seq);
  auto uniform = [&] { return (static_cast<double>(gen() >> 11) + 0.5) * 0x1.0p-53; };  // in (0, 1)
  InitialTree out;
  for (const graph::TensorType& t : shapes) {
    std::vector<int64_t> dims = {1};
    dims.insert(dims.end(), t.shape.dims().begin(), t.shape.dims().end());
    tf::Tensor buffer(tf::DType::kFloat, dims);
    auto flat = buffer.flat<float>();
    for (size_t i = 0; i < flat.size(); i += 2) {
      // Box-Muller: two independent standard normals per pair of uniforms.
      const double r = std::sqrt(-2.0 * std::log(uniform()));
      const double theta = 2.0 * M_PI * uniform();
      flat[i] = static_cast<float>(r * std::cos(theta)) * stddev;
      if (i + 1 < flat.size()) flat[i + 1] = static_cast<float>(r * std::sin(theta)) * stddev;
    }
    out.level_buffer.push_back(std::move(buffer));
  }
  out.level_buffer_idx = tf::Tensor::FromVector<int32_t>({0});
  const int64_t n = static_cast<int64_t>(shapes.size());
  out.seeds = tf::Tensor::FromVector<int64_t>({seeds[0] + n, seeds[1] + n});
  return out;
}

std::array<int64_t, 2> RandomSeeds() {
  std::random_device rd;
  auto next = [&] { return (static_cast<uint64_t>(rd()) << 32) | rd(); };
  return {static_cast<int64_t>(next() >> 1), static_cast<int64_t>(next() >> 1)};
}

}  // namespace tb::fl
