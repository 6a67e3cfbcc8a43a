#include "graph/function.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/op_registry.h"

namespace tb::graph {
namespace {

bool IsArgName(std::string_view s) {
  if (s.empty() || s.size() > 256 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsFunctionName(std::string_view s) {
  if (s.empty() || s.size() > 1024) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

}  // namespace

Function::Function(std::string name, const FunctionLibrary* library) : name_(std::move(name)), body_(library) {
  body_.set_context(absl::StrCat("function '", name_, "'"));
  body_.set_extra_use_rewriter([this](Output from, Output to) {
    int n = 0;
    for (Return& r : returns_) {
      if (r.value == from) {
        r.value = to;
        ++n;
      }
    }
    return n;
  });
}

absl::StatusOr<Output> Function::AddArg(std::string_view name, const TensorType& type) {
  if (!IsArgName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("function '", name_, "': argument name '", ToAbsl(name), "' must match [a-z][a-z0-9_]*"));
  }
  NodeSpec spec;
  spec.name = std::string(name);
  spec.op = "_Arg";
  spec.attrs["T"] = AttrType(type.dtype);
  spec.attrs["index"] = AttrInt(static_cast<int64_t>(args_.size()));
  spec.attrs["shape"] = AttrShape(type.shape);
  TB_ASSIGN_OR_RETURN(Node * node, body_.AddNode(std::move(spec)));
  args_.push_back(node);
  return Output(node, 0);
}

std::vector<TensorType> Function::arg_types() const {
  std::vector<TensorType> out;
  for (const Node* a : args_) out.push_back(a->output_type(0));
  return out;
}

absl::Status Function::AddReturn(std::string_view name, Output value) {
  if (!IsArgName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("function '", name_, "': return name '", ToAbsl(name), "' must match [a-z][a-z0-9_]*"));
  }
  for (const Return& r : returns_) {
    if (r.name == name) {
      return absl::InvalidArgumentError(absl::StrCat("function '", name_, "': duplicate return '", ToAbsl(name), "'"));
    }
  }
  for (const Node* a : args_) {
    if (a->name() == name) {
      return absl::InvalidArgumentError(
          absl::StrCat("function '", name_, "': return '", ToAbsl(name), "' has the name of an argument"));
    }
  }
  if (!value.valid() || value.node->graph() != &body_ || value.index >= value.node->num_outputs()) {
    return absl::InvalidArgumentError(
        absl::StrCat("function '", name_, "': return '", ToAbsl(name), "' is not an output of the body"));
  }
  returns_.push_back({std::string(name), value});
  return absl::OkStatus();
}

std::vector<TensorType> Function::return_types() const {
  std::vector<TensorType> out;
  for (const Return& r : returns_) out.push_back(r.value.type());
  return out;
}

absl::Status Function::AddControlReturn(std::string_view name, Node* node) {
  if (node == nullptr || node->graph() != &body_) {
    return absl::InvalidArgumentError(
        absl::StrCat("function '", name_, "': control return '", ToAbsl(name), "' is not a body node"));
  }
  for (const ControlReturn& r : control_returns_) {
    if (r.name == name) {
      return absl::InvalidArgumentError(
          absl::StrCat("function '", name_, "': duplicate control return '", ToAbsl(name), "'"));
    }
  }
  control_returns_.push_back({std::string(name), node});
  return absl::OkStatus();
}

bool Function::IsStateful() const {
  for (const Node* n : body_.nodes()) {
    if (n->is_stateful()) return true;
  }
  return false;
}

absl::StatusOr<Function*> FunctionLibrary::Create(std::string_view name) {
  if (!IsFunctionName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid function name '", ToAbsl(name), "'"));
  }
  if (fns_.count(name)) return absl::AlreadyExistsError(absl::StrCat("function '", ToAbsl(name), "' already exists"));
  if (OpRegistry::Global().Find(name)) {
    return absl::InvalidArgumentError(absl::StrCat("function name '", ToAbsl(name), "' is the name of an op"));
  }
  auto fn = std::make_unique<Function>(std::string(name), this);
  Function* raw = fn.get();
  fns_.emplace(std::string(name), std::move(fn));
  return raw;
}

absl::Status FunctionLibrary::Add(std::unique_ptr<Function> fn) {
  if (fns_.count(fn->name())) {
    return absl::AlreadyExistsError(absl::StrCat("function '", fn->name(), "' already exists"));
  }
  fn->body().set_library(this);
  std::string name = fn->name();
  fns_.emplace(std::move(name), std::move(fn));
  return absl::OkStatus();
}

Function* FunctionLibrary::Find(std::string_view name) {
  auto it = fns_.find(name);
  return it == fns_.end() ? nullptr : it->second.get();
}

const Function* FunctionLibrary::Find(std::string_view name) const {
  auto it = fns_.find(name);
  return it == fns_.end() ? nullptr : it->second.get();
}

absl::Status FunctionLibrary::Remove(std::string_view name) {
  auto it = fns_.find(name);
  if (it == fns_.end()) return absl::NotFoundError(absl::StrCat("no function '", ToAbsl(name), "'"));
  fns_.erase(it);
  return absl::OkStatus();
}

std::vector<const Function*> FunctionLibrary::functions() const {
  std::vector<const Function*> out;
  for (const auto& [name, fn] : fns_) out.push_back(fn.get());
  return out;
}

std::vector<Function*> FunctionLibrary::mutable_functions() {
  std::vector<Function*> out;
  for (auto& [name, fn] : fns_) out.push_back(fn.get());
  return out;
}

std::string FunctionLibrary::UniqueName(std::string_view base) const {
  std::string b(base);
  if (!fns_.count(b)) return b;
  for (int i = 1;; ++i) {
    std::string c = absl::StrCat(b, "_", i);
    if (!fns_.count(c)) return c;
  }
}

}  // namespace tb::graph
