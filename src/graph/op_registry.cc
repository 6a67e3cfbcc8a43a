#include "graph/op_registry.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"

namespace tb::graph {
namespace {

struct TypeName {
  std::string_view name;
  tensorflow::DataType type;
};

constexpr TypeName kTypeNames[] = {
    {"half", tensorflow::DT_HALF},       {"bfloat16", tensorflow::DT_BFLOAT16},   {"float", tensorflow::DT_FLOAT},
    {"double", tensorflow::DT_DOUBLE},   {"int8", tensorflow::DT_INT8},           {"int16", tensorflow::DT_INT16},
    {"int32", tensorflow::DT_INT32},     {"int64", tensorflow::DT_INT64},         {"uint8", tensorflow::DT_UINT8},
    {"uint16", tensorflow::DT_UINT16},   {"uint32", tensorflow::DT_UINT32},       {"uint64", tensorflow::DT_UINT64},
    {"complex64", tensorflow::DT_COMPLEX64}, {"complex128", tensorflow::DT_COMPLEX128}, {"bool", tensorflow::DT_BOOL},
    {"string", tensorflow::DT_STRING},   {"resource", tensorflow::DT_RESOURCE},   {"variant", tensorflow::DT_VARIANT},
    {"qint8", tensorflow::DT_QINT8},     {"quint8", tensorflow::DT_QUINT8},       {"qint16", tensorflow::DT_QINT16},
    {"quint16", tensorflow::DT_QUINT16}, {"qint32", tensorflow::DT_QINT32},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

absl::Status SpecError(std::string_view op, std::string_view spec, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("op ", ToAbsl(op), ": bad spec '", ToAbsl(spec), "': ", ToAbsl(why)));
}

// Splits "a, b, c" (inside braces or brackets) into trimmed items; empty input gives no items.
std::vector<std::string_view> SplitItems(std::string_view inner) {
  std::vector<std::string_view> items;
  inner = Trim(inner);
  if (inner.empty()) return items;
  for (absl::string_view part : absl::StrSplit(absl::string_view(inner.data(), inner.size()), ',')) {
    items.push_back(Trim(std::string_view(part.data(), part.size())));
  }
  return items;
}

bool Unquote(std::string_view s, std::string* out) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    *out = std::string(s.substr(1, s.size() - 2));
    return true;
  }
  return false;
}

absl::StatusOr<tensorflow::DataType> ParseTypeName(std::string_view name) {
  if (name.substr(0, 3) == "DT_") {
    tensorflow::DataType t;
    if (tensorflow::DataType_Parse(std::string(name), &t)) return t;
  }
  return DataTypeFromSpecName(name);
}

// Parses a default value for an attr of `kind` into `out`.
absl::Status ParseDefault(std::string_view kind, std::string_view text, tensorflow::AttrValue* out) {
  text = Trim(text);
  if (kind == "bool") {
    if (text == "true") out->set_b(true);
    else if (text == "false") out->set_b(false);
    else return absl::InvalidArgumentError("bool default must be true or false");
    return absl::OkStatus();
  }
  if (kind == "int") {
    int64_t v;
    if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &v)) return absl::InvalidArgumentError("bad int default");
    out->set_i(v);
    return absl::OkStatus();
  }
  if (kind == "float") {
    float v;
    if (!absl::SimpleAtof(absl::string_view(text.data(), text.size()), &v)) return absl::InvalidArgumentError("bad float default");
    out->set_f(v);
    return absl::OkStatus();
  }
  if (kind == "string") {
    std::string s;
    if (!Unquote(text, &s)) return absl::InvalidArgumentError("string default must be quoted");
    out->set_s(s);
    return absl::OkStatus();
  }
  if (kind == "type") {
    TB_ASSIGN_OR_RETURN(tensorflow::DataType t, ParseTypeName(text));
    out->set_type(t);
    return absl::OkStatus();
  }
  if (kind == "shape") {
    if (text == "unknown") {
      out->mutable_shape()->set_unknown_rank(true);
      return absl::OkStatus();
    }
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') return absl::InvalidArgumentError("bad shape default");
    out->mutable_shape();
    for (std::string_view item : SplitItems(text.substr(1, text.size() - 2))) {
      int64_t d;
      if (!absl::SimpleAtoi(absl::string_view(item.data(), item.size()), &d)) return absl::InvalidArgumentError("bad shape dim");
      out->mutable_shape()->add_dim()->set_size(d);
    }
    return absl::OkStatus();
  }
  if (kind.substr(0, 5) == "list(") {
    std::string_view inner_kind = kind.substr(5, kind.size() - 6);
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') return absl::InvalidArgumentError("list default needs [..]");
    out->mutable_list();
    for (std::string_view item : SplitItems(text.substr(1, text.size() - 2))) {
      tensorflow::AttrValue element;
      TB_RETURN_IF_ERROR(ParseDefault(inner_kind, item, &element));
      auto* list = out->mutable_list();
      if (inner_kind == "int") list->add_i(element.i());
      else if (inner_kind == "float") list->add_f(element.f());
      else if (inner_kind == "bool") list->add_b(element.b());
      else if (inner_kind == "string") list->add_s(element.s());
      else if (inner_kind == "type") list->add_type(element.type());
      else if (inner_kind == "shape") *list->add_shape() = element.shape();
      else return absl::InvalidArgumentError("unsupported list default kind");
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("no default syntax for kind ", ToAbsl(kind)));
}

absl::Status ParseAttr(std::string_view op, std::string_view spec, tensorflow::OpDef::AttrDef* attr) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return SpecError(op, spec, "missing ':'");
  attr->set_name(std::string(Trim(spec.substr(0, colon))));
  std::string_view rest = spec.substr(colon + 1);
  // The default starts at the first '=' that is not part of '>='.
  std::string_view default_text;
  bool has_default = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '=' && (i == 0 || rest[i - 1] != '>')) {
      default_text = rest.substr(i + 1);
      rest = rest.substr(0, i);
      has_default = true;
      break;
    }
  }
  rest = Trim(rest);
  // Minimum.
  const size_t ge = rest.find(">=");
  if (ge != std::string_view::npos) {
    int64_t minimum;
    std::string_view m = Trim(rest.substr(ge + 2));
    if (!absl::SimpleAtoi(absl::string_view(m.data(), m.size()), &minimum)) return SpecError(op, spec, "bad minimum");
    attr->set_has_minimum(true);
    attr->set_minimum(minimum);
    rest = Trim(rest.substr(0, ge));
  }
  // Kind, possibly with allowed values.
  bool is_list = false;
  std::string_view kind = rest;
  if (kind.substr(0, 5) == "list(" && kind.back() == ')') {
    is_list = true;
    kind = Trim(kind.substr(5, kind.size() - 6));
  }
  if (!kind.empty() && kind.front() == '{') {
    if (kind.back() != '}') return SpecError(op, spec, "unterminated '{'");
    auto items = SplitItems(kind.substr(1, kind.size() - 2));
    if (items.empty()) return SpecError(op, spec, "empty allowed set");
    std::string s;
    const bool strings = Unquote(items[0], &s);
    auto* allowed = attr->mutable_allowed_values()->mutable_list();
    for (std::string_view item : items) {
      if (strings) {
        if (!Unquote(item, &s)) return SpecError(op, spec, "mixed allowed values");
        allowed->add_s(s);
      } else {
        auto t = ParseTypeName(item);
        if (!t.ok()) return SpecError(op, spec, FromAbsl(t.status().message()));
        allowed->add_type(*t);
      }
    }
    kind = strings ? "string" : "type";
  }
  static constexpr std::string_view kKinds[] = {"string", "int", "float", "bool", "type", "shape", "tensor", "func"};
  bool known = false;
  for (auto k : kKinds) known |= (k == kind);
  if (!known) return SpecError(op, spec, absl::StrCat("unknown attr kind '", ToAbsl(kind), "'"));
  attr->set_type(is_list ? absl::StrCat("list(", ToAbsl(kind), ")") : std::string(kind));
  if (has_default) {
    absl::Status s = ParseDefault(attr->type(), default_text, attr->mutable_default_value());
    if (!s.ok()) return SpecError(op, spec, FromAbsl(s.message()));
  }
  return absl::OkStatus();
}

absl::Status ParseArg(std::string_view op, std::string_view spec, const tensorflow::OpDef& def,
                      tensorflow::OpDef::ArgDef* arg) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return SpecError(op, spec, "missing ':'");
  arg->set_name(std::string(Trim(spec.substr(0, colon))));
  std::string_view type = Trim(spec.substr(colon + 1));
  const size_t star = type.find('*');
  if (star != std::string_view::npos) {
    arg->set_number_attr(std::string(Trim(type.substr(0, star))));
    type = Trim(type.substr(star + 1));
    bool found = false;
    for (const auto& a : def.attr()) {
      if (a.name() == arg->number_attr()) {
        if (a.type() != "int") return SpecError(op, spec, "number attr must be an int");
        found = true;
      }
    }
    if (!found) return SpecError(op, spec, "unknown number attr");
  }
  for (const auto& a : def.attr()) {
    if (a.name() == type) {
      if (a.type() == "type") {
        arg->set_type_attr(std::string(type));
      } else if (a.type() == "list(type)" && star == std::string_view::npos) {
        arg->set_type_list_attr(std::string(type));
      } else {
        return SpecError(op, spec, "arg type attr must be a type or list(type)");
      }
      return absl::OkStatus();
    }
  }
  auto t = DataTypeFromSpecName(type);
  if (!t.ok()) return SpecError(op, spec, "unknown dtype or attr");
  arg->set_type(*t);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<tensorflow::DataType> DataTypeFromSpecName(std::string_view name) {
  for (const auto& t : kTypeNames) {
    if (t.name == name) return t.type;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype name '", ToAbsl(name), "'"));
}

const tensorflow::OpDef::AttrDef* OpRegistration::FindAttr(std::string_view name) const {
  for (const auto& a : def.attr()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

OpBuilder::OpBuilder(std::string_view name) : name_(name) {}
OpBuilder& OpBuilder::Input(std::string_view spec) {
  inputs_.emplace_back(spec);
  return *this;
}
OpBuilder& OpBuilder::Output(std::string_view spec) {
  outputs_.emplace_back(spec);
  return *this;
}
OpBuilder& OpBuilder::Attr(std::string_view spec) {
  attrs_.emplace_back(spec);
  return *this;
}
OpBuilder& OpBuilder::SetIsStateful() {
  stateful_ = true;
  return *this;
}
OpBuilder& OpBuilder::SetIsCommutative() {
  commutative_ = true;
  return *this;
}
OpBuilder& OpBuilder::SetIsAggregate() {
  aggregate_ = true;
  return *this;
}
OpBuilder& OpBuilder::SetShapeFn(ShapeFn fn) {
  shape_fn_ = fn;
  return *this;
}

absl::StatusOr<OpRegistration> OpBuilder::Finalize() const {
  OpRegistration reg;
  reg.def.set_name(name_);
  reg.internal = !name_.empty() && name_[0] == '_';
  reg.shape_fn = shape_fn_;
  reg.def.set_is_stateful(stateful_);
  reg.def.set_is_commutative(commutative_);
  reg.def.set_is_aggregate(aggregate_);
  for (const auto& spec : attrs_) TB_RETURN_IF_ERROR(ParseAttr(name_, spec, reg.def.add_attr()));
  for (const auto& spec : inputs_) TB_RETURN_IF_ERROR(ParseArg(name_, spec, reg.def, reg.def.add_input_arg()));
  for (const auto& spec : outputs_) TB_RETURN_IF_ERROR(ParseArg(name_, spec, reg.def, reg.def.add_output_arg()));
  return reg;
}

void OpRegistry::Register(const OpBuilder& builder) {
  auto reg = builder.Finalize();
  if (!reg.ok()) {
    std::cerr << "OpRegistry: " << reg.status() << "\n";
    std::abort();
  }
  const std::string name = reg->def.name();
  if (ops_.count(name)) {
    std::cerr << "OpRegistry: op " << name << " registered twice\n";
    std::abort();
  }
  ops_[name] = std::make_unique<OpRegistration>(std::move(*reg));
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
