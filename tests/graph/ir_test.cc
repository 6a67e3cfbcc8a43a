// The IR core: types, the op registry's OpDefs, graph construction and its checks, the
// builder's naming and attr inference, shape inference.
#include "gtest/gtest.h"
#include "graph/builder.h"
#include "graph/function.h"
#include "graph/graph.h"
#include "graph/op_def_util.h"
#include "graph/op_registry.h"
#include "graph/types.h"
#include "tf/op_defs.h"

namespace tb::graph {
namespace {

using tf::DType;

TEST(PartialShapeTest, MergeBroadcastAndPrint) {
  PartialShape a({-1, 784});
  EXPECT_EQ(a.ToString(), "[?,784]");
  EXPECT_FALSE(a.IsFullyDefined());
  EXPECT_EQ(PartialShape().ToString(), "<unknown>");
  auto m = a.Merge(PartialShape({32, -1}));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, PartialShape({32, 784}));
  EXPECT_FALSE(a.Merge(PartialShape({32, 10})).ok());
  EXPECT_FALSE(a.Merge(PartialShape({1, 2, 3})).ok());
  auto b = BroadcastShapes(PartialShape({-1, 1, 3}), PartialShape({4, 1}));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, PartialShape({-1, 4, 3}));
  EXPECT_FALSE(BroadcastShapes(PartialShape({2, 3}), PartialShape({4})).ok());
  EXPECT_FALSE(PartialShape::FromDims({-2}).ok());
  EXPECT_FALSE(PartialShape::FromDims(std::vector<int64_t>(kMaxRank + 1, 1)).ok());
}

TEST(OpRegistryTest, SpecLanguageBuildsOpDefs) {
  const OpRegistration* mm = OpRegistry::Global().Find("MatMul");
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->def.input_arg_size(), 2);
  EXPECT_EQ(mm->def.input_arg(0).type_attr(), "T");
  const auto* ta = mm->FindAttr("transpose_a");
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->type(), "bool");
  EXPECT_FALSE(ta->default_value().b());
  EXPECT_EQ(mm->FindAttr("grad_a"), nullptr);  // [late] attrs are never registered

  const OpRegistration* concat = OpRegistry::Global().Find("ConcatV2");
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(concat->def.input_arg(0).number_attr(), "N");
  EXPECT_TRUE(concat->FindAttr("N")->has_minimum());
  EXPECT_EQ(concat->FindAttr("N")->minimum(), 2);

  const OpRegistration* conv = OpRegistry::Global().Find("Conv2D");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->FindAttr("padding")->allowed_values().list().s_size(), 3);
  EXPECT_EQ(conv->FindAttr("dilations")->default_value().list().i_size(), 4);
  EXPECT_EQ(conv->FindAttr("data_format")->default_value().s(), "NHWC");

  const OpRegistration* parse = OpRegistry::Global().Find("ParseExampleV2");
  ASSERT_NE(parse, nullptr);
  EXPECT_EQ(parse->def.output_arg(0).number_attr(), "num_sparse");
  EXPECT_EQ(parse->def.output_arg(0).type(), tensorflow::DT_INT64);
  EXPECT_EQ(parse->def.output_arg(1).type_list_attr(), "sparse_types");

  EXPECT_TRUE(OpRegistry::Global().Find("VarHandleOp")->def.is_stateful());
  EXPECT_FALSE(OpRegistry::Global().Find("AddV2")->def.is_stateful());
  EXPECT_EQ(OpRegistry::Global().Find("Nonexistent"), nullptr);
}

// The compiler's ops take their OpDefs from tf/op_defs, the table the loader validates against, so the two can
// never disagree; only `_Arg` is internal and left out of exported op lists.
TEST(OpRegistryTest, OpDefsComeFromTheLoadersTable) {
  for (const std::string& name : OpRegistry::Global().OpNames()) {
    const OpRegistration* reg = OpRegistry::Global().Find(name);
    const tensorflow::OpDef* def = tf::FindOpDef(name);
    ASSERT_NE(def, nullptr) << name;
    EXPECT_EQ(reg->def.SerializeAsString(), def->SerializeAsString()) << name;
    EXPECT_EQ(reg->internal, name == "_Arg") << name;
  }
  const tensorflow::OpList exported = OpRegistry::Global().ToOpList();
  EXPECT_EQ(exported.op_size() + 1, static_cast<int>(OpRegistry::Global().OpNames().size()));
}

TEST(GraphTest, BuilderInfersTypesNamesAndShapes) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({-1, 784}), "x");
  Output w = b.Const(tf::Tensor(DType::kFloat, {784, 10}));
  Output bias = b.Const(tf::Tensor(DType::kFloat, {10}));
  Builder dense = b.WithScope("dense");
  Output logits = dense.BiasAdd(dense.MatMul(x, w), bias);
  Output probs = dense.Softmax(logits);
  Output loss = b.Mean(probs, {0, 1});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(logits.node->name(), "dense/BiasAdd");
  EXPECT_EQ(logits.node->input(0).node->name(), "dense/MatMul");
  EXPECT_EQ(logits.type().ToString(), "float[?,10]");
  EXPECT_EQ(loss.type().ToString(), "float[]");
  EXPECT_EQ(probs.node->attr("T")->type(), tensorflow::DT_FLOAT);
  // Defaults are filled in.
  EXPECT_FALSE(logits.node->input(0).node->attr("transpose_a")->b());
  EXPECT_EQ(logits.node->attr("data_format")->s(), "NHWC");
  // Unique names follow TF's convention.
  Output c2 = b.Const(tf::Tensor(DType::kFloat, {1}));
  EXPECT_EQ(w.node->name(), "Const");
  EXPECT_EQ(bias.node->name(), "Const_1");
  EXPECT_EQ(c2.node->name(), "Const_3");  // Const_2 was taken by Mean's axes
}

TEST(GraphTest, SameConstructionGivesSameGraph) {
  auto build = [] {
    auto g = std::make_unique<Graph>();
    Builder b(g.get());
    Output x = b.Placeholder(DType::kFloat, PartialShape({2, 3}), "x");
    b.WithScope("a").Relu(b.WithScope("a").Add(x, x));
    b.WithScope("a").Relu(x);
    std::vector<std::string> names;
    for (Node* n : g->nodes()) names.push_back(n->name() + "=" + n->op());
    return names;
  };
  EXPECT_EQ(build(), build());
  EXPECT_EQ(build()[3], "a/Relu_1=Relu");
}

TEST(GraphTest, ErrorsNameOpNodeAndProblem) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({2, 3}), "x");
  Output i = b.Placeholder(DType::kInt32, PartialShape({2, 3}), "i");
  // Dtype mismatch.
  b.WithName("bad_add").Add(x, i);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("AddV2 node 'bad_add'"), std::string::npos) << b.status();
  EXPECT_NE(b.status().message().find("int32"), std::string::npos);

  Builder b2(&g);
  b2.MatMul(x, x);  // [2,3] x [2,3]
  EXPECT_NE(b2.status().message().find("size-incompatible"), std::string::npos) << b2.status();

  Builder b3(&g);
  b3.Op("NoSuchOp", {x});
  EXPECT_EQ(b3.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(b3.status().message().find("NoSuchOp"), std::string::npos);

  // Wrong arity and bad attrs through AddNode directly.
  NodeSpec spec;
  spec.name = "r";
  spec.op = "Relu";
  spec.inputs = {x, x};
  spec.attrs["T"] = AttrType(DType::kFloat);
  auto r = g.AddNode(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expects 1 data inputs, got 2"), std::string::npos) << r.status();
  spec.inputs = {x};
  spec.attrs["bogus"] = AttrInt(1);
  r = g.AddNode(spec);
  EXPECT_NE(r.status().message().find("'bogus'"), std::string::npos) << r.status();
  spec.attrs.erase("bogus");
  spec.attrs["T"] = AttrType(DType::kString);
  r = g.AddNode(spec);
  EXPECT_NE(r.status().message().find("not in the list of allowed values"), std::string::npos) << r.status();
  spec.attrs["T"] = AttrType(DType::kFloat);
  spec.name = "x";
  EXPECT_NE(g.AddNode(spec).status().message().find("duplicate"), std::string::npos);
  spec.name = "bad name!";
  EXPECT_NE(g.AddNode(spec).status().message().find("invalid node name"), std::string::npos);
}

TEST(GraphTest, AbsurdShapesAreRejected) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({4, 6}), "x");
  b.Reshape(x, std::vector<int32_t>{5, -1});
  EXPECT_FALSE(b.ok());
  Builder b2(&g);
  b2.Reshape(x, std::vector<int32_t>{-1, -1});
  EXPECT_FALSE(b2.ok());
  Builder b3(&g);
  Output huge = b3.Op("Fill", {b3.Int64s({int64_t{1} << 40, int64_t{1} << 40}), b3.Scalar<float>(0)});
  EXPECT_FALSE(b3.ok()) << huge.type().ToString();  // the dims exceed kMaxDim
}

TEST(GraphTest, CyclesAreDetected) {
  Graph g;
  Builder b(&g);
  Output x = b.Placeholder(DType::kFloat, PartialShape({2}), "x");
  Output a = b.Neg(x);
  Output c = b.Neg(a);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(g.SetInput(a.node, 0, c).ok());
  auto order = g.TopologicalOrder();
  ASSERT_FALSE(order.ok());
  EXPECT_NE(order.status().message().find("cycle"), std::string::npos);
  EXPECT_NE(order.status().message().find("'Neg'"), std::string::npos);
}

TEST(GraphTest, ShapeInferenceCoversCommonOps) {
  Graph g;
  Builder b(&g);
  Output img = b.Placeholder(DType::kFloat, PartialShape({-1, 28, 28, 1}), "img");
  Output f = b.Const(tf::Tensor(DType::kFloat, {5, 5, 1, 32}));
  Output conv = b.Conv2D(img, f, {1, 1, 1, 1}, "SAME");
  Output pool = b.MaxPool(conv, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  Output flat = b.Reshape(pool, std::vector<int32_t>{-1, 14 * 14 * 32});
  Output valid = b.Conv2D(img, f, {1, 2, 2, 1}, "VALID");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(conv.shape().ToString(), "[?,28,28,32]");
  EXPECT_EQ(pool.shape().ToString(), "[?,14,14,32]");
  EXPECT_EQ(flat.shape().ToString(), "[?,6272]");
  EXPECT_EQ(valid.shape().ToString(), "[?,12,12,32]");
  // Shape(x) feeding Reshape keeps the static shape.
  Output back = b.Reshape(flat, b.Op("Shape", {pool}));
  EXPECT_EQ(back.shape().ToString(), "[?,14,14,32]");
  // StridedSlice [:, 0] with shrink.
  Output m = b.Placeholder(DType::kFloat, PartialShape({-1, 2}), "m");
  Output col = b.Op("StridedSlice", {m, b.Int32s({0, 0}), b.Int32s({0, 1}), b.Int32s({1, 1})},
                    {{"begin_mask", AttrInt(1)}, {"end_mask", AttrInt(1)}, {"shrink_axis_mask", AttrInt(2)}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(col.shape().ToString(), "[?]");
  Output gathered = b.Op("GatherV2", {b.Const(tf::Tensor(DType::kFloat, {100, 8})),
                                      b.Placeholder(DType::kInt32, PartialShape({-1, 3}), "ids"), b.Scalar<int32_t>(0)});
  EXPECT_EQ(gathered.shape().ToString(), "[?,3,8]");
  Output concat = b.ConcatV2({m, m, col.valid() ? b.ExpandDims(col, 1) : m}, 1);
  EXPECT_EQ(concat.shape().ToString(), "[?,5]");
  ASSERT_TRUE(b.ok()) << b.status();
}

TEST(FunctionTest, ArgsReturnsAndCallShapes) {
  FunctionLibrary lib;
  auto fn = lib.Create("square_plus");
  ASSERT_TRUE(fn.ok());
  Builder fb(*fn);
  auto x = (*fn)->AddArg("x", TensorType{DType::kFloat, PartialShape({-1, 4})});
  ASSERT_TRUE(x.ok());
  Output y = fb.Add(fb.Square(*x), fb.Scalar<float>(1));
  ASSERT_TRUE((*fn)->AddReturn("y", y).ok());
  EXPECT_FALSE((*fn)->AddReturn("y", y).ok());
  EXPECT_FALSE((*fn)->AddReturn("Bad", y).ok());
  EXPECT_FALSE((*fn)->IsStateful());

  Graph g(&lib);
  Builder b(&g);
  Output in = b.Placeholder(DType::kFloat, PartialShape({3, 4}), "in");
  Output call = b.Op("PartitionedCall", {OpInput(std::vector<Output>{in})},
                     {{"f", AttrFunc("square_plus")}, {"Tout", AttrTypeList({DType::kFloat})}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(call.shape().ToString(), "[?,4]");  // from the callee's return
  // Calling by name works too.
  Output direct = b.Op("square_plus", {in});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(direct.node->function(), *fn);
  // Wrong Tout is caught against the callee.
  Builder b2(&g);
  b2.Op("PartitionedCall", {OpInput(std::vector<Output>{in})},
        {{"f", AttrFunc("square_plus")}, {"Tout", AttrTypeList({DType::kInt32})}});
  EXPECT_NE(b2.status().message().find("square_plus"), std::string::npos) << b2.status();
}

}  // namespace
}  // namespace tb::graph
