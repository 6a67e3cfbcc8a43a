#include "fl/model_lowering.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/autodiff/gradients.h"
#include "graph/import.h"
#include "graph/passes/inline.h"

namespace tb::fl {
namespace {

std::vector<graph::PartialShape> Shapes(const std::vector<tf::TensorSpec>& specs) {
  std::vector<graph::PartialShape> out;
  for (const tf::TensorSpec& s : specs) {
    out.push_back(s.unknown_rank ? graph::PartialShape() : graph::PartialShape(s.shape));
  }
  return out;
}

// The bodies may still call helper functions (nested Keras layers): flatten them so gradients see every op.
void InlineRemainingCalls(const graph::Builder& b) {
  if (!b.ok()) return;
  auto inlined = graph::InlineCalls(b.graph());
  if (!inlined.ok()) b.SetError(inlined.status());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ModelLowering>> ModelLowering::Create(const tf::FunctionalModel& model,
                                                                     graph::FunctionLibrary* library) {
  graph::ImportOptions options;
  for (const tf::ModelFunction* f : {&model.predict_training, &model.predict_inference, &model.loss}) {
    options.arg_shapes[f->name()] = Shapes(f->inputs);
  }
  TB_RETURN_IF_ERROR(graph::ImportFunctionLibrary(model.library, library, options));
  auto lowering = std::unique_ptr<ModelLowering>(new ModelLowering());
  lowering->predict_training_ = library->Find(model.predict_training.name());
  lowering->predict_inference_ = library->Find(model.predict_inference.name());
  lowering->loss_ = library->Find(model.loss.name());
  if (!lowering->predict_training_ || !lowering->predict_inference_ || !lowering->loss_) {
    return absl::InvalidArgumentError("the model's library lacks its predict or loss body");
  }
  return lowering;
}

std::vector<Output> ModelLowering::EmitPredict(const graph::Builder& b, bool training,
                                               const std::vector<Output>& weights,
                                               const std::vector<Output>& features) const {
  std::vector<Output> args = weights;
  args.insert(args.end(), features.begin(), features.end());
  const graph::Function& fn = training ? *predict_training_ : *predict_inference_;
  std::vector<Output> out =
      Instantiate(b.WithScope(training ? "predict_on_batch_training" : "predict_on_batch_inference"), fn, args).outputs;
  InlineRemainingCalls(b);
  return out;
}

Output ModelLowering::EmitLoss(const graph::Builder& b, const std::vector<Output>& predictions,
                               const std::vector<Output>& labels) const {
  std::vector<Output> args = predictions;
  args.insert(args.end(), labels.begin(), labels.end());
  std::vector<Output> out = Instantiate(b.WithScope("loss"), *loss_, args).outputs;
  InlineRemainingCalls(b);
  if (out.size() != 1) {
    if (b.ok()) b.SetError(absl::InvalidArgumentError(absl::StrCat("the model's loss returns ", out.size(), " values")));
    return Output();
  }
  return out[0];
}

std::vector<Output> ModelLowering::EmitGradients(const graph::Builder& b, Output loss,
                                                 const std::vector<Output>& wrt) const {
  if (!b.ok()) return {};
  graph::GradientOptions options;
  options.zeros_for_unconnected = true;  // a weight the loss ignores gets a zero gradient (fl-semantics.md §1.2)
  options.scope = b.scope().empty() ? "gradients" : b.scope();
  auto grads = graph::AddGradients(b.graph(), {loss}, wrt, {}, options);
  if (!grads.ok()) {
    b.SetError(grads.status());
    return {};
  }
  return *std::move(grads);
}

}  // namespace tb::fl
