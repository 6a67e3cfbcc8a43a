#include "graph/graph.h"

#include <algorithm>
#include <atomic>
#include <queue>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "graph/function.h"
#include "graph/op_def_util.h"
#include "graph/op_registry.h"
#include "graph/shape_inference.h"

namespace tb::graph {
namespace {

bool IsSegmentStart(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '_'; }
bool IsSegmentChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-'; }

}  // namespace

bool IsValidNodeName(std::string_view name) {
  if (name.empty() || name.size() > 4096) return false;
  bool at_start = true;
  for (char c : name) {
    if (at_start) {
      if (!IsSegmentStart(c)) return false;
      at_start = false;
    } else if (c == '>') {
      at_start = true;
    } else if (!IsSegmentChar(c)) {
      return false;
    }
  }
  return !at_start;
}

const TensorType& Output::type() const { return node->output_type(index); }

std::string Output::ToString() const {
  if (!node) return "<invalid>";
  return index == 0 ? node->name() : absl::StrCat(node->name(), ":", index);
}

bool Output::operator<(const Output& o) const {
  const int64_t a = node ? node->id() : -1, b = o.node ? o.node->id() : -1;
  return a != b ? a < b : index < o.index;
}

const tensorflow::AttrValue* Node::attr(std::string_view name) const {
  auto it = attrs_.find(name);
  return it == attrs_.end() ? nullptr : &it->second;
}

bool Node::is_stateful() const {
  if (reg_) return reg_->def.is_stateful();
  return function_ != nullptr && function_->IsStateful();
}

absl::StatusOr<tf::Tensor> Node::ConstValue() const {
  if (!IsConst()) return absl::InvalidArgumentError(absl::StrCat(DebugName(), " is not a Const"));
  if (!const_value_) {
    const tensorflow::AttrValue* v = attr("value");
    if (v == nullptr) return absl::InvalidArgumentError(absl::StrCat(DebugName(), " has no value"));
    auto t = AttrAsTensor(*v, "value");
    if (!t.ok()) return Annotate(t.status(), DebugName());
    const_value_ = std::make_shared<const tf::Tensor>(std::move(*t));
  }
  return *const_value_;
}

std::string Node::DebugName() const {
  std::string s = absl::StrCat(op_, " node '", name_, "'");
  if (graph_ && !graph_->context().empty()) absl::StrAppend(&s, " in ", graph_->context());
  return s;
}

Graph::Graph(const FunctionLibrary* library, const OpRegistry* registry)
    : library_(library), registry_(registry ? registry : &OpRegistry::Global()) {
  static std::atomic<uint64_t> next_uid{1};
  uid_ = next_uid.fetch_add(1);
}

Graph::~Graph() = default;

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

Node* Graph::FindNode(std::string_view name) const {
  auto it = by_name_.find(absl::string_view(name.data(), name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

bool Graph::IsNameUsed(std::string_view name) const {
  return by_name_.contains(absl::string_view(name.data(), name.size())) ||
         name_counters_.contains(absl::string_view(name.data(), name.size()));
}

std::string Graph::UniqueName(std::string_view base) {
  std::string b(base);
  if (!IsNameUsed(b)) {
    name_counters_[b] = 0;
    return b;
  }
  int64_t& counter = name_counters_[b];
  std::string candidate;
  do {
    candidate = absl::StrCat(b, "_", ++counter);
  } while (IsNameUsed(candidate));
  name_counters_[candidate] = 0;
  return candidate;
}

absl::Status Graph::ComputeOutputTypes(Node* node) const {
  std::vector<tf::DType> dtypes;
  if (node->reg_) {
    auto types = ExpandArgTypes(node->reg_->def, node->reg_->def.output_arg(), AttrView(node->attrs_));
    if (!types.ok()) return Annotate(types.status(), node->DebugName());
    for (tensorflow::DataType t : *types) {
      auto d = tf::DTypeFromProto(t);
      if (!d) {
        return absl::UnimplementedError(
            absl::StrCat(node->DebugName(), ": output dtype ", ProtoDTypeName(t), " is not supported"));
      }
      dtypes.push_back(*d);
    }
  } else {
    for (const TensorType& t : node->function_->return_types()) dtypes.push_back(t.dtype);
  }
  InferenceContext ctx(*node, dtypes);
  if (node->reg_ && node->reg_->shape_fn) {
    TB_RETURN_IF_ERROR(node->reg_->shape_fn(ctx));
  } else if (!node->reg_) {
    auto ret = node->function_->return_types();
    for (size_t i = 0; i < ret.size(); ++i) ctx.set_output(static_cast<int>(i), ret[i].shape);
  }
  node->output_types_.resize(dtypes.size());
  for (size_t i = 0; i < dtypes.size(); ++i) {
    node->output_types_[i] = TensorType{dtypes[i], ctx.output_shapes()[i]};
  }
  return absl::OkStatus();
}

absl::StatusOr<Node*> Graph::AddNode(NodeSpec spec) {
  const std::string where = absl::StrCat(spec.op, " node '", spec.name, "'",
                                         context_.empty() ? "" : absl::StrCat(" in ", context_));
  if (!IsValidNodeName(spec.name)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": invalid node name"));
  }
  if (by_name_.contains(spec.name)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate node name"));
  }
  const OpRegistration* reg = registry_->Find(spec.op);
  const Function* fn = nullptr;
  if (reg == nullptr && library_ != nullptr) fn = library_->Find(spec.op);
  if (reg == nullptr && fn == nullptr) {
    return absl::UnimplementedError(absl::StrCat(where, ": op '", spec.op, "' is not supported"));
  }
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const Output& in = spec.inputs[i];
    if (!in.valid() || in.node->graph_ != this) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": input ", i, " is not a node of this graph"));
    }
    if (in.index < 0 || in.index >= in.node->num_outputs()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": input ", i, " refers to output ", in.index, " of ",
                                                     in.node->name(), ", which has ", in.node->num_outputs()));
    }
  }
  for (Node* dep : spec.control_inputs) {
    if (dep == nullptr || dep->graph_ != this) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": control input is not a node of this graph"));
    }
  }
  std::vector<tf::DType> expected;
  if (reg) {
    FillDefaultAttrs(reg->def, &spec.attrs);
    absl::Status s = ValidateAttrs(reg->def, AttrView(spec.attrs));
    if (!s.ok()) return Annotate(s, where);
    auto types = ExpandArgTypes(reg->def, reg->def.input_arg(), AttrView(spec.attrs));
    if (!types.ok()) return Annotate(types.status(), where);
    for (tensorflow::DataType t : *types) {
      auto d = tf::DTypeFromProto(t);
      if (!d) return absl::UnimplementedError(absl::StrCat(where, ": input dtype ", ProtoDTypeName(t), " is not supported"));
      expected.push_back(*d);
    }
  } else {
    for (const TensorType& t : fn->arg_types()) expected.push_back(t.dtype);
  }
  if (expected.size() != spec.inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": expects ", expected.size(), " data inputs, got ",
                                                   spec.inputs.size()));
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (spec.inputs[i].dtype() != expected[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": input ", i, " was passed ", ToAbsl(tf::DTypeName(spec.inputs[i].dtype())), " from ",
          spec.inputs[i].ToString(), " incompatible with expected ", ToAbsl(tf::DTypeName(expected[i]))));
    }
  }
  auto node = std::unique_ptr<Node>(new Node());
  node->id_ = next_id_;
  node->name_ = std::move(spec.name);
  node->op_ = std::move(spec.op);
  node->reg_ = reg;
  node->function_ = fn;
  node->device_ = std::move(spec.device);
  node->graph_ = this;
  node->attrs_ = std::move(spec.attrs);
  node->inputs_ = std::move(spec.inputs);
  // Duplicate control inputs and control inputs on a data producer's node are harmless; keep them unique.
  for (Node* dep : spec.control_inputs) {
    if (std::find(node->control_inputs_.begin(), node->control_inputs_.end(), dep) == node->control_inputs_.end()) {
      node->control_inputs_.push_back(dep);
    }
  }
  TB_RETURN_IF_ERROR(ComputeOutputTypes(node.get()));
  ++next_id_;
  ++version_;
  Node* raw = node.get();
  by_name_[raw->name_] = raw;
  name_counters_.try_emplace(raw->name_, 0);
  nodes_.push_back(std::move(node));
  return raw;
}

absl::Status Graph::RenameNode(Node* node, std::string_view new_name) {
  if (!IsValidNodeName(new_name)) {
    return absl::InvalidArgumentError(absl::StrCat(node->DebugName(), ": invalid new name '", ToAbsl(new_name), "'"));
  }
  if (new_name == node->name_) return absl::OkStatus();
  if (by_name_.contains(absl::string_view(new_name.data(), new_name.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(node->DebugName(), ": name '", ToAbsl(new_name), "' is taken"));
  }
  by_name_.erase(node->name_);
  node->name_ = std::string(new_name);
  by_name_[node->name_] = node;
  name_counters_.try_emplace(node->name_, 0);
  ++version_;
  return absl::OkStatus();
}

absl::Status Graph::SetInput(Node* node, int i, Output value) {
  if (i < 0 || i >= node->num_inputs()) {
    return absl::InvalidArgumentError(absl::StrCat(node->DebugName(), ": no input ", i));
  }
  if (!value.valid() || value.node->graph_ != this) {
    return absl::InvalidArgumentError(absl::StrCat(node->DebugName(), ": new input is not a node of this graph"));
  }
  if (value.dtype() != node->inputs_[i].dtype()) {
    return absl::InvalidArgumentError(absl::StrCat(node->DebugName(), ": input ", i, " must stay ",
                                                   ToAbsl(tf::DTypeName(node->inputs_[i].dtype()))));
  }
  node->inputs_[i] = value;
  ++version_;
  return absl::OkStatus();
}

void Graph::AddControlInput(Node* node, Node* dep) {
  auto& c = node->control_inputs_;
  if (std::find(c.begin(), c.end(), dep) == c.end()) c.push_back(dep);
  ++version_;
}

void Graph::RemoveControlInput(Node* node, Node* dep) {
  auto& c = node->control_inputs_;
  c.erase(std::remove(c.begin(), c.end(), dep), c.end());
  ++version_;
}

int Graph::ReplaceAllUses(Output from, Output to) {
  int count = 0;
  for (auto& n : nodes_) {
    for (Output& in : n->inputs_) {
      if (in == from) {
        in = to;
        ++count;
      }
    }
  }
  if (extra_use_rewriter_) count += extra_use_rewriter_(from, to);
  ++version_;
  return count;
}

absl::Status Graph::RemoveNodes(absl::Span<Node* const> nodes) {
  absl::flat_hash_set<const Node*> doomed(nodes.begin(), nodes.end());
  for (const auto& n : nodes_) {
    if (doomed.contains(n.get())) continue;
    for (const Output& in : n->inputs_) {
      if (doomed.contains(in.node)) {
        return absl::FailedPreconditionError(absl::StrCat("cannot remove ", in.node->DebugName(), ": ",
                                                          n->DebugName(), " still uses it"));
      }
    }
  }
  for (auto& n : nodes_) {
    if (doomed.contains(n.get())) continue;
    auto& c = n->control_inputs_;
    c.erase(std::remove_if(c.begin(), c.end(), [&](Node* d) { return doomed.contains(d); }), c.end());
  }
  for (const Node* n : doomed) by_name_.erase(n->name_);
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(), [&](const auto& n) { return doomed.contains(n.get()); }),
               nodes_.end());
  ++version_;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Node*>> Graph::TopologicalOrder() const {
  absl::flat_hash_map<const Node*, int> pending;
  absl::flat_hash_map<const Node*, std::vector<Node*>> users;
  for (const auto& n : nodes_) {
    // Count distinct producers so a node consuming two outputs of one producer is released once.
    absl::flat_hash_set<Node*> producers;
    for (const Output& in : n->inputs_) producers.insert(in.node);
    for (Node* c : n->control_inputs_) producers.insert(c);
    pending[n.get()] = static_cast<int>(producers.size());
    for (Node* p : producers) users[p].push_back(n.get());
  }
  auto later = [](const Node* a, const Node* b) { return a->id() > b->id(); };
  std::priority_queue<Node*, std::vector<Node*>, decltype(later)> ready(later);
  for (const auto& n : nodes_) {
    if (pending[n.get()] == 0) ready.push(n.get());
  }
  std::vector<Node*> order;
  order.reserve(nodes_.size());
  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    order.push_back(n);
    auto it = users.find(n);
    if (it == users.end()) continue;
    for (Node* u : it->second) {
      if (--pending[u] == 0) ready.push(u);
    }
  }
  if (order.size() != nodes_.size()) {
    std::vector<std::string> stuck;
    for (const auto& n : nodes_) {
      if (pending[n.get()] > 0 && stuck.size() < 5) stuck.push_back(absl::StrCat("'", n->name_, "'"));
    }
    return absl::InvalidArgumentError(absl::StrCat("graph", context_.empty() ? "" : absl::StrCat(" of ", context_),
                                                   " has a cycle through nodes ", absl::StrJoin(stuck, ", ")));
  }
  return order;
}

absl::Status Graph::InferShapes() {
  TB_ASSIGN_OR_RETURN(std::vector<Node*> order, TopologicalOrder());
  for (Node* n : order) TB_RETURN_IF_ERROR(ComputeOutputTypes(n));
  return absl::OkStatus();
}

std::map<Output, std::vector<std::pair<Node*, int>>> Graph::Consumers() const {
  std::map<Output, std::vector<std::pair<Node*, int>>> out;
  for (const auto& n : nodes_) {
    for (int i = 0; i < n->num_inputs(); ++i) out[n->inputs_[i]].emplace_back(n.get(), i);
  }
  return out;
}

}  // namespace tb::graph
