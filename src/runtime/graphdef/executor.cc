#include "runtime/graphdef/executor.h"

#include <deque>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/attrs.h"

namespace tb::runtime::graphdef {
namespace {

struct Slot {
  tf::Tensor value;
  bool dead = false;
  bool set = false;
};

std::string Describe(const ExecNode& n) { return absl::StrCat("node '", n.name, "' (", n.op, ")"); }

}  // namespace

absl::StatusOr<std::vector<tf::Tensor>> Execute(const ExecGraph& graph, const ExecRequest& request, KernelEnv* env) {
  const std::vector<ExecNode>& nodes = graph.nodes();
  const int n = static_cast<int>(nodes.size());
  // Outputs per node, created lazily (the count is known only once a kernel runs).
  std::vector<std::vector<Slot>> outputs(n);
  std::vector<char> fed(n, 0), dead_node(n, 0);
  for (const auto& [ref, value] : request.feeds) {
    if (ref.node < 0 || ref.node >= n) return absl::InvalidArgumentError("feed names no node");
    auto& slots = outputs[ref.node];
    if (static_cast<int>(slots.size()) <= ref.output) slots.resize(ref.output + 1);
    slots[ref.output] = Slot{value, false, true};
    fed[ref.node] = 1;
  }
  // The needed set: reverse reachability from fetches and targets, not through fed nodes.
  std::vector<char> needed(n, 0);
  std::vector<int> stack;
  for (const TensorRef& f : request.fetches) stack.push_back(f.node);
  for (int t : request.targets) stack.push_back(t);
  for (int c : graph.control_returns()) stack.push_back(c);
  for (const TensorRef& r : graph.returns()) stack.push_back(r.node);
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    if (v < 0 || v >= n) return absl::InvalidArgumentError("fetch or target names no node");
    if (needed[v]) continue;
    needed[v] = 1;
    if (fed[v]) continue;
    for (const TensorRef& in : nodes[v].inputs) stack.push_back(in.node);
    for (int c : nodes[v].controls) stack.push_back(c);
  }
  // Kahn's order over the needed subgraph.
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (int v = 0; v < n; ++v) {
    if (!needed[v] || fed[v]) continue;
    for (const TensorRef& in : nodes[v].inputs) {
      ++pending[v];
      consumers[in.node].push_back(v);
    }
    for (int c : nodes[v].controls) {
      ++pending[v];
      consumers[c].push_back(v);
    }
  }
  std::deque<int> ready;
  for (int v = 0; v < n; ++v) {
    if (needed[v] && (fed[v] || pending[v] == 0)) ready.push_back(v);
  }
  int done = 0, needed_count = 0;
  for (int v = 0; v < n; ++v) needed_count += needed[v];
  while (!ready.empty()) {
    const int v = ready.front();
    ready.pop_front();
    ++done;
    const ExecNode& node = nodes[v];
    if (!fed[v]) {
      // Gather inputs and deadness.
      bool any_dead = false;
      std::vector<tf::Tensor> inputs;
      std::vector<bool> input_dead;
      inputs.reserve(node.inputs.size());
      for (const TensorRef& in : node.inputs) {
        const auto& slots = outputs[in.node];
        if (in.output >= static_cast<int>(slots.size()) || !slots[in.output].set) {
          return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": input ", inputs.size(), " reads output ",
                                                         in.output, " of ", Describe(nodes[in.node]),
                                                         ", which does not exist"));
        }
        input_dead.push_back(slots[in.output].dead);
        any_dead |= slots[in.output].dead;
        inputs.push_back(slots[in.output].value);
      }
      bool control_dead = false;
      for (int c : node.controls) control_dead |= dead_node[c] != 0;
      auto& out = outputs[v];
      if (node.op == "Merge") {
        int live = -1;
        for (size_t k = 0; k < inputs.size(); ++k) {
          if (!input_dead[k]) {
            live = static_cast<int>(k);
            break;
          }
        }
        out.assign(2, Slot{});
        if (live < 0 || control_dead) {
          out[0] = Slot{tf::Tensor(), true, true};
          out[1] = Slot{tf::Tensor(), true, true};
          dead_node[v] = 1;
        } else {
          out[0] = Slot{inputs[live], false, true};
          out[1] = Slot{tf::Tensor::Scalar<int32_t>(live), false, true};
        }
      } else if (any_dead || control_dead) {
        dead_node[v] = 1;
        out.assign(std::max<size_t>(out.size(), node.op == "Switch" ? 2 : 1), Slot{tf::Tensor(), true, true});
      } else if (node.op == "Switch") {
        if (inputs.size() != 2 || inputs[1].dtype() != tf::DType::kBool || inputs[1].num_elements() != 1) {
          return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": needs (data, scalar bool pred)"));
        }
        const bool pred = inputs[1].flat<bool>()[0];
        out.assign(2, Slot{});
        out[pred ? 1 : 0] = Slot{inputs[0], false, true};
        out[pred ? 0 : 1] = Slot{tf::Tensor(), true, true};
      } else if (node.op == "_Arg") {
        if (node.arg_index >= static_cast<int>(request.args.size())) {
          return absl::InvalidArgumentError(absl::StrCat("function '", graph.name(), "' got ", request.args.size(),
                                                         " arguments, needs ", graph.num_args()));
        }
        out.assign(1, Slot{request.args[node.arg_index], false, true});
      } else {
        if (node.def == nullptr) return absl::InternalError(absl::StrCat(Describe(node), ": no definition"));
        auto result = RunKernel(node.op, node.name, graph::AttrView(node.def->attr()), inputs, env);
        if (!result.ok()) return result.status();
        out.clear();
        for (tf::Tensor& t : *result) out.push_back(Slot{std::move(t), false, true});
      }
    }
    for (int c : consumers[v]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (done != needed_count) {
    for (int v = 0; v < n; ++v) {
      if (needed[v] && !fed[v] && pending[v] > 0) {
        return absl::UnimplementedError(absl::StrCat(Describe(nodes[v]), " is on a cycle: graphs with TF1 while "
                                                     "loops (Enter/Exit/NextIteration) are not supported"));
      }
    }
  }
  std::vector<tf::Tensor> results;
  auto fetch = [&](const TensorRef& f, std::string_view what) -> absl::Status {
    const auto& slots = outputs[f.node];
    if (f.output >= static_cast<int>(slots.size()) || !slots[f.output].set) {
      return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), " ", nodes[f.node].name, ":", f.output,
                                                     " does not exist"));
    }
    if (slots[f.output].dead) {
      return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), " ", nodes[f.node].name, ":", f.output,
                                                     " is dead (on an untaken Switch branch)"));
    }
    results.push_back(slots[f.output].value);
    return absl::OkStatus();
  };
  for (const TensorRef& f : request.fetches) TB_RETURN_IF_ERROR(fetch(f, "fetched tensor"));
  for (const TensorRef& r : graph.returns()) TB_RETURN_IF_ERROR(fetch(r, "returned tensor"));
  return results;
}

}  // namespace tb::runtime::graphdef
