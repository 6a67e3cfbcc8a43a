// graph/op_registry (the compiler's ops, with shape functions) and tf/op_defs (the loader's defaults and NodeDef
// validation) each hold TF 2.14 OpDef facts. They must agree on every op both know, or a graph the compiler accepts
// could be exported with attrs the loader's table — and TensorFlow — would reject.
#include <algorithm>

#include "google/protobuf/util/message_differencer.h"
#include "graph/op_registry.h"
#include "gtest/gtest.h"
#include "tf/op_defs.h"

namespace tb::graph {
namespace {

tensorflow::OpDef Facts(tensorflow::OpDef def) {
  def.clear_summary();
  def.clear_description();
  for (auto& a : *def.mutable_input_arg()) a.clear_description();
  for (auto& a : *def.mutable_output_arg()) a.clear_description();
  for (auto& a : *def.mutable_attr()) {
    a.clear_description();
    // An allowed-type list is a set; the tables may spell it in different orders.
    auto* types = a.mutable_allowed_values()->mutable_list()->mutable_type();
    std::sort(types->begin(), types->end());
  }
  return def;
}

TEST(OpTablesTest, CompilerAndLoaderAgreeOnEverySharedOp) {
  int shared = 0;
  for (const std::string& name : OpRegistry::Global().OpNames()) {
    const OpRegistration* reg = OpRegistry::Global().Find(name);
    if (reg->internal) continue;
    const tensorflow::OpDef* loader = tf::FindOpDef(name);
    EXPECT_NE(loader, nullptr) << name << " is compiled but tf/op_defs cannot validate or complete it";
    if (loader == nullptr) continue;
    ++shared;
    std::string diff;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(Facts(*loader), Facts(reg->def))) << name << ":\n" << diff;
  }
  EXPECT_GT(shared, 50);
}

}  // namespace
}  // namespace tb::graph
