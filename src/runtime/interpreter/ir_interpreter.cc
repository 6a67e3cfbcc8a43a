#include "runtime/interpreter/ir_interpreter.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::runtime {

// A graph's topological order and node positions, cached per (graph, version).
struct IrInterpreter::Plan {
  uint64_t version = 0;
  std::vector<graph::Node*> order;
  absl::flat_hash_map<const graph::Node*, int> position;
};

IrInterpreter::IrInterpreter(const graph::FunctionLibrary* library, uint64_t seed) : library_(library), rng_(seed) {
  env_.resources = &resources_;
  env_.functions = this;
  env_.rng = &rng_;
}

IrInterpreter::~IrInterpreter() = default;

absl::StatusOr<const IrInterpreter::Plan*> IrInterpreter::GetPlan(const graph::Graph& graph) {
  auto& slot = plans_[graph.uid()];
  if (slot && slot->version == graph.version()) return slot.get();
  auto plan = std::make_unique<Plan>();
  plan->version = graph.version();
  TB_ASSIGN_OR_RETURN(plan->order, graph.TopologicalOrder());
  for (size_t i = 0; i < plan->order.size(); ++i) plan->position[plan->order[i]] = static_cast<int>(i);
  slot = std::move(plan);
  return slot.get();
}

absl::StatusOr<std::vector<tf::Tensor>> IrInterpreter::Run(const graph::Graph& graph,
                                                           const std::map<graph::Output, tf::Tensor>& feeds,
                                                           const std::vector<graph::Output>& fetches,
                                                           const std::vector<graph::Node*>& targets) {
  TB_ASSIGN_OR_RETURN(const Plan* plan, GetPlan(graph));
  const int n = static_cast<int>(plan->order.size());
  for (const auto& [out, value] : feeds) {
    if (!out.valid() || !plan->position.contains(out.node) || out.index >= out.node->num_outputs()) {
      return absl::InvalidArgumentError("a feed is not an output of the graph");
    }
    const graph::TensorType& t = out.type();
    if (value.dtype() != t.dtype || !t.shape.IsCompatibleWith(graph::PartialShape(value.shape()))) {
      return absl::InvalidArgumentError(absl::StrCat("feed for ", out.ToString(), " must be ", t.ToString(), ", got ",
                                                     value.DebugType()));
    }
  }
  auto pos_of = [&](const graph::Node* node) -> absl::StatusOr<int> {
    auto it = plan->position.find(node);
    if (it == plan->position.end()) return absl::InvalidArgumentError("fetch or target is not a node of the graph");
    return it->second;
  };
  // Mark what must run: walk back from fetches and targets, stopping at fed outputs.
  std::vector<char> needed(n, 0);
  std::vector<int> stack;
  auto need_output = [&](const graph::Output& o) -> absl::Status {
    if (feeds.count(o)) return absl::OkStatus();
    TB_ASSIGN_OR_RETURN(int p, pos_of(o.node));
    if (!needed[p]) {
      needed[p] = 1;
      stack.push_back(p);
    }
    return absl::OkStatus();
  };
  for (const graph::Output& f : fetches) TB_RETURN_IF_ERROR(need_output(f));
  for (graph::Node* t : targets) {
    TB_ASSIGN_OR_RETURN(int p, pos_of(t));
    if (!needed[p]) {
      needed[p] = 1;
      stack.push_back(p);
    }
  }
  while (!stack.empty()) {
    const graph::Node* node = plan->order[stack.back()];
    stack.pop_back();
    for (const graph::Output& in : node->inputs()) TB_RETURN_IF_ERROR(need_output(in));
    for (graph::Node* dep : node->control_inputs()) {
      const int p = plan->position.at(dep);
      if (!needed[p]) {
        needed[p] = 1;
        stack.push_back(p);
      }
    }
  }
  // Remaining uses of each needed node's outputs, so values are dropped as soon as they are consumed.
  std::vector<int> uses(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    for (const graph::Output& in : plan->order[i]->inputs()) {
      if (!feeds.count(in)) ++uses[plan->position.at(in.node)];
    }
  }
  for (const graph::Output& f : fetches) {
    if (!feeds.count(f)) ++uses[plan->position.at(f.node)];
  }
  std::vector<std::vector<tf::Tensor>> values(n);
  std::vector<tf::Tensor> inputs;
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const graph::Node* node = plan->order[i];
    inputs.clear();
    for (const graph::Output& in : node->inputs()) {
      auto fed = feeds.find(in);
      if (fed != feeds.end()) {
        inputs.push_back(fed->second);
        continue;
      }
      const int p = plan->position.at(in.node);
      inputs.push_back(values[p][in.index]);
      if (--uses[p] == 0) values[p].clear();
    }
    ++nodes_executed_;
    if (node->function() != nullptr) {
      auto out = Call(*node->function(), inputs);
      if (!out.ok()) return tb::Annotate(out.status(), node->DebugName());
      values[i] = std::move(*out);
    } else if (node->IsArg()) {
      return absl::InvalidArgumentError(absl::StrCat(node->DebugName(), ": function argument was not fed"));
    } else {
      auto out = RunKernel(node->op(), node->name(), graph::AttrView(node->attrs()), inputs, &env_);
      if (!out.ok()) {
        // Kernel errors already name the op and node; add the function for nested runs.
        if (!graph.context().empty()) return tb::Annotate(out.status(), absl::StrCat("in ", graph.context()));
        return out.status();
      }
      values[i] = std::move(*out);
    }
    if (static_cast<int>(values[i].size()) != node->num_outputs()) {
      return absl::InternalError(absl::StrCat(node->DebugName(), ": produced ", values[i].size(), " outputs, expected ",
                                              node->num_outputs()));
    }
    // Check values against the static types the compiler inferred; a mismatch is a compiler or kernel bug.
    for (int k = 0; k < node->num_outputs(); ++k) {
      const graph::TensorType& t = node->output_type(k);
      const tf::Tensor& v = values[i][k];
      if (v.dtype() != t.dtype || !t.shape.IsCompatibleWith(graph::PartialShape(v.shape()))) {
        return absl::InternalError(absl::StrCat(node->DebugName(), ": output ", k, " is ", v.DebugType(),
                                                " but the graph declares ", t.ToString()));
      }
    }
    if (uses[i] == 0) values[i].clear();
  }
  std::vector<tf::Tensor> out;
  out.reserve(fetches.size());
  // Fetch values were kept alive by their extra use count.
  for (const graph::Output& f : fetches) {
    auto fed = feeds.find(f);
    if (fed != feeds.end()) {
      out.push_back(fed->second);
    } else {
      out.push_back(values[plan->position.at(f.node)][f.index]);
    }
  }
  return out;
}

absl::StatusOr<std::vector<tf::Tensor>> IrInterpreter::Call(const graph::Function& fn, std::vector<tf::Tensor> args) {
  if (depth_ >= max_call_depth_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("function '", fn.name(), "': call depth exceeds ", max_call_depth_));
  }
  if (args.size() != fn.args().size()) {
    return absl::InvalidArgumentError(absl::StrCat("function '", fn.name(), "' takes ", fn.args().size(),
                                                   " arguments, got ", args.size()));
  }
  std::map<graph::Output, tf::Tensor> feeds;
  for (size_t i = 0; i < args.size(); ++i) {
    const graph::TensorType& t = fn.args()[i]->output_type(0);
    if (args[i].dtype() != t.dtype || !t.shape.IsCompatibleWith(graph::PartialShape(args[i].shape()))) {
      return absl::InvalidArgumentError(absl::StrCat("function '", fn.name(), "': argument ", i, " ('",
                                                     fn.args()[i]->name(), "') must be ", t.ToString(), ", got ",
                                                     args[i].DebugType()));
    }
    feeds[graph::Output(fn.args()[i], 0)] = std::move(args[i]);
  }
  std::vector<graph::Output> fetches;
  for (const auto& r : fn.returns()) fetches.push_back(r.value);
  std::vector<graph::Node*> targets;
  for (const auto& r : fn.control_returns()) targets.push_back(r.node);
  ++depth_;
  auto out = Run(fn.body(), feeds, fetches, targets);
  --depth_;
  return out;
}

absl::StatusOr<std::vector<tf::Tensor>> IrInterpreter::RunFunction(const tensorflow::NameAttrList& fn,
                                                                   std::vector<tf::Tensor> args) {
  const graph::Function* f = library_ ? library_->Find(fn.name()) : nullptr;
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("function '", fn.name(), "' is not in the library"));
  return Call(*f, std::move(args));
}

}  // namespace tb::runtime
