#include "tf/tensor.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace tb::tf {

// Numeric data lives in a 64-byte-aligned block so kernels can vectorise; strings and opaques in vectors.
struct Tensor::Storage {
  char* data = nullptr;
  size_t bytes = 0;
  std::vector<std::string> strings;
  std::vector<std::shared_ptr<const Opaque>> opaques;

  ~Storage() { std::free(data); }
};

absl::StatusOr<int64_t> NumElements(const Shape& shape, int64_t max_elements) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat("shape ", ShapeToString(shape), " has a negative dimension"));
    if (d != 0 && n > max_elements / d) {
      return absl::InvalidArgumentError(absl::StrCat("shape ", ShapeToString(shape), " has too many elements"));
    }
    n *= d;
  }
  return n;
}

std::string ShapeToString(const Shape& shape) { return absl::StrCat("[", absl::StrJoin(shape, ","), "]"); }

absl::StatusOr<Tensor> Tensor::Create(DType dtype, Shape shape) { return CreateImpl(dtype, std::move(shape), true); }

absl::StatusOr<Tensor> Tensor::CreateUninitialized(DType dtype, Shape shape) {
  return CreateImpl(dtype, std::move(shape), false);
}

absl::StatusOr<Tensor> Tensor::CreateImpl(DType dtype, Shape shape, bool zero) {
  if (!IsSupported(dtype)) {
    return absl::UnimplementedError(absl::StrCat("unsupported tensor dtype ", ToAbsl(DTypeName(dtype)), " (",
                                                 static_cast<int>(dtype), ")"));
  }
  const size_t elem = DTypeSize(dtype);
  const int64_t max_elements = static_cast<int64_t>(kMaxTensorBytes / (elem ? elem : 32));
  auto n = NumElements(shape, max_elements);
  if (!n.ok()) return n.status();
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.num_elements_ = *n;
  t.storage_ = std::make_shared<Storage>();
  if (dtype == DType::kString) {
    t.storage_->strings.resize(static_cast<size_t>(*n));
  } else if (dtype == DType::kVariant || dtype == DType::kResource) {
    t.storage_->opaques.resize(static_cast<size_t>(*n));
  } else {
    const size_t bytes = static_cast<size_t>(*n) * elem;
    const size_t alloc = ((bytes + 63) / 64) * 64;
    t.storage_->bytes = bytes;
    if (alloc > 0) {
      t.storage_->data = static_cast<char*>(std::aligned_alloc(64, alloc));
      if (t.storage_->data == nullptr) {
        return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " bytes for a tensor"));
      }
      if (zero) {
        std::memset(t.storage_->data, 0, alloc);
      } else if (alloc > bytes) {
        std::memset(t.storage_->data + bytes, 0, alloc - bytes);  // Padding stays deterministic.
      }
    }
  }
  return t;
}

Tensor::Tensor(DType dtype, Shape shape) {
  auto t = Create(dtype, std::move(shape));
  if (!t.ok()) {
    std::cerr << "tb::tf::Tensor: " << t.status() << "\n";
    std::abort();
  }
  *this = std::move(*t);
}

Tensor Tensor::StringScalar(std::string value) {
  Tensor t(DType::kString, {});
  t.flat<std::string>()[0] = std::move(value);
  return t;
}

size_t Tensor::byte_size() const { return storage_ ? storage_->bytes : 0; }

void Tensor::CheckType(DType want) const {
  if (want != dtype_) {
    std::cerr << "tb::tf::Tensor: accessed a " << DTypeName(dtype_) << " tensor as " << DTypeName(want) << "\n";
    std::abort();
  }
}

char* Tensor::Data() const { return storage_ ? storage_->data : nullptr; }

template <>
absl::Span<std::string> Tensor::flat<std::string>() {
  CheckType(DType::kString);
  return absl::Span<std::string>(storage_->strings);
}

template <>
absl::Span<const std::string> Tensor::flat<std::string>() const {
  CheckType(DType::kString);
  return absl::Span<const std::string>(storage_->strings);
}

std::string_view Tensor::bytes() const {
  if (!storage_ || storage_->data == nullptr) return {};
  return std::string_view(storage_->data, storage_->bytes);
}

char* Tensor::mutable_bytes() { return Data(); }

absl::Span<std::shared_ptr<const Opaque>> Tensor::opaques() {
  if (dtype_ != DType::kVariant && dtype_ != DType::kResource) CheckType(DType::kVariant);
  return absl::Span<std::shared_ptr<const Opaque>>(storage_->opaques);
}

absl::Span<const std::shared_ptr<const Opaque>> Tensor::opaques() const {
  if (dtype_ != DType::kVariant && dtype_ != DType::kResource) CheckType(DType::kVariant);
  return absl::Span<const std::shared_ptr<const Opaque>>(storage_->opaques);
}

absl::StatusOr<Tensor> Tensor::Reshaped(Shape shape) const {
  auto n = NumElements(shape);
  if (!n.ok()) return n.status();
  if (*n != num_elements_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot reshape ", DebugType(), " to ", ShapeToString(shape)));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::Clone() const {
  if (!valid()) return Tensor();
  Tensor t(dtype_, shape_);
  if (storage_->data) std::memcpy(t.storage_->data, storage_->data, storage_->bytes);
  t.storage_->strings = storage_->strings;
  t.storage_->opaques = storage_->opaques;
  return t;
}

bool Tensor::Equals(const Tensor& other) const {
  if (dtype_ != other.dtype_ || shape_ != other.shape_) return false;
  if (!valid()) return true;
  if (dtype_ == DType::kString) return storage_->strings == other.storage_->strings;
  if (dtype_ == DType::kVariant || dtype_ == DType::kResource) return storage_->opaques == other.storage_->opaques;
  return bytes() == other.bytes();
}

std::string Tensor::DebugType() const { return absl::StrCat(ToAbsl(DTypeName(dtype_)), ShapeToString(shape_)); }

}  // namespace tb::tf
