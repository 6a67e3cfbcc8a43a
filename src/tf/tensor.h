// A dense, host-memory tensor: dtype, fully known shape, and row-major data. The value type every layer passes
// around (checkpoint readers/writers, kernels, interpreters, the FL lowering's constants).
// Copies are cheap and share storage; mutate only a tensor you created (or Clone() first). Never holds
// unknown dimensions: TensorSpec-style shapes with -1 belong to the graph layer, not here.
#ifndef TASKBUILDER_TF_TENSOR_H_
#define TASKBUILDER_TF_TENSOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tf/dtype.h"

namespace tb::tf {

using Shape = std::vector<int64_t>;

// Refuse to allocate a single tensor above this many bytes (8 GiB); untrusted shapes hit this, not the allocator.
inline constexpr uint64_t kMaxTensorBytes = uint64_t{8} << 30;

// Number of elements of a fully known shape, or an error if a dimension is negative or the product overflows
// int64 / exceeds `max_elements`.
absl::StatusOr<int64_t> NumElements(const Shape& shape, int64_t max_elements = INT64_MAX);

// "[784,256]" (scalars: "[]").
std::string ShapeToString(const Shape& shape);

// Base class of the values a DT_VARIANT or DT_RESOURCE element holds (datasets, iterators, optionals,
// variable handles in the runtime). Immutable once shared.
class Opaque {
 public:
  virtual ~Opaque() = default;
  // For error messages, e.g. "Dataset", "Iterator".
  virtual std::string TypeName() const = 0;
};

class Tensor {
 public:
  // An invalid tensor (dtype kInvalid, no storage).
  Tensor() = default;

  // A zero-filled (empty strings, null opaques) tensor. Fails on unsupported dtypes, bad shapes or when the
  // tensor would exceed kMaxTensorBytes. Use this for shapes that come from outside.
  static absl::StatusOr<Tensor> Create(DType dtype, Shape shape);
  // As Create, but the element bytes of fixed-size types are left unspecified: for readers that overwrite every
  // byte (checkpoint and bundle readers), so gigabyte tensors are not zero-filled first.
  static absl::StatusOr<Tensor> CreateUninitialized(DType dtype, Shape shape);

  // As Create, for shapes the caller has already validated; aborts on failure.
  Tensor(DType dtype, Shape shape);

  template <typename T>
  static Tensor Scalar(T value) {
    Tensor t(DTypeOf<T>(), {});
    t.flat<T>()[0] = value;
    return t;
  }
  static Tensor StringScalar(std::string value);

  // Copies `values` into a tensor of `shape`, which must have values.size() elements; aborts otherwise.
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values, Shape shape) {
    Tensor t(DTypeOf<T>(), std::move(shape));
    auto out = t.flat<T>();
    for (size_t i = 0; i < values.size() && i < out.size(); ++i) out[i] = values[i];
    return t;
  }
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values) {
    return FromVector(values, Shape{static_cast<int64_t>(values.size())});
  }

  bool valid() const { return dtype_ != DType::kInvalid; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t num_elements() const { return num_elements_; }
  // Bytes of element storage for fixed-size types (0 for string/variant/resource).
  size_t byte_size() const;

  // Typed element access. REQUIRES: T matches dtype() (checked; aborts on mismatch).
  template <typename T>
  absl::Span<T> flat() {
    CheckType(DTypeOf<T>());
    return absl::Span<T>(reinterpret_cast<T*>(Data()), static_cast<size_t>(num_elements_));
  }
  template <typename T>
  absl::Span<const T> flat() const {
    CheckType(DTypeOf<T>());
    return absl::Span<const T>(reinterpret_cast<const T*>(Data()), static_cast<size_t>(num_elements_));
  }
  template <typename T>
  T scalar() const {
    return flat<T>()[0];
  }

  // Raw little-endian element bytes of a fixed-size tensor (empty for other types).
  std::string_view bytes() const;
  char* mutable_bytes();

  // Elements of a DT_VARIANT / DT_RESOURCE tensor.
  absl::Span<std::shared_ptr<const Opaque>> opaques();
  absl::Span<const std::shared_ptr<const Opaque>> opaques() const;

  // The same storage viewed with another shape of equal element count.
  absl::StatusOr<Tensor> Reshaped(Shape shape) const;

  // A deep copy that shares nothing with this tensor.
  Tensor Clone() const;

  // Same dtype, shape and element values (bitwise for floats, so NaN == NaN of the same bits).
  bool Equals(const Tensor& other) const;

  // "float[784,256]".
  std::string DebugType() const;

 private:
  struct Storage;
  static absl::StatusOr<Tensor> CreateImpl(DType dtype, Shape shape, bool zero);
  void CheckType(DType want) const;
  char* Data() const;

  DType dtype_ = DType::kInvalid;
  Shape shape_;
  int64_t num_elements_ = 0;
  std::shared_ptr<Storage> storage_;
};

// A tensor with the name it is saved or fed under (checkpoint entries, model weights).
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// DT_STRING element access; the specialisations live in tensor.cc.
template <>
absl::Span<std::string> Tensor::flat<std::string>();
template <>
absl::Span<const std::string> Tensor::flat<std::string>() const;

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_TENSOR_H_
