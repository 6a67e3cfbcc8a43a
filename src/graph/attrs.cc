#include "graph/attrs.h"

#include <algorithm>
#include <cstring>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/deterministic_serialization.h"
#include "base/status_macros.h"
#include "tf/tensor_proto.h"

namespace tb::graph {
namespace {

using VC = tensorflow::AttrValue::ValueCase;

absl::Status WrongKind(const tensorflow::AttrValue& v, std::string_view name, std::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat("attr '", ToAbsl(name), "' should be ", ToAbsl(want), " but is ",
                                                 AttrSummary(v)));
}

absl::StatusOr<tf::DType> CheckedType(int value, std::string_view name) {
  auto t = tf::DTypeFromProto(value);
  if (!t || *t == tf::DType::kInvalid) {
    return absl::InvalidArgumentError(
        absl::StrCat("attr '", ToAbsl(name), "' holds unsupported or invalid DataType ", value));
  }
  return *t;
}

// A list attr that was never set reads as an empty list (TF: "an unset list means empty").
bool IsListOrEmpty(const tensorflow::AttrValue& v) { return v.value_case() == VC::kList || v.value_case() == VC::VALUE_NOT_SET; }

}  // namespace

const tensorflow::AttrValue* AttrView::Find(std::string_view name) const {
  if (map_) {
    auto it = map_->find(name);
    if (it != map_->end()) return &it->second;
  } else if (proto_) {
    auto it = proto_->find(std::string(name));
    if (it != proto_->end()) return &it->second;
  }
  if (defaults_) {
    for (const auto& a : defaults_->attr()) {
      if (a.name() == name && a.has_default_value()) return &a.default_value();
    }
  }
  return nullptr;
}

std::vector<std::string> AttrView::Names() const {
  std::vector<std::string> names;
  if (map_) {
    for (const auto& [k, v] : *map_) names.push_back(k);
  } else if (proto_) {
    for (const auto& [k, v] : *proto_) names.push_back(k);
    std::sort(names.begin(), names.end());
  }
  return names;
}

absl::StatusOr<int64_t> AttrAsInt(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kI) return WrongKind(v, name, "int");
  return v.i();
}
absl::StatusOr<float> AttrAsFloat(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kF) return WrongKind(v, name, "float");
  return v.f();
}
absl::StatusOr<bool> AttrAsBool(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kB) return WrongKind(v, name, "bool");
  return v.b();
}
absl::StatusOr<std::string> AttrAsString(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kS) return WrongKind(v, name, "string");
  return v.s();
}
absl::StatusOr<tf::DType> AttrAsType(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kType) return WrongKind(v, name, "type");
  return CheckedType(v.type(), name);
}
absl::StatusOr<PartialShape> AttrAsShape(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kShape) return WrongKind(v, name, "shape");
  auto shape = PartialShape::FromProto(v.shape());
  if (!shape.ok()) return Annotate(shape.status(), absl::StrCat("attr '", ToAbsl(name), "'"));
  return shape;
}
absl::StatusOr<std::vector<int64_t>> AttrAsIntList(const tensorflow::AttrValue& v, std::string_view name) {
  if (!IsListOrEmpty(v)) return WrongKind(v, name, "list(int)");
  return std::vector<int64_t>(v.list().i().begin(), v.list().i().end());
}
absl::StatusOr<std::vector<float>> AttrAsFloatList(const tensorflow::AttrValue& v, std::string_view name) {
  if (!IsListOrEmpty(v)) return WrongKind(v, name, "list(float)");
  return std::vector<float>(v.list().f().begin(), v.list().f().end());
}
absl::StatusOr<std::vector<std::string>> AttrAsStringList(const tensorflow::AttrValue& v, std::string_view name) {
  if (!IsListOrEmpty(v)) return WrongKind(v, name, "list(string)");
  return std::vector<std::string>(v.list().s().begin(), v.list().s().end());
}
absl::StatusOr<std::vector<tf::DType>> AttrAsTypeList(const tensorflow::AttrValue& v, std::string_view name) {
  if (!IsListOrEmpty(v)) return WrongKind(v, name, "list(type)");
  std::vector<tf::DType> out;
  for (int t : v.list().type()) {
    TB_ASSIGN_OR_RETURN(tf::DType d, CheckedType(t, name));
    out.push_back(d);
  }
  return out;
}
absl::StatusOr<std::vector<PartialShape>> AttrAsShapeList(const tensorflow::AttrValue& v, std::string_view name) {
  if (!IsListOrEmpty(v)) return WrongKind(v, name, "list(shape)");
  std::vector<PartialShape> out;
  for (const auto& s : v.list().shape()) {
    auto shape = PartialShape::FromProto(s);
    if (!shape.ok()) return Annotate(shape.status(), absl::StrCat("attr '", ToAbsl(name), "'"));
    out.push_back(*shape);
  }
  return out;
}
absl::StatusOr<tf::Tensor> AttrAsTensor(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kTensor) return WrongKind(v, name, "tensor");
  auto t = tf::TensorFromProto(v.tensor());
  if (!t.ok()) return Annotate(t.status(), absl::StrCat("attr '", ToAbsl(name), "'"));
  return t;
}
absl::StatusOr<tensorflow::NameAttrList> AttrAsFunc(const tensorflow::AttrValue& v, std::string_view name) {
  if (v.value_case() != VC::kFunc) return WrongKind(v, name, "func");
  return v.func();
}

tensorflow::AttrValue AttrInt(int64_t v) {
  tensorflow::AttrValue a;
  a.set_i(v);
  return a;
}
tensorflow::AttrValue AttrFloat(float v) {
  tensorflow::AttrValue a;
  a.set_f(v);
  return a;
}
tensorflow::AttrValue AttrBool(bool v) {
  tensorflow::AttrValue a;
  a.set_b(v);
  return a;
}
tensorflow::AttrValue AttrString(std::string_view v) {
  tensorflow::AttrValue a;
  a.set_s(std::string(v));
  return a;
}
tensorflow::AttrValue AttrType(tf::DType v) {
  tensorflow::AttrValue a;
  a.set_type(static_cast<tensorflow::DataType>(v));
  return a;
}
tensorflow::AttrValue AttrShape(const PartialShape& v) {
  tensorflow::AttrValue a;
  *a.mutable_shape() = v.ToProto();
  return a;
}
tensorflow::AttrValue AttrIntList(const std::vector<int64_t>& v) {
  tensorflow::AttrValue a;
  auto* list = a.mutable_list();
  for (int64_t x : v) list->add_i(x);
  return a;
}
tensorflow::AttrValue AttrFloatList(const std::vector<float>& v) {
  tensorflow::AttrValue a;
  auto* list = a.mutable_list();
  for (float x : v) list->add_f(x);
  return a;
}
tensorflow::AttrValue AttrStringList(const std::vector<std::string>& v) {
  tensorflow::AttrValue a;
  auto* list = a.mutable_list();
  for (const auto& x : v) list->add_s(x);
  return a;
}
tensorflow::AttrValue AttrTypeList(const std::vector<tf::DType>& v) {
  tensorflow::AttrValue a;
  auto* list = a.mutable_list();
  for (tf::DType x : v) list->add_type(static_cast<tensorflow::DataType>(x));
  return a;
}
tensorflow::AttrValue AttrShapeList(const std::vector<PartialShape>& v) {
  tensorflow::AttrValue a;
  auto* list = a.mutable_list();
  for (const auto& x : v) *list->add_shape() = x.ToProto();
  return a;
}
tensorflow::AttrValue AttrTensor(const tf::Tensor& v) {
  tensorflow::AttrValue a;
  // Only resource and variant tensors fail to encode, and no GraphDef constant can hold one: the IR's Const
  // builders take numbers and strings only, so a failure here leaves the attr with no tensor, which import rejects.
  if (!tf::TensorToProto(v, a.mutable_tensor()).ok()) a.clear_tensor();
  return a;
}
tensorflow::AttrValue AttrFunc(std::string_view name, const AttrMap& attrs) {
  tensorflow::AttrValue a;
  a.mutable_func()->set_name(std::string(name));
  for (const auto& [k, v] : attrs) (*a.mutable_func()->mutable_attr())[k] = v;
  return a;
}

namespace {

// Serialization with deterministic map order gives a canonical byte string for comparison and hashing.
std::string Canonical(const tensorflow::AttrValue& v) { return SerializeDeterministic(v); }

}  // namespace

bool AttrValuesEqual(const tensorflow::AttrValue& a, const tensorflow::AttrValue& b) {
  if (a.value_case() != b.value_case()) {
    // An unset value and an empty list are the same list.
    auto empty_list = [](const tensorflow::AttrValue& v) {
      return v.value_case() == VC::VALUE_NOT_SET ||
             (v.value_case() == VC::kList && v.list().ByteSizeLong() == 0);
    };
    return empty_list(a) && empty_list(b);
  }
  switch (a.value_case()) {
    case VC::kI: return a.i() == b.i();
    case VC::kB: return a.b() == b.b();
    case VC::kS: return a.s() == b.s();
    case VC::kType: return a.type() == b.type();
    case VC::kF: {
      const float fa = a.f(), fb = b.f();
      return std::memcmp(&fa, &fb, sizeof(float)) == 0;
    }
    default: return Canonical(a) == Canonical(b);
  }
}

uint64_t HashAttrValue(const tensorflow::AttrValue& v) {
  if (v.value_case() == VC::kList && v.list().ByteSizeLong() == 0) return absl::HashOf(0);
  return absl::HashOf(static_cast<int>(v.value_case()), Canonical(v));
}

std::string AttrSummary(const tensorflow::AttrValue& v) {
  switch (v.value_case()) {
    case VC::kI: return absl::StrCat("int ", v.i());
    case VC::kF: return absl::StrCat("float ", v.f());
    case VC::kB: return v.b() ? "bool true" : "bool false";
    case VC::kS: return absl::StrCat("string \"", absl::CHexEscape(v.s()).substr(0, 64), "\"");
    case VC::kType: return absl::StrCat("type ", ToAbsl(tf::DTypeName(tf::DTypeFromProto(v.type()).value_or(tf::DType::kInvalid))));
    case VC::kShape: {
      auto s = PartialShape::FromProto(v.shape());
      return absl::StrCat("shape ", s.ok() ? s->ToString() : "<invalid>");
    }
    case VC::kTensor: return "tensor";
    case VC::kFunc: return absl::StrCat("func ", v.func().name());
    case VC::kPlaceholder: return absl::StrCat("placeholder ", v.placeholder());
    case VC::kList: {
      const auto& l = v.list();
      if (l.i_size()) return absl::StrCat("list(int) [", absl::StrJoin(l.i(), ","), "]");
      if (l.s_size()) return absl::StrCat("list(string) of ", l.s_size());
      if (l.f_size()) return absl::StrCat("list(float) of ", l.f_size());
      if (l.b_size()) return absl::StrCat("list(bool) of ", l.b_size());
      if (l.type_size()) return absl::StrCat("list(type) of ", l.type_size());
      if (l.shape_size()) return absl::StrCat("list(shape) of ", l.shape_size());
      if (l.tensor_size()) return absl::StrCat("list(tensor) of ", l.tensor_size());
      if (l.func_size()) return absl::StrCat("list(func) of ", l.func_size());
      return "empty list";
    }
    case VC::VALUE_NOT_SET: return "no value";
  }
  return "unknown";
}

}  // namespace tb::graph
