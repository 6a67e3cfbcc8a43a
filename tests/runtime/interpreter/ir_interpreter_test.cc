// The IR interpreter: feeds/fetches/targets with pruning, function calls (PartitionedCall, by name, If, While),
// resource variables ordered by control edges, bounded recursion and loops, errors naming node and function.
#include <cmath>

#include "gtest/gtest.h"
#include "graph/builder.h"
#include "graph/function.h"
#include "runtime/interpreter/ir_interpreter.h"

namespace tb::runtime {
namespace {

using graph::AttrFunc;
using graph::AttrTypeList;
using graph::Builder;
using graph::Output;
using graph::PartialShape;
using tf::DType;

TEST(IrInterpreterTest, RunsAnMlpAndPrunes) {
  graph::Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({-1, 2}), "x");
  Output w = b.Const(tf::Tensor::FromVector<float>({1, -1, 2, 0.5}, {2, 2}));
  Output bias = b.Const(tf::Tensor::FromVector<float>({0.5, -3}));
  Output y = b.Softmax(b.Relu(b.BiasAdd(b.MatMul(x, w), bias)));
  Output unused = b.Exp(b.Exp(x));
  ASSERT_TRUE(b.ok()) << b.status();
  IrInterpreter interp;
  auto out = interp.Run(g, {{x, tf::Tensor::FromVector<float>({1, 2, -1, 1}, {2, 2})}}, {y});
  ASSERT_TRUE(out.ok()) << out.status();
  // Row 0: [1,2]·W + b = [5.5, -3] → relu [5.5, 0]; row 1: [1, 1.5] + b = [1.5, -1.5] → [1.5, 0].
  const auto p = (*out)[0].flat<float>();
  EXPECT_NEAR(p[0], 1 / (1 + std::exp(-5.5)), 1e-6);
  EXPECT_NEAR(p[2], 1 / (1 + std::exp(-1.5)), 1e-6);
  EXPECT_LT(interp.nodes_executed(), 10);  // the Exp chain did not run
  (void)unused;
  // Feeds are checked against the declared types.
  auto bad = interp.Run(g, {{x, tf::Tensor::FromVector<float>({1, 2, 3}, {1, 3})}}, {y});
  EXPECT_NE(bad.status().message().find("feed for x must be float[?,2]"), std::string::npos) << bad.status();
  auto missing = interp.Run(g, {}, {y});
  EXPECT_NE(missing.status().message().find("Placeholder node 'x' must be fed"), std::string::npos) << missing.status();
}

// f(x) = x*x + 1, called three ways.
TEST(IrInterpreterTest, FunctionCallsIfAndWhile) {
  graph::FunctionLibrary lib;
  auto* sq = *lib.Create("square_plus_one");
  {
    Builder fb(sq);
    Output a = *sq->AddArg("a", {DType::kFloat, PartialShape()});
    ASSERT_TRUE(sq->AddReturn("out", fb.Add(fb.Square(a), fb.Scalar<float>(1))).ok());
  }
  auto* neg = *lib.Create("negate");
  {
    Builder fb(neg);
    Output a = *neg->AddArg("a", {DType::kFloat, PartialShape()});
    ASSERT_TRUE(neg->AddReturn("out", fb.Neg(a)).ok());
  }
  // While loop: (i, acc) → (i+1, acc*2) while i < 5.
  auto* cond = *lib.Create("cond");
  {
    Builder fb(cond);
    Output i = *cond->AddArg("i", {DType::kInt32, PartialShape::Scalar()});
    cond->AddArg("acc", {DType::kFloat, PartialShape()}).IgnoreError();
    ASSERT_TRUE(cond->AddReturn("go", fb.Less(i, fb.Scalar<int32_t>(5))).ok());
  }
  auto* body = *lib.Create("body");
  {
    Builder fb(body);
    Output i = *body->AddArg("i", {DType::kInt32, PartialShape::Scalar()});
    Output acc = *body->AddArg("acc", {DType::kFloat, PartialShape()});
    ASSERT_TRUE(body->AddReturn("i_next", fb.Add(i, fb.Scalar<int32_t>(1))).ok());
    ASSERT_TRUE(body->AddReturn("acc_next", fb.Mul(acc, fb.Scalar<float>(2))).ok());
  }
  graph::Graph g(&lib);
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({2}), "x");
  Output call = b.Op("PartitionedCall", {graph::OpInput(std::vector<Output>{x})},
                     {{"f", AttrFunc("square_plus_one")}, {"Tout", AttrTypeList({DType::kFloat})}});
  Output by_name = b.Op("square_plus_one", {x});
  Output pred = b.Placeholder(DType::kBool, PartialShape::Scalar(), "pred");
  Output branch = b.Op("StatelessIf", {pred, graph::OpInput(std::vector<Output>{x})},
                       {{"then_branch", AttrFunc("square_plus_one")}, {"else_branch", AttrFunc("negate")},
                        {"Tout", AttrTypeList({DType::kFloat})}});
  std::vector<Output> loop = b.Ops("StatelessWhile", {graph::OpInput(std::vector<Output>{b.Scalar<int32_t>(0), x})},
                                   {{"cond", AttrFunc("cond")}, {"body", AttrFunc("body")}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(loop[1].shape().ToString(), "[2]");
  IrInterpreter interp(&lib);
  auto xv = tf::Tensor::FromVector<float>({2, -3});
  auto out = interp.Run(g, {{x, xv}, {pred, tf::Tensor::Scalar<bool>(false)}}, {call, by_name, branch, loop[0], loop[1]});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].flat<float>()[1], 10);
  EXPECT_EQ((*out)[1].flat<float>()[0], 5);
  EXPECT_EQ((*out)[2].flat<float>()[0], -2);  // else branch
  EXPECT_EQ((*out)[3].scalar<int32_t>(), 5);
  EXPECT_EQ((*out)[4].flat<float>()[1], -96);
  out = interp.Run(g, {{x, xv}, {pred, tf::Tensor::Scalar<bool>(true)}}, {branch});
  EXPECT_EQ((*out)[0].flat<float>()[0], 5);
  // Loops are bounded.
  interp.env().max_loop_iterations = 3;
  auto capped = interp.Run(g, {{x, xv}}, {loop[1]});
  EXPECT_NE(capped.status().message().find("did not finish within 3 iterations"), std::string::npos) << capped.status();
}

TEST(IrInterpreterTest, RecursionIsBoundedAndErrorsNameTheFunction) {
  graph::FunctionLibrary lib;
  // ping calls pong calls ping... (ping is built before pong exists, so its call is checked only at run time)
  graph::Function* ping = nullptr;
  for (auto [name, other] : {std::pair{"ping", "pong"}, std::pair{"pong", "ping"}}) {
    graph::Function* fn = *lib.Create(name);
    if (ping == nullptr) ping = fn;
    Builder fb(fn);
    Output a = *fn->AddArg("a", {DType::kFloat, PartialShape::Scalar()});
    Output r = fb.Op("PartitionedCall", {graph::OpInput(std::vector<Output>{a})},
                     {{"f", AttrFunc(other)}, {"Tout", AttrTypeList({DType::kFloat})}});
    ASSERT_TRUE(fb.ok()) << fb.status();
    ASSERT_TRUE(fn->AddReturn("out", r).ok());
  }
  IrInterpreter interp(&lib);
  auto r = interp.Call(*ping, {tf::Tensor::Scalar<float>(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  // A kernel error inside a function names the node and the function.
  auto* bad = *lib.Create("bad");
  Builder fb(bad);
  Output a = *bad->AddArg("a", {DType::kInt32, PartialShape({1})});
  ASSERT_TRUE(bad->AddReturn("out", fb.Div(a, fb.Const(tf::Tensor::FromVector<int32_t>({0})))).ok());
  auto e = interp.Call(*bad, {tf::Tensor::FromVector<int32_t>({4})});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("RealDiv node 'RealDiv'"), std::string::npos) << e.status();
  EXPECT_NE(e.status().message().find("function 'bad'"), std::string::npos) << e.status();
  EXPECT_FALSE(interp.Call(*bad, {tf::Tensor::FromVector<float>({4})}).ok());  // wrong argument dtype
}

TEST(IrInterpreterTest, VariablesFollowControlEdges) {
  graph::Graph g;
  Builder b(&g);
  graph::AttrMap var = {{"dtype", graph::AttrType(DType::kFloat)}, {"shape", graph::AttrShape(PartialShape({2}))},
                        {"shared_name", graph::AttrString("w")}};
  Output h = b.Op("VarHandleOp", {}, var);
  graph::Node* init = b.AddOp("AssignVariableOp", {h, b.Const(tf::Tensor::FromVector<float>({1, 2}))});
  Output read = b.WithControlDependencies({init}).Op("ReadVariableOp", {h}, {{"dtype", graph::AttrType(DType::kFloat)}});
  EXPECT_EQ(read.shape().ToString(), "[2]");  // from the VarHandleOp's shape attr
  Output doubled = b.Mul(read, b.Scalar<float>(2));
  graph::Node* update = b.AddOp("AssignVariableOp", {h, doubled});
  ASSERT_TRUE(b.ok()) << b.status();
  IrInterpreter interp;
  ASSERT_TRUE(interp.Run(g, {}, {}, {update}).ok());
  EXPECT_EQ(interp.resources().Get("w")->flat<float>()[1], 4);
  ASSERT_TRUE(interp.Run(g, {}, {}, {update}).ok());  // re-initialised, then doubled again
  EXPECT_EQ(interp.resources().Get("w")->flat<float>()[1], 4);
}

}  // namespace
}  // namespace tb::runtime
