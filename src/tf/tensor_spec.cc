#include "tf/tensor_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "tf/tensor_proto.h"

namespace tb::tf {

std::string TensorSpec::TypeString() const {
  if (unknown_rank) return absl::StrCat(ToAbsl(DTypeName(dtype)), "[?]");
  return absl::StrCat(ToAbsl(DTypeName(dtype)), "[", absl::StrJoin(shape, ","), "]");
}

bool TensorSpec::IsCompatibleWith(const std::vector<int64_t>& concrete) const {
  if (unknown_rank) return true;
  if (concrete.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] >= 0 && concrete[i] >= 0 && shape[i] != concrete[i]) return false;
  }
  return true;
}

absl::StatusOr<TensorSpec> TensorSpecFromProto(const tensorflow::TensorSpecProto& proto) {
  TensorSpec spec;
  spec.name = proto.name();
  TB_ASSIGN_OR_RETURN(spec.dtype, FromProto(proto.dtype()));
  if (proto.shape().unknown_rank()) {
    spec.unknown_rank = true;
  } else {
    TB_ASSIGN_OR_RETURN(spec.shape, PartialShapeFromProto(proto.shape()));
  }
  return spec;
}

tensorflow::TensorSpecProto TensorSpecToProto(const TensorSpec& spec) {
  tensorflow::TensorSpecProto proto;
  proto.set_name(spec.name);
  proto.set_dtype(ToProto(spec.dtype));
  if (spec.unknown_rank) {
    proto.mutable_shape()->set_unknown_rank(true);
  } else {
    ShapeToProto(spec.shape, proto.mutable_shape());
  }
  return proto;
}

namespace {

absl::Status Flatten(const tensorflow_federated::v0::Type& type, const std::string& path, int depth,
                     std::vector<TensorSpec>* out) {
  if (depth > 64) return absl::InvalidArgumentError(absl::StrCat("type is nested too deeply at '", path, "'"));
  using T = tensorflow_federated::v0::Type;
  switch (type.type_case()) {
    case T::kTensor: {
      TensorSpec spec;
      spec.name = path;
      auto dtype = FromProto(type.tensor().dtype());
      if (!dtype.ok()) return absl::InvalidArgumentError(absl::StrCat("'", path, "': ", dtype.status().message()));
      spec.dtype = *dtype;
      if (type.tensor().unknown_rank()) {
        spec.unknown_rank = true;
      } else {
        for (int64_t d : type.tensor().dims()) {
          if (d < -1) return absl::InvalidArgumentError(absl::StrCat("'", path, "' has invalid dimension ", d));
          spec.shape.push_back(d);
        }
      }
      out->push_back(std::move(spec));
      return absl::OkStatus();
    }
    case T::kStruct: {
      const auto& elements = type.struct_().element();
      for (int i = 0; i < elements.size(); ++i) {
        const std::string name = elements[i].name().empty() ? std::to_string(i) : elements[i].name();
        TB_RETURN_IF_ERROR(Flatten(elements[i].value(), path.empty() ? name : path + "/" + name, depth + 1, out));
      }
      return absl::OkStatus();
    }
    case T::kSequence:
      return absl::InvalidArgumentError(absl::StrCat("'", path, "' is a sequence type; expected tensors"));
    case T::kFederated:
      return absl::InvalidArgumentError(absl::StrCat("'", path, "' is a federated type; expected tensors"));
    case T::kFunction:
      return absl::InvalidArgumentError(absl::StrCat("'", path, "' is a function type; expected tensors"));
    default:
      return absl::InvalidArgumentError(absl::StrCat("'", path, "' has no tensor or struct type"));
  }
}

}  // namespace

absl::StatusOr<std::vector<TensorSpec>> FlattenTffType(const tensorflow_federated::v0::Type& type,
                                                       const std::string& prefix) {
  std::vector<TensorSpec> out;
  TB_RETURN_IF_ERROR(Flatten(type, prefix, 0, &out));
  return out;
}

tensorflow_federated::v0::Type TffTensorType(const TensorSpec& spec) {
  tensorflow_federated::v0::Type type;
  auto* t = type.mutable_tensor();
  t->set_dtype(ToProto(spec.dtype));
  if (spec.unknown_rank) {
    t->set_unknown_rank(true);
  } else {
    for (int64_t d : spec.shape) t->add_dims(d);
  }
  return type;
}

std::string TffTypeToString(const tensorflow_federated::v0::Type& type) {
  using T = tensorflow_federated::v0::Type;
  switch (type.type_case()) {
    case T::kTensor: {
      const auto& t = type.tensor();
      std::string dtype = t.dtype() == tensorflow::DT_FLOAT ? "float32" : std::string(DTypeName(static_cast<DType>(t.dtype())));
      if (t.unknown_rank()) return absl::StrCat(dtype, "[?]");
      if (t.dims().empty()) return dtype;
      std::vector<std::string> dims;
      for (int64_t d : t.dims()) dims.push_back(d < 0 ? "?" : std::to_string(d));
      return absl::StrCat(dtype, "[", absl::StrJoin(dims, ","), "]");
    }
    case T::kStruct: {
      std::vector<std::string> parts;
      for (const auto& e : type.struct_().element()) {
        parts.push_back(e.name().empty() ? TffTypeToString(e.value()) : absl::StrCat(e.name(), "=", TffTypeToString(e.value())));
      }
      return absl::StrCat("<", absl::StrJoin(parts, ","), ">");
    }
    case T::kSequence:
      return absl::StrCat(TffTypeToString(type.sequence().element()), "*");
    case T::kFunction:
      return absl::StrCat("(", TffTypeToString(type.function().parameter()), " -> ",
                          TffTypeToString(type.function().result()), ")");
    case T::kFederated:
      return absl::StrCat(TffTypeToString(type.federated().member()), "@",
                          type.federated().placement().value().uri());
    case T::kAbstract:
      return type.abstract().label();
    case T::kPlacement:
      return "placement";
    default:
      return "?";
  }
}

}  // namespace tb::tf
