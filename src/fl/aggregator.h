// The model aggregators of the learning process as IR, one lowering per TFF aggregator (fl-semantics.md §4):
// where its state lives, what the server broadcasts for it (MRF `prepare`), what each client sends (`work`), and
// how the server turns the summed client values into the model update (`update`). Federated values are flat tensor
// lists split into "elements" (one per broadcast or federated sum in TFF's order); the composer numbers them after
// the client work's own element, giving client/1, client/2, update/1, update/2 ... An aggregator never touches the
// model weights or the optimizer, and never emits anything outside the emitter it is given.
#ifndef TASKBUILDER_FL_AGGREGATOR_H_
#define TASKBUILDER_FL_AGGREGATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/ir_util.h"
#include "fl/learning_spec.h"
#include "fl/map_reduce_program.h"

namespace tb::fl {

// Slots of one element of a federated value; each path is relative to the element ("" for a lone tensor).
using Element = std::vector<TensorSlot>;

class Aggregator {
 public:
  virtual ~Aggregator() = default;

  // Server state below "aggregator/", with initial values, in TFF's structure order.
  virtual std::vector<StateTensor> InitialState() const = 0;
  // Broadcast elements (may be none) and their values computed from the state.
  virtual std::vector<Element> BroadcastElements() const = 0;
  virtual std::vector<Output> EmitPrepare(const graph::Builder& e, const std::vector<Output>& state) const = 0;
  // Client update elements and the client's values for them. `broadcast` is flat (every element in order);
  // `update` is the client's model update after the non-finite check; `weight` is its float32 example weight
  // (FedSGD) or invalid (FedAvg).
  virtual std::vector<Element> UpdateElements() const = 0;
  virtual std::vector<Output> EmitClient(const graph::Builder& e, const std::vector<Output>& broadcast,
                                         const std::vector<Output>& update, Output weight) const = 0;

  struct ServerResult {
    std::vector<Output> state;         // new state, laid out as InitialState()
    std::vector<Output> value;         // the aggregate, one tensor per model weight
    std::vector<Output> measurements;  // as Measurements()
  };
  // `sums` is flat: the clients' update values summed element-wise, laid out as UpdateElements().
  virtual ServerResult EmitServer(const graph::Builder& e, const std::vector<Output>& state,
                                  const std::vector<Output>& sums) const = 0;
  // Measurements below "aggregator/" (become "server/aggregator/<path>" stats).
  virtual std::vector<MetricSlot> Measurements() const = 0;
};

// The aggregator of `spec` for a model update with one tensor per `value_types` (the trainable weights).
// `algorithm` selects the default aggregator for AggregatorKind::kNone (FedAvg: unweighted mean, FedSGD: weighted
// mean). Errors are InvalidArgument with the reason a combination cannot be built.
absl::StatusOr<std::unique_ptr<Aggregator>> MakeAggregator(const AggregatorSpec& spec, Algorithm algorithm,
                                                           const std::vector<graph::TensorType>& value_types);

// The individual lowerings (aggregator_*.cc).
std::unique_ptr<Aggregator> MakeUnweightedMean(const std::vector<graph::TensorType>& value_types);
std::unique_ptr<Aggregator> MakeWeightedMean(const std::vector<graph::TensorType>& value_types);
absl::StatusOr<std::unique_ptr<Aggregator>> MakeGaussianFixed(const AggregatorSpec& spec,
                                                              const std::vector<graph::TensorType>& value_types);
absl::StatusOr<std::unique_ptr<Aggregator>> MakeGaussianAdaptive(const AggregatorSpec& spec,
                                                                 const std::vector<graph::TensorType>& value_types);
absl::StatusOr<std::unique_ptr<Aggregator>> MakeTreeAggregation(const AggregatorSpec& spec,
                                                                const std::vector<graph::TensorType>& value_types);
absl::StatusOr<std::unique_ptr<Aggregator>> MakeTreeAdaptive(const AggregatorSpec& spec,
                                                             const std::vector<graph::TensorType>& value_types);
// tff adaptive_clip_noise_params: the value noise multiplier that, with the clipped-count noise `count_stddev`,
// gives `z` in total. InvalidArgument when z >= 2 * count_stddev (no noise would be left for the update).
absl::StatusOr<double> AdaptiveValueNoise(double z, double count_stddev, double clients_per_round);
// zeroing_factory(zeroing_norm, inner) with the L-infinity norm (robust.py).
std::unique_ptr<Aggregator> MakeZeroing(float zeroing_norm, std::unique_ptr<Aggregator> inner);

// Helpers shared by the lowerings.
// Number of flat tensors in `elements`.
size_t CountSlots(const std::vector<Element>& elements);
// TF's clip_by_global_norm as TFP's Gaussian queries use it (fl-semantics.md §4.1): every tensor is multiplied by
// `clip * min(1/norm, 1/clip) + (norm - norm)`. Returns the clipped tensors and the pre-clip global norm.
struct Clipped {
  std::vector<Output> values;
  Output norm;
};
Clipped EmitClipByGlobalNorm(const graph::Builder& e, const std::vector<Output>& values, Output clip);
// Adds stddev * N(0,1) noise (one RandomStandardNormal per tensor) to each value.
std::vector<Output> EmitGaussianNoise(const graph::Builder& e, const std::vector<Output>& values, Output stddev);
// A float32 scalar state slot.
StateTensor FloatState(std::string path, float value);
StateTensor StringState(std::string path, std::string value);
StateTensor BoolState(std::string path, bool value);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_AGGREGATOR_H_
