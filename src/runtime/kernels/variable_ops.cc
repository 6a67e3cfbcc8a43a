// Resource variables: VarHandleOp (a handle named by container/shared_name, defaulting to the node name),
// ReadVariableOp, AssignVariableOp (dtype checked; shape checked when validate_shape), VarIsInitializedOp,
// DisableCopyOnRead (a no-op here: reads already return values). The store lives in KernelEnv::resources.
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/resource.h"

namespace tb::runtime {

absl::StatusOr<tf::Tensor> ResourceStore::Read(const ResourceHandle& h) const {
  auto it = vars_.find(h.key());
  if (it == vars_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Could not find variable ", h.key(), ". This could mean that the variable has not been "
                     "initialized."));
  }
  return it->second;
}

const tf::Tensor* ResourceStore::Get(const std::string& key) const {
  auto it = vars_.find(key);
  return it == vars_.end() ? nullptr : &it->second;
}

std::vector<std::string> ResourceStore::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [k, v] : vars_) keys.push_back(k);
  return keys;
}

absl::StatusOr<const ResourceHandle*> HandleInput(const KernelContext& ctx, int i) {
  const tf::Tensor& t = ctx.input(i);
  if (t.dtype() != tf::DType::kResource || t.num_elements() != 1) {
    return ctx.Error(absl::StrCat("input ", i, " must be a scalar resource handle, got ", t.DebugType()));
  }
  const auto* h = dynamic_cast<const ResourceHandle*>(t.opaques()[0].get());
  if (h == nullptr) return ctx.Error(absl::StrCat("input ", i, " does not hold a variable handle"));
  return h;
}

namespace {

absl::StatusOr<ResourceStore*> Store(KernelContext& ctx) {
  if (ctx.env().resources == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(ctx.op(), " node '", ctx.node_name(), "' needs a resource store (KernelEnv::resources)"));
  }
  return ctx.env().resources;
}

absl::Status VarHandleOp(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(0));
  TB_ASSIGN_OR_RETURN(std::string container, ctx.GetString("container"));
  TB_ASSIGN_OR_RETURN(std::string shared_name, ctx.GetString("shared_name"));
  TB_ASSIGN_OR_RETURN(tf::DType dtype, ctx.GetType("dtype"));
  TB_ASSIGN_OR_RETURN(graph::PartialShape shape, ctx.GetShape("shape"));
  if (shared_name.empty()) shared_name = ctx.node_name();
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(tf::DType::kResource, {}));
  out.opaques()[0] = std::make_shared<ResourceHandle>(container, shared_name, dtype, shape);
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::Status ReadVariableOp(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(const ResourceHandle* h, HandleInput(ctx, 0));
  TB_ASSIGN_OR_RETURN(ResourceStore * store, Store(ctx));
  TB_ASSIGN_OR_RETURN(tf::DType dtype, ctx.GetType("dtype"));
  auto v = store->Read(*h);
  if (!v.ok()) return ctx.Annotate(v.status());
  if (v->dtype() != dtype) {
    return ctx.Error(absl::StrCat("trying to read variable ", h->key(), " with wrong dtype. Expected ",
                                  ToAbsl(tf::DTypeName(dtype)), " got ", v->DebugType()));
  }
  ctx.set_output(0, std::move(*v));
  return absl::OkStatus();
}

absl::Status AssignVariableOp(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_ASSIGN_OR_RETURN(const ResourceHandle* h, HandleInput(ctx, 0));
  TB_ASSIGN_OR_RETURN(ResourceStore * store, Store(ctx));
  TB_ASSIGN_OR_RETURN(tf::DType dtype, ctx.GetType("dtype"));
  TB_ASSIGN_OR_RETURN(bool validate, ctx.GetBool("validate_shape"));
  const tf::Tensor& value = ctx.input(1);
  if (value.dtype() != dtype || h->dtype() != dtype) {
    return ctx.Error(absl::StrCat("trying to assign ", value.DebugType(), " to variable ", h->key(), " of dtype ",
                                  ToAbsl(tf::DTypeName(h->dtype()))));
  }
  if (validate && !h->shape().IsCompatibleWith(graph::PartialShape(value.shape()))) {
    return ctx.Error(absl::StrCat("trying to assign a value of shape ", tf::ShapeToString(value.shape()),
                                  " to variable ", h->key(), " of shape ", h->shape().ToString()));
  }
  // Values are immutable once shared; store a private copy so later in-place kernels cannot alias it.
  store->Assign(*h, value.Clone());
  return absl::OkStatus();
}

absl::Status VarIsInitializedOp(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(const ResourceHandle* h, HandleInput(ctx, 0));
  TB_ASSIGN_OR_RETURN(ResourceStore * store, Store(ctx));
  ctx.set_output(0, tf::Tensor::Scalar<bool>(store->IsInitialized(*h)));
  return absl::OkStatus();
}

absl::Status DisableCopyOnRead(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(1));
  TB_ASSIGN_OR_RETURN(const ResourceHandle* h, HandleInput(ctx, 0));
  (void)h;
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("VarHandleOp", VarHandleOp);
TB_REGISTER_KERNEL("ReadVariableOp", ReadVariableOp);
TB_REGISTER_KERNEL("AssignVariableOp", AssignVariableOp);
TB_REGISTER_KERNEL("VarIsInitializedOp", VarIsInitializedOp);
TB_REGISTER_KERNEL("DisableCopyOnRead", DisableCopyOnRead);

}  // namespace tb::runtime
