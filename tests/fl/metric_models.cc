#include "tests/fl/metric_models.h"

#include <algorithm>

#include "base/status_macros.h"
#include "gtest/gtest.h"
#include "runtime/data/example.h"
#include "tf/example_models.h"
#include "tf/function_builder.h"
#include "tf/tensor_spec.h"

namespace tb::fl::testing {
namespace {

std::vector<int64_t> Batched(const std::vector<int64_t>& per_example) {
  std::vector<int64_t> out = {-1};
  out.insert(out.end(), per_example.begin(), per_example.end());
  return out;
}

}  // namespace

absl::StatusOr<tf::FunctionalModel> BuildPassThroughModel(const PassThroughModelOptions& o) {
  const auto f32 = tf::TypeAttr(tf::DType::kFloat);
  const tf::TensorSpec weight{.name = "model_weights", .dtype = tf::DType::kFloat, .shape = {1}};
  const tf::TensorSpec x{.name = "x", .dtype = tf::DType::kFloat, .shape = Batched(o.prediction_shape)};
  const tf::TensorSpec y{.name = "y", .dtype = o.label_dtype, .shape = Batched(o.label_shape)};
  const tf::TensorSpec prediction{.name = "identity", .dtype = tf::DType::kFloat, .shape = x.shape};
  const tf::TensorSpec loss_out{.name = "identity", .dtype = tf::DType::kFloat, .shape = {}};

  auto predict = [&](const std::string& name) {
    tf::FunctionBuilder b(name);
    const std::string w = b.AddInput(weight);
    const std::string in = b.AddInput(x);
    const std::string p = b.AddNode("mul", "Mul", {in, w}, {{"T", f32}});
    b.AddOutput("identity", tf::DType::kFloat, b.AddNode("Identity", "Identity", {p}, {{"T", f32}}));
    return b.Build();
  };
  TB_ASSIGN_OR_RETURN(tensorflow::FunctionDef training, predict("__inference_predict_on_batch_training_10"));
  TB_ASSIGN_OR_RETURN(tensorflow::FunctionDef inference, predict("__inference_predict_on_batch_inference_11"));

  const tf::TensorSpec loss_prediction{.name = "output", .dtype = tf::DType::kFloat, .shape = x.shape};
  const tf::TensorSpec loss_label{.name = "label", .dtype = o.label_dtype, .shape = y.shape};
  tf::FunctionBuilder lb("__inference_loss_12");
  const std::string p = lb.AddInput(loss_prediction);
  lb.AddInput(loss_label);
  std::vector<int32_t> axes(x.shape.size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int32_t>(i);
  const std::string all_axes = lb.AddConst("axes", tf::Tensor::FromVector<int32_t>(axes));
  const std::string sq = lb.AddNode("Square", "Square", {p}, {{"T", f32}});
  const std::string mean = lb.AddNode("Mean", "Mean", {sq, all_axes}, {{"T", f32}});
  lb.AddOutput("identity", tf::DType::kFloat, lb.AddNode("Identity", "Identity", {mean}, {{"T", f32}}));
  TB_ASSIGN_OR_RETURN(tensorflow::FunctionDef loss, lb.Build());

  tf::FunctionalModel m;
  m.tensorflow_version = "2.14.0";
  m.graph_producer = 1575;
  m.predict_training = tf::ModelFunction::FromBody(std::move(training), {weight, x}, {prediction});
  m.predict_inference = tf::ModelFunction::FromBody(std::move(inference), {weight, x}, {prediction});
  m.loss = tf::ModelFunction::FromBody(std::move(loss), {loss_prediction, loss_label}, {loss_out});
  for (const tf::ModelFunction* f : {&m.predict_inference, &m.predict_training, &m.loss}) {
    *m.library.add_function() = f->function;
  }
  m.trainable_weights = {{"_weights/0/0", tf::Tensor::FromVector<float>({1.0f})}};
  m.features = {x};
  m.labels = {y};
  auto* xy = m.input_spec.mutable_struct_();
  *xy->add_element()->mutable_value() = tf::TffTensorType(x);
  *xy->add_element()->mutable_value() = tf::TffTensorType(y);
  m.predict_training_type = tf::TffTensorType(prediction);
  m.predict_inference_type = tf::TffTensorType(prediction);
  m.loss_type = tf::TffTensorType(loss_out);
  return m;
}

std::string PassThroughExample(const std::vector<float>& prediction, const std::vector<double>& label,
                               tf::DType label_dtype) {
  runtime::data::ExampleBuilder b;
  b.AddFloats("x", prediction);
  if (label_dtype == tf::DType::kFloat) {
    std::vector<float> values(label.begin(), label.end());
    b.AddFloats("y", values);
  } else {
    std::vector<int64_t> values;
    for (double v : label) values.push_back(static_cast<int64_t>(v));
    b.AddInt64s("y", values);
  }
  return b.Serialize();
}

tf::FunctionalModel SmallExampleMlp() {
  tf::MlpOptions o;
  o.input_dim = 12;
  o.hidden_units = 8;
  o.seed = 3;
  auto m = tf::BuildMlpModel(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

tf::FunctionalModel SmallExampleCnn() {
  tf::CnnOptions o;
  o.height = 8;
  o.width = 8;
  o.kernel_size = 3;
  o.filters1 = 4;
  o.filters2 = 6;
  o.dense_units = 10;
  o.classes = 3;
  o.seed = 5;
  auto m = tf::BuildCnnModel(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

}  // namespace tb::fl::testing
