// `taskbuilder example-model --kind=mlp|cnn --out=DIR`: writes a TFF functional-model SavedModel like the ODP
// keras (mlp) or mnist (cnn) sample, with size options, so builds, tests and the quickstart need no fixtures.
// Prints a JSON summary on stdout.
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "nlohmann/json.hpp"
#include "tf/example_models.h"
#include "tf/functional_model_writer.h"

namespace tb::cli {
namespace {

constexpr char kUsage[] =
    "taskbuilder example-model --kind=mlp|cnn --out=DIR [--seed=N]\n"
    "  mlp (like the keras sample): [--input_dim=784] [--hidden_units=256] [--keras_sample_head]\n"
    "      x float32[?,input_dim] -> Dense+ReLU -> Dense(2) -> softmax -> [:,0]; binary cross-entropy on int64\n"
    "      labels [?,1]. --keras_sample_head adds the sample's sigmoid after Dense(2), which keeps the output in\n"
    "      [0.27, 0.73] (the loss cannot fall below 0.31); without it the output spans (0, 1) and the model learns.\n"
    "  cnn (like the mnist sample): [--height=28] [--width=28] [--channels=1] [--kernel_size=5] [--filters1=32]\n"
    "      [--filters2=64] [--dense_units=512] [--classes=10]\n"
    "      x float32[?,h,w,c] -> (Conv2D+ReLU+MaxPool) x2 -> Reshape -> Dense+ReLU -> Dense+softmax; sparse\n"
    "      categorical cross-entropy on int32 labels [?]\n"
    "  Weights are Glorot-uniform from --seed (default 1), biases zero. Existing files in DIR are replaced.\n";

int Fail(const std::string& message) {
  std::cerr << "taskbuilder example-model: " << message << "\n";
  return 2;
}

int RunExampleModel(const Flags& flags) {
  const std::set<std::string> mlp_flags = {"input_dim", "hidden_units", "keras_sample_head"};
  const std::set<std::string> cnn_flags = {"height", "width", "channels", "kernel_size", "filters1", "filters2",
                                           "dense_units", "classes"};
  std::set<std::string> known = {"kind", "out", "seed", "help", "quiet", "verbose"};
  known.insert(mlp_flags.begin(), mlp_flags.end());
  known.insert(cnn_flags.begin(), cnn_flags.end());
  if (absl::Status s = flags.CheckKnown(known); !s.ok()) return Fail(std::string(s.message()));
  const std::string kind = flags.GetOr("kind", "");
  const std::string out = flags.GetOr("out", "");
  if (kind != "mlp" && kind != "cnn") return Fail("--kind must be mlp or cnn\n" + std::string(kUsage));
  if (out.empty()) return Fail("--out=DIR is required");
  for (const std::string& f : kind == "mlp" ? cnn_flags : mlp_flags) {
    if (flags.Has(f)) return Fail(absl::StrCat("--", f, " does not apply to --kind=", kind));
  }
  std::string error;
  auto get = [&](const std::string& name, int64_t fallback) -> int64_t {
    auto v = flags.GetInt(name, fallback);
    if (!v.ok()) {
      if (error.empty()) error = std::string(v.status().message());
      return fallback;
    }
    return *v;
  };
  const int64_t seed = get("seed", 1);
  absl::StatusOr<tf::FunctionalModel> model;
  if (kind == "mlp") {
    tf::MlpOptions o;
    o.input_dim = get("input_dim", o.input_dim);
    o.hidden_units = get("hidden_units", o.hidden_units);
    o.keras_sample_head = flags.GetBool("keras_sample_head");
    o.seed = static_cast<uint32_t>(seed);
    if (!error.empty()) return Fail(error);
    model = tf::BuildMlpModel(o);
  } else {
    tf::CnnOptions o;
    o.height = get("height", o.height);
    o.width = get("width", o.width);
    o.channels = get("channels", o.channels);
    o.kernel_size = get("kernel_size", o.kernel_size);
    o.filters1 = get("filters1", o.filters1);
    o.filters2 = get("filters2", o.filters2);
    o.dense_units = get("dense_units", o.dense_units);
    o.classes = get("classes", o.classes);
    o.seed = static_cast<uint32_t>(seed);
    if (!error.empty()) return Fail(error);
    model = tf::BuildCnnModel(o);
  }
  if (!model.ok()) return Fail(std::string(model.status().message()));
  if (absl::Status s = tf::WriteFunctionalModel(*model, out); !s.ok()) return Fail(std::string(s.message()));

  int64_t parameters = 0;
  uint64_t bytes = 0;
  nlohmann::json weights = nlohmann::json::array();
  for (const auto& w : model->trainable_weights) {
    parameters += w.tensor.num_elements();
    bytes += w.tensor.byte_size();
    weights.push_back({{"name", w.name}, {"type", w.tensor.DebugType()}});
  }
  nlohmann::json j = {{"kind", kind},
                      {"saved_model", out},
                      {"input_spec", tf::TffTypeToString(model->input_spec)},
                      {"parameters", parameters},
                      {"weight_bytes", bytes},
                      {"weights", weights}};
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "example-model",
                     .summary = "Write an example TFF functional-model SavedModel (mlp like keras, cnn like mnist).",
                     .usage = kUsage,
                     .bool_flags = {"keras_sample_head"},
                     .run = &RunExampleModel});

}  // namespace tb::cli
