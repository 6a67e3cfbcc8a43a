#include "runtime/graphdef/session.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/graphdef/executor.h"

namespace tb::runtime::graphdef {

Session::Session(ExecGraph graph, SessionOptions options)
    : graph_(std::move(graph)), options_(options), rng_(options.seed) {
  env_.resources = &resources_;
  env_.functions = this;
  env_.rng = &rng_;
  env_.max_loop_iterations = options.max_loop_iterations;
}

absl::StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const tensorflow::GraphDef> graph,
                                                         SessionOptions options) {
  TB_ASSIGN_OR_RETURN(ExecGraph exec, ExecGraph::FromGraphDef(graph, options.limits));
  for (const tensorflow::NodeDef& n : graph->node()) {
    if (n.op() == "Switch" || n.op() == "Merge") continue;
    if (KernelRegistry::Global().Find(n.op()) == nullptr) {
      return absl::UnimplementedError(absl::StrCat("node '", n.name(), "': no kernel for op '", n.op(), "'"));
    }
  }
  std::unique_ptr<Session> session(new Session(std::move(exec), options));
  for (const tensorflow::FunctionDef& f : graph->library().function()) {
    auto copy = std::make_shared<const tensorflow::FunctionDef>(f);
    TB_ASSIGN_OR_RETURN(ExecGraph fg, ExecGraph::FromFunctionDef(copy, options.limits));
    for (const ExecNode& node : fg.nodes()) {
      if (node.def == nullptr || node.op == "Switch" || node.op == "Merge") continue;
      if (KernelRegistry::Global().Find(node.op) == nullptr) {
        return absl::UnimplementedError(absl::StrCat("function '", f.signature().name(), "' node '", node.name,
                                                     "': no kernel for op '", node.op, "'"));
      }
    }
    if (!session->functions_.emplace(f.signature().name(), std::move(fg)).second) {
      return absl::InvalidArgumentError(absl::StrCat("function '", f.signature().name(), "' is defined twice"));
    }
  }
  return session;
}

absl::StatusOr<std::vector<tf::Tensor>> Session::Run(const std::vector<std::pair<std::string, tf::Tensor>>& feeds,
                                                     const std::vector<std::string>& fetches,
                                                     const std::vector<std::string>& targets) {
  ExecRequest request;
  for (const auto& [name, value] : feeds) {
    TB_ASSIGN_OR_RETURN(TensorRef ref, graph_.ResolveTensor(name));
    request.feeds.emplace_back(ref, value);
  }
  for (const std::string& name : fetches) {
    TB_ASSIGN_OR_RETURN(TensorRef ref, graph_.ResolveTensor(name));
    request.fetches.push_back(ref);
  }
  for (const std::string& name : targets) {
    std::optional<int> node = graph_.Find(name);
    if (!node.has_value()) return absl::NotFoundError(absl::StrCat("target '", name, "': no such node in the graph"));
    request.targets.push_back(*node);
  }
  return Execute(graph_, request, &env_);
}

absl::StatusOr<std::vector<tf::Tensor>> Session::RunFunction(const tensorflow::NameAttrList& fn,
                                                             std::vector<tf::Tensor> args) {
  auto it = functions_.find(fn.name());
  if (it == functions_.end()) return absl::NotFoundError(absl::StrCat("no function named '", fn.name(), "'"));
  if (static_cast<int>(args.size()) != it->second.num_args()) {
    return absl::InvalidArgumentError(absl::StrCat("function '", fn.name(), "' takes ", it->second.num_args(),
                                                   " arguments, got ", args.size()));
  }
  if (depth_ >= options_.max_call_depth) {
    return absl::ResourceExhaustedError(absl::StrCat("function calls nest deeper than ", options_.max_call_depth));
  }
  ++depth_;
  ExecRequest request;
  request.args = std::move(args);
  auto result = Execute(it->second, request, &env_);
  --depth_;
  if (!result.ok()) return Annotate(result.status(), absl::StrCat("in function '", fn.name(), "'"));
  return result;
}

}  // namespace tb::runtime::graphdef
