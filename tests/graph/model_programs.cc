#include "tests/graph/model_programs.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/builder.h"
#include "graph/model_import.h"
#include "graph/passes/inline.h"
#include "graph/passes/passes.h"

namespace tb::testing {

using graph::Output;

tf::Tensor ToDouble(const tf::Tensor& t) {
  if (t.dtype() != tf::DType::kFloat) return t;
  tf::Tensor d(tf::DType::kDouble, t.shape());
  for (int64_t i = 0; i < t.num_elements(); ++i) d.flat<double>()[i] = t.flat<float>()[i];
  return d;
}

namespace {

void PromoteAttr(tensorflow::AttrValue* v) {
  if (v->value_case() == tensorflow::AttrValue::kType && v->type() == tensorflow::DT_FLOAT) {
    v->set_type(tensorflow::DT_DOUBLE);
  } else if (v->value_case() == tensorflow::AttrValue::kList) {
    for (int i = 0; i < v->list().type_size(); ++i) {
      if (v->list().type(i) == tensorflow::DT_FLOAT) v->mutable_list()->set_type(i, tensorflow::DT_DOUBLE);
    }
  } else if (v->value_case() == tensorflow::AttrValue::kTensor && v->tensor().dtype() == tensorflow::DT_FLOAT) {
    tensorflow::TensorProto* t = v->mutable_tensor();
    t->set_dtype(tensorflow::DT_DOUBLE);
    if (!t->tensor_content().empty()) {
      const std::string& c = t->tensor_content();
      std::string out(c.size() * 2, '\0');
      for (size_t i = 0; i < c.size() / 4; ++i) {
        float f;
        std::memcpy(&f, c.data() + 4 * i, 4);
        double d = f;
        std::memcpy(out.data() + 8 * i, &d, 8);
      }
      t->set_tensor_content(out);
    }
    for (float f : t->float_val()) t->add_double_val(f);
    t->clear_float_val();
  }
}

}  // namespace

void PromoteFloatToDouble(tensorflow::FunctionDefLibrary* library) {
  for (auto& fn : *library->mutable_function()) {
    for (auto& a : *fn.mutable_signature()->mutable_input_arg()) {
      if (a.type() == tensorflow::DT_FLOAT) a.set_type(tensorflow::DT_DOUBLE);
    }
    for (auto& a : *fn.mutable_signature()->mutable_output_arg()) {
      if (a.type() == tensorflow::DT_FLOAT) a.set_type(tensorflow::DT_DOUBLE);
    }
    for (auto& nd : *fn.mutable_node_def()) {
      for (auto& [k, v] : *nd.mutable_attr()) PromoteAttr(&v);
    }
  }
}

absl::StatusOr<ModelProgram> BuildModelProgram(const tf::FunctionalModel& model, const ModelProgramOptions& options) {
  tf::FunctionalModel m = model;
  if (options.promote_to_double) {
    PromoteFloatToDouble(&m.library);
    for (auto& w : m.trainable_weights) w.tensor = ToDouble(w.tensor);
    for (auto& w : m.non_trainable_weights) w.tensor = ToDouble(w.tensor);
    for (auto* specs : {&m.features, &m.labels}) {
      for (auto& s : *specs) {
        if (s.dtype == tf::DType::kFloat) s.dtype = tf::DType::kDouble;
      }
    }
  }
  TB_ASSIGN_OR_RETURN(graph::ModelFunctions fns, graph::ImportModelFunctions(m));
  ModelProgram p;
  p.library = std::move(fns.library);
  p.graph = std::make_unique<graph::Graph>(p.library.get());
  graph::Builder b(p.graph.get());
  std::vector<Output> args;
  int i = 0;
  for (const auto* ws : {&m.trainable_weights, &m.non_trainable_weights}) {
    for (const auto& w : *ws) {
      const std::string name = absl::StrCat("weight_", i++);
      Output o = options.frozen_weights ? b.WithName(name).Const(w.tensor)
                                        : b.Placeholder(w.tensor.dtype(), graph::PartialShape(w.tensor.shape()), name);
      p.weights.push_back(o);
      p.weight_values.push_back(w.tensor);
      args.push_back(o);
    }
  }
  for (size_t k = 0; k < m.features.size(); ++k) {
    const auto& f = m.features[k];
    Output o = b.Placeholder(f.dtype, f.unknown_rank ? graph::PartialShape() : graph::PartialShape(f.shape),
                             k == 0 ? "x" : absl::StrCat("x_", k));
    p.features.push_back(o);
    args.push_back(o);
  }
  const graph::Function* predict = options.training ? fns.predict_training : fns.predict_inference;
  std::vector<tf::DType> tout;
  for (const auto& t : predict->return_types()) tout.push_back(t.dtype);
  std::vector<Output> preds = b.Ops("PartitionedCall", {graph::OpInput(args)},
                                    {{"f", graph::AttrFunc(predict->name())}, {"Tout", graph::AttrTypeList(tout)}});
  for (size_t k = 0; k < preds.size(); ++k) {
    p.predictions.push_back(b.WithName(absl::StrCat("prediction_", k)).Identity(preds[k]));
  }
  std::vector<Output> roots = p.predictions;
  if (options.with_loss) {
    std::vector<Output> loss_args = preds;
    for (size_t k = 0; k < m.labels.size(); ++k) {
      const auto& l = m.labels[k];
      Output o = b.Placeholder(l.dtype, graph::PartialShape(l.shape), k == 0 ? "y" : absl::StrCat("y_", k));
      p.labels.push_back(o);
      loss_args.push_back(o);
    }
    Output loss = b.Ops("PartitionedCall", {graph::OpInput(loss_args)},
                        {{"f", graph::AttrFunc(fns.loss->name())},
                         {"Tout", graph::AttrTypeList({fns.loss->return_types()[0].dtype})}})[0];
    p.loss = b.WithName("loss").Identity(loss);
    roots.push_back(p.loss);
  }
  TB_RETURN_IF_ERROR(b.status());
  TB_RETURN_IF_ERROR(graph::InlineCalls(*p.graph).status());
  TB_RETURN_IF_ERROR(graph::EliminateDeadCode(*p.graph, roots, {}, {.keep_stateful = false}).status());
  return p;
}

}  // namespace tb::testing
