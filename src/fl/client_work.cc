#include "fl/client_work.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "fl/model_lowering.h"
#include "fl/optimizer.h"

namespace tb::fl {
namespace {

graph::TensorType TypeOf(const tf::TensorSpec& s) {
  return {s.dtype, s.unknown_rank ? graph::PartialShape() : graph::PartialShape(s.shape)};
}

graph::TensorType TypeOf(const tf::Tensor& t) { return {t.dtype(), graph::PartialShape(t.shape())}; }

std::vector<Output> Slice(const std::vector<Output>& v, size_t begin, size_t end) {
  return std::vector<Output>(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end));
}

// A spec's shape without its batch dimension (what a tf.Example holds for one example).
std::vector<int64_t> ExampleShape(const tf::TensorSpec& s) {
  if (s.shape.empty()) return {};
  return std::vector<int64_t>(s.shape.begin() + 1, s.shape.end());
}

// The dataset element after parsing: the model's features then its labels, batch dimension unknown.
std::vector<graph::TensorType> ElementTypes(const tf::FunctionalModel& model) {
  std::vector<graph::TensorType> out;
  for (const auto* group : {&model.features, &model.labels}) {
    for (const tf::TensorSpec& s : *group) {
      std::vector<int64_t> dims = {-1};
      for (int64_t d : ExampleShape(s)) dims.push_back(d);
      out.push_back({s.dtype, graph::PartialShape(dims)});
    }
  }
  return out;
}

tensorflow::AttrValue TypesAttr(const std::vector<graph::TensorType>& types) {
  std::vector<tf::DType> d;
  for (const auto& t : types) d.push_back(t.dtype);
  return graph::AttrTypeList(d);
}

tensorflow::AttrValue ShapesAttr(const std::vector<graph::TensorType>& types) {
  std::vector<graph::PartialShape> s;
  for (const auto& t : types) s.push_back(t.shape);
  return graph::AttrShapeList(s);
}

// The MapDataset function: serialized tf.Examples [-1] -> (features..., label), parsed with ParseExampleV2 from
// the keys in sorted order (as tf.io.parse_example orders dense keys) and int32 specs cast back from int64.
absl::StatusOr<graph::Function*> BuildParseFunction(const tf::FunctionalModel& model, const ParseSpec& parse,
                                                    graph::FunctionLibrary& lib) {
  TB_ASSIGN_OR_RETURN(graph::Function * fn, lib.Create("parse_examples"));
  TB_ASSIGN_OR_RETURN(Output serialized,
                      fn->AddArg("serialized", {tf::DType::kString, graph::PartialShape({-1})}));
  graph::Builder b(fn);
  struct Dense {
    std::string key;
    const tf::TensorSpec* spec;
  };
  std::vector<Dense> dense;
  for (size_t i = 0; i < model.features.size(); ++i) dense.push_back({parse.feature_keys[i], &model.features[i]});
  dense.push_back({parse.label_key, &model.labels[0]});
  std::vector<Dense> sorted = dense;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Dense& a, const Dense& c) { return a.key < c.key; });
  std::vector<std::string> keys;
  std::vector<tf::DType> tdense;
  std::vector<graph::PartialShape> dense_shapes;
  std::vector<Output> defaults;
  for (const Dense& d : sorted) {
    keys.push_back(d.key);
    const tf::DType parsed = d.spec->dtype == tf::DType::kInt32 ? tf::DType::kInt64 : d.spec->dtype;
    if (parsed != tf::DType::kFloat && parsed != tf::DType::kInt64 && parsed != tf::DType::kString) {
      return absl::InvalidArgumentError(absl::StrCat("input `", d.key, "` has dtype ",
                                                     ToAbsl(tf::DTypeName(d.spec->dtype)),
                                                     ", which tf.Example features cannot hold"));
    }
    if (d.spec->unknown_rank || d.spec->shape.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input `", d.key, "` needs a known rank with a batch dimension, got ", d.spec->TypeString()));
    }
    for (int64_t dim : ExampleShape(*d.spec)) {
      if (dim < 0) {
        return absl::InvalidArgumentError(absl::StrCat("input `", d.key, "` has an unknown non-batch dimension (",
                                                       d.spec->TypeString(), "); tf.Example parsing needs fixed "
                                                       "shapes"));
      }
    }
    tdense.push_back(parsed);
    dense_shapes.push_back(graph::PartialShape(ExampleShape(*d.spec)));
    defaults.push_back(b.ZerosOf(parsed, {0}));  // an empty default makes the feature required
  }
  auto strings = [&](const std::vector<std::string>& v) {
    tf::Tensor t(tf::DType::kString, {static_cast<int64_t>(v.size())});
    auto flat = t.flat<std::string>();
    for (size_t i = 0; i < v.size(); ++i) flat[i] = v[i];
    return b.Const(t);
  };
  graph::AttrMap attrs;
  attrs["Tdense"] = graph::AttrTypeList(tdense);
  attrs["num_sparse"] = graph::AttrInt(0);
  attrs["sparse_types"] = graph::AttrTypeList({});
  attrs["ragged_value_types"] = graph::AttrTypeList({});
  attrs["ragged_split_types"] = graph::AttrTypeList({});
  attrs["dense_shapes"] = graph::AttrShapeList(dense_shapes);
  std::vector<Output> parsed = b.Ops("ParseExampleV2",
                                     {serialized, strings({}), strings({}), strings(keys), strings({}),
                                      graph::OpInput(defaults)},
                                     attrs);
  TB_RETURN_IF_ERROR(b.status());
  std::map<std::string, Output> by_key;
  for (size_t i = 0; i < sorted.size(); ++i) by_key[sorted[i].key] = parsed[i];
  for (size_t i = 0; i < dense.size(); ++i) {
    Output v = by_key[dense[i].key];
    if (dense[i].spec->dtype == tf::DType::kInt32) v = b.Cast(v, tf::DType::kInt32);
    TB_RETURN_IF_ERROR(fn->AddReturn(absl::StrCat("component_", i), b.Identity(v)));
  }
  TB_RETURN_IF_ERROR(b.status());
  return fn;
}

// The input pipeline: ExternalDataset -> BatchDatasetV2 -> MapDataset(parse) -> TakeDataset.
Output BuildDataset(const graph::Builder& top, Output token, const std::string& selector,
                    const std::vector<graph::TensorType>& element, const graph::Function& parse,
                    const LearningSpec& spec) {
  graph::Builder b = top.WithScope("data");
  Output ds = b.Op("ExternalDataset", {token, b.Const(tf::Tensor::StringScalar(selector))});
  const std::vector<graph::TensorType> strings = {{tf::DType::kString, graph::PartialShape({-1})}};
  ds = b.Op("BatchDatasetV2", {ds, b.Scalar<int64_t>(spec.batch_size), b.Scalar<bool>(false)},
            {{"output_types", TypesAttr(strings)}, {"output_shapes", ShapesAttr(strings)},
             {"parallel_copy", graph::AttrBool(false)}});
  ds = b.Op("MapDataset", {ds, graph::OpInput(std::vector<Output>{})},
            {{"f", graph::AttrFunc(parse.name())},
             {"Targuments", graph::AttrTypeList({})},
             {"output_types", TypesAttr(element)},
             {"output_shapes", ShapesAttr(element)},
             {"preserve_cardinality", graph::AttrBool(true)},
             {"use_inter_op_parallelism", graph::AttrBool(true)}});
  ds = b.Op("TakeDataset", {ds, b.Scalar<int64_t>(spec.max_batches)},
            {{"output_types", TypesAttr(element)}, {"output_shapes", ShapesAttr(element)}});
  return ds;
}

// RestoreV2 of one tensor per broadcast slot, named "client/<path>".
std::vector<Output> RestoreBroadcast(const graph::Builder& top, Output path, const std::vector<TensorSlot>& slots) {
  std::vector<Output> out;
  for (const TensorSlot& s : slots) {
    graph::Builder b = top.WithScope(top.graph().UniqueName("restore"));
    tf::Tensor names(tf::DType::kString, {1});
    names.flat<std::string>()[0] = absl::StrCat("client/", s.path);
    tf::Tensor slices(tf::DType::kString, {1});
    Output restored = b.Op("RestoreV2", {path, b.WithName("tensor_names").Const(names),
                                         b.WithName("shape_and_slices").Const(slices)},
                           {{"dtypes", graph::AttrTypeList({s.type.dtype})}});
    // RestoreV2's output shape is unknown to shape inference, but the slot's is the model's: a Reshape to it gives
    // every consumer (the reduce body's convolutions, the TFLite backend's builtins) static shapes.
    if (s.type.shape.IsFullyDefined()) {
      std::vector<int32_t> dims(s.type.shape.dims().begin(), s.type.shape.dims().end());
      restored = b.WithName("shaped").Reshape(restored, b.Int32s(dims));
    }
    out.push_back(restored);
  }
  return out;
}

// n_b = size of dimension 0 of the first prediction, as int32.
Output BatchSize(const graph::Builder& b, Output prediction) {
  Output shape = b.Op("Shape", {prediction}, {{"out_type", graph::AttrType(tf::DType::kInt32)}});
  return b.Op("StridedSlice", {shape, b.Int32s({0}), b.Int32s({1}), b.Int32s({1})},
              {{"shrink_axis_mask", graph::AttrInt(1)}});
}

// TFF's zero_all_if_any_non_finite with the finiteness test written as x - x == 0 (ops every phone has).
std::pair<std::vector<Output>, Output> ZeroIfNonFinite(const graph::Builder& top, const std::vector<Output>& values) {
  graph::Builder b = top.WithScope("zero_if_non_finite");
  Output all_finite;
  for (const Output& v : values) {
    Output finite = b.ReduceAllAxes("All", b.Equal(b.Sub(v, v), b.ScalarLike(v, 0)));
    all_finite = all_finite.valid() ? b.LogicalAnd(finite, all_finite) : finite;
  }
  std::vector<Output> out;
  for (const Output& v : values) out.push_back(b.SelectV2(all_finite, v, b.ZerosLike(v)));
  return {out, all_finite};
}

absl::Status SaveUpdate(const graph::Builder& top, Output path, const std::vector<TensorSlot>& slots,
                        const std::vector<Output>& values) {
  if (slots.size() != values.size()) {
    return absl::InternalError(absl::StrCat("client update: ", values.size(), " values for ", slots.size(), " slots"));
  }
  graph::Builder b = top.WithScope("save_client_update");
  tf::Tensor names(tf::DType::kString, {static_cast<int64_t>(slots.size())});
  tf::Tensor slices(tf::DType::kString, {static_cast<int64_t>(slots.size())});
  for (size_t i = 0; i < slots.size(); ++i) names.flat<std::string>()[i] = absl::StrCat("update/", slots[i].path);
  top.WithName("save_client_update_tensors")
      .AddOp("SaveSlices", {path, b.WithName("tensor_names").Const(names),
                            b.WithName("shapes_and_slices").Const(slices), graph::OpInput(values)});
  return top.status();
}

// What every client program starts with: placeholders, the dataset, the restored broadcast, the model library.
struct ClientSkeleton {
  ClientProgram program;
  std::unique_ptr<ModelLowering> model;
  Output token, input_path, output_path, dataset;
  std::vector<Output> broadcast;
  std::vector<graph::TensorType> element;
};

absl::StatusOr<ClientSkeleton> BuildSkeleton(const ClientWorkInputs& in) {
  ClientSkeleton s;
  s.program.library = std::make_unique<graph::FunctionLibrary>();
  s.program.graph = std::make_unique<graph::Graph>(s.program.library.get());
  s.program.example_selector = in.spec->example_selector;
  TB_ASSIGN_OR_RETURN(ParseSpec parse, MakeParseSpec(*in.model, in.spec->label_name));
  TB_ASSIGN_OR_RETURN(s.model, ModelLowering::Create(*in.model, s.program.library.get()));
  TB_ASSIGN_OR_RETURN(graph::Function * parse_fn, BuildParseFunction(*in.model, parse, *s.program.library));
  graph::Builder b(s.program.graph.get());
  s.token = b.Placeholder(tf::DType::kString, graph::PartialShape::Scalar(), "data_token");
  s.input_path = b.Placeholder(tf::DType::kString, graph::PartialShape::Scalar(), "input_filepath");
  s.output_path = b.Placeholder(tf::DType::kString, graph::PartialShape::Scalar(), "output_filepath");
  s.element = ElementTypes(*in.model);
  s.dataset = BuildDataset(b, s.token, s.program.example_selector, s.element, *parse_fn, *in.spec);
  s.broadcast = RestoreBroadcast(b, s.input_path, *in.broadcast);
  TB_RETURN_IF_ERROR(b.status());
  return s;
}

// Runs `body` over the dataset with ReduceDataset; returns the final state.
std::vector<Output> Reduce(const graph::Builder& b, Output dataset, const std::vector<Output>& initial,
                           const graph::Function& body) {
  std::vector<graph::TensorType> types;
  for (const Output& o : initial) types.push_back(o.valid() ? o.type() : graph::TensorType{});
  return b.Ops("ReduceDataset", {dataset, graph::OpInput(initial), graph::OpInput(std::vector<Output>{})},
               {{"f", graph::AttrFunc(body.name())},
                {"Tstate", TypesAttr(types)},
                {"Targuments", graph::AttrTypeList({})},
                {"output_types", TypesAttr(types)},
                {"output_shapes", ShapesAttr(types)},
                {"use_inter_op_parallelism", graph::AttrBool(true)}});
}

// Adds the reduce body's arguments: the state then the element's components.
absl::StatusOr<std::pair<std::vector<Output>, std::vector<Output>>> BodyArgs(
    graph::Function* fn, const std::vector<graph::TensorType>& state, const std::vector<graph::TensorType>& element) {
  std::vector<Output> s, x;
  for (size_t i = 0; i < state.size(); ++i) {
    TB_ASSIGN_OR_RETURN(Output a, fn->AddArg(absl::StrCat("state_", i), state[i]));
    s.push_back(a);
  }
  for (size_t i = 0; i < element.size(); ++i) {
    TB_ASSIGN_OR_RETURN(Output a, fn->AddArg(absl::StrCat("element_", i), element[i]));
    x.push_back(a);
  }
  return std::make_pair(s, x);
}

absl::Status Returns(graph::Function* fn, const std::vector<Output>& values) {
  for (size_t i = 0; i < values.size(); ++i) TB_RETURN_IF_ERROR(fn->AddReturn(absl::StrCat("next_state_", i), values[i]));
  return absl::OkStatus();
}

// Keras metrics then the loss metric, updated for one batch.
std::vector<Output> UpdateMetrics(const graph::Builder& b, const std::vector<std::unique_ptr<Metric>>& metrics,
                                  const std::vector<Output>& state, Output y_true, Output y_pred, Output batch_loss,
                                  Output n_b) {
  std::vector<Output> out;
  size_t k = 0;
  graph::Builder m = b.WithScope("metrics");
  for (const auto& metric : metrics) {
    const size_t n = metric->StateSlots().size();
    for (const Output& o : metric->EmitUpdate(m, Slice(state, k, k + n), y_true, y_pred)) out.push_back(o);
    k += n;
  }
  LossMetric loss;
  for (const Output& o : loss.EmitUpdate(m, Slice(state, k, k + 2), batch_loss, n_b)) out.push_back(o);
  return out;
}

std::vector<Output> InitialMetricState(const graph::Builder& b, const std::vector<std::unique_ptr<Metric>>& metrics) {
  std::vector<Output> out;
  for (const auto& m : metrics) {
    for (const tf::Tensor& t : m->InitialState()) out.push_back(b.Const(t));
  }
  LossMetric loss;
  for (const tf::Tensor& t : loss.InitialState()) out.push_back(b.Const(t));
  return out;
}

size_t MetricStateSize(const std::vector<std::unique_ptr<Metric>>& metrics) {
  size_t n = 2;  // the loss metric
  for (const auto& m : metrics) n += m->StateSlots().size();
  return n;
}

}  // namespace

absl::StatusOr<ParseSpec> MakeParseSpec(const tf::FunctionalModel& model, const std::string& label_name) {
  if (model.features.empty() || model.labels.size() != 1) {
    return absl::InvalidArgumentError("Input spec must be a tuple");
  }
  if (model.features.size() == 1 && model.features[0].name == "x") return ParseSpec{{"x"}, "y"};
  ParseSpec spec;
  if (label_name.empty()) return absl::InvalidArgumentError("Label name cannot be empty.");
  for (const tf::TensorSpec& f : model.features) {
    if (!absl::StartsWith(f.name, "x/") || f.name.find('/', 2) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("input feature `", f.name,
                                                     "` is nested; features must be one tensor or a flat dict"));
    }
    spec.feature_keys.push_back(f.name.substr(2));
  }
  spec.label_key = label_name;
  for (const std::string& k : spec.feature_keys) {
    if (k == label_name) {
      return absl::InvalidArgumentError(absl::StrCat("label_name `", label_name, "` is also a feature key"));
    }
  }
  return spec;
}

absl::StatusOr<size_t> MetricPredictionIndex(const tf::FunctionalModel& model, bool has_metrics) {
  const size_t n = model.predict_training.outputs.size();
  if (n == 1) return 0;
  if (n == 3) return 2;
  if (!has_metrics) return 0;
  return absl::InvalidArgumentError(absl::StrCat("Keras metrics need one prediction tensor (or three, AutoPE); the "
                                                 "model predicts ", n));
}

absl::Status CheckMetricInputs(const tf::FunctionalModel& model, const std::vector<std::unique_ptr<Metric>>& metrics) {
  if (metrics.empty() || model.labels.size() != 1) return absl::OkStatus();  // MakeParseSpec names a bad input spec
  TB_ASSIGN_OR_RETURN(const size_t index, MetricPredictionIndex(model, true));
  for (const tf::ModelFunction* f : {&model.predict_training, &model.predict_inference}) {
    if (index >= f->outputs.size()) continue;  // the program build names a body without the prediction
    TB_RETURN_IF_ERROR(CheckMetricShapes(metrics, TypeOf(model.labels[0]), TypeOf(f->outputs[index])));
  }
  return absl::OkStatus();
}

absl::StatusOr<ClientProgram> BuildClientTraining(const ClientWorkInputs& in) {
  const tf::FunctionalModel& model = *in.model;
  const LearningSpec& spec = *in.spec;
  const auto& metrics = *in.metrics;
  TB_ASSIGN_OR_RETURN(ClientSkeleton s, BuildSkeleton(in));
  TB_ASSIGN_OR_RETURN(const size_t pred_index, MetricPredictionIndex(model, !metrics.empty()));
  graph::FunctionLibrary& lib = *s.program.library;
  graph::Builder top(s.program.graph.get());
  const size_t nt = model.trainable_weights.size();
  const size_t nw = nt + model.non_trainable_weights.size();
  const size_t nf = model.features.size();
  std::vector<Output> weights0 = Slice(s.broadcast, 0, nw);
  std::vector<Output> agg_broadcast = Slice(s.broadcast, nw, s.broadcast.size());
  std::vector<graph::TensorType> trainable_types;
  for (const auto& w : model.trainable_weights) trainable_types.push_back(TypeOf(w.tensor));

  std::vector<Output> update;  // the client's model update (before the non-finite check)
  Output weight;               // FedSGD's example weight
  std::vector<Output> metric_final;
  if (spec.algorithm == Algorithm::kFedAvg) {
    // State: weights, client optimizer state (fresh each round), metric states, num_examples (int64).
    TB_ASSIGN_OR_RETURN(std::vector<StateTensor> opt_init, OptimizerInitialState(spec.client_optimizer, trainable_types));
    std::vector<Output> initial = weights0;
    graph::Builder init = top.WithScope("client_optimizer");
    for (const StateTensor& t : opt_init) {
      // Hyper-parameters are constants; Adam's moment accumulators start as zeros of the weight shapes.
      initial.push_back(t.initial.rank() == 0 ? init.Const(t.initial) : TfZeros(init, t.initial.dtype(), t.initial.shape()));
    }
    for (const Output& o : InitialMetricState(top.WithScope("metrics"), metrics)) initial.push_back(o);
    initial.push_back(top.Scalar<int64_t>(0));
    TB_RETURN_IF_ERROR(top.status());
    std::vector<graph::TensorType> state_types;
    for (const Output& o : initial) state_types.push_back(o.type());

    TB_ASSIGN_OR_RETURN(graph::Function * body, lib.Create("train_on_batch"));
    TB_ASSIGN_OR_RETURN(auto args, BodyArgs(body, state_types, s.element));
    const auto& [st, el] = args;
    graph::Builder b(body);
    const size_t no = opt_init.size();
    const size_t nm = MetricStateSize(metrics);
    std::vector<Output> w = Slice(st, 0, nw);
    std::vector<Output> x = Slice(el, 0, nf);
    Output y = el[nf];
    std::vector<Output> pred = s.model->EmitPredict(b, true, w, x);
    Output loss = s.model->EmitLoss(b, pred, {y});
    std::vector<Output> grads = s.model->EmitGradients(b.WithScope("gradients"), loss, Slice(w, 0, nt));
    OptimizerStep step =
        EmitOptimizerStep(b.WithScope("client_optimizer"), spec.client_optimizer, Slice(st, nw, nw + no), Slice(w, 0, nt), grads);
    TB_RETURN_IF_ERROR(b.status());
    Output n_b = BatchSize(b, pred[0]);
    Output n_b_f = b.Cast(n_b, tf::DType::kFloat);
    std::vector<Output> ms = UpdateMetrics(b, metrics, Slice(st, nw + no, nw + no + nm), y, pred[pred_index], loss, n_b_f);
    Output num = b.Add(st[nw + no + nm], b.Cast(n_b, tf::DType::kInt64));
    std::vector<Output> next = step.weights;
    for (size_t i = nt; i < nw; ++i) next.push_back(w[i]);
    for (const Output& o : step.state) next.push_back(o);
    for (const Output& o : ms) next.push_back(o);
    next.push_back(num);
    std::vector<Output> ret;
    for (const Output& o : next) ret.push_back(b.Identity(o));
    TB_RETURN_IF_ERROR(b.status());
    TB_RETURN_IF_ERROR(Returns(body, ret));

    std::vector<Output> final_state = Reduce(top, s.dataset, initial, *body);
    TB_RETURN_IF_ERROR(top.status());
    graph::Builder d = top.WithScope("model_delta");
    for (size_t i = 0; i < nt; ++i) update.push_back(d.Sub(weights0[i], final_state[i]));  // initial - final
    metric_final = Slice(final_state, nw + no, nw + no + nm);
  } else {
    // FedSGD: the weights stay W0; state = weights, gradient sums, example count (f32), metric states.
    std::vector<Output> initial = weights0;
    for (const auto& t : trainable_types) initial.push_back(TfZeros(top.WithScope("gradient_sum"), t.dtype, t.shape.dims()));
    initial.push_back(top.Scalar<float>(0.0f));
    for (const Output& o : InitialMetricState(top.WithScope("metrics"), metrics)) initial.push_back(o);
    TB_RETURN_IF_ERROR(top.status());
    std::vector<graph::TensorType> state_types;
    for (const Output& o : initial) state_types.push_back(o.type());

    TB_ASSIGN_OR_RETURN(graph::Function * body, lib.Create("gradient_on_batch"));
    TB_ASSIGN_OR_RETURN(auto args, BodyArgs(body, state_types, s.element));
    const auto& [st, el] = args;
    graph::Builder b(body);
    const size_t nm = MetricStateSize(metrics);
    std::vector<Output> w = Slice(st, 0, nw);
    std::vector<Output> x = Slice(el, 0, nf);
    Output y = el[nf];
    std::vector<Output> pred = s.model->EmitPredict(b, true, w, x);
    Output loss = s.model->EmitLoss(b, pred, {y});
    std::vector<Output> grads = s.model->EmitGradients(b.WithScope("gradients"), loss, Slice(w, 0, nt));
    TB_RETURN_IF_ERROR(b.status());
    Output n_b_f = b.Cast(BatchSize(b, pred[0]), tf::DType::kFloat);
    std::vector<Output> next = w;
    for (size_t i = 0; i < nt; ++i) next.push_back(b.Add(st[nw + i], b.Mul(n_b_f, grads[i])));
    next.push_back(b.Add(st[nw + nt], n_b_f));
    for (const Output& o : UpdateMetrics(b, metrics, Slice(st, nw + nt + 1, nw + nt + 1 + nm), y, pred[pred_index], loss, n_b_f)) {
      next.push_back(o);
    }
    std::vector<Output> ret;
    for (const Output& o : next) ret.push_back(b.Identity(o));
    TB_RETURN_IF_ERROR(b.status());
    TB_RETURN_IF_ERROR(Returns(body, ret));

    std::vector<Output> final_state = Reduce(top, s.dataset, initial, *body);
    TB_RETURN_IF_ERROR(top.status());
    graph::Builder g = top.WithScope("mean_gradient");
    Output n_sum = final_state[nw + nt];
    for (size_t i = 0; i < nt; ++i) update.push_back(g.Div(final_state[nw + i], n_sum));
    weight = n_sum;
    metric_final = Slice(final_state, nw + nt + 1, nw + nt + 1 + nm);
  }

  auto [checked, all_finite] = ZeroIfNonFinite(top, update);
  if (weight.valid()) {
    // FedSGD: a non-finite (or empty) client weighs nothing.
    weight = top.WithScope("client_weight").SelectV2(all_finite, weight, top.Scalar<float>(0.0f));
  }
  std::vector<Output> values = metric_final;
  for (const Output& o : in.aggregator->EmitClient(top.WithScope("aggregator"), agg_broadcast, checked, weight)) {
    values.push_back(o);
  }
  TB_RETURN_IF_ERROR(top.status());
  TB_RETURN_IF_ERROR(SaveUpdate(top, s.output_path, *in.client_update, values));
  return std::move(s.program);
}

absl::StatusOr<ClientProgram> BuildClientEvaluation(const ClientWorkInputs& in) {
  const tf::FunctionalModel& model = *in.model;
  const auto& metrics = *in.metrics;
  TB_ASSIGN_OR_RETURN(ClientSkeleton s, BuildSkeleton(in));
  TB_ASSIGN_OR_RETURN(const size_t pred_index, MetricPredictionIndex(model, !metrics.empty()));
  graph::FunctionLibrary& lib = *s.program.library;
  graph::Builder top(s.program.graph.get());
  const size_t nw = model.trainable_weights.size() + model.non_trainable_weights.size();
  const size_t nf = model.features.size();
  std::vector<Output> initial = Slice(s.broadcast, 0, nw);
  for (const Output& o : InitialMetricState(top.WithScope("metrics"), metrics)) initial.push_back(o);
  TB_RETURN_IF_ERROR(top.status());
  std::vector<graph::TensorType> state_types;
  for (const Output& o : initial) state_types.push_back(o.type());

  TB_ASSIGN_OR_RETURN(graph::Function * body, lib.Create("evaluate_batch"));
  TB_ASSIGN_OR_RETURN(auto args, BodyArgs(body, state_types, s.element));
  const auto& [st, el] = args;
  graph::Builder b(body);
  const size_t nm = MetricStateSize(metrics);
  std::vector<Output> w = Slice(st, 0, nw);
  Output y = el[nf];
  std::vector<Output> pred = s.model->EmitPredict(b, false, w, Slice(el, 0, nf));
  Output loss = s.model->EmitLoss(b, pred, {y});
  TB_RETURN_IF_ERROR(b.status());
  Output n_b_f = b.Cast(BatchSize(b, pred[0]), tf::DType::kFloat);
  std::vector<Output> next = w;
  for (const Output& o : UpdateMetrics(b, metrics, Slice(st, nw, nw + nm), y, pred[pred_index], loss, n_b_f)) {
    next.push_back(o);
  }
  std::vector<Output> ret;
  for (const Output& o : next) ret.push_back(b.Identity(o));
  TB_RETURN_IF_ERROR(b.status());
  TB_RETURN_IF_ERROR(Returns(body, ret));
  std::vector<Output> final_state = Reduce(top, s.dataset, initial, *body);
  TB_RETURN_IF_ERROR(top.status());
  TB_RETURN_IF_ERROR(SaveUpdate(top, s.output_path, *in.client_update, Slice(final_state, nw, nw + nm)));
  return std::move(s.program);
}

}  // namespace tb::fl
