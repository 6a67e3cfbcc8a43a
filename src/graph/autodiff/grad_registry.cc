#include "graph/autodiff/grad_registry.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::graph {

GradContext::GradContext(Node* node, std::vector<Output> output_grads, std::vector<bool> needs_input_grad,
                         Builder builder)
    : node_(node),
      output_grads_(std::move(output_grads)),
      needs_input_grad_(std::move(needs_input_grad)),
      input_grads_(node->num_inputs()),
      b_(std::move(builder)) {}

Output GradContext::GO(int i) {
  if (!output_grads_[i].valid()) {
    const TensorType& t = node_->output_type(i);
    auto n = t.shape.NumElements();
    if (n && *n <= 1000) {
      std::vector<int64_t> dims = t.shape.dims();
      output_grads_[i] = b_.ZerosOf(t.dtype, dims);
    } else if (t.shape.IsFullyDefined()) {
      output_grads_[i] = b_.Fill(b_.ShapeOf(O(i)), b_.ScalarOf(t.dtype, 0));
    } else {
      output_grads_[i] = b_.ZerosLike(O(i));
    }
  }
  return output_grads_[i];
}

void GradContext::SetGI(int i, Output g) {
  if (needs_input_grad_[i]) input_grads_[i] = g;
}

absl::StatusOr<bool> GradContext::GetBool(std::string_view name) const {
  const auto* v = node_->attr(name);
  if (!v) return Error(absl::StrCat("missing attr ", ToAbsl(name)));
  return AttrAsBool(*v, name);
}
absl::StatusOr<int64_t> GradContext::GetInt(std::string_view name) const {
  const auto* v = node_->attr(name);
  if (!v) return Error(absl::StrCat("missing attr ", ToAbsl(name)));
  return AttrAsInt(*v, name);
}
absl::StatusOr<float> GradContext::GetFloat(std::string_view name) const {
  const auto* v = node_->attr(name);
  if (!v) return Error(absl::StrCat("missing attr ", ToAbsl(name)));
  return AttrAsFloat(*v, name);
}
absl::StatusOr<std::string> GradContext::GetString(std::string_view name) const {
  const auto* v = node_->attr(name);
  if (!v) return Error(absl::StrCat("missing attr ", ToAbsl(name)));
  return AttrAsString(*v, name);
}

AttrMap GradContext::CopyAttrs(std::initializer_list<const char*> names) const {
  AttrMap out;
  for (const char* n : names) {
    if (const auto* v = node_->attr(n)) out[n] = *v;
  }
  return out;
}

absl::Status GradContext::Error(std::string_view message) const {
  return absl::UnimplementedError(absl::StrCat("gradient of ", node_->DebugName(), ": ", ToAbsl(message)));
}

Output GradContext::ReduceToShapeOf(Output g, Output x, Output other) {
  if (!g.valid() || !x.valid()) return Output();
  const PartialShape& xs = x.shape();
  const PartialShape& os = other.shape();
  if (xs.IsFullyDefined() && xs == g.shape()) return g;
  if (xs.rank_known() && os.rank_known()) {
    const int rx = xs.rank(), ro = os.rank(), r = std::max(rx, ro);
    std::vector<int32_t> axes;
    bool decidable = true;
    for (int k = 0; k < r; ++k) {
      const bool x_absent = k < r - rx, o_absent = k < r - ro;
      const int64_t xd = x_absent ? 1 : xs.dim(k - (r - rx));
      const int64_t od = o_absent ? 1 : os.dim(k - (r - ro));
      if (x_absent) {
        axes.push_back(k);
      } else if (xd == 1) {
        if (od != 1) axes.push_back(k);  // an unknown other dim counts as "not 1": summing a size-1 axis is harmless
      } else if (xd < 0 && od != 1) {
        decidable = false;  // x's dim may be 1 (broadcast) or not
        break;
      }
    }
    if (decidable) {
      if (axes.empty()) return (g.shape().rank_known() && g.shape().rank() == rx) ? g : b_.Reshape(g, ShapeOf(x));
      Output s = b_.Sum(g, axes, /*keep_dims=*/true);
      if (rx == r) return s;
      return b_.Reshape(s, ShapeOf(x));
    }
  }
  // Shapes only known at run time: let BroadcastGradientArgs find the axes.
  auto r = b_.Ops("BroadcastGradientArgs", {b_.Op("Shape", {x}), b_.Op("Shape", {other})});
  if (r.size() != 2) return Output();
  return b_.Reshape(b_.Sum(g, r[0], /*keep_dims=*/false), b_.Op("Shape", {x}));
}

absl::StatusOr<std::vector<int>> GradContext::ConstantAxes(int i, Output x) {
  if (!x.shape().rank_known()) return Error("needs the input's rank to be known");
  const int rank = x.shape().rank();
  const Node* axes_node = I(i).node;
  std::set<int> axes;
  // An empty axis list is known from its shape alone, whatever computes it (e.g. Range(0, 0, 1) in Keras losses).
  const PartialShape& axes_shape = I(i).shape();
  if (axes_shape.rank_known() && axes_shape.rank() == 1 && axes_shape.dim(0) == 0) return std::vector<int>{};
  tf::Tensor t;
  if (axes_node->IsConst()) {
    TB_ASSIGN_OR_RETURN(t, axes_node->ConstValue());
  } else if (axes_node->op() == "Range" && axes_node->input(0).node->IsConst() && axes_node->input(1).node->IsConst() &&
             axes_node->input(2).node->IsConst()) {
    // Range over constants (Keras' "all axes" idiom): evaluate it here.
    TB_ASSIGN_OR_RETURN(tf::Tensor start, axes_node->input(0).node->ConstValue());
    TB_ASSIGN_OR_RETURN(tf::Tensor limit, axes_node->input(1).node->ConstValue());
    TB_ASSIGN_OR_RETURN(tf::Tensor delta, axes_node->input(2).node->ConstValue());
    if (start.dtype() != tf::DType::kInt32 || start.num_elements() != 1 || limit.num_elements() != 1 ||
        delta.num_elements() != 1 || delta.flat<int32_t>()[0] <= 0) {
      return Error("needs constant reduction axes");
    }
    std::vector<int32_t> v;
    for (int32_t a = start.flat<int32_t>()[0]; a < limit.flat<int32_t>()[0] && v.size() <= 64; a += delta.flat<int32_t>()[0]) {
      v.push_back(a);
    }
    t = tf::Tensor::FromVector<int32_t>(v);
  } else {
    return Error("needs constant reduction axes");
  }
  auto add = [&](int64_t a) -> absl::Status {
    if (a < -rank || a >= rank) return Error(absl::StrCat("axis ", a, " out of range for rank ", rank));
    axes.insert(static_cast<int>(a < 0 ? a + rank : a));
    return absl::OkStatus();
  };
  if (t.dtype() == tf::DType::kInt32) {
    for (int32_t a : t.flat<int32_t>()) TB_RETURN_IF_ERROR(add(a));
  } else if (t.dtype() == tf::DType::kInt64) {
    for (int64_t a : t.flat<int64_t>()) TB_RETURN_IF_ERROR(add(a));
  } else {
    return Error("axes must be int32 or int64");
  }
  return std::vector<int>(axes.begin(), axes.end());
}

absl::StatusOr<Output> GradContext::KeptDims(Output reduced, Output x, const std::vector<int>& axes) {
  const PartialShape& xs = x.shape();
  if (!xs.rank_known()) return Error("needs the input's rank to be known");
  if (reduced.shape().rank_known() && reduced.shape().rank() == xs.rank()) return reduced;  // keep_dims
  std::vector<int32_t> kept(xs.rank());
  int unknown = 0;
  for (int k = 0; k < xs.rank(); ++k) {
    const bool red = std::binary_search(axes.begin(), axes.end(), k);
    kept[k] = red ? 1 : static_cast<int32_t>(xs.dim(k));
    if (!red && xs.dim(k) < 0) {
      ++unknown;
      kept[k] = -1;
    }
  }
  if (unknown <= 1) return b_.Reshape(reduced, kept);
  // Several unknown dims: Shape(x) with the reduced entries replaced by 1.
  std::vector<int32_t> keep_mask(xs.rank()), red_mask(xs.rank());
  for (int k = 0; k < xs.rank(); ++k) {
    const bool red = std::binary_search(axes.begin(), axes.end(), k);
    keep_mask[k] = red ? 0 : 1;
    red_mask[k] = red ? 1 : 0;
  }
  Output shape = b_.Add(b_.Mul(b_.Op("Shape", {x}), b_.Int32s(keep_mask)), b_.Int32s(red_mask));
  return b_.Reshape(reduced, shape);
}

const GradRegistry& GradRegistry::Global() {
  static const GradRegistry* registry = [] {
    auto* r = new GradRegistry();
    RegisterMathGradients(*r);
    RegisterNnGradients(*r);
    RegisterArrayGradients(*r);
    return r;
  }();
  return *registry;
}

void GradRegistry::Register(std::string_view op, GradFn fn) {
  if (!fns_.emplace(std::string(op), fn).second) {
    std::cerr << "GradRegistry: gradient for " << op << " registered twice\n";
    std::abort();
  }
}

GradFn GradRegistry::Find(std::string_view op, bool* registered) const {
  auto it = fns_.find(op);
  *registered = it != fns_.end();
  return *registered ? it->second : nullptr;
}

std::vector<std::string> GradRegistry::Ops() const {
  std::vector<std::string> ops;
  for (const auto& [op, fn] : fns_) ops.push_back(op);
  return ops;
}

}  // namespace tb::graph
