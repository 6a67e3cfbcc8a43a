#include "fl/ir_util.h"

#include "graph/passes/inline.h"

#include "base/status_macros.h"
#include "absl/strings/str_cat.h"

namespace tb::fl {

Output TfZeros(const graph::Builder& b, tf::DType dtype, const tf::Shape& shape) {
  auto n = tf::NumElements(shape);
  if (!n.ok()) {
    b.SetError(n.status());
    return Output();
  }
  if (*n < 1000) return b.ZerosOf(dtype, shape);
  std::vector<int32_t> dims(shape.begin(), shape.end());
  auto zero = tf::Tensor::Create(dtype, {});
  if (!zero.ok()) {
    b.SetError(zero.status());
    return Output();
  }
  return b.Fill(b.Int32s(dims), b.Const(*zero));
}

std::string TensorName(const Output& o) {
  if (!o.valid()) return "";
  return absl::StrCat(o.node->name(), ":", o.index);
}

}  // namespace tb::fl

namespace tb::fl {

Instantiated Instantiate(const graph::Builder& b, const graph::Function& fn, const std::vector<Output>& args,
                         const std::vector<graph::Node*>& source_deps) {
  Instantiated result;
  if (!b.ok()) return result;
  for (const Output& a : args) {
    if (!a.valid()) {
      b.SetError(absl::InternalError(absl::StrCat("inlining '", fn.name(), "': an argument is missing")));
      return result;
    }
  }
  auto outputs = graph::InlineFunctionBody(b.graph(), fn, args, b.scope().empty() ? fn.name() : b.scope(), source_deps,
                                           &result.control);
  if (!outputs.ok()) {
    b.SetError(outputs.status());
    return result;
  }
  result.outputs = *std::move(outputs);
  return result;
}

}  // namespace tb::fl
