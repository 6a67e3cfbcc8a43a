#include "graph/types.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace tb::graph {
namespace {

absl::Status CheckDims(const std::vector<int64_t>& dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    return absl::InvalidArgumentError(absl::StrCat("shape of rank ", dims.size(), " exceeds the limit of ", kMaxRank));
  }
  int64_t known = 1;
  for (int64_t d : dims) {
    if (d < -1) return absl::InvalidArgumentError(absl::StrCat("shape has a negative dimension ", d));
    if (d > kMaxDim) {
      return absl::InvalidArgumentError(absl::StrCat("shape dimension ", d, " exceeds the limit of ", kMaxDim));
    }
    if (d > 0) {
      if (known > kMaxElements / d) {
        return absl::InvalidArgumentError(absl::StrCat("shape has more than ", kMaxElements, " elements"));
      }
      known *= d;
    }
  }
  return absl::OkStatus();
}

}  // namespace

PartialShape::PartialShape(std::initializer_list<int64_t> dims) : PartialShape(std::vector<int64_t>(dims)) {}

PartialShape::PartialShape(std::vector<int64_t> dims) : rank_known_(true), dims_(std::move(dims)) {
  absl::Status s = CheckDims(dims_);
  if (!s.ok()) {
    std::cerr << "tb::graph::PartialShape: " << s << "\n";
    std::abort();
  }
}

PartialShape PartialShape::UnknownDims(int rank) { return PartialShape(std::vector<int64_t>(rank, -1)); }

absl::StatusOr<PartialShape> PartialShape::FromDims(const std::vector<int64_t>& dims) {
  TB_RETURN_IF_ERROR(CheckDims(dims));
  return PartialShape(dims);
}

bool PartialShape::IsFullyDefined() const {
  if (!rank_known_) return false;
  for (int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

std::optional<int64_t> PartialShape::NumElements() const {
  if (!IsFullyDefined()) return std::nullopt;
  int64_t n = 1;
  for (int64_t d : dims_) {
    if (d != 0 && n > INT64_MAX / d) return std::nullopt;
    n *= d;
  }
  return n;
}

bool PartialShape::IsCompatibleWith(const PartialShape& other) const { return Merge(other).ok(); }

absl::StatusOr<PartialShape> PartialShape::Merge(const PartialShape& other) const {
  if (!rank_known_) return other;
  if (!other.rank_known_) return *this;
  if (rank() != other.rank()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shapes ", ToString(), " and ", other.ToString(), " have different ranks"));
  }
  std::vector<int64_t> dims(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    int64_t a = dims_[i], b = other.dims_[i];
    if (a >= 0 && b >= 0 && a != b) {
      return absl::InvalidArgumentError(
          absl::StrCat("shapes ", ToString(), " and ", other.ToString(), " differ in dimension ", i));
    }
    dims[i] = a >= 0 ? a : b;
  }
  return PartialShape(std::move(dims));
}

std::string PartialShape::ToString() const {
  if (!rank_known_) return "<unknown>";
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) out += ",";
    out += dims_[i] < 0 ? std::string("?") : std::to_string(dims_[i]);
  }
  return out + "]";
}

tensorflow::TensorShapeProto PartialShape::ToProto() const {
  tensorflow::TensorShapeProto proto;
  if (!rank_known_) {
    proto.set_unknown_rank(true);
    return proto;
  }
  for (int64_t d : dims_) proto.add_dim()->set_size(d);
  return proto;
}

absl::StatusOr<PartialShape> PartialShape::FromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return PartialShape();
  if (proto.dim_size() > kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat("shape of rank ", proto.dim_size(), " exceeds the limit of ", kMaxRank));
  }
  std::vector<int64_t> dims;
  dims.reserve(proto.dim_size());
  for (const auto& d : proto.dim()) dims.push_back(d.size());
  return FromDims(dims);
}

std::string TensorType::ToString() const { return absl::StrCat(ToAbsl(tf::DTypeName(dtype)), shape.ToString()); }

absl::StatusOr<PartialShape> BroadcastShapes(const PartialShape& a, const PartialShape& b) {
  if (!a.rank_known() || !b.rank_known()) return PartialShape();
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(rank);
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a.dim(ia) : 1;
    const int64_t db = ib >= 0 ? b.dim(ib) : 1;
    if (da == 1) {
      dims[i] = db;
    } else if (db == 1) {
      dims[i] = da;
    } else if (da < 0) {
      dims[i] = db;  // db is known and > 1 (or unknown): the result must be db.
    } else if (db < 0) {
      dims[i] = da;
    } else if (da == db) {
      dims[i] = da;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("incompatible shapes for broadcasting: ", a.ToString(), " and ", b.ToString()));
    }
  }
  return PartialShape(std::move(dims));
}

}  // namespace tb::graph
