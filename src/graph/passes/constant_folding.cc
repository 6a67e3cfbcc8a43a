#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/attrs.h"
#include "graph/passes/passes.h"

namespace tb::graph {
namespace {

bool HasFuncAttr(const Node* n) {
  for (const auto& [k, v] : n->attrs()) {
    if (v.value_case() == tensorflow::AttrValue::kFunc) return true;
    if (v.value_case() == tensorflow::AttrValue::kList && v.list().func_size() > 0) return true;
  }
  return false;
}

bool Candidate(const Node* n) {
  if (n->num_outputs() != 1 || n->is_stateful() || n->function() != nullptr || n->IsArg() || HasFuncAttr(n)) {
    return false;
  }
  static const absl::flat_hash_set<std::string> kNever = {"Const", "Placeholder", "PlaceholderWithDefault", "NoOp"};
  if (kNever.contains(n->op())) return false;
  const tf::DType t = n->output_type(0).dtype;
  return t != tf::DType::kResource && t != tf::DType::kVariant && tf::IsSupported(t);
}

tf::Tensor IntVector(tf::DType type, const std::vector<int64_t>& v, bool scalar) {
  tf::Tensor t(type, scalar ? tf::Shape{} : tf::Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) {
    if (type == tf::DType::kInt32) t.flat<int32_t>()[i] = static_cast<int32_t>(v[i]);
    else t.flat<int64_t>()[i] = v[i];
  }
  return t;
}

// Values known from static shapes alone (no kernel needed).
std::optional<tf::Tensor> ShapeFact(const Node* n) {
  if (n->num_inputs() != 1) return std::nullopt;
  const PartialShape& s = n->input(0).shape();
  const tf::DType out = n->output_type(0).dtype;
  if (n->op() == "Shape" && s.IsFullyDefined()) {
    if (out == tf::DType::kInt32 && std::any_of(s.dims().begin(), s.dims().end(), [](int64_t d) { return d > INT32_MAX; })) {
      return std::nullopt;
    }
    return IntVector(out, s.dims(), false);
  }
  if (n->op() == "Size" && s.IsFullyDefined()) {
    auto e = s.NumElements();
    if (!e || (out == tf::DType::kInt32 && *e > INT32_MAX)) return std::nullopt;
    return IntVector(out, {*e}, true);
  }
  if (n->op() == "Rank" && s.rank_known()) return IntVector(tf::DType::kInt32, {s.rank()}, true);
  return std::nullopt;
}

absl::StatusOr<bool> FoldOnce(Graph& graph, ConstantEvaluator* evaluator, const FoldOptions& options, int* folded) {
  absl::flat_hash_set<const Node*> keep(options.keep.begin(), options.keep.end());
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  bool changed = false;
  for (Node* n : order) {
    if (!Candidate(n) || keep.contains(n)) continue;
    std::optional<tf::Tensor> value = ShapeFact(n);
    if (!value) {
      bool all_const = !n->inputs().empty();
      for (const Output& in : n->inputs()) all_const &= in.node->IsConst();
      if (!all_const) continue;
      std::vector<tf::Tensor> inputs;
      bool decoded = true;
      for (const Output& in : n->inputs()) {
        auto v = in.node->ConstValue();
        if (!v.ok()) {
          decoded = false;
          break;
        }
        inputs.push_back(*v);
      }
      if (!decoded) continue;
      static const absl::flat_hash_set<std::string> kPassThrough = {"Identity", "StopGradient"};
      static const absl::flat_hash_set<std::string> kReshapes = {"Reshape", "ExpandDims", "Squeeze"};
      if (kPassThrough.contains(n->op())) {
        value = inputs[0];
      } else if (kReshapes.contains(n->op()) && n->output_type(0).shape.IsFullyDefined()) {
        auto r = inputs[0].Reshaped(n->output_type(0).shape.dims());
        if (!r.ok()) continue;
        value = *r;
      } else if (evaluator != nullptr) {
        auto out = evaluator->Evaluate(*n, inputs);
        // A node that fails on constants fails at run time too; leave it for the runtime to report.
        if (!out.ok() || out->size() != 1) continue;
        value = (*out)[0];
      } else {
        continue;
      }
    }
    if (value->dtype() != n->output_type(0).dtype ||
        !n->output_type(0).shape.IsCompatibleWith(PartialShape(value->shape()))) {
      continue;
    }
    const uint64_t bytes = value->dtype() == tf::DType::kString ? 0 : value->byte_size();
    if (bytes > static_cast<uint64_t>(options.max_constant_bytes)) continue;
    NodeSpec spec;
    spec.name = graph.UniqueName(absl::StrCat(n->name(), "/folded"));
    spec.op = "Const";
    spec.attrs["value"] = AttrTensor(*value);
    spec.attrs["dtype"] = AttrType(value->dtype());
    spec.control_inputs = n->control_inputs();
    spec.device = n->device();
    TB_ASSIGN_OR_RETURN(Node * c, graph.AddNode(std::move(spec)));
    graph.ReplaceAllUses(Output(n, 0), Output(c, 0));
    for (Node* other : graph.nodes()) {
      const auto& deps = other->control_inputs();
      if (std::find(deps.begin(), deps.end(), n) != deps.end()) {
        graph.RemoveControlInput(other, n);
        graph.AddControlInput(other, c);
      }
    }
    const std::string name = n->name();
    TB_RETURN_IF_ERROR(graph.RemoveNodes({n}));
    TB_RETURN_IF_ERROR(graph.RenameNode(c, name));
    ++*folded;
    changed = true;
  }
  return changed;
}

}  // namespace

absl::StatusOr<int> FoldConstants(Graph& graph, ConstantEvaluator* evaluator, const FoldOptions& options) {
  int folded = 0;
  for (int round = 0; round < 64; ++round) {
    TB_ASSIGN_OR_RETURN(bool changed, FoldOnce(graph, evaluator, options, &folded));
    if (!changed) break;
  }
  return folded;
}

absl::StatusOr<int> FoldConstants(Function& fn, ConstantEvaluator* evaluator, FoldOptions options) {
  for (const auto& r : fn.control_returns()) options.keep.push_back(r.node);
  return FoldConstants(fn.body(), evaluator, options);
}

}  // namespace tb::graph
