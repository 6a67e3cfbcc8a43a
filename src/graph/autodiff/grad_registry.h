// The per-op gradient functions behind AddGradients, written in ONNX Runtime's vocabulary: I(i) is input i, O(i)
// output i, GO(i) the gradient arriving at output i, and a function calls SetGI(i, value) for the inputs that
// NeedsGI(i). Each function is a few lines that read like the formula (tf-ops.md §7 gives TF's), built with a
// Builder scoped under the forward node, preferring static-shape forms (Const shapes, Tile) that are cheap on
// phones and falling back to dynamic ones (Shape, BroadcastGradientArgs) when shapes are unknown.
#ifndef TASKBUILDER_GRAPH_AUTODIFF_GRAD_REGISTRY_H_
#define TASKBUILDER_GRAPH_AUTODIFF_GRAD_REGISTRY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/builder.h"
#include "graph/graph.h"

namespace tb::graph {

class GradContext {
 public:
  GradContext(Node* node, std::vector<Output> output_grads, std::vector<bool> needs_input_grad, Builder builder);

  const Node& node() const { return *node_; }
  Output I(int i) const { return node_->input(i); }
  Output O(int i) const { return Output(node_, i); }
  bool HasGO(int i) const { return output_grads_[i].valid(); }
  // The gradient of output i; zeros shaped like the output when none arrived.
  Output GO(int i);
  bool NeedsGI(int i) const { return needs_input_grad_[i]; }
  void SetGI(int i, Output g);
  const std::vector<Output>& input_grads() const { return input_grads_; }
  const Builder& b() const { return b_; }

  // Attr readers (attrs are complete on IR nodes).
  absl::StatusOr<bool> GetBool(std::string_view name) const;
  absl::StatusOr<int64_t> GetInt(std::string_view name) const;
  absl::StatusOr<float> GetFloat(std::string_view name) const;
  absl::StatusOr<std::string> GetString(std::string_view name) const;
  // Copies the named attrs of the forward node (e.g. conv/pool geometry) for a gradient op.
  AttrMap CopyAttrs(std::initializer_list<const char*> names) const;
  // InvalidArgument/Unimplemented naming the op and node.
  absl::Status Error(std::string_view message) const;

  // `g` (shaped like the broadcast of x and other) summed over the axes along which x was broadcast and reshaped
  // to x's shape (tf-ops.md §6.2): nothing when shapes are statically equal, constant axes when ranks and the
  // relevant dims are known, BroadcastGradientArgs otherwise.
  Output ReduceToShapeOf(Output g, Output x, Output other);
  // `x`'s shape as an int32 (or int64) vector: a Const when fully known, else Shape(x).
  Output ShapeOf(Output x, tf::DType type = tf::DType::kInt32) const { return b_.ShapeOf(x, type); }
  // A value of the given reduction's output re-expanded to `x`'s rank with the reduced axes set to 1
  // (kept dims), for broadcasting back over x. `axes` are canonical (non-negative, sorted, unique).
  absl::StatusOr<Output> KeptDims(Output reduced, Output x, const std::vector<int>& axes);
  // The reduction axes of node input `i` as canonical constants, or an error if not constant / rank unknown.
  absl::StatusOr<std::vector<int>> ConstantAxes(int i, Output x);

 private:
  Node* node_;
  std::vector<Output> output_grads_;
  std::vector<bool> needs_input_grad_;
  std::vector<Output> input_grads_;
  Builder b_;
};

using GradFn = absl::Status (*)(GradContext& ctx);

class GradRegistry {
 public:
  static const GradRegistry& Global();
  // `fn` null means "registered as not differentiable": its inputs get no gradient.
  void Register(std::string_view op, GradFn fn);
  // nullptr when the op has no entry; `*registered` tells a non-differentiable registration apart.
  GradFn Find(std::string_view op, bool* registered) const;
  std::vector<std::string> Ops() const;

 private:
  std::map<std::string, GradFn, std::less<>> fns_;
};

void RegisterMathGradients(GradRegistry& r);
void RegisterNnGradients(GradRegistry& r);
void RegisterArrayGradients(GradRegistry& r);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_AUTODIFF_GRAD_REGISTRY_H_
