#include "tf/example_models.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tf/function_builder.h"

namespace tb::tf {
namespace {

constexpr float kEpsilon = 1e-7f;  // Keras' backend epsilon, used to clip probabilities.

// Glorot-uniform kernel from a fixed-seed generator (bit-exact across platforms: no std distributions).
Tensor GlorotUniform(const Shape& shape, int64_t fan_in, int64_t fan_out, std::mt19937* rng) {
  Tensor t(DType::kFloat, shape);
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  for (float& v : t.flat<float>()) {
    const float u = static_cast<float>((*rng)() >> 8) * (1.0f / 16777216.0f);  // [0, 1)
    v = (2.0f * u - 1.0f) * limit;
  }
  return t;
}

absl::Status CheckPositive(std::initializer_list<std::pair<const char*, int64_t>> values) {
  for (const auto& [name, v] : values) {
    if (v <= 0 || v > (int64_t{1} << 31)) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be between 1 and 2^31, got ", v));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSize(const std::vector<Shape>& shapes) {
  uint64_t total = 0;
  for (const Shape& s : shapes) {
    auto n = NumElements(s, static_cast<int64_t>(kMaxExampleModelBytes / 4));
    if (!n.ok()) return absl::InvalidArgumentError(absl::StrCat("weights too large: ", n.status().message()));
    total += static_cast<uint64_t>(*n) * 4;
  }
  if (total > kMaxExampleModelBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the model would have ", total, " bytes of weights, more than ",
                                                   kMaxExampleModelBytes));
  }
  return absl::OkStatus();
}

TensorSpec Spec(std::string name, DType dtype, std::vector<int64_t> shape) {
  return TensorSpec{.name = std::move(name), .dtype = dtype, .shape = std::move(shape)};
}

// Weight argument names as TF traces them: model_weights, model_weights_1, ...
std::string WeightArg(size_t i) { return i == 0 ? "model_weights" : absl::StrCat("model_weights_", i); }

// Adds Dense: MatMul + BiasAdd (+ activation) under `scope`; returns the output reference.
std::string Dense(FunctionBuilder& b, const std::string& scope, const std::string& x, const std::string& kernel,
                  const std::string& bias, const std::string& activation) {
  const auto f32 = TypeAttr(DType::kFloat);
  std::string y = b.AddNode(scope + "/MatMul", "MatMul", {x, kernel}, {{"T", f32}});
  y = b.AddNode(scope + "/BiasAdd", "BiasAdd", {y, bias}, {{"T", f32}});
  if (!activation.empty()) y = b.AddNode(scope + "/" + activation, activation, {y}, {{"T", f32}});
  return y;
}

// Fills the parts both example models share and checks the bodies.
absl::StatusOr<FunctionalModel> Assemble(std::vector<NamedTensor> weights, TensorSpec x, TensorSpec y,
                                         FunctionBuilder& predict_training, FunctionBuilder& predict_inference,
                                         FunctionBuilder& loss, const std::vector<TensorSpec>& predict_inputs,
                                         TensorSpec prediction, const std::vector<TensorSpec>& loss_inputs) {
  FunctionalModel m;
  m.tensorflow_version = "2.14.0";
  m.graph_producer = 1575;
  TB_ASSIGN_OR_RETURN(auto pt, predict_training.Build());
  TB_ASSIGN_OR_RETURN(auto pi, predict_inference.Build());
  TB_ASSIGN_OR_RETURN(auto l, loss.Build());
  TensorSpec loss_out = Spec("identity", DType::kFloat, {});
  m.predict_training = ModelFunction::FromBody(std::move(pt), predict_inputs, {prediction});
  m.predict_inference = ModelFunction::FromBody(std::move(pi), predict_inputs, {prediction});
  m.loss = ModelFunction::FromBody(std::move(l), loss_inputs, {loss_out});
  for (const ModelFunction* f : {&m.predict_inference, &m.predict_training, &m.loss}) *m.library.add_function() = f->function;
  std::sort(m.library.mutable_function()->begin(), m.library.mutable_function()->end(),
            [](const auto& a, const auto& b) { return a.signature().name() < b.signature().name(); });
  m.trainable_weights = std::move(weights);
  m.features = {x};
  m.labels = {y};
  auto* xy = m.input_spec.mutable_struct_();
  *xy->add_element()->mutable_value() = TffTensorType(x);
  *xy->add_element()->mutable_value() = TffTensorType(y);
  m.predict_training_type = TffTensorType(prediction);
  m.predict_inference_type = TffTensorType(prediction);
  m.loss_type = TffTensorType(loss_out);
  return m;
}

// Mean over the batch of `per_example` ([batch] float), as Keras' SUM_OVER_BATCH_SIZE reduction computes it.
std::string BatchMean(FunctionBuilder& b, const std::string& per_example) {
  const auto f32 = TypeAttr(DType::kFloat);
  const std::string axis = b.AddConst("Const_axis", Tensor::FromVector<int32_t>({0}));
  const std::string total = b.AddNode("Sum", "Sum", {per_example, axis}, {{"T", f32}});
  const std::string size = b.AddNode("Size", "Size", {per_example}, {{"T", f32}});
  const std::string count =
      b.AddNode("Cast_count", "Cast", {size}, {{"SrcT", TypeAttr(DType::kInt32)}, {"DstT", f32}});
  return b.AddNode("value", "DivNoNan", {total, count}, {{"T", f32}});
}

}  // namespace

absl::StatusOr<FunctionalModel> BuildMlpModel(const MlpOptions& o) {
  TB_RETURN_IF_ERROR(CheckPositive({{"input_dim", o.input_dim}, {"hidden_units", o.hidden_units}}));
  const std::vector<Shape> shapes = {{o.input_dim, o.hidden_units}, {o.hidden_units}, {o.hidden_units, 2}, {2}};
  TB_RETURN_IF_ERROR(CheckSize(shapes));
  std::mt19937 rng(o.seed);
  std::vector<NamedTensor> weights = {
      {"_weights/0/0", GlorotUniform(shapes[0], o.input_dim, o.hidden_units, &rng)},
      {"_weights/0/1", Tensor(DType::kFloat, shapes[1])},
      {"_weights/0/2", GlorotUniform(shapes[2], o.hidden_units, 2, &rng)},
      {"_weights/0/3", Tensor(DType::kFloat, shapes[3])},
  };
  const TensorSpec x = Spec("x", DType::kFloat, {-1, o.input_dim});
  const TensorSpec y = Spec("y", DType::kInt64, {-1, 1});
  std::vector<TensorSpec> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) inputs.push_back(Spec(WeightArg(i), DType::kFloat, shapes[i]));
  inputs.push_back(x);
  const TensorSpec prediction = Spec("identity", DType::kFloat, {-1});

  auto predict = [&](const std::string& name, FunctionBuilder& b) {
    std::vector<std::string> args;
    for (const TensorSpec& s : inputs) args.push_back(b.AddInput(s));
    std::string h = Dense(b, "example_model/first_dense_layer", args[4], args[0], args[1], "Relu");
    h = Dense(b, "example_model/second_dense_layer", h, args[2], args[3], o.keras_sample_head ? "Sigmoid" : "");
    h = b.AddNode("example_model/softmax/Softmax", "Softmax", {h}, {{"T", TypeAttr(DType::kFloat)}});
    // [:, 0]
    const std::string begin = b.AddConst("example_model/strided_slice/stack", Tensor::FromVector<int32_t>({0, 0}));
    const std::string end = b.AddConst("example_model/strided_slice/stack_1", Tensor::FromVector<int32_t>({0, 1}));
    const std::string strides = b.AddConst("example_model/strided_slice/stack_2", Tensor::FromVector<int32_t>({1, 1}));
    h = b.AddNode("example_model/strided_slice", "StridedSlice", {h, begin, end, strides},
                  {{"T", TypeAttr(DType::kFloat)},
                   {"Index", TypeAttr(DType::kInt32)},
                   {"begin_mask", IntAttr(1)},
                   {"end_mask", IntAttr(1)},
                   {"shrink_axis_mask", IntAttr(2)}});
    const std::string out = b.AddNode("Identity", "Identity", {h}, {{"T", TypeAttr(DType::kFloat)}});
    b.AddOutput("identity", DType::kFloat, out);
    (void)name;
  };
  FunctionBuilder training("__inference_predict_on_batch_training_100");
  FunctionBuilder inference("__inference_predict_on_batch_inference_101");
  predict("training", training);
  predict("inference", inference);

  // Binary cross-entropy on probabilities, clipped to [eps, 1-eps], averaged over the batch.
  const std::vector<TensorSpec> loss_inputs = {Spec("output", DType::kFloat, {-1}), Spec("label", DType::kInt64, {-1, 1})};
  FunctionBuilder loss("__inference_loss_102");
  const auto f32 = TypeAttr(DType::kFloat);
  const std::string p_in = loss.AddInput(loss_inputs[0]);
  const std::string label = loss.AddInput(loss_inputs[1]);
  std::string y_true = loss.AddNode("Cast", "Cast", {label}, {{"SrcT", TypeAttr(DType::kInt64)}, {"DstT", f32}});
  y_true = loss.AddNode("Squeeze", "Squeeze", {y_true}, {{"T", f32}, {"squeeze_dims", IntListAttr({-1})}});
  const std::string eps = loss.AddConst("Const_eps", Tensor::Scalar<float>(kEpsilon));
  const std::string one_minus_eps = loss.AddConst("Const_1_minus_eps", Tensor::Scalar<float>(1.0f - kEpsilon));
  const std::string one = loss.AddConst("Const_one", Tensor::Scalar<float>(1.0f));
  std::string p = loss.AddNode("clip/Minimum", "Minimum", {p_in, one_minus_eps}, {{"T", f32}});
  p = loss.AddNode("clip", "Maximum", {p, eps}, {{"T", f32}});
  const std::string log_p = loss.AddNode("Log", "Log", {loss.AddNode("add", "AddV2", {p, eps}, {{"T", f32}})}, {{"T", f32}});
  const std::string one_minus_p = loss.AddNode("sub", "Sub", {one, p}, {{"T", f32}});
  const std::string log_1mp =
      loss.AddNode("Log_1", "Log", {loss.AddNode("add_1", "AddV2", {one_minus_p, eps}, {{"T", f32}})}, {{"T", f32}});
  const std::string pos = loss.AddNode("mul", "Mul", {y_true, log_p}, {{"T", f32}});
  const std::string one_minus_y = loss.AddNode("sub_1", "Sub", {one, y_true}, {{"T", f32}});
  const std::string neg_part = loss.AddNode("mul_1", "Mul", {one_minus_y, log_1mp}, {{"T", f32}});
  const std::string sum = loss.AddNode("add_2", "AddV2", {pos, neg_part}, {{"T", f32}});
  const std::string per_example = loss.AddNode("Neg", "Neg", {sum}, {{"T", f32}});
  const std::string mean = BatchMean(loss, per_example);
  loss.AddOutput("identity", DType::kFloat, loss.AddNode("Identity", "Identity", {mean}, {{"T", f32}}));

  return Assemble(std::move(weights), x, y, training, inference, loss, inputs, prediction, loss_inputs);
}

absl::StatusOr<FunctionalModel> BuildCnnModel(const CnnOptions& o) {
  TB_RETURN_IF_ERROR(CheckPositive({{"height", o.height},
                                    {"width", o.width},
                                    {"channels", o.channels},
                                    {"kernel_size", o.kernel_size},
                                    {"filters1", o.filters1},
                                    {"filters2", o.filters2},
                                    {"dense_units", o.dense_units},
                                    {"classes", o.classes}}));
  // SAME padding keeps the size; each 2x2/stride-2 SAME pool halves it, rounding up.
  const int64_t h2 = (((o.height + 1) / 2) + 1) / 2;
  const int64_t w2 = (((o.width + 1) / 2) + 1) / 2;
  const int64_t flat = h2 * w2 * o.filters2;
  const int64_t k = o.kernel_size;
  const std::vector<Shape> shapes = {{k, k, o.channels, o.filters1}, {o.filters1}, {k, k, o.filters1, o.filters2},
                                     {o.filters2},                   {flat, o.dense_units}, {o.dense_units},
                                     {o.dense_units, o.classes},     {o.classes}};
  TB_RETURN_IF_ERROR(CheckSize(shapes));
  std::mt19937 rng(o.seed);
  std::vector<NamedTensor> weights;
  const std::vector<std::pair<int64_t, int64_t>> fans = {{k * k * o.channels, k * k * o.filters1},
                                                         {k * k * o.filters1, k * k * o.filters2},
                                                         {flat, o.dense_units},
                                                         {o.dense_units, o.classes}};
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string name = absl::StrCat("_weights/0/", i);
    if (i % 2 == 0) {
      weights.push_back({name, GlorotUniform(shapes[i], fans[i / 2].first, fans[i / 2].second, &rng)});
    } else {
      weights.push_back({name, Tensor(DType::kFloat, shapes[i])});
    }
  }
  const TensorSpec x = Spec("x", DType::kFloat, {-1, o.height, o.width, o.channels});
  const TensorSpec y = Spec("y", DType::kInt32, {-1});
  std::vector<TensorSpec> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) inputs.push_back(Spec(WeightArg(i), DType::kFloat, shapes[i]));
  inputs.push_back(x);
  const TensorSpec prediction = Spec("identity", DType::kFloat, {-1, o.classes});
  const auto f32 = TypeAttr(DType::kFloat);

  auto predict = [&](FunctionBuilder& b) {
    std::vector<std::string> a;
    for (const TensorSpec& s : inputs) a.push_back(b.AddInput(s));
    auto conv = [&](const std::string& scope, const std::string& in, const std::string& kernel,
                    const std::string& bias) {
      std::string h = b.AddNode(scope + "/Conv2D", "Conv2D", {in, kernel},
                                {{"T", f32}, {"strides", IntListAttr({1, 1, 1, 1})}, {"padding", StringAttr("SAME")}});
      h = b.AddNode(scope + "/BiasAdd", "BiasAdd", {h, bias}, {{"T", f32}});
      return b.AddNode(scope + "/Relu", "Relu", {h}, {{"T", f32}});
    };
    auto pool = [&](const std::string& scope, const std::string& in) {
      return b.AddNode(scope + "/MaxPool", "MaxPool", {in},
                       {{"T", f32},
                        {"ksize", IntListAttr({1, 2, 2, 1})},
                        {"strides", IntListAttr({1, 2, 2, 1})},
                        {"padding", StringAttr("SAME")}});
    };
    std::string h = conv("sequential/conv2d", a[8], a[0], a[1]);
    h = pool("sequential/max_pooling2d", h);
    h = conv("sequential/conv2d_1", h, a[2], a[3]);
    h = pool("sequential/max_pooling2d_1", h);
    const std::string shape = b.AddConst("sequential/flatten/Const", Tensor::FromVector<int32_t>({-1, static_cast<int32_t>(flat)}));
    h = b.AddNode("sequential/flatten/Reshape", "Reshape", {h, shape}, {{"T", f32}});
    h = Dense(b, "sequential/dense", h, a[4], a[5], "Relu");
    h = Dense(b, "sequential/dense_1", h, a[6], a[7], "Softmax");
    b.AddOutput("identity", DType::kFloat, b.AddNode("Identity", "Identity", {h}, {{"T", f32}}));
  };
  FunctionBuilder training("__inference_predict_on_batch_training_200");
  FunctionBuilder inference("__inference_predict_on_batch_inference_201");
  predict(training);
  predict(inference);

  // Sparse categorical cross-entropy on probabilities: log(clip(p)) as logits (softmax of log-probabilities is
  // the identity), averaged over the batch.
  const std::vector<TensorSpec> loss_inputs = {Spec("output", DType::kFloat, {-1, o.classes}),
                                               Spec("label", DType::kInt32, {-1})};
  FunctionBuilder loss("__inference_loss_202");
  const std::string p_in = loss.AddInput(loss_inputs[0]);
  const std::string label = loss.AddInput(loss_inputs[1]);
  const std::string labels64 =
      loss.AddNode("Cast", "Cast", {label}, {{"SrcT", TypeAttr(DType::kInt32)}, {"DstT", TypeAttr(DType::kInt64)}});
  const std::string eps = loss.AddConst("Const_eps", Tensor::Scalar<float>(kEpsilon));
  const std::string one_minus_eps = loss.AddConst("Const_1_minus_eps", Tensor::Scalar<float>(1.0f - kEpsilon));
  std::string p = loss.AddNode("clip/Minimum", "Minimum", {p_in, one_minus_eps}, {{"T", f32}});
  p = loss.AddNode("clip", "Maximum", {p, eps}, {{"T", f32}});
  const std::string logits = loss.AddNode("Log", "Log", {p}, {{"T", f32}});
  const std::string xent = loss.AddNode("SparseSoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
                                        {logits, labels64}, {{"T", f32}, {"Tlabels", TypeAttr(DType::kInt64)}});
  const std::string mean = BatchMean(loss, xent);
  loss.AddOutput("identity", DType::kFloat, loss.AddNode("Identity", "Identity", {mean}, {{"T", f32}}));

  return Assemble(std::move(weights), x, y, training, inference, loss, inputs, prediction, loss_inputs);
}

}  // namespace tb::tf
