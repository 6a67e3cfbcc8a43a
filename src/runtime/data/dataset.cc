#include "runtime/data/dataset.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::runtime::data {
namespace {

absl::StatusOr<std::shared_ptr<const tf::Opaque>> ScalarOpaque(const tf::Tensor& t, std::string_view want) {
  if (t.dtype() != tf::DType::kVariant && t.dtype() != tf::DType::kResource) {
    return absl::InvalidArgumentError(absl::StrCat("expected a ", ToAbsl(want), " handle, got a ", t.DebugType(),
                                                   " tensor"));
  }
  if (t.num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("expected a scalar ", ToAbsl(want), " handle, got ",
                                                   t.DebugType()));
  }
  std::shared_ptr<const tf::Opaque> value = t.opaques()[0];
  if (value == nullptr) return absl::InvalidArgumentError(absl::StrCat("the ", ToAbsl(want), " handle is empty"));
  return value;
}

template <typename T>
absl::StatusOr<std::shared_ptr<const T>> Cast(const tf::Tensor& t, std::string_view want) {
  auto value = ScalarOpaque(t, want);
  if (!value.ok()) return value.status();
  auto typed = std::dynamic_pointer_cast<const T>(*value);
  if (typed == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("expected a ", ToAbsl(want), " handle, got a ",
                                                   (*value)->TypeName()));
  }
  return typed;
}

}  // namespace

absl::Status IteratorResource::Bind(const Dataset& dataset) const {
  auto it = dataset.MakeIterator();
  if (!it.ok()) return it.status();
  std::lock_guard<std::mutex> lock(mu_);
  iterator_ = std::move(*it);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Element>> IteratorResource::GetNext() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (iterator_ == nullptr) {
    return absl::FailedPreconditionError("GetNext() failed because the iterator has not been initialized (no "
                                         "MakeIterator ran on it)");
  }
  return iterator_->GetNext();
}

absl::StatusOr<DatasetPtr> DatasetFromTensor(const tf::Tensor& t) { return Cast<Dataset>(t, "Dataset"); }

absl::StatusOr<std::shared_ptr<const IteratorResource>> IteratorFromTensor(const tf::Tensor& t) {
  return Cast<IteratorResource>(t, "Iterator");
}

absl::StatusOr<std::shared_ptr<const OptionalValue>> OptionalFromTensor(const tf::Tensor& t) {
  return Cast<OptionalValue>(t, "Optional");
}

tf::Tensor OpaqueScalar(tf::DType dtype, std::shared_ptr<const tf::Opaque> value) {
  tf::Tensor t(dtype, {});
  t.opaques()[0] = std::move(value);
  return t;
}

}  // namespace tb::runtime::data
