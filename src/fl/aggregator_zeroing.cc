// tff.aggregators.zeroing_factory with the L-infinity norm (robust.py), which ODP wraps around both tree
// aggregators with norm 100 x clip (fl-semantics.md §4.6): a client whose largest absolute update coordinate
// exceeds the norm sends zeros (still counted in the DP denominator) and reports that it was zeroed; the server
// reports the constant norm and how many clients were zeroed.
#include "base/status_macros.h"
#include "absl/strings/str_cat.h"
#include "fl/aggregator.h"

namespace tb::fl {
namespace {

class Zeroing : public Aggregator {
 public:
  Zeroing(float norm, std::unique_ptr<Aggregator> inner) : norm_(norm), inner_(std::move(inner)) {}

  std::vector<StateTensor> InitialState() const override {
    std::vector<StateTensor> out = inner_->InitialState();
    for (StateTensor& s : out) s.slot.path = absl::StrCat("inner_agg/", s.slot.path);
    return out;
  }
  std::vector<Element> BroadcastElements() const override {
    std::vector<Element> out = {Element{TensorSlot{"", {tf::DType::kFloat, graph::PartialShape::Scalar()}}}};
    for (Element& e : inner_->BroadcastElements()) out.push_back(std::move(e));
    return out;
  }
  std::vector<Output> EmitPrepare(const graph::Builder& e, const std::vector<Output>& state) const override {
    std::vector<Output> out = {e.WithScope("zeroing").Scalar<float>(norm_)};
    for (const Output& o : inner_->EmitPrepare(e.WithScope("inner_agg"), state)) out.push_back(o);
    return out;
  }
  std::vector<Element> UpdateElements() const override {
    std::vector<Element> out = inner_->UpdateElements();
    out.push_back(Element{TensorSlot{"", {tf::DType::kInt32, graph::PartialShape::Scalar()}}});
    return out;
  }
  std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>& broadcast,
                                 const std::vector<Output>& update, Output weight) const override {
    graph::Builder z = e.WithScope("zeroing");
    // The L-infinity norm over every tensor; above the norm everything becomes zero.
    std::vector<Output> maxes;
    for (const Output& v : update) maxes.push_back(z.ReduceAllAxes("Max", z.Op("Abs", {v})));
    Output norm = z.ReduceAllAxes("Max", z.Pack(maxes));
    Output should_zero = z.Greater(norm, broadcast[0]);
    std::vector<Output> zeroed;
    for (const Output& v : update) zeroed.push_back(z.SelectV2(should_zero, z.ZerosLike(v), v));
    std::vector<Output> inner_broadcast(broadcast.begin() + 1, broadcast.end());
    std::vector<Output> out = inner_->EmitClient(e.WithScope("inner_agg"), inner_broadcast, zeroed, weight);
    out.push_back(z.Cast(should_zero, tf::DType::kInt32));
    return out;
  }
  ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>& state,
                          const std::vector<Output>& sums) const override {
    std::vector<Output> inner_sums(sums.begin(), sums.end() - 1);
    ServerResult r = inner_->EmitServer(e.WithScope("inner_agg"), state, inner_sums);
    graph::Builder z = e.WithScope("zeroing");
    r.measurements.push_back(z.Scalar<float>(norm_));
    r.measurements.push_back(z.Identity(sums.back()));
    return r;
  }
  std::vector<MetricSlot> Measurements() const override {
    std::vector<MetricSlot> out;
    for (const MetricSlot& m : inner_->Measurements()) out.push_back(MetricSlot{absl::StrCat("zeroing/", m.path), m.type});
    out.push_back(MetricSlot{"zeroing_norm", {tf::DType::kFloat, graph::PartialShape::Scalar()}});
    out.push_back(MetricSlot{"zeroed_count", {tf::DType::kInt32, graph::PartialShape::Scalar()}});
    return out;
  }

 private:
  float norm_;
  std::unique_ptr<Aggregator> inner_;
};

}  // namespace

std::unique_ptr<Aggregator> MakeZeroing(float zeroing_norm, std::unique_ptr<Aggregator> inner) {
  return std::make_unique<Zeroing>(zeroing_norm, std::move(inner));
}

}  // namespace tb::fl
