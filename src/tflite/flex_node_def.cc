#include "tflite/flex_node_def.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "graph/op_registry.h"
#include "tensorflow/node_def.pb.h"

namespace tb::tflite {
namespace {

// The converter writes function attrs as NameAttrList{name} only; the delegate ignores the attr map anyway.
tensorflow::AttrValue StripFunctionAttrs(const tensorflow::AttrValue& v) {
  tensorflow::AttrValue out = v;
  if (out.has_func()) out.mutable_func()->clear_attr();
  if (out.has_list()) {
    for (tensorflow::NameAttrList& f : *out.mutable_list()->mutable_func()) f.clear_attr();
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> FlexNodeDef(const graph::Node& node) {
  const graph::OpRegistration* reg = node.op_registration();
  if (reg == nullptr || reg->internal) {
    return absl::InvalidArgumentError(absl::StrCat(node.DebugName(), " is not a TensorFlow op a Flex delegate can run"));
  }
  tensorflow::NodeDef def;
  def.set_op(node.op());
  for (int i = 0; i < node.num_inputs(); ++i) def.add_input("");
  for (const auto& [name, value] : node.attrs()) {
    if (absl::StartsWith(name, "_") || reg->FindAttr(name) == nullptr) continue;
    (*def.mutable_attr())[name] = StripFunctionAttrs(value);
  }
  def.mutable_experimental_debug_info();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!def.SerializeToCodedStream(&coded)) {
      return absl::InternalError(absl::StrCat(node.DebugName(), ": NodeDef does not serialize"));
    }
  }
  return bytes;
}

std::vector<std::string> FunctionAttrNames(const graph::Node& node) {
  std::vector<std::string> out;
  for (const auto& [name, value] : node.attrs()) {
    if (absl::StartsWith(name, "_")) continue;
    if (value.has_func()) out.push_back(value.func().name());
    if (value.has_list()) {
      for (const tensorflow::NameAttrList& f : value.list().func()) out.push_back(f.name());
    }
  }
  return out;
}

}  // namespace tb::tflite
