// Function calls and control flow (TF core/ops/functional_ops.cc and control_flow_ops.cc facts as of TF 2.14,
// tf-ops.md §7.11). Output shapes come from the called functions when the library holds them.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/function.h"
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"
#include "graph/shape_inference.h"

namespace tb::graph {
namespace {

// The most specific shape that covers both (dims that differ become unknown).
PartialShape Relax(const PartialShape& a, const PartialShape& b) {
  if (!a.rank_known() || !b.rank_known() || a.rank() != b.rank()) return PartialShape();
  std::vector<int64_t> dims(a.rank());
  for (int i = 0; i < a.rank(); ++i) dims[i] = a.dim(i) == b.dim(i) ? a.dim(i) : -1;
  return PartialShape(dims);
}

const Function* FuncAttr(InferenceContext& c, const char* attr) {
  const tensorflow::AttrValue* v = c.node().attr(attr);
  if (v == nullptr || v->value_case() != tensorflow::AttrValue::kFunc || c.library() == nullptr) return nullptr;
  return c.library()->Find(v->func().name());
}

absl::Status CheckSignature(InferenceContext& c, const Function* fn, const char* attr, int first_input, int inputs) {
  if (fn == nullptr) return absl::OkStatus();
  const auto args = fn->arg_types();
  if (static_cast<int>(args.size()) != inputs) {
    return c.Error(absl::StrCat("function '", fn->name(), "' (", attr, ") takes ", args.size(), " arguments, the call passes ",
                                inputs));
  }
  for (int i = 0; i < inputs; ++i) {
    if (args[i].dtype != c.input_type(first_input + i).dtype) {
      return c.Error(absl::StrCat("argument ", i, " of function '", fn->name(), "' is ",
                                  ToAbsl(tf::DTypeName(args[i].dtype)), ", the call passes ",
                                  ToAbsl(tf::DTypeName(c.input_type(first_input + i).dtype))));
    }
  }
  const auto rets = fn->return_types();
  if (static_cast<int>(rets.size()) != c.num_outputs()) {
    return c.Error(absl::StrCat("function '", fn->name(), "' returns ", rets.size(), " values, the call expects ",
                                c.num_outputs()));
  }
  for (int i = 0; i < c.num_outputs(); ++i) {
    if (rets[i].dtype != c.output_dtype(i)) {
      return c.Error(absl::StrCat("return ", i, " of function '", fn->name(), "' is ",
                                  ToAbsl(tf::DTypeName(rets[i].dtype)), ", the call expects ",
                                  ToAbsl(tf::DTypeName(c.output_dtype(i)))));
    }
  }
  return absl::OkStatus();
}

absl::Status CallShape(InferenceContext& c) {
  const Function* fn = FuncAttr(c, "f");
  TB_RETURN_IF_ERROR(CheckSignature(c, fn, "f", 0, c.num_inputs()));
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, fn ? fn->returns()[i].value.shape() : PartialShape());
  return absl::OkStatus();
}

absl::Status IfShape(InferenceContext& c) {
  const Function* then_fn = FuncAttr(c, "then_branch");
  const Function* else_fn = FuncAttr(c, "else_branch");
  TB_RETURN_IF_ERROR(CheckSignature(c, then_fn, "then_branch", 1, c.num_inputs() - 1));
  TB_RETURN_IF_ERROR(CheckSignature(c, else_fn, "else_branch", 1, c.num_inputs() - 1));
  TB_ASSIGN_OR_RETURN(auto shapes, c.GetShapeList("output_shapes"));
  for (int i = 0; i < c.num_outputs(); ++i) {
    PartialShape s;
    if (then_fn && else_fn) s = Relax(then_fn->returns()[i].value.shape(), else_fn->returns()[i].value.shape());
    if (static_cast<int>(shapes.size()) == c.num_outputs()) {
      auto m = s.Merge(shapes[i]);
      s = m.ok() ? *m : shapes[i];
    }
    c.set_output(i, s);
  }
  return absl::OkStatus();
}

absl::Status WhileShape(InferenceContext& c) {
  const Function* body = FuncAttr(c, "body");
  const Function* cond = FuncAttr(c, "cond");
  TB_RETURN_IF_ERROR(CheckSignature(c, body, "body", 0, c.num_inputs()));
  if (cond != nullptr && static_cast<int>(cond->arg_types().size()) != c.num_inputs()) {
    return c.Error(absl::StrCat("cond function '", cond->name(), "' must take the ", c.num_inputs(), " loop variables"));
  }
  if (cond != nullptr && cond->returns().size() != 1) {
    return c.Error(absl::StrCat("cond function '", cond->name(), "' must return one value"));
  }
  TB_ASSIGN_OR_RETURN(auto shapes, c.GetShapeList("output_shapes"));
  // Like TF, loop variables keep their input shapes (shape invariants) unless output_shapes says otherwise; a
  // body that changes a shape is caught when it runs.
  for (int i = 0; i < c.num_outputs(); ++i) {
    PartialShape s = c.input_shape(i);
    if (static_cast<int>(shapes.size()) == c.num_outputs()) {
      auto m = s.Merge(shapes[i]);
      s = m.ok() ? *m : shapes[i];
    }
    c.set_output(i, s);
  }
  return absl::OkStatus();
}

absl::Status SwitchShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(1, 0));
  c.set_output(0, c.input_shape(0));
  c.set_output(1, c.input_shape(0));
  return absl::OkStatus();
}

absl::Status MergeShape(InferenceContext& c) {
  PartialShape s = c.input_shape(0);
  for (int i = 1; i < c.num_inputs(); ++i) s = Relax(s, c.input_shape(i));
  c.set_output(0, s);
  c.set_output(1, PartialShape::Scalar());
  return absl::OkStatus();
}

}  // namespace

void RegisterFunctionalOps(OpRegistry& r) {
  r.Register("PartitionedCall", CallShape);
  r.Register("StatefulPartitionedCall", CallShape);
  r.Register("If", IfShape);
  r.Register("StatelessIf", IfShape);
  r.Register("While", WhileShape);
  r.Register("StatelessWhile", WhileShape);
  r.Register("Switch", SwitchShape);
  r.Register("Merge", MergeShape);
}

}  // namespace tb::graph
