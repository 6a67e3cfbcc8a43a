#include "graph/model_import.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::graph {
namespace {

PartialShape SpecShape(const tf::TensorSpec& spec) {
  if (spec.unknown_rank) return PartialShape();
  auto s = PartialShape::FromDims(spec.shape);
  return s.ok() ? *s : PartialShape();
}

}  // namespace

absl::StatusOr<ModelFunctions> ImportModelFunctions(const tf::FunctionalModel& model, const ImportOptions& options) {
  ImportOptions opts = options;
  // Weights have fully known shapes; features and labels carry the input spec's unknown batch dimension.
  std::vector<PartialShape> predict_args;
  for (const auto& w : model.trainable_weights) predict_args.emplace_back(w.tensor.shape());
  for (const auto& w : model.non_trainable_weights) predict_args.emplace_back(w.tensor.shape());
  for (const auto& f : model.features) predict_args.push_back(SpecShape(f));
  for (const auto* fn : {&model.predict_training, &model.predict_inference}) {
    if (fn->inputs.size() == predict_args.size() && !opts.arg_shapes.count(fn->name())) {
      opts.arg_shapes[fn->name()] = predict_args;
    }
  }
  std::vector<PartialShape> loss_args;
  for (const auto& s : model.loss.inputs) loss_args.push_back(SpecShape(s));
  if (!opts.arg_shapes.count(model.loss.name())) opts.arg_shapes[model.loss.name()] = loss_args;

  ModelFunctions out;
  out.library = std::make_unique<FunctionLibrary>();
  absl::Status s = ImportFunctionLibrary(model.library, out.library.get(), opts);
  if (!s.ok()) return Annotate(s, absl::StrCat("importing the model in ", model.saved_model_dir));
  out.predict_training = out.library->Find(model.predict_training.name());
  out.predict_inference = out.library->Find(model.predict_inference.name());
  out.loss = out.library->Find(model.loss.name());
  if (!out.predict_training || !out.predict_inference || !out.loss) {
    return absl::InvalidArgumentError("the model's library lacks its predict or loss body");
  }
  if (out.loss->returns().size() != 1 || !out.loss->returns()[0].value.shape().IsCompatibleWith(PartialShape::Scalar())) {
    return absl::InvalidArgumentError(absl::StrCat("the loss function '", out.loss->name(), "' must return one scalar"));
  }
  return out;
}

}  // namespace tb::graph
