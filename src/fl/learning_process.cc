#include "fl/learning_process.h"

#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "fl/aggregator.h"
#include "fl/client_work.h"
#include "graph/builder.h"
#include "fl/metrics.h"
#include "fl/ir_util.h"
#include "fl/optimizer.h"

namespace tb::fl {
namespace {

std::string Join(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return absl::StrCat(ToAbsl(a), "/", ToAbsl(b));
}

graph::TensorType TypeOf(const tf::Tensor& t) { return graph::TensorType{t.dtype(), graph::PartialShape(t.shape())}; }

// Model weights as state tensors under `prefix` ("global_model_weights/").
void AppendWeights(const tf::FunctionalModel& model, std::string_view trainable, std::string_view non_trainable,
                   std::vector<StateTensor>* out) {
  for (size_t i = 0; i < model.trainable_weights.size(); ++i) {
    const tf::Tensor& t = model.trainable_weights[i].tensor;
    out->push_back(StateTensor{TensorSlot{absl::StrCat(ToAbsl(trainable), "/", i), TypeOf(t)}, t});
  }
  for (size_t i = 0; i < model.non_trainable_weights.size(); ++i) {
    const tf::Tensor& t = model.non_trainable_weights[i].tensor;
    out->push_back(StateTensor{TensorSlot{absl::StrCat(ToAbsl(non_trainable), "/", i), TypeOf(t)}, t});
  }
}

std::vector<graph::TensorType> TrainableTypes(const tf::FunctionalModel& model) {
  std::vector<graph::TensorType> out;
  for (const auto& w : model.trainable_weights) out.push_back(TypeOf(w.tensor));
  return out;
}

// Numbers aggregator elements after the client work's element 0: "<k>" or "<k>/<path>".
std::vector<TensorSlot> NumberElements(const std::vector<Element>& elements, int first) {
  std::vector<TensorSlot> out;
  for (size_t k = 0; k < elements.size(); ++k) {
    for (const TensorSlot& s : elements[k]) {
      out.push_back(TensorSlot{Join(absl::StrCat(first + static_cast<int>(k)), s.path), s.type});
    }
  }
  return out;
}

// Metric state slots as update element 0: "0/<metric>/<i>", the loss last.
std::vector<TensorSlot> MetricUpdateSlots(const std::vector<std::unique_ptr<Metric>>& metrics, const LossMetric& loss) {
  std::vector<TensorSlot> out;
  for (const auto& m : metrics) {
    for (const TensorSlot& s : m->StateSlots()) out.push_back(TensorSlot{absl::StrCat("0/", m->name(), "/", s.path), s.type});
  }
  for (const TensorSlot& s : loss.StateSlots()) out.push_back(TensorSlot{absl::StrCat("0/loss/", s.path), s.type});
  return out;
}

// A server piece under construction: a function with named argument groups.
struct Piece {
  graph::Function* fn = nullptr;
  std::vector<std::vector<Output>> args;
};

absl::StatusOr<Piece> NewPiece(graph::FunctionLibrary& lib, std::string_view name,
                               const std::vector<std::pair<std::string, std::vector<graph::TensorType>>>& groups) {
  Piece p;
  TB_ASSIGN_OR_RETURN(p.fn, lib.Create(name));
  for (const auto& [prefix, types] : groups) {
    std::vector<Output> args;
    for (size_t i = 0; i < types.size(); ++i) {
      TB_ASSIGN_OR_RETURN(Output a, p.fn->AddArg(absl::StrCat(prefix, "_", i), types[i]));
      args.push_back(a);
    }
    p.args.push_back(std::move(args));
  }
  return p;
}

absl::Status AddReturns(graph::Function* fn, std::string_view prefix, const std::vector<Output>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    TB_RETURN_IF_ERROR(fn->AddReturn(absl::StrCat(ToAbsl(prefix), "_", i), values[i]));
  }
  return absl::OkStatus();
}

template <typename T>
std::vector<graph::TensorType> Types(const std::vector<T>& slots) {
  std::vector<graph::TensorType> out;
  for (const auto& s : slots) {
    if constexpr (std::is_same_v<T, StateTensor>) {
      out.push_back(s.slot.type);
    } else {
      out.push_back(s.type);
    }
  }
  return out;
}

// zero(), accumulate(), merge() and report() over the client update layout: zeros, element-wise sums, identity.
absl::Status BuildAggregationPieces(MapReduceProgram& p) {
  graph::FunctionLibrary& lib = *p.server_library;
  const std::vector<graph::TensorType> u = Types(p.client_update);
  {
    TB_ASSIGN_OR_RETURN(Piece z, NewPiece(lib, "zero", {}));
    graph::Builder e(&z.fn->body());
    std::vector<Output> zeros;
    for (const TensorSlot& s : p.client_update) {
      if (!s.type.shape.IsFullyDefined()) {
        return absl::InternalError(absl::StrCat("client update ", s.path, " has no fully defined shape"));
      }
      zeros.push_back(TfZeros(e, s.type.dtype, s.type.shape.dims()));
    }
    TB_RETURN_IF_ERROR(e.status());
    TB_RETURN_IF_ERROR(AddReturns(z.fn, "acc", zeros));
    p.zero = z.fn;
  }
  for (const char* name : {"accumulate", "merge"}) {
    TB_ASSIGN_OR_RETURN(Piece a, NewPiece(lib, name, {{"acc", u}, {"value", u}}));
    graph::Builder e(&a.fn->body());
    std::vector<Output> sums;
    for (size_t i = 0; i < u.size(); ++i) sums.push_back(e.Add(a.args[0][i], a.args[1][i]));
    TB_RETURN_IF_ERROR(e.status());
    TB_RETURN_IF_ERROR(AddReturns(a.fn, "sum", sums));
    (std::string_view(name) == "accumulate" ? p.accumulate : p.merge) = a.fn;
  }
  {
    TB_ASSIGN_OR_RETURN(Piece r, NewPiece(lib, "report", {{"acc", u}}));
    graph::Builder e(&r.fn->body());
    std::vector<Output> out;
    for (const Output& a : r.args[0]) out.push_back(e.Identity(a));
    TB_RETURN_IF_ERROR(e.status());
    TB_RETURN_IF_ERROR(AddReturns(r.fn, "aggregate", out));
    p.report = r.fn;
  }
  return absl::OkStatus();
}

// What the training process is made of, before any program is written.
struct TrainingParts {
  std::vector<StateTensor> state;
  size_t num_trainable = 0;
  size_t num_non_trainable = 0;
  size_t aggregator_begin = 0, aggregator_end = 0;  // range of the aggregator's state in `state`
  std::unique_ptr<Aggregator> aggregator;
  std::vector<std::unique_ptr<Metric>> metrics;
  std::vector<std::string> notes;
};

// Takes `given` as the parts' state: the model's weights first (same paths and types), then "aggregator/..." and
// then "finalizer/..." tensors, as MakeTrainingParts lays them out.
absl::Status AdoptState(const std::vector<StateTensor>& given, TrainingParts* parts) {
  const size_t nw = parts->state.size();
  if (given.size() < nw) {
    return absl::InvalidArgumentError(absl::StrCat("the given server state has ", given.size(),
                                                   " tensors, fewer than the model's ", nw, " weights"));
  }
  for (size_t i = 0; i < nw; ++i) {
    if (given[i].slot.path != parts->state[i].slot.path || given[i].slot.type != parts->state[i].slot.type) {
      return absl::InvalidArgumentError(absl::StrCat("the given server state's tensor ", i, " is ", given[i].slot.path,
                                                     " ", given[i].slot.type.ToString(), "; the model's is ",
                                                     parts->state[i].slot.path, " ",
                                                     parts->state[i].slot.type.ToString()));
    }
  }
  size_t i = nw;
  parts->aggregator_begin = i;
  while (i < given.size() && given[i].slot.path.rfind("aggregator/", 0) == 0) ++i;
  parts->aggregator_end = i;
  while (i < given.size() && given[i].slot.path.rfind("finalizer/", 0) == 0) ++i;
  if (i != given.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the given server state's tensor ", given[i].slot.path,
                                                   " is neither a weight, the aggregator's nor the finalizer's"));
  }
  parts->state = given;
  return absl::OkStatus();
}

// `given`: a state TrainingServerState computed for the same model and spec, used as it is (its layout is checked
// against the model and the aggregator/finalizer prefixes, its values are not recomputed).
absl::StatusOr<TrainingParts> MakeTrainingParts(const tf::FunctionalModel& model, const LearningSpec& spec,
                                                const std::vector<StateTensor>* given = nullptr) {
  TrainingParts parts;
  if (model.trainable_weights.empty()) {
    return absl::InvalidArgumentError("the model has no trainable weights to learn");
  }
  AppendWeights(model, "global_model_weights/trainable", "global_model_weights/non_trainable", &parts.state);
  parts.num_trainable = model.trainable_weights.size();
  parts.num_non_trainable = model.non_trainable_weights.size();
  const std::vector<graph::TensorType> value_types = TrainableTypes(model);
  for (const auto& t : value_types) {
    if (t.dtype != tf::DType::kFloat) {
      return absl::InvalidArgumentError(
          absl::StrCat("trainable weights must be float32; the model has a ", ToAbsl(tf::DTypeName(t.dtype)), " one"));
    }
  }
  if (spec.algorithm == Algorithm::kFedSgd && spec.aggregator.kind != AggregatorKind::kNone) {
    // TFF's build_fed_sgd wants a weighted aggregation factory and ODP passes an unweighted DP factory: the
    // original fails. DP-FedSGD is sound as an unweighted DP mean of each client's average gradient.
    parts.notes.push_back(
        "FED_SGD with a DP aggregator: each client's average gradient is one DP record (unweighted), as in DP-FedSGD; "
        "the original task builder cannot build this combination");
  }
  TB_ASSIGN_OR_RETURN(parts.aggregator, MakeAggregator(spec.aggregator, spec.algorithm, value_types));
  if (given != nullptr) {
    TB_RETURN_IF_ERROR(AdoptState(*given, &parts));
    TB_ASSIGN_OR_RETURN(parts.metrics, MakeMetrics(spec.metrics));
    TB_RETURN_IF_ERROR(CheckMetricInputs(model, parts.metrics));
    return parts;
  }
  parts.aggregator_begin = parts.state.size();
  for (StateTensor& s : parts.aggregator->InitialState()) {
    s.slot.path = Join("aggregator", s.slot.path);
    parts.state.push_back(std::move(s));
  }
  parts.aggregator_end = parts.state.size();
  TB_ASSIGN_OR_RETURN(std::vector<StateTensor> opt, OptimizerInitialState(spec.server_optimizer, value_types));
  for (StateTensor& s : opt) {
    s.slot.path = Join("finalizer", s.slot.path);
    parts.state.push_back(std::move(s));
  }
  TB_ASSIGN_OR_RETURN(parts.metrics, MakeMetrics(spec.metrics));
  TB_RETURN_IF_ERROR(CheckMetricInputs(model, parts.metrics));
  return parts;
}

std::vector<Output> Slice(const std::vector<Output>& v, size_t begin, size_t end) {
  return std::vector<Output>(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace

absl::StatusOr<std::vector<StateTensor>> TrainingServerState(const tf::FunctionalModel& model,
                                                             const LearningSpec& spec) {
  TB_ASSIGN_OR_RETURN(TrainingParts parts, MakeTrainingParts(model, spec));
  return std::move(parts.state);
}

namespace {

// Whether every element of `t` is its dtype's zero, bit for bit (so -0.0 is not): fixed-size types by their bytes,
// strings by being empty.
bool IsZeroInstance(const tf::Tensor& t) {
  if (t.dtype() == tf::DType::kString) {
    for (const std::string& v : t.flat<std::string>()) {
      if (!v.empty()) return false;
    }
    return true;
  }
  const std::string_view b = t.bytes();
  if (b.empty()) return t.num_elements() == 0;
  // All bytes equal to the first, and the first zero; memcmp of the buffer against itself shifted by one byte.
  return b[0] == 0 && std::memcmp(b.data(), b.data() + 1, b.size() - 1) == 0;
}

}  // namespace

std::vector<StateTensor> ZeroState(const std::vector<StateTensor>& state) {
  // Tensors of one dtype and shape share one zero buffer (tensors are immutable once shared), and a state tensor
  // that is already zero (Adam's moment estimates, the tree aggregators' previous noise) is its own zero instance:
  // for a 100M-parameter model every fresh buffer is 400 MB of memset and page faults the evaluation task would
  // otherwise pay again.
  std::map<std::pair<tf::DType, std::vector<int64_t>>, tf::Tensor> zeros;
  for (const StateTensor& s : state) {
    const tf::Tensor& t = s.initial;
    if (t.valid() && t.dtype() == s.slot.type.dtype && s.slot.type.shape.IsFullyDefined() &&
        t.shape() == s.slot.type.shape.dims() && IsZeroInstance(t)) {
      zeros.try_emplace({t.dtype(), t.shape()}, t);
    }
  }
  std::vector<StateTensor> out;
  out.reserve(state.size());
  for (const StateTensor& s : state) {
    std::vector<int64_t> dims;
    if (s.slot.type.shape.rank_known()) {
      for (int64_t d : s.slot.type.shape.dims()) dims.push_back(d < 0 ? 0 : d);
    }
    auto [it, inserted] = zeros.try_emplace({s.slot.type.dtype, dims});
    if (inserted) it->second = tf::Tensor(s.slot.type.dtype, dims);
    out.push_back(StateTensor{s.slot, it->second});
  }
  return out;
}

namespace {

// The training process's server side from its parts (which the client work reuses).
absl::StatusOr<MapReduceProgram> TrainingServerPieces(TrainingParts& parts, const LearningSpec& spec) {
  MapReduceProgram p;
  p.kind = ProcessKind::kTraining;
  p.notes = std::move(parts.notes);
  p.server_state = parts.state;
  const size_t nw = parts.num_trainable + parts.num_non_trainable;
  const Aggregator& agg = *parts.aggregator;
  const LossMetric loss;

  // Broadcast: client/0 = the model weights, client/1.. = the aggregator's elements.
  for (size_t i = 0; i < nw; ++i) {
    const bool trainable = i < parts.num_trainable;
    p.broadcast.push_back(TensorSlot{
        absl::StrCat("0/", trainable ? "trainable/" : "non_trainable/", trainable ? i : i - parts.num_trainable),
        parts.state[i].slot.type});
  }
  for (TensorSlot& s : NumberElements(agg.BroadcastElements(), 1)) p.broadcast.push_back(std::move(s));
  // Client update: update/0 = metric sums, update/1.. = the aggregator's elements.
  p.client_update = MetricUpdateSlots(parts.metrics, loss);
  const size_t num_metric_slots = p.client_update.size();
  for (TensorSlot& s : NumberElements(agg.UpdateElements(), 1)) p.client_update.push_back(std::move(s));
  // Metrics: client_work/train/<name>..., aggregator/<measurement>..., finalizer/update_non_finite.
  const graph::TensorType f32{tf::DType::kFloat, graph::PartialShape::Scalar()};
  for (const auto& m : parts.metrics) p.metrics.push_back(MetricSlot{absl::StrCat("client_work/train/", m->name()), f32});
  p.metrics.push_back(MetricSlot{"client_work/train/loss", f32});
  for (const MetricSlot& m : agg.Measurements()) p.metrics.push_back(MetricSlot{Join("aggregator", m.path), m.type});
  p.metrics.push_back(MetricSlot{"finalizer/update_non_finite", {tf::DType::kInt32, graph::PartialShape::Scalar()}});

  p.server_library = std::make_unique<graph::FunctionLibrary>();
  graph::FunctionLibrary& lib = *p.server_library;
  const std::vector<graph::TensorType> s_types = Types(p.server_state);
  const std::vector<graph::TensorType> u_types = Types(p.client_update);

  // prepare(S) -> B
  {
    TB_ASSIGN_OR_RETURN(Piece pr, NewPiece(lib, "prepare", {{"state", s_types}}));
    graph::Builder e(&pr.fn->body());
    std::vector<Output> out;
    for (size_t i = 0; i < nw; ++i) out.push_back(e.Identity(pr.args[0][i]));
    for (const Output& o :
         agg.EmitPrepare(e.WithScope("aggregator"), Slice(pr.args[0], parts.aggregator_begin, parts.aggregator_end))) {
      out.push_back(e.Identity(o));
    }
    TB_RETURN_IF_ERROR(e.status());
    TB_RETURN_IF_ERROR(AddReturns(pr.fn, "broadcast", out));
    p.prepare = pr.fn;
  }
  TB_RETURN_IF_ERROR(BuildAggregationPieces(p));
  // update(S, A) -> (S', M)
  {
    TB_ASSIGN_OR_RETURN(Piece up, NewPiece(lib, "update", {{"state", s_types}, {"aggregate", u_types}}));
    graph::Builder e(&up.fn->body());
    const std::vector<Output>& S = up.args[0];
    const std::vector<Output>& A = up.args[1];
    // Metrics of the client work, finalized from their sums.
    std::vector<Output> metric_values;
    {
      graph::Builder m = e.WithScope("client_work");
      size_t k = 0;
      for (const auto& metric : parts.metrics) {
        const size_t n = metric->StateSlots().size();
        metric_values.push_back(metric->EmitFinalize(m, Slice(A, k, k + n)));
        k += n;
      }
      metric_values.push_back(loss.EmitFinalize(m, Slice(A, k, k + 2)));
    }
    // The aggregator turns the sums into the model update.
    Aggregator::ServerResult ar = agg.EmitServer(e.WithScope("aggregator"), Slice(S, parts.aggregator_begin, parts.aggregator_end),
                                                 Slice(A, num_metric_slots, A.size()));
    // The finalizer: skip the optimizer step (and keep its state) when the update is not finite.
    graph::Builder f = e.WithScope("finalizer");
    Output all_finite;
    for (const Output& v : ar.value) {
      Output finite = f.ReduceAllAxes("All", f.IsFinite(v));
      all_finite = all_finite.valid() ? f.LogicalAnd(finite, all_finite) : finite;
    }
    const std::vector<Output> trainable = Slice(S, 0, parts.num_trainable);
    const std::vector<Output> opt_state = Slice(S, parts.aggregator_end, S.size());
    OptimizerStep step = EmitOptimizerStep(f, spec.server_optimizer, opt_state, trainable, ar.value);
    std::vector<Output> new_state;
    for (size_t i = 0; i < parts.num_trainable; ++i) new_state.push_back(f.SelectV2(all_finite, step.weights[i], S[i]));
    for (size_t i = parts.num_trainable; i < nw; ++i) new_state.push_back(S[i]);
    for (const Output& o : ar.state) new_state.push_back(o);
    for (size_t i = 0; i < opt_state.size() && i < step.state.size(); ++i) {
      new_state.push_back(step.state[i] == opt_state[i] ? opt_state[i] : f.SelectV2(all_finite, step.state[i], opt_state[i]));
    }
    Output non_finite = f.WithName("update_non_finite").SelectV2(all_finite, f.Scalar<int32_t>(0), f.Scalar<int32_t>(1));
    std::vector<Output> metrics = metric_values;
    metrics.insert(metrics.end(), ar.measurements.begin(), ar.measurements.end());
    metrics.push_back(non_finite);
    std::vector<Output> state_out;
    for (const Output& o : new_state) state_out.push_back(e.Identity(o));
    TB_RETURN_IF_ERROR(e.status());
    if (state_out.size() != S.size() || metrics.size() != p.metrics.size()) {
      return absl::InternalError("update: the new state or the metrics do not match their layout");
    }
    TB_RETURN_IF_ERROR(AddReturns(up.fn, "new_state", state_out));
    TB_RETURN_IF_ERROR(AddReturns(up.fn, "metric", metrics));
    p.update = up.fn;
  }
  return p;
}

}  // namespace

absl::StatusOr<MapReduceProgram> BuildTrainingServerPieces(const tf::FunctionalModel& model, const LearningSpec& spec) {
  TB_ASSIGN_OR_RETURN(TrainingParts parts, MakeTrainingParts(model, spec));
  return TrainingServerPieces(parts, spec);
}

absl::StatusOr<MapReduceProgram> BuildTrainingProcess(const tf::FunctionalModel& model, const LearningSpec& spec) {
  return BuildTrainingProcess(model, spec, nullptr);
}

absl::StatusOr<MapReduceProgram> BuildTrainingProcess(const tf::FunctionalModel& model, const LearningSpec& spec,
                                                      const std::vector<StateTensor>* training_state) {
  TB_ASSIGN_OR_RETURN(TrainingParts parts, MakeTrainingParts(model, spec, training_state));
  TB_ASSIGN_OR_RETURN(MapReduceProgram p, TrainingServerPieces(parts, spec));
  ClientWorkInputs inputs;
  inputs.model = &model;
  inputs.spec = &spec;
  inputs.broadcast = &p.broadcast;
  inputs.client_update = &p.client_update;
  inputs.aggregator = parts.aggregator.get();
  inputs.metrics = &parts.metrics;
  TB_ASSIGN_OR_RETURN(p.client, BuildClientTraining(inputs));
  return p;
}

namespace {

absl::StatusOr<MapReduceProgram> EvaluationServerPieces(const TrainingParts& parts) {
  MapReduceProgram p;
  p.kind = ProcessKind::kEvaluation;
  // initialize: the all-zero training state (the eval task reads real training checkpoints of this type).
  p.server_state = ZeroState(parts.state);
  const size_t nw = parts.num_trainable + parts.num_non_trainable;
  const LossMetric loss;
  for (size_t i = 0; i < nw; ++i) {
    const bool trainable = i < parts.num_trainable;
    p.broadcast.push_back(TensorSlot{
        absl::StrCat("0/", trainable ? "0/" : "1/", trainable ? i : i - parts.num_trainable), parts.state[i].slot.type});
  }
  p.client_update = MetricUpdateSlots(parts.metrics, loss);
  const graph::TensorType f32{tf::DType::kFloat, graph::PartialShape::Scalar()};
  for (const auto& m : parts.metrics) p.metrics.push_back(MetricSlot{absl::StrCat("eval/", m->name()), f32});
  p.metrics.push_back(MetricSlot{"eval/loss", f32});

  p.server_library = std::make_unique<graph::FunctionLibrary>();
  graph::FunctionLibrary& lib = *p.server_library;
  const std::vector<graph::TensorType> s_types = Types(p.server_state);
  const std::vector<graph::TensorType> u_types = Types(p.client_update);
  {
    TB_ASSIGN_OR_RETURN(Piece pr, NewPiece(lib, "prepare", {{"state", s_types}}));
    graph::Builder e(&pr.fn->body());
    std::vector<Output> out;
    for (size_t i = 0; i < nw; ++i) out.push_back(e.Identity(pr.args[0][i]));
    TB_RETURN_IF_ERROR(e.status());
    TB_RETURN_IF_ERROR(AddReturns(pr.fn, "broadcast", out));
    p.prepare = pr.fn;
  }
  TB_RETURN_IF_ERROR(BuildAggregationPieces(p));
  {
    TB_ASSIGN_OR_RETURN(Piece up, NewPiece(lib, "update", {{"state", s_types}, {"aggregate", u_types}}));
    graph::Builder e(&up.fn->body());
    const std::vector<Output>& A = up.args[1];
    std::vector<Output> metrics;
    graph::Builder m = e.WithScope("eval");
    size_t k = 0;
    for (const auto& metric : parts.metrics) {
      const size_t n = metric->StateSlots().size();
      metrics.push_back(metric->EmitFinalize(m, Slice(A, k, k + n)));
      k += n;
    }
    metrics.push_back(loss.EmitFinalize(m, Slice(A, k, k + 2)));
    // The state is returned unchanged.
    std::vector<Output> state_out;
    for (const Output& s : up.args[0]) state_out.push_back(e.Identity(s));
    TB_RETURN_IF_ERROR(e.status());
    TB_RETURN_IF_ERROR(AddReturns(up.fn, "new_state", state_out));
    TB_RETURN_IF_ERROR(AddReturns(up.fn, "metric", metrics));
    p.update = up.fn;
  }
  return p;
}

}  // namespace

absl::StatusOr<MapReduceProgram> BuildEvaluationServerPieces(const tf::FunctionalModel& model,
                                                              const LearningSpec& spec) {
  TB_ASSIGN_OR_RETURN(TrainingParts parts, MakeTrainingParts(model, spec));
  return EvaluationServerPieces(parts);
}

absl::StatusOr<MapReduceProgram> BuildEvaluationProcess(const tf::FunctionalModel& model, const LearningSpec& spec) {
  return BuildEvaluationProcess(model, spec, nullptr);
}

absl::StatusOr<MapReduceProgram> BuildEvaluationProcess(const tf::FunctionalModel& model, const LearningSpec& spec,
                                                        const std::vector<StateTensor>* training_state) {
  TB_ASSIGN_OR_RETURN(TrainingParts parts, MakeTrainingParts(model, spec, training_state));
  TB_ASSIGN_OR_RETURN(MapReduceProgram p, EvaluationServerPieces(parts));
  ClientWorkInputs inputs;
  inputs.model = &model;
  inputs.spec = &spec;
  inputs.broadcast = &p.broadcast;
  inputs.client_update = &p.client_update;
  inputs.aggregator = nullptr;
  inputs.metrics = &parts.metrics;
  TB_ASSIGN_OR_RETURN(p.client, BuildClientEvaluation(inputs));
  return p;
}

}  // namespace tb::fl
