// Calls and functional control flow, run through KernelEnv::functions: PartitionedCall and
// StatefulPartitionedCall (f), If and StatelessIf (then_branch/else_branch on a scalar condition: non-zero number,
// non-empty string; a non-scalar condition is true when non-empty), While and StatelessWhile (cond/body until
// cond is false, at most KernelEnv::max_loop_iterations times). Result counts and dtypes are checked against the
// node's Tout/T attrs.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

absl::StatusOr<FunctionRunner*> Runner(KernelContext& ctx) {
  if (ctx.env().functions == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(ctx.op(), " node '", ctx.node_name(), "' needs a function runner (KernelEnv::functions)"));
  }
  return ctx.env().functions;
}

absl::StatusOr<std::vector<tf::Tensor>> Call(KernelContext& ctx, const tensorflow::NameAttrList& fn,
                                             std::vector<tf::Tensor> args) {
  TB_ASSIGN_OR_RETURN(FunctionRunner * runner, Runner(ctx));
  auto out = runner->RunFunction(fn, std::move(args));
  if (!out.ok()) return ctx.Annotate(out.status());
  return out;
}

absl::Status CheckResults(KernelContext& ctx, const std::vector<tf::Tensor>& results, const char* attr) {
  TB_ASSIGN_OR_RETURN(std::vector<tf::DType> types, ctx.GetTypeList(attr));
  if (results.size() != types.size()) {
    return ctx.Error(absl::StrCat("function returned ", results.size(), " values, ", attr, " declares ", types.size()));
  }
  for (size_t i = 0; i < types.size(); ++i) {
    if (results[i].dtype() != types[i]) {
      return ctx.Error(absl::StrCat("function result ", i, " is ", results[i].DebugType(), ", ", attr, " declares ",
                                    ToAbsl(tf::DTypeName(types[i]))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Truth(KernelContext& ctx, const tf::Tensor& t) {
  if (t.rank() != 0) return t.num_elements() > 0;
  switch (t.dtype()) {
    case tf::DType::kBool: return t.scalar<bool>();
    case tf::DType::kString: return !t.flat<std::string>()[0].empty();
    default: {
      absl::StatusOr<bool> r = ctx.Error(absl::StrCat("cannot use ", t.DebugType(), " as a condition"));
      TB_RETURN_IF_ERROR(DispatchAllNumeric(ctx, t.dtype(), [&](auto tag) -> absl::Status {
        using T = typename decltype(tag)::type;
        r = t.flat<T>()[0] != T(0);
        return absl::OkStatus();
      }));
      return r;
    }
  }
}

absl::Status PartitionedCall(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList f, ctx.GetFunc("f"));
  std::vector<tf::Tensor> args(ctx.inputs().begin(), ctx.inputs().end());
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> out, Call(ctx, f, std::move(args)));
  TB_RETURN_IF_ERROR(CheckResults(ctx, out, "Tout"));
  for (size_t i = 0; i < out.size(); ++i) ctx.set_output(static_cast<int>(i), std::move(out[i]));
  return absl::OkStatus();
}

absl::Status If(KernelContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Error("needs a condition");
  TB_ASSIGN_OR_RETURN(bool cond, Truth(ctx, ctx.input(0)));
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList f, ctx.GetFunc(cond ? "then_branch" : "else_branch"));
  std::vector<tf::Tensor> args(ctx.inputs().begin() + 1, ctx.inputs().end());
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> out, Call(ctx, f, std::move(args)));
  TB_RETURN_IF_ERROR(CheckResults(ctx, out, "Tout"));
  for (size_t i = 0; i < out.size(); ++i) ctx.set_output(static_cast<int>(i), std::move(out[i]));
  return absl::OkStatus();
}

absl::Status While(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList cond_fn, ctx.GetFunc("cond"));
  TB_ASSIGN_OR_RETURN(tensorflow::NameAttrList body_fn, ctx.GetFunc("body"));
  std::vector<tf::Tensor> vars(ctx.inputs().begin(), ctx.inputs().end());
  for (int64_t iter = 0;; ++iter) {
    TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> c, Call(ctx, cond_fn, vars));
    if (c.size() != 1) return ctx.Error(absl::StrCat("cond returned ", c.size(), " values, expected 1"));
    TB_ASSIGN_OR_RETURN(bool go, Truth(ctx, c[0]));
    if (!go) break;
    if (iter >= ctx.env().max_loop_iterations) {
      return ctx.Error(absl::StrCat("loop did not finish within ", ctx.env().max_loop_iterations, " iterations"));
    }
    TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> next, Call(ctx, body_fn, vars));
    if (next.size() != vars.size()) {
      return ctx.Error(absl::StrCat("body returned ", next.size(), " values for ", vars.size(), " loop variables"));
    }
    for (size_t i = 0; i < vars.size(); ++i) {
      if (next[i].dtype() != vars[i].dtype()) {
        return ctx.Error(absl::StrCat("body changed the dtype of loop variable ", i, " from ", vars[i].DebugType(),
                                      " to ", next[i].DebugType()));
      }
    }
    vars = std::move(next);
  }
  TB_RETURN_IF_ERROR(CheckResults(ctx, vars, "T"));
  for (size_t i = 0; i < vars.size(); ++i) ctx.set_output(static_cast<int>(i), std::move(vars[i]));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("PartitionedCall", PartitionedCall);
TB_REGISTER_KERNEL("StatefulPartitionedCall", PartitionedCall);
TB_REGISTER_KERNEL("If", If);
TB_REGISTER_KERNEL("StatelessIf", If);
TB_REGISTER_KERNEL("While", While);
TB_REGISTER_KERNEL("StatelessWhile", While);

}  // namespace tb::runtime
