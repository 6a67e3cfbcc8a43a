// Resource variables, checkpoint I/O, the string helpers of SavedModel save functions, and random ops (TF
// resource_variable_ops.cc, io_ops.cc, string_ops.cc, random_ops.cc facts as of TF 2.14, tf-ops.md §7.12–§7.13).
// Attrs whose presence in 2.14 is unconfirmed ([?]) or late are left out, so nothing we export can carry them.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"
#include "graph/shape_inference.h"

namespace tb::graph {
namespace {

// ReadVariableOp: the variable's declared shape when the handle comes straight from a VarHandleOp.
absl::Status ReadVariableShape(InferenceContext& c) {
  const Output& handle = c.node().input(0);
  if (handle.node->op() == "VarHandleOp") {
    const tensorflow::AttrValue* shape = handle.node->attr("shape");
    const tensorflow::AttrValue* dtype = handle.node->attr("dtype");
    TB_ASSIGN_OR_RETURN(tf::DType want, c.GetType("dtype"));
    if (dtype && dtype->type() != static_cast<int>(want)) {
      return c.Error(absl::StrCat("reads ", ToAbsl(tf::DTypeName(want)), " from variable '", handle.node->name(),
                                  "' of a different dtype"));
    }
    if (shape) {
      auto s = AttrAsShape(*shape, "shape");
      if (s.ok()) {
        c.set_output(0, *s);
        return absl::OkStatus();
      }
    }
  }
  c.set_output(0, PartialShape());
  return absl::OkStatus();
}

absl::Status AssignShape(InferenceContext& c) {
  const Output& handle = c.node().input(0);
  if (handle.node->op() == "VarHandleOp") {
    const tensorflow::AttrValue* shape = handle.node->attr("shape");
    TB_ASSIGN_OR_RETURN(bool validate, c.GetBool("validate_shape"));
    if (shape && validate) {
      auto s = AttrAsShape(*shape, "shape");
      if (s.ok() && !s->IsCompatibleWith(c.input_shape(1))) {
        return c.Error(absl::StrCat("assigns a value of shape ", c.input_shape(1).ToString(), " to variable '",
                                    handle.node->name(), "' of shape ", s->ToString()));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status RandomShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(c.CheckRank(0, 1));
  TB_ASSIGN_OR_RETURN(PartialShape s0, c.InputAsShape(0));
  c.set_output(0, s0);
  return absl::OkStatus();
}

absl::Status StringJoinShape(InferenceContext& c) {
  PartialShape out = PartialShape::Scalar();
  for (int i = 0; i < c.num_inputs(); ++i) {
    const PartialShape& s = c.input_shape(i);
    if (s.rank_known() && s.rank() == 0) continue;
    auto m = (out.rank_known() && out.rank() == 0) ? absl::StatusOr<PartialShape>(s) : out.Merge(s);
    if (!m.ok()) return c.Error(absl::StrCat("inputs must be scalars or have one shape: ", m.status().message()));
    out = *m;
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

}  // namespace

void RegisterStateOps(OpRegistry& r) {
  r.Register("VarHandleOp", shape_fns::Scalar);
  r.Register("ReadVariableOp", ReadVariableShape);
  r.Register("AssignVariableOp", AssignShape);
  r.Register("VarIsInitializedOp", shape_fns::Scalar);
  r.Register("ShardedFilename", shape_fns::Scalar);
  for (const char* op : {"DisableCopyOnRead", "SaveV2", "SaveSlices", "MergeV2Checkpoints"}) {
    r.Register(op, shape_fns::NoOutputs);
  }
  r.Register("RestoreV2", shape_fns::Unknown);
  r.Register("StringJoin", StringJoinShape);
  r.Register("StaticRegexFullMatch", shape_fns::Unchanged);
  r.Register("RandomStandardNormal", RandomShape);
  r.Register("StatelessRandomNormalV2", RandomShape);
}

}  // namespace tb::graph
