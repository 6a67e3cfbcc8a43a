#include "graph/op_registry.h"

#include <cstdlib>
#include <iostream>

#include "tf/op_defs.h"

namespace tb::graph {

const tensorflow::OpDef::AttrDef* OpRegistration::FindAttr(std::string_view name) const {
  for (const auto& a : def.attr()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

void OpRegistry::Register(std::string_view op, ShapeFn shape_fn) {
  const tensorflow::OpDef* def = tf::FindOpDef(op);
  if (def == nullptr) {
    std::cerr << "OpRegistry: op " << op << " has no OpDef in tf/op_defs\n";
    std::abort();
  }
  if (ops_.count(op)) {
    std::cerr << "OpRegistry: op " << op << " registered twice\n";
    std::abort();
  }
  auto reg = std::make_unique<OpRegistration>();
  reg->def = *def;
  reg->shape_fn = shape_fn;
  reg->internal = op.front() == '_';
  ops_.emplace(std::string(op), std::move(reg));
}

const OpRegistration* OpRegistry::Find(std::string_view op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpRegistry::OpNames() const {
  std::vector<std::string> names;
  for (const auto& [name, reg] : ops_) names.push_back(name);
  return names;
}

tensorflow::OpList OpRegistry::ToOpList() const {
  tensorflow::OpList list;
  for (const auto& [name, reg] : ops_) {
    if (!reg->internal) *list.add_op() = reg->def;
  }
  return list;
}

}  // namespace tb::graph
