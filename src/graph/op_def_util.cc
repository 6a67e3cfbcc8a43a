#include "graph/op_def_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "tf/dtype.h"

namespace tb::graph {
namespace {

using VC = tensorflow::AttrValue::ValueCase;

bool IsValidType(int t) { return t > 0 && t < 100 && tensorflow::DataType_IsValid(t); }

absl::Status Bad(const tensorflow::OpDef::AttrDef& def, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("attr '", def.name(), "': ", ToAbsl(why)));
}

// Which list member is populated, as a kind name ("" when the list is empty).
std::string ListKind(const tensorflow::AttrValue::ListValue& l) {
  if (l.s_size()) return "string";
  if (l.i_size()) return "int";
  if (l.f_size()) return "float";
  if (l.b_size()) return "bool";
  if (l.type_size()) return "type";
  if (l.shape_size()) return "shape";
  if (l.tensor_size()) return "tensor";
  if (l.func_size()) return "func";
  return "";
}

int ListLength(const tensorflow::AttrValue::ListValue& l) {
  return l.s_size() + l.i_size() + l.f_size() + l.b_size() + l.type_size() + l.shape_size() + l.tensor_size() +
         l.func_size();
}

std::string ScalarKind(VC c) {
  switch (c) {
    case VC::kS: return "string";
    case VC::kI: return "int";
    case VC::kF: return "float";
    case VC::kB: return "bool";
    case VC::kType: return "type";
    case VC::kShape: return "shape";
    case VC::kTensor: return "tensor";
    case VC::kFunc: return "func";
    default: return "";
  }
}

absl::Status CheckAllowedType(const tensorflow::OpDef::AttrDef& def, int t) {
  if (!IsValidType(t)) return Bad(def, absl::StrCat("invalid DataType ", t));
  if (!def.has_allowed_values()) return absl::OkStatus();
  for (int a : def.allowed_values().list().type()) {
    if (a == t) return absl::OkStatus();
  }
  std::vector<std::string> names;
  for (int a : def.allowed_values().list().type()) names.push_back(ProtoDTypeName(static_cast<tensorflow::DataType>(a)));
  return Bad(def, absl::StrCat("value ", ProtoDTypeName(static_cast<tensorflow::DataType>(t)),
                               " is not in the list of allowed values: ", absl::StrJoin(names, ", ")));
}

absl::Status CheckAllowedString(const tensorflow::OpDef::AttrDef& def, const std::string& s) {
  if (!def.has_allowed_values()) return absl::OkStatus();
  for (const auto& a : def.allowed_values().list().s()) {
    if (a == s) return absl::OkStatus();
  }
  return Bad(def, absl::StrCat("value \"", s, "\" is not in the list of allowed values: ",
                               absl::StrJoin(def.allowed_values().list().s(), ", ")));
}

}  // namespace

std::string ProtoDTypeName(tensorflow::DataType t) {
  auto d = tf::DTypeFromProto(t);
  if (d) return std::string(tf::DTypeName(*d));
  return tensorflow::DataType_Name(t).empty() ? absl::StrCat("DataType(", static_cast<int>(t), ")")
                                              : tensorflow::DataType_Name(t);
}

absl::Status ValidateAttrValue(const tensorflow::OpDef::AttrDef& def, const tensorflow::AttrValue& value) {
  const std::string& kind = def.type();
  if (value.value_case() == VC::kPlaceholder) return Bad(def, "placeholder values are not allowed in graphs");
  if (kind.rfind("list(", 0) == 0) {
    const std::string elem = kind.substr(5, kind.size() - 6);
    if (value.value_case() != VC::kList && value.value_case() != VC::VALUE_NOT_SET) {
      return Bad(def, absl::StrCat("expected ", kind, ", got ", AttrSummary(value)));
    }
    const auto& l = value.list();
    const std::string got = ListKind(l);
    if (!got.empty() && got != elem) return Bad(def, absl::StrCat("expected ", kind, ", got list(", got, ")"));
    if (ListLength(l) != (got.empty() ? 0 : ListLength(l))) return Bad(def, "list mixes kinds");
    if (def.has_minimum() && ListLength(l) < def.minimum()) {
      return Bad(def, absl::StrCat("length ", ListLength(l), " shorter than minimum length ", def.minimum()));
    }
    if (elem == "type") {
      for (int t : l.type()) TB_RETURN_IF_ERROR(CheckAllowedType(def, t));
    } else if (elem == "string") {
      for (const auto& s : l.s()) TB_RETURN_IF_ERROR(CheckAllowedString(def, s));
    }
    return absl::OkStatus();
  }
  if (value.value_case() == VC::VALUE_NOT_SET) return Bad(def, "missing value");
  if (ScalarKind(value.value_case()) != kind) {
    return Bad(def, absl::StrCat("expected ", kind, ", got ", AttrSummary(value)));
  }
  if (kind == "int" && def.has_minimum() && value.i() < def.minimum()) {
    return Bad(def, absl::StrCat("value ", value.i(), " less than minimum ", def.minimum()));
  }
  if (kind == "type") return CheckAllowedType(def, value.type());
  if (kind == "string") return CheckAllowedString(def, value.s());
  if (kind == "func" && value.func().name().empty()) return Bad(def, "function name is empty");
  return absl::OkStatus();
}

void FillDefaultAttrs(const tensorflow::OpDef& op, AttrMap* attrs) {
  for (const auto& a : op.attr()) {
    if (a.has_default_value() && attrs->find(a.name()) == attrs->end()) (*attrs)[a.name()] = a.default_value();
  }
}

absl::Status ValidateAttrs(const tensorflow::OpDef& op, AttrView attrs) {
  for (const std::string& name : attrs.Names()) {
    if (!name.empty() && name[0] == '_') continue;
    const tensorflow::OpDef::AttrDef* def = nullptr;
    for (const auto& a : op.attr()) {
      if (a.name() == name) def = &a;
    }
    if (def == nullptr) return absl::InvalidArgumentError(absl::StrCat("attr '", name, "' is not in op ", op.name()));
    TB_RETURN_IF_ERROR(ValidateAttrValue(*def, *attrs.Find(name)));
  }
  for (const auto& a : op.attr()) {
    if (attrs.Find(a.name()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("missing attr '", a.name(), "' of op ", op.name()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int, int>>> ExpandArgPositions(
    const tensorflow::OpDef& op, const google::protobuf::RepeatedPtrField<tensorflow::OpDef::ArgDef>& args,
    AttrView attrs) {
  std::vector<std::pair<int, int>> out;
  for (int a = 0; a < args.size(); ++a) {
    TB_ASSIGN_OR_RETURN(auto types, ExpandArgTypes(op, {args.begin() + a, args.begin() + a + 1}, attrs));
    for (int i = 0; i < static_cast<int>(types.size()); ++i) out.emplace_back(a, i);
  }
  return out;
}

absl::StatusOr<std::vector<tensorflow::DataType>> ExpandArgTypes(
    const tensorflow::OpDef& op, const google::protobuf::RepeatedPtrField<tensorflow::OpDef::ArgDef>& args,
    AttrView attrs) {
  std::vector<tensorflow::DataType> out;
  auto need = [&](const std::string& name) -> absl::StatusOr<const tensorflow::AttrValue*> {
    const tensorflow::AttrValue* v = attrs.Find(name);
    if (v == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("missing attr '", name, "' of op ", op.name()));
    }
    return v;
  };
  // Guards against absurd repeat counts before anything is allocated.
  constexpr int64_t kMaxArgs = 1 << 20;
  for (const auto& arg : args) {
    if (!arg.type_list_attr().empty()) {
      TB_ASSIGN_OR_RETURN(const tensorflow::AttrValue* v, need(arg.type_list_attr()));
      TB_ASSIGN_OR_RETURN(auto types, AttrAsTypeList(*v, arg.type_list_attr()));
      for (tf::DType t : types) out.push_back(static_cast<tensorflow::DataType>(t));
      continue;
    }
    tensorflow::DataType t = arg.type();
    if (!arg.type_attr().empty()) {
      TB_ASSIGN_OR_RETURN(const tensorflow::AttrValue* v, need(arg.type_attr()));
      if (v->value_case() != VC::kType || !IsValidType(v->type())) {
        return absl::InvalidArgumentError(absl::StrCat("attr '", arg.type_attr(), "' should be a valid type"));
      }
      t = v->type();
    }
    int64_t n = 1;
    if (!arg.number_attr().empty()) {
      TB_ASSIGN_OR_RETURN(const tensorflow::AttrValue* v, need(arg.number_attr()));
      TB_ASSIGN_OR_RETURN(n, AttrAsInt(*v, arg.number_attr()));
      if (n < 0) return absl::InvalidArgumentError(absl::StrCat("attr '", arg.number_attr(), "' is negative: ", n));
      if (n > kMaxArgs) return absl::InvalidArgumentError(absl::StrCat("attr '", arg.number_attr(), "' is absurd: ", n));
    }
    for (int64_t i = 0; i < n; ++i) out.push_back(t);
    if (static_cast<int64_t>(out.size()) > kMaxArgs) return absl::InvalidArgumentError("too many arguments");
  }
  return out;
}

}  // namespace tb::graph
