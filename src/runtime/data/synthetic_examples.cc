#include "runtime/data/synthetic_examples.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/example.h"
#include "runtime/data/random.h"

namespace tb::runtime::data {
namespace {

constexpr int64_t kMaxFeatureElements = int64_t{1} << 24;
constexpr int64_t kIntFeatureRange = 100;  // int64 input features are drawn from [0, 100)

}  // namespace

absl::StatusOr<std::vector<std::string>> GenerateSyntheticExamples(const SyntheticTaskSpec& spec, int64_t count,
                                                                   uint64_t task_seed, uint64_t example_seed) {
  if (count < 0) return absl::InvalidArgumentError("negative example count");
  const bool has_label = !spec.label.name.empty();
  const bool int_label = spec.label.dtype == tf::DType::kInt64 || spec.label.dtype == tf::DType::kInt32;
  if (has_label && !int_label && spec.label.dtype != tf::DType::kFloat) {
    return absl::InvalidArgumentError(absl::StrCat("label '", spec.label.name, "' has unsupported type ",
                                                   ToAbsl(tf::DTypeName(spec.label.dtype))));
  }
  if (has_label && int_label && spec.num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat("integer label '", spec.label.name, "' needs num_classes >= 2"));
  }
  int64_t label_elements = 0;
  if (has_label) {
    TB_ASSIGN_OR_RETURN(label_elements, tf::NumElements(spec.label.shape, kMaxFeatureElements));
    if (label_elements < 1) return absl::InvalidArgumentError("the label has no elements");
  }
  std::vector<int64_t> sizes;
  int64_t total = 0;
  for (const SyntheticFeature& f : spec.inputs) {
    if (f.dtype != tf::DType::kFloat && f.dtype != tf::DType::kInt64 && f.dtype != tf::DType::kInt32) {
      return absl::InvalidArgumentError(absl::StrCat("feature '", f.name, "' has unsupported type ",
                                                     ToAbsl(tf::DTypeName(f.dtype))));
    }
    TB_ASSIGN_OR_RETURN(int64_t n, tf::NumElements(f.shape, kMaxFeatureElements));
    sizes.push_back(n);
    total += n;
    if (total > kMaxFeatureElements) return absl::InvalidArgumentError("synthetic features are too large");
  }
  // The teacher: one weight vector per output (class logit, or the regression target) over all feature values.
  const int outputs = (int_label || spec.num_classes >= 2) ? spec.num_classes : 1;
  std::vector<double> teacher(static_cast<size_t>(outputs) * total);
  Rng teacher_rng = Rng::Derive(task_seed, 0x7ea);
  const double scale = total > 0 ? 3.0 / std::sqrt(static_cast<double>(total)) : 0.0;
  for (double& w : teacher) w = teacher_rng.Normal() * scale;

  std::vector<std::string> out;
  out.reserve(count);
  Rng rng = Rng::Derive(example_seed, 0xe7a);
  std::vector<double> centered(total);
  for (int64_t e = 0; e < count; ++e) {
    ExampleBuilder builder;
    int64_t at = 0;
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      const SyntheticFeature& f = spec.inputs[i];
      if (f.dtype == tf::DType::kFloat) {
        std::vector<float> v(sizes[i]);
        for (int64_t k = 0; k < sizes[i]; ++k) {
          v[k] = static_cast<float>(rng.Uniform());
          centered[at + k] = v[k] - 0.5;
        }
        builder.AddFloats(f.name, v);
      } else {
        std::vector<int64_t> v(sizes[i]);
        for (int64_t k = 0; k < sizes[i]; ++k) {
          v[k] = static_cast<int64_t>(rng.Below(kIntFeatureRange));
          centered[at + k] = static_cast<double>(v[k]) / kIntFeatureRange - 0.5;
        }
        builder.AddInt64s(f.name, v);
      }
      at += sizes[i];
    }
    if (!has_label) {
      out.push_back(builder.Serialize());
      continue;
    }
    std::vector<double> logits(outputs, 0.0);
    for (int o = 0; o < outputs; ++o) {
      const double* w = teacher.data() + static_cast<size_t>(o) * total;
      for (int64_t k = 0; k < total; ++k) logits[o] += w[k] * centered[k];
    }
    const int64_t cls = std::max_element(logits.begin(), logits.end()) - logits.begin();
    if (int_label) {
      builder.AddInt64s(spec.label.name, std::vector<int64_t>(label_elements, cls));
    } else if (spec.num_classes >= 2) {
      builder.AddFloats(spec.label.name, std::vector<float>(label_elements, static_cast<float>(cls)));
    } else {
      builder.AddFloats(spec.label.name, std::vector<float>(label_elements, static_cast<float>(logits[0])));
    }
    out.push_back(builder.Serialize());
  }
  return out;
}

}  // namespace tb::runtime::data
