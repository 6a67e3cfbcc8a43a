// Inlining, dead-code elimination, common-subexpression elimination and constant folding on small graphs whose
// expected result is known exactly; also the registry cross-check against the formats layer's OpDef table.
#include "gtest/gtest.h"
#include "graph/builder.h"
#include "graph/op_registry.h"
#include "graph/passes/inline.h"
#include "graph/passes/passes.h"
#include "runtime/interpreter/ir_interpreter.h"
#include "runtime/interpreter/kernel_evaluator.h"
#include "tf/op_defs.h"

namespace tb::graph {
namespace {

using tf::DType;

TEST(InlineTest, NestedCallsControlEdgesAndNames) {
  FunctionLibrary lib;
  auto* inner = *lib.Create("inner");
  {
    Builder b(inner);
    Output a = *inner->AddArg("a", {DType::kFloat, PartialShape({2})});
    ASSERT_TRUE(inner->AddReturn("out", b.WithName("twice").Mul(a, b.Scalar<float>(2))).ok());
  }
  auto* outer = *lib.Create("outer");
  {
    Builder b(outer);
    Output a = *outer->AddArg("a", {DType::kFloat, PartialShape({2})});
    Output c = b.WithName("call_inner").Op("PartitionedCall", {OpInput(std::vector<Output>{a})},
                                           {{"f", AttrFunc("inner")}, {"Tout", AttrTypeList({DType::kFloat})}});
    ASSERT_TRUE(outer->AddReturn("out", b.Add(c, b.Scalar<float>(1))).ok());
  }
  Graph g(&lib);
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({2}), "x");
  Node* gate = b.AddOp("NoOp", {});
  Output call = b.WithControlDependencies({gate}).WithName("call_outer").Op("outer", {x});
  Node* after = b.WithControlDependencies({call.node}).AddOp("NoOp", {});
  ASSERT_TRUE(b.ok()) << b.status();
  runtime::IrInterpreter interp(&lib);
  auto before = interp.Run(g, {{x, tf::Tensor::FromVector<float>({1, 2})}}, {call});
  ASSERT_TRUE(before.ok());
  auto n = InlineCalls(g);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  Node* twice = g.FindNode("call_outer/call_inner/twice");
  ASSERT_NE(twice, nullptr);
  // The call's control input gates inlined nodes without inputs (the outer body's constant).
  Node* two = g.FindNode("call_outer/Const");
  ASSERT_NE(two, nullptr);
  ASSERT_EQ(two->control_inputs().size(), 1u);
  EXPECT_EQ(two->control_inputs()[0], gate);
  // Waiting on the call became waiting on its result.
  ASSERT_FALSE(after->control_inputs().empty());
  Output result = g.FindNode("call_outer/AddV2")->output(0);
  auto inlined = interp.Run(g, {{x, tf::Tensor::FromVector<float>({1, 2})}}, {result});
  ASSERT_TRUE(inlined.ok()) << inlined.status();
  EXPECT_TRUE((*before)[0].Equals((*inlined)[0]));
  for (Node* node : g.nodes()) EXPECT_EQ(node->function(), nullptr);
}

TEST(InlineTest, RecursionIsBounded) {
  FunctionLibrary lib;
  // f calls g calls f (f is built before g exists, so its call is only checked when used).
  for (auto [name, callee] : {std::pair{"f", "g"}, std::pair{"g", "f"}}) {
    auto* fn = *lib.Create(name);
    Builder fb(fn);
    Output a = *fn->AddArg("a", {DType::kFloat, PartialShape()});
    Output c = fb.Op("PartitionedCall", {OpInput(std::vector<Output>{a})},
                     {{"f", AttrFunc(callee)}, {"Tout", AttrTypeList({DType::kFloat})}});
    ASSERT_TRUE(fn->AddReturn("out", c).ok()) << fb.status();
  }
  Graph g(&lib);
  Builder b(&g);
  b.Op("f", {b.Placeholder(DType::kFloat, PartialShape(), "x")});
  ASSERT_TRUE(b.ok());
  auto n = InlineCalls(g);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kResourceExhausted) << n.status();
}

TEST(DceCseTest, RemovesDeadAndDuplicateWork) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({3}), "x");
  Output y = b.Placeholder(DType::kFloat, PartialShape({3}), "y");  // equal to x in form, must not merge
  Output e1 = b.Exp(x);
  Output e2 = b.Exp(x);  // duplicate
  Output sum = b.Add(e1, e2);
  Output dead = b.Neg(b.Exp(y));
  Node* var = b.AddOp("VarHandleOp", {}, {{"dtype", AttrType(DType::kFloat)}, {"shape", AttrShape(PartialShape({}))}});
  ASSERT_TRUE(b.ok()) << b.status();
  const std::string dead_name = dead.node->name(), var_name = var->name();
  auto cse = EliminateCommonSubexpressions(g);
  ASSERT_TRUE(cse.ok());
  EXPECT_EQ(*cse, 1);
  EXPECT_EQ(sum.node->input(0), sum.node->input(1));
  EXPECT_NE(g.FindNode("y"), nullptr);
  auto dce = EliminateDeadCode(g, {sum});
  ASSERT_TRUE(dce.ok());
  EXPECT_EQ(*dce, 3);  // y, its Exp and Neg
  EXPECT_EQ(g.FindNode(dead_name), nullptr);
  EXPECT_NE(g.FindNode(var_name), nullptr);  // stateful ops are kept by default
  EXPECT_EQ(*EliminateDeadCode(g, {sum}, {}, {.keep_stateful = false}), 1);
}

TEST(FoldTest, ShapeFactsWithoutKernelsAndFullFoldingWithThem) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({-1, 4}), "x");
  Output w = b.Const(tf::Tensor::FromVector<float>({1, 2, 3, 4}, {4, 1}));
  Output two_w = b.WithName("scaled").Mul(w, b.Scalar<float>(2));
  Output shape_w = b.Op("Shape", {w});
  Output reshaped = b.WithName("flat_w").Reshape(two_w, b.Op("Prod", {shape_w, b.Int32s({0})}, {{"keep_dims", AttrBool(true)}}));
  Output y = b.MatMul(x, two_w);
  Output dyn = b.Op("Shape", {x});  // batch unknown: must stay
  ASSERT_TRUE(b.ok()) << b.status();
  // Folding replaces nodes, so refer to them by name from here on.
  const std::string shape_w_name = shape_w.node->name(), dyn_name = dyn.node->name();
  Node* matmul = y.node;
  auto n = FoldConstants(g, nullptr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);  // only Shape(w)
  EXPECT_TRUE(g.FindNode(shape_w_name)->IsConst());
  runtime::KernelEvaluator evaluator;
  n = FoldConstants(g, &evaluator);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);  // scaled, Prod, flat_w
  Node* scaled = g.FindNode("scaled");
  ASSERT_NE(scaled, nullptr);
  EXPECT_TRUE(scaled->IsConst());  // the folded constant keeps the node's name
  EXPECT_EQ(scaled->ConstValue()->flat<float>()[3], 8);
  EXPECT_TRUE(g.FindNode("flat_w")->IsConst());
  EXPECT_EQ(g.FindNode("flat_w")->output_type(0).shape, PartialShape({4}));
  EXPECT_FALSE(g.FindNode(dyn_name)->IsConst());
  EXPECT_EQ(matmul->input(1).node, scaled);
  (void)reshaped;
}

// Our registry and the formats layer's OpDef table encode the same TF 2.14 facts independently: for every op both
// know, the argument lists and attr definitions must agree.
TEST(OpRegistryCrossCheck, AgreesWithTheFormatsLayerOpDefs) {
  int compared = 0;
  for (const std::string& name : OpRegistry::Global().OpNames()) {
    const OpRegistration* ours = OpRegistry::Global().Find(name);
    const tensorflow::OpDef* theirs = tf::FindOpDef(name);
    if (ours->internal || theirs == nullptr) continue;
    ++compared;
    SCOPED_TRACE(name);
    ASSERT_EQ(ours->def.input_arg_size(), theirs->input_arg_size());
    ASSERT_EQ(ours->def.output_arg_size(), theirs->output_arg_size());
    auto same_args = [](const auto& a, const auto& b) {
      for (int i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].name(), b[i].name());
        EXPECT_EQ(a[i].type(), b[i].type()) << a[i].name();
        EXPECT_EQ(a[i].type_attr(), b[i].type_attr()) << a[i].name();
        EXPECT_EQ(a[i].number_attr(), b[i].number_attr()) << a[i].name();
        EXPECT_EQ(a[i].type_list_attr(), b[i].type_list_attr()) << a[i].name();
      }
    };
    same_args(ours->def.input_arg(), theirs->input_arg());
    same_args(ours->def.output_arg(), theirs->output_arg());
    EXPECT_EQ(ours->def.is_stateful(), theirs->is_stateful());
    std::map<std::string, const tensorflow::OpDef::AttrDef*> their_attrs;
    for (const auto& a : theirs->attr()) their_attrs[a.name()] = &a;
    for (const auto& a : ours->def.attr()) {
      auto it = their_attrs.find(a.name());
      if (it == their_attrs.end()) {
        ADD_FAILURE() << "attr " << a.name() << " only in our registry";
        continue;
      }
      const auto& t = *it->second;
      EXPECT_EQ(a.type(), t.type()) << a.name();
      EXPECT_EQ(a.has_default_value(), t.has_default_value()) << a.name();
      if (a.has_default_value() && t.has_default_value()) {
        EXPECT_TRUE(AttrValuesEqual(a.default_value(), t.default_value()))
            << a.name() << ": " << a.default_value().DebugString() << " vs " << t.default_value().DebugString();
      }
      EXPECT_EQ(a.has_minimum() ? a.minimum() : 0, t.has_minimum() ? t.minimum() : 0) << a.name();
      // Allowed types: ours may omit post-2.14 members, but every type we allow must be allowed by TF.
      std::set<int> allowed(t.allowed_values().list().type().begin(), t.allowed_values().list().type().end());
      for (int ty : a.allowed_values().list().type()) {
        EXPECT_TRUE(allowed.empty() || allowed.count(ty)) << a.name() << " allows " << ty;
      }
      std::set<std::string> strs(t.allowed_values().list().s().begin(), t.allowed_values().list().s().end());
      EXPECT_EQ(std::set<std::string>(a.allowed_values().list().s().begin(), a.allowed_values().list().s().end()), strs)
          << a.name();
      their_attrs.erase(it);
    }
    for (const auto& [attr, def] : their_attrs) ADD_FAILURE() << "attr " << attr << " missing from our registry";
  }
  EXPECT_GT(compared, 80);
}

}  // namespace
}  // namespace tb::graph
