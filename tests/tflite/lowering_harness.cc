#include "tests/tflite/lowering_harness.h"

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "runtime/interpreter/ir_interpreter.h"
#include "runtime/kernels/resource.h"
#include "runtime/tflite/interpreter.h"
#include "tflite/model_reader.h"

namespace tb::tflite::testing {

absl::StatusOr<BothRuns> RunBoth(const std::vector<InputSpec>& inputs, const BodyFn& body,
                                 graph::FunctionLibrary* library) {
  graph::Graph g(library);
  graph::Builder b(&g);
  std::vector<graph::Output> placeholders;
  LoweringOptions options;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = absl::StrCat("x", i);
    placeholders.push_back(b.Placeholder(inputs[i].dtype, inputs[i].shape, name));
    options.inputs.push_back(name);
  }
  std::vector<graph::Output> outs = body(b, placeholders);
  if (!b.ok()) return b.status();
  options.outputs = outs;
  BothRuns runs;
  auto lowered = LowerToTfLite(g, options);
  if (!lowered.ok()) return lowered.status();
  runs.program = std::move(*lowered);

  runtime::IrInterpreter ir(library);
  std::map<graph::Output, tf::Tensor> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) feeds[placeholders[i]] = inputs[i].value;
  auto ir_out = ir.Run(g, feeds, outs);
  if (!ir_out.ok()) return absl::Status(ir_out.status().code(), absl::StrCat("IR run: ", ir_out.status().message()));
  runs.ir = std::move(*ir_out);

  auto model = Model::Parse(runs.program.flatbuffer);
  if (!model.ok()) return model.status();
  auto interp = runtime::tflite::Interpreter::Create(std::make_shared<const Model>(std::move(*model)));
  if (!interp.ok()) return absl::Status(interp.status().code(), absl::StrCat("TFLite create: ", interp.status().message()));
  runtime::ResourceStore resources;
  runtime::KernelEnv env;
  env.resources = &resources;
  (*interp)->set_env(env);
  std::vector<tf::Tensor> feed;
  for (const InputSpec& in : inputs) feed.push_back(in.value);
  auto out = (*interp)->Invoke(0, feed);
  if (!out.ok()) return absl::Status(out.status().code(), absl::StrCat("TFLite run: ", out.status().message()));
  runs.tflite = std::move(*out);
  return runs;
}

tf::Tensor RandomFloats(const tf::Shape& shape, uint64_t seed, float lo, float hi, bool ties) {
  tf::Tensor t(tf::DType::kFloat, shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::uniform_int_distribution<int> level(0, 3);
  for (float& v : t.flat<float>()) v = ties ? lo + (hi - lo) * level(rng) / 4.0f : u(rng);
  return t;
}

tf::Tensor RandomInts(const tf::Shape& shape, uint64_t seed, int64_t lo, int64_t hi, tf::DType dtype) {
  tf::Tensor t(dtype, shape);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> u(lo, hi - 1);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (dtype == tf::DType::kInt32) {
      t.flat<int32_t>()[i] = static_cast<int32_t>(u(rng));
    } else {
      t.flat<int64_t>()[i] = u(rng);
    }
  }
  return t;
}

std::string Compare(const tf::Tensor& want, const tf::Tensor& got, double rtol) {
  if (want.dtype() != got.dtype()) return absl::StrCat("dtype ", want.DebugType(), " vs ", got.DebugType());
  if (want.shape() != got.shape()) return absl::StrCat("shape ", want.DebugType(), " vs ", got.DebugType());
  if (want.dtype() == tf::DType::kFloat) {
    auto a = want.flat<float>(), b = got.flat<float>();
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::isnan(a[i]) && std::isnan(b[i])) continue;
      if (rtol == 0.0) {
        if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return absl::StrCat("element ", i, ": ", a[i], " vs ", b[i]);
      } else if (!(std::fabs(a[i] - b[i]) <= rtol * std::max(1.0, std::fabs(static_cast<double>(a[i]))))) {
        return absl::StrCat("element ", i, ": ", a[i], " vs ", b[i]);
      }
    }
    return "";
  }
  if (!want.Equals(got)) return absl::StrCat("values differ (", want.DebugType(), ")");
  return "";
}

int CountOps(const std::string& flatbuffer, const std::string& name) {
  auto model = Model::Parse(flatbuffer);
  if (!model.ok()) return -1;
  int n = 0;
  for (int s = 0; s < model->num_subgraphs(); ++s) {
    for (const fb::Operator* op : *model->subgraph(s).operators()) n += model->OpName(*op) == name;
  }
  return n;
}

}  // namespace tb::tflite::testing
