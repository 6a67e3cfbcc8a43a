#include "runtime/graphdef/session.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "runtime/data/example.h"
#include "runtime/kernels/dataset_kernel_util.h"

namespace tb::runtime::graphdef {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::shared_ptr<const tensorflow::GraphDef> Parse(const std::string& text) {
  auto g = std::make_shared<tensorflow::GraphDef>();
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, g.get())) << text;
  return g;
}

// A resource variable assigned from a fed value, read back, and incremented by a target; state persists across
// runs of one session.
constexpr char kVariables[] = R"pb(
  node { name: "v" op: "VarHandleOp"
         attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 2 } } } }
         attr { key: "shared_name" value { s: "v" } } }
  node { name: "init_value" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
  node { name: "init" op: "AssignVariableOp" input: "v" input: "init_value" attr { key: "dtype" value { type: DT_FLOAT } } }
  node { name: "read" op: "ReadVariableOp" input: "v" attr { key: "dtype" value { type: DT_FLOAT } } }
  node { name: "one" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
         attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
  node { name: "plus" op: "AddV2" input: "read" input: "one" attr { key: "T" value { type: DT_FLOAT } } }
  node { name: "bump" op: "AssignVariableOp" input: "v" input: "plus" attr { key: "dtype" value { type: DT_FLOAT } } }
  node { name: "group" op: "NoOp" input: "^bump" }
)pb";

TEST(GraphdefSessionTest, VariablesFeedsFetchesAndTargets) {
  auto session = Session::Create(Parse(kVariables));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Run({{"init_value:0", tf::Tensor::FromVector<float>({1, 2})}}, {}, {"init"}).ok());
  ASSERT_TRUE((*session)->Run({}, {}, {"group"}).ok());
  ASSERT_TRUE((*session)->Run({}, {}, {"group"}).ok());
  auto out = (*session)->Run({}, {"read:0"}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].flat<float>(), ElementsAre(3, 4));
  // Feeding an intermediate tensor bypasses its producer.
  auto fed = (*session)->Run({{"read", tf::Tensor::FromVector<float>({10, 20})}}, {"plus"}, {});
  ASSERT_TRUE(fed.ok()) << fed.status();
  EXPECT_THAT((*fed)[0].flat<float>(), ElementsAre(11, 21));
  // Running `init` without its placeholder fails naming it.
  EXPECT_FALSE((*session)->Run({}, {}, {"init"}).ok());
  EXPECT_THAT(std::string((*session)->Run({}, {"nope:0"}, {}).status().message()), HasSubstr("no node named 'nope'"));
}

// Switch/Merge: the untaken branch is dead, its nodes do not run, Merge forwards the live value.
constexpr char kCond[] = R"pb(
  node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
  node { name: "pred" op: "Placeholder" attr { key: "dtype" value { type: DT_BOOL } } }
  node { name: "sw" op: "Switch" input: "x" input: "pred" attr { key: "T" value { type: DT_FLOAT } } }
  node { name: "neg" op: "Neg" input: "sw:0" attr { key: "T" value { type: DT_FLOAT } } }
  node { name: "sq" op: "Square" input: "sw:1" attr { key: "T" value { type: DT_FLOAT } } }
  node { name: "merge" op: "Merge" input: "neg" input: "sq" attr { key: "T" value { type: DT_FLOAT } }
         attr { key: "N" value { i: 2 } } }
)pb";

TEST(GraphdefSessionTest, SwitchMergeDeadness) {
  auto session = Session::Create(Parse(kCond));
  ASSERT_TRUE(session.ok()) << session.status();
  auto t = (*session)->Run({{"x", tf::Tensor::Scalar<float>(3)}, {"pred", tf::Tensor::Scalar<bool>(true)}},
                           {"merge:0", "merge:1"}, {});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)[0].scalar<float>(), 9.0f);
  EXPECT_EQ((*t)[1].scalar<int32_t>(), 1);
  auto f = (*session)->Run({{"x", tf::Tensor::Scalar<float>(3)}, {"pred", tf::Tensor::Scalar<bool>(false)}},
                           {"merge:0", "merge:1"}, {});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)[0].scalar<float>(), -3.0f);
  EXPECT_EQ((*f)[1].scalar<int32_t>(), 0);
  auto dead = (*session)->Run({{"x", tf::Tensor::Scalar<float>(3)}, {"pred", tf::Tensor::Scalar<bool>(false)}},
                              {"sq:0"}, {});
  EXPECT_THAT(std::string(dead.status().message()), HasSubstr("is dead"));
}

TEST(GraphdefSessionTest, RefusesBadGraphs) {
  EXPECT_THAT(std::string(Session::Create(Parse(R"pb(node { name: "a" op: "NoSuchOp" })pb")).status().message()),
              HasSubstr("no kernel for op 'NoSuchOp'"));
  EXPECT_THAT(std::string(Session::Create(Parse(R"pb(node { name: "a" op: "Identity" input: "b" })pb")).status().message()),
              HasSubstr("no node named 'b'"));
  EXPECT_THAT(std::string(Session::Create(Parse(R"pb(node { name: "a" op: "NoOp" } node { name: "a" op: "NoOp" })pb"))
                              .status()
                              .message()),
              HasSubstr("duplicate name"));
  auto cyclic = Session::Create(Parse(R"pb(
    node { name: "a" op: "Identity" input: "b" attr { key: "T" value { type: DT_FLOAT } } }
    node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } })pb"));
  ASSERT_TRUE(cyclic.ok());
  EXPECT_THAT(std::string((*cyclic)->Run({}, {"a"}, {}).status().message()), HasSubstr("is on a cycle"));
}

// A client-style pipeline in a GraphDef: ExternalDataset -> BatchDatasetV2 -> MapDataset(parse fn from the
// library) -> ReduceDataset(sum fn) — the dataset kernels calling library functions through the session.
constexpr char kPipeline[] = R"pb(
  node { name: "token" op: "Placeholder" attr { key: "dtype" value { type: DT_STRING } } }
  node { name: "selector" op: "Const" attr { key: "dtype" value { type: DT_STRING } }
         attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape {} string_val: "" } } } }
  node { name: "ds" op: "ExternalDataset" input: "token" input: "selector" }
  node { name: "batch_size" op: "Const" attr { key: "dtype" value { type: DT_INT64 } }
         attr { key: "value" value { tensor { dtype: DT_INT64 tensor_shape {} int64_val: 2 } } } }
  node { name: "drop" op: "Const" attr { key: "dtype" value { type: DT_BOOL } }
         attr { key: "value" value { tensor { dtype: DT_BOOL tensor_shape {} bool_val: false } } } }
  node { name: "batched" op: "BatchDatasetV2" input: "ds" input: "batch_size" input: "drop"
         attr { key: "output_types" value { list { type: DT_STRING } } }
         attr { key: "output_shapes" value { list { shape { dim { size: -1 } } } } } }
  node { name: "parsed" op: "MapDataset" input: "batched"
         attr { key: "f" value { func { name: "parse" } } }
         attr { key: "Targuments" value { list { } } }
         attr { key: "output_types" value { list { type: DT_FLOAT } } }
         attr { key: "output_shapes" value { list { shape { dim { size: -1 } dim { size: 2 } } } } } }
  node { name: "zero" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
         attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 0 } } } }
  node { name: "total" op: "ReduceDataset" input: "parsed" input: "zero"
         attr { key: "f" value { func { name: "accumulate" } } }
         attr { key: "Tstate" value { list { type: DT_FLOAT } } }
         attr { key: "Targuments" value { list { } } }
         attr { key: "output_types" value { list { type: DT_FLOAT } } }
         attr { key: "output_shapes" value { list { shape { } } } } }
  library {
    function {
      signature { name: "parse" input_arg { name: "serialized" type: DT_STRING } output_arg { name: "x" type: DT_FLOAT } }
      node_def { name: "names" op: "Const" attr { key: "dtype" value { type: DT_STRING } }
                 attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape { dim { size: 0 } } } } } }
      node_def { name: "keys" op: "Const" attr { key: "dtype" value { type: DT_STRING } }
                 attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape { dim { size: 1 } } string_val: "x" } } } }
      node_def { name: "default" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
                 attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 0 } } } } } }
      node_def { name: "p" op: "ParseExampleV2"
                 input: "serialized" input: "names:output:0" input: "names:output:0" input: "keys:output:0"
                 input: "names:output:0" input: "default:output:0"
                 attr { key: "Tdense" value { list { type: DT_FLOAT } } }
                 attr { key: "dense_shapes" value { list { shape { dim { size: 2 } } } } }
                 attr { key: "num_sparse" value { i: 0 } }
                 attr { key: "sparse_types" value { list { } } }
                 attr { key: "ragged_value_types" value { list { } } }
                 attr { key: "ragged_split_types" value { list { } } } }
      ret { key: "x" value: "p:dense_values:0" }
    }
    function {
      signature { name: "accumulate" input_arg { name: "acc" type: DT_FLOAT } input_arg { name: "x" type: DT_FLOAT }
                  output_arg { name: "out" type: DT_FLOAT } }
      node_def { name: "axes" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
                 attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 2 } } int_val: 0 int_val: 1 } } } }
      node_def { name: "s" op: "Sum" input: "x" input: "axes:output:0" attr { key: "T" value { type: DT_FLOAT } }
                 attr { key: "Tidx" value { type: DT_INT32 } } }
      node_def { name: "a" op: "AddV2" input: "acc" input: "s:output:0" attr { key: "T" value { type: DT_FLOAT } } }
      ret { key: "out" value: "a:z:0" }
    }
  }
)pb";

TEST(GraphdefSessionTest, DatasetPipelineWithLibraryFunctions) {
  auto session = Session::Create(Parse(kPipeline));
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<std::string> examples;
  for (int i = 0; i < 5; ++i) {
    examples.push_back(data::ExampleBuilder().AddFloats("x", std::vector<float>{1.0f * i, 10.0f}).Serialize());
  }
  (*session)->resources().Set(ExternalDatasetKey("c0"), tf::Tensor::FromVector<std::string>(examples));
  auto out = (*session)->Run({{"token", tf::Tensor::StringScalar("c0")}}, {"total"}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FLOAT_EQ((*out)[0].scalar<float>(), 0 + 1 + 2 + 3 + 4 + 50);
  auto unknown = (*session)->Run({{"token", tf::Tensor::StringScalar("nobody")}}, {"total"}, {});
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("no examples are registered for data token 'nobody'"));
}

}  // namespace
}  // namespace tb::runtime::graphdef
