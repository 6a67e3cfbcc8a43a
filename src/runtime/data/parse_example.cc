#include "runtime/data/parse_example.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/example.h"

namespace tb::runtime::data {
namespace {

FeatureKind KindFor(tf::DType dtype) {
  switch (dtype) {
    case tf::DType::kFloat: return FeatureKind::kFloat;
    case tf::DType::kInt64: return FeatureKind::kInt64;
    case tf::DType::kString: return FeatureKind::kBytes;
    default: return FeatureKind::kNone;
  }
}

std::string Where(size_t b, std::string_view key) {
  return absl::StrCat("Example ", b, ", Feature: ", ToAbsl(key));
}

// Decodes `values` into out[offset, offset + n) of a tensor of the spec's dtype.
absl::Status DecodeInto(const FeatureValues& values, tf::Tensor& out, int64_t offset, int64_t n) {
  switch (out.dtype()) {
    case tf::DType::kFloat: return values.DecodeFloats(out.flat<float>().subspan(offset, n));
    case tf::DType::kInt64: return values.DecodeInt64s(out.flat<int64_t>().subspan(offset, n));
    case tf::DType::kString: return values.DecodeBytes(out.flat<std::string>().subspan(offset, n));
    default: return absl::InvalidArgumentError(absl::StrCat("unsupported dtype ", ToAbsl(tf::DTypeName(out.dtype()))));
  }
}

// Copies default elements [0, n) of `def` (cycling over its elements) into out[offset, offset+n).
void FillFromDefault(const tf::Tensor& def, tf::Tensor& out, int64_t offset, int64_t n) {
  const int64_t m = def.num_elements();
  switch (out.dtype()) {
    case tf::DType::kFloat: {
      auto d = def.flat<float>();
      auto o = out.flat<float>();
      for (int64_t i = 0; i < n; ++i) o[offset + i] = d[i % m];
      break;
    }
    case tf::DType::kInt64: {
      auto d = def.flat<int64_t>();
      auto o = out.flat<int64_t>();
      for (int64_t i = 0; i < n; ++i) o[offset + i] = d[i % m];
      break;
    }
    case tf::DType::kString: {
      auto d = def.flat<std::string>();
      auto o = out.flat<std::string>();
      for (int64_t i = 0; i < n; ++i) o[offset + i] = d[i % m];
      break;
    }
    default:
      break;
  }
}

absl::Status CheckSpec(const ParseExampleSpec& spec) {
  for (const DenseFeatureSpec& d : spec.dense) {
    if (KindFor(d.dtype) == FeatureKind::kNone) {
      return absl::InvalidArgumentError(absl::StrCat("dense feature '", d.key, "' has unsupported type ",
                                                     ToAbsl(tf::DTypeName(d.dtype))));
    }
    for (size_t i = 0; i < d.shape.size(); ++i) {
      if (d.shape[i] < 0 && !(i == 0 && d.shape[i] == -1)) {
        return absl::InvalidArgumentError(absl::StrCat("dense feature '", d.key, "' has shape ",
                                                       tf::ShapeToString(d.shape),
                                                       "; only the first dimension may be unknown"));
      }
    }
    if (d.default_value.valid() && d.default_value.num_elements() > 0) {
      if (d.default_value.dtype() != d.dtype) {
        return absl::InvalidArgumentError(absl::StrCat("dense feature '", d.key, "' default has type ",
                                                       ToAbsl(tf::DTypeName(d.default_value.dtype())), ", expected ",
                                                       ToAbsl(tf::DTypeName(d.dtype))));
      }
      if (d.shape.empty() || d.shape[0] != -1) {
        TB_ASSIGN_OR_RETURN(int64_t want, tf::NumElements(d.shape));
        if (d.default_value.num_elements() != want) {
          return absl::InvalidArgumentError(absl::StrCat("dense feature '", d.key, "' default has ",
                                                         d.default_value.num_elements(), " values, shape ",
                                                         tf::ShapeToString(d.shape), " needs ", want));
        }
      }
    }
  }
  for (const SparseFeatureSpec& s : spec.sparse) {
    if (KindFor(s.dtype) == FeatureKind::kNone) {
      return absl::InvalidArgumentError(absl::StrCat("sparse feature '", s.key, "' has unsupported type ",
                                                     ToAbsl(tf::DTypeName(s.dtype))));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedExamples> ParseExamples(absl::Span<const std::string> serialized, const ParseExampleSpec& spec,
                                             bool scalar_input) {
  TB_RETURN_IF_ERROR(CheckSpec(spec));
  const size_t batch = serialized.size();
  if (scalar_input && batch != 1) return absl::InvalidArgumentError("a scalar input holds exactly one example");
  std::vector<ExampleView> views;
  views.reserve(batch);
  for (size_t b = 0; b < batch; ++b) {
    auto view = ExampleView::Parse(serialized[b]);
    if (!view.ok()) return Annotate(view.status(), absl::StrCat("Example ", b));
    views.push_back(std::move(*view));
  }

  ParsedExamples out;
  for (const DenseFeatureSpec& d : spec.dense) {
    const FeatureKind want_kind = KindFor(d.dtype);
    const bool variable = !d.shape.empty() && d.shape[0] == -1;
    tf::Shape tail(d.shape.begin() + (variable ? 1 : 0), d.shape.end());
    TB_ASSIGN_OR_RETURN(int64_t tail_elements, tf::NumElements(tail));
    const bool has_default = d.default_value.valid() && d.default_value.num_elements() > 0;
    // Per example value counts (validated) to size variable-length outputs.
    std::vector<int64_t> counts(batch, 0);
    int64_t max_rows = 0;
    for (size_t b = 0; b < batch; ++b) {
      const FeatureValues* values = views[b].Find(d.key);
      if (values == nullptr || values->kind() == FeatureKind::kNone) {
        if (!has_default && !variable) {
          return absl::InvalidArgumentError(absl::StrCat(Where(b, d.key), " (data type: ",
                                                         ToAbsl(tf::DTypeName(d.dtype)),
                                                         ") is required but could not be found."));
        }
        continue;
      }
      if (values->kind() != want_kind) {
        return absl::InvalidArgumentError(absl::StrCat(Where(b, d.key), ".  Data types don't match. Data type: ",
                                                       ToAbsl(FeatureKindName(values->kind())), " but expected type: ",
                                                       ToAbsl(tf::DTypeName(d.dtype))));
      }
      auto count = values->Count();
      if (!count.ok()) return Annotate(count.status(), Where(b, d.key));
      counts[b] = *count;
      if (variable) {
        if (tail_elements == 0 ? *count != 0 : *count % tail_elements != 0) {
          return absl::InvalidArgumentError(absl::StrCat(Where(b, d.key), ". Number of values (", *count,
                                                         ") is not a multiple of the row size ", tail_elements));
        }
        max_rows = std::max(max_rows, tail_elements == 0 ? 0 : *count / tail_elements);
      } else if (*count != tail_elements) {
        return absl::InvalidArgumentError(absl::StrCat(Where(b, d.key), ".  Number of ",
                                                       ToAbsl(tf::DTypeName(d.dtype)), " values != expected.  Values size: ",
                                                       *count, " but output shape: ", tf::ShapeToString(d.shape)));
      }
    }
    tf::Shape per_example = d.shape;
    if (variable) per_example[0] = max_rows;
    tf::Shape out_shape;
    if (!scalar_input) out_shape.push_back(static_cast<int64_t>(batch));
    out_shape.insert(out_shape.end(), per_example.begin(), per_example.end());
    TB_ASSIGN_OR_RETURN(tf::Tensor tensor, tf::Tensor::Create(d.dtype, out_shape));
    TB_ASSIGN_OR_RETURN(const int64_t stride, tf::NumElements(per_example));
    for (size_t b = 0; b < batch; ++b) {
      const int64_t offset = static_cast<int64_t>(b) * stride;
      const FeatureValues* values = views[b].Find(d.key);
      int64_t filled = 0;
      if (values != nullptr && values->kind() == want_kind && counts[b] > 0) {
        absl::Status s = DecodeInto(*values, tensor, offset, counts[b]);
        if (!s.ok()) return Annotate(s, Where(b, d.key));
        filled = counts[b];
      }
      if (filled < stride) {
        if (has_default) {
          if (variable) {
            FillFromDefault(d.default_value, tensor, offset + filled, stride - filled);
          } else {
            FillFromDefault(d.default_value, tensor, offset, stride);
          }
        }
        // Without a default, variable-length padding stays zero / "" (Tensor::Create zero-fills).
      }
    }
    out.dense.push_back(std::move(tensor));
  }

  for (const SparseFeatureSpec& s : spec.sparse) {
    const FeatureKind want_kind = KindFor(s.dtype);
    std::vector<int64_t> counts(batch, 0);
    int64_t total = 0, max_len = 0;
    for (size_t b = 0; b < batch; ++b) {
      const FeatureValues* values = views[b].Find(s.key);
      if (values == nullptr || values->kind() == FeatureKind::kNone) continue;
      if (values->kind() != want_kind) {
        return absl::InvalidArgumentError(absl::StrCat(Where(b, s.key), ".  Data types don't match. Data type: ",
                                                       ToAbsl(FeatureKindName(values->kind())), " but expected type: ",
                                                       ToAbsl(tf::DTypeName(s.dtype))));
      }
      auto count = values->Count();
      if (!count.ok()) return Annotate(count.status(), Where(b, s.key));
      counts[b] = *count;
      total += *count;
      max_len = std::max(max_len, *count);
    }
    const int rank = scalar_input ? 1 : 2;
    SparseOutput sparse;
    TB_ASSIGN_OR_RETURN(sparse.indices, tf::Tensor::Create(tf::DType::kInt64, {total, rank}));
    TB_ASSIGN_OR_RETURN(sparse.values, tf::Tensor::Create(s.dtype, {total}));
    sparse.shape = scalar_input ? tf::Tensor::FromVector<int64_t>({max_len})
                                : tf::Tensor::FromVector<int64_t>({static_cast<int64_t>(batch), max_len});
    auto idx = sparse.indices.flat<int64_t>();
    int64_t at = 0;
    for (size_t b = 0; b < batch; ++b) {
      if (counts[b] == 0) continue;
      absl::Status st = DecodeInto(*views[b].Find(s.key), sparse.values, at, counts[b]);
      if (!st.ok()) return Annotate(st, Where(b, s.key));
      for (int64_t i = 0; i < counts[b]; ++i) {
        if (rank == 2) {
          idx[2 * (at + i)] = static_cast<int64_t>(b);
          idx[2 * (at + i) + 1] = i;
        } else {
          idx[at + i] = i;
        }
      }
      at += counts[b];
    }
    out.sparse.push_back(std::move(sparse));
  }
  return out;
}

}  // namespace tb::runtime::data
