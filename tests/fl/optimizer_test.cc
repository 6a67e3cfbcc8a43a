// The lowered tff.learning optimizers against hand-computed steps: SGD is w - lr*g, Adam follows TFF's formulas in
// their operation order, so float32 results agree bit for bit over several steps.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "fl/optimizer.h"
#include "gtest/gtest.h"
#include "runtime/interpreter/ir_interpreter.h"

namespace tb::fl {
namespace {

// Runs `steps` optimizer steps through a lowered step function; returns the weights after each step.
std::vector<std::vector<float>> RunSteps(const OptimizerSpec& spec, std::vector<float> w,
                                         const std::vector<std::vector<float>>& grads) {
  const graph::TensorType type{tf::DType::kFloat, graph::PartialShape({static_cast<int64_t>(w.size())})};
  auto init = OptimizerInitialState(spec, {type});
  EXPECT_TRUE(init.ok()) << init.status();
  graph::FunctionLibrary lib;
  graph::Function* fn = *lib.Create("step");
  std::vector<Output> state;
  for (size_t i = 0; i < init->size(); ++i) state.push_back(*fn->AddArg(absl::StrCat("s", i), (*init)[i].slot.type));
  Output weights = *fn->AddArg("w", type);
  Output grad = *fn->AddArg("g", type);
  graph::Builder b(fn);
  OptimizerStep step = EmitOptimizerStep(b, spec, state, {weights}, {grad});
  EXPECT_TRUE(b.ok()) << b.status();
  for (size_t i = 0; i < step.state.size(); ++i) EXPECT_TRUE(fn->AddReturn(absl::StrCat("next_s", i), b.Identity(step.state[i])).ok());
  EXPECT_TRUE(fn->AddReturn("next_w", b.Identity(step.weights[0])).ok());

  runtime::IrInterpreter interpreter(&lib);
  std::vector<tf::Tensor> st;
  for (const StateTensor& s : *init) st.push_back(s.initial);
  std::vector<std::vector<float>> out;
  tf::Tensor wt = tf::Tensor::FromVector<float>(w);
  for (const auto& g : grads) {
    std::vector<tf::Tensor> args = st;
    args.push_back(wt);
    args.push_back(tf::Tensor::FromVector<float>(g));
    auto r = interpreter.Call(*fn, args);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    st.assign(r->begin(), r->end() - 1);
    wt = r->back();
    out.emplace_back(wt.flat<float>().begin(), wt.flat<float>().end());
  }
  return out;
}

TEST(OptimizerTest, SgdIsWeightMinusLearningRateTimesGradient) {
  const std::vector<float> w = {1.0f, -2.0f, 0.5f};
  const std::vector<std::vector<float>> g = {{0.1f, 0.2f, -0.3f}, {1.5f, -0.25f, 0.0f}};
  const float lr = 0.1f;
  auto got = RunSteps({OptimizerKind::kSgd, 0.1}, w, g);
  ASSERT_EQ(got.size(), 2u);
  std::vector<float> expect = w;
  for (size_t s = 0; s < g.size(); ++s) {
    for (size_t i = 0; i < w.size(); ++i) expect[i] = expect[i] - lr * g[s][i];
    for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(got[s][i], expect[i]) << "step " << s << " index " << i;
  }
}

TEST(OptimizerTest, AdamMatchesTffFormulasBitForBit) {
  const std::vector<float> w = {1.0f, -2.0f, 0.5f, 0.0f};
  const std::vector<std::vector<float>> g = {
      {0.1f, 0.2f, -0.3f, 0.0f}, {1.5f, -0.25f, 0.0f, 2.0f}, {-0.7f, 0.01f, 0.3f, -1.0f}};
  const OptimizerSpec spec{OptimizerKind::kAdam, 0.01};
  auto got = RunSteps(spec, w, g);
  ASSERT_EQ(got.size(), g.size());
  const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
  std::vector<float> wv = w, acc(w.size(), 0.0f), pre(w.size(), 0.0f);
  for (size_t s = 0; s < g.size(); ++s) {
    const float t = static_cast<float>(s + 1);
    const float normalized_lr = (lr * std::sqrt(1.0f - std::pow(b2, t))) / (1.0f - std::pow(b1, t));
    for (size_t i = 0; i < w.size(); ++i) {
      acc[i] = acc[i] + (g[s][i] - acc[i]) * (1.0f - b1);
      pre[i] = pre[i] + (g[s][i] * g[s][i] - pre[i]) * (1.0f - b2);
      wv[i] = wv[i] - (normalized_lr * acc[i]) / (std::sqrt(pre[i]) + eps);
      EXPECT_EQ(got[s][i], wv[i]) << "step " << s << " index " << i;
    }
  }
}

}  // namespace
}  // namespace tb::fl
