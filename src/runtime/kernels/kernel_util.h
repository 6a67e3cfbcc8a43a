// Small helpers shared by the reference kernels: dtype dispatch, reading shape/axis tensors, numpy broadcasting
// by rows, transposition and axis-reduction layout. Header-light on purpose: the templates here are instantiated
// only in the kernel files that use them, for the handful of dtypes each supports.
#ifndef TASKBUILDER_RUNTIME_KERNELS_KERNEL_UTIL_H_
#define TASKBUILDER_RUNTIME_KERNELS_KERNEL_UTIL_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "tf/tensor.h"

namespace tb::runtime {

template <typename T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) for T in {float, double}; otherwise an error naming the dtype.
template <typename Fn>
absl::Status DispatchFloat(const KernelContext& ctx, tf::DType dtype, Fn&& fn) {
  switch (dtype) {
    case tf::DType::kFloat: return fn(TypeTag<float>{});
    case tf::DType::kDouble: return fn(TypeTag<double>{});
    default: return ctx.Error(absl::StrCat("unsupported dtype ", tb::ToAbsl(tf::DTypeName(dtype))));
  }
}

// float, double, int32, int64.
template <typename Fn>
absl::Status DispatchNumeric(const KernelContext& ctx, tf::DType dtype, Fn&& fn) {
  switch (dtype) {
    case tf::DType::kFloat: return fn(TypeTag<float>{});
    case tf::DType::kDouble: return fn(TypeTag<double>{});
    case tf::DType::kInt32: return fn(TypeTag<int32_t>{});
    case tf::DType::kInt64: return fn(TypeTag<int64_t>{});
    default: return ctx.Error(absl::StrCat("unsupported dtype ", tb::ToAbsl(tf::DTypeName(dtype))));
  }
}

// Numeric plus the narrow integer types and bool (for data movement and comparisons).
template <typename Fn>
absl::Status DispatchAllNumeric(const KernelContext& ctx, tf::DType dtype, Fn&& fn) {
  switch (dtype) {
    case tf::DType::kFloat: return fn(TypeTag<float>{});
    case tf::DType::kDouble: return fn(TypeTag<double>{});
    case tf::DType::kInt32: return fn(TypeTag<int32_t>{});
    case tf::DType::kInt64: return fn(TypeTag<int64_t>{});
    case tf::DType::kUInt8: return fn(TypeTag<uint8_t>{});
    case tf::DType::kInt8: return fn(TypeTag<int8_t>{});
    case tf::DType::kInt16: return fn(TypeTag<int16_t>{});
    case tf::DType::kUInt16: return fn(TypeTag<uint16_t>{});
    case tf::DType::kUInt32: return fn(TypeTag<uint32_t>{});
    case tf::DType::kUInt64: return fn(TypeTag<uint64_t>{});
    case tf::DType::kBool: return fn(TypeTag<bool>{});
    default: return ctx.Error(absl::StrCat("unsupported dtype ", tb::ToAbsl(tf::DTypeName(dtype))));
  }
}

// Values of an int32/int64 tensor of rank <= 1 (`what` names it in errors, e.g. "shape").
absl::StatusOr<std::vector<int64_t>> ReadInts(const KernelContext& ctx, const tf::Tensor& t, std::string_view what);
// A scalar int32/int64 (or a 1-element vector).
absl::StatusOr<int64_t> ReadScalarInt(const KernelContext& ctx, const tf::Tensor& t, std::string_view what);
// A shape vector: every entry >= 0 (or -1 where `allow_minus_one`), at most graph::kMaxRank entries.
absl::StatusOr<tf::Shape> ReadShape(const KernelContext& ctx, const tf::Tensor& t, std::string_view what);
// Resolves a possibly negative axis.
absl::StatusOr<int> CanonicalAxis(const KernelContext& ctx, int64_t axis, int rank);

// numpy broadcasting of two shapes, expressed as rows: the output is a sequence of `rows` rows of `row_len`
// elements; row r reads a at a_offset(r) + k*a_step and b at b_offset(r) + k*b_step (steps are 0 or 1).
class Broadcast2 {
 public:
  static absl::StatusOr<Broadcast2> Make(const KernelContext& ctx, const tf::Shape& a, const tf::Shape& b);
  const tf::Shape& output_shape() const { return out_; }
  int64_t rows() const { return rows_; }
  int64_t row_len() const { return row_len_; }
  int64_t a_step() const { return a_step_; }
  int64_t b_step() const { return b_step_; }
  // Calls fn(out_offset, a_offset, b_offset) for each row, in order.
  template <typename Fn>
  void ForEachRow(Fn&& fn) const {
    const int r = static_cast<int>(outer_.size());
    std::vector<int64_t> idx(r, 0);
    int64_t ao = 0, bo = 0;
    for (int64_t row = 0; row < rows_; ++row) {
      fn(row * row_len_, ao, bo);
      for (int d = r - 1; d >= 0; --d) {
        ao += a_strides_[d];
        bo += b_strides_[d];
        if (++idx[d] < outer_[d]) break;
        ao -= a_strides_[d] * outer_[d];
        bo -= b_strides_[d] * outer_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  tf::Shape out_;
  std::vector<int64_t> outer_, a_strides_, b_strides_;  // collapsed outer dims (all but the row)
  int64_t rows_ = 0, row_len_ = 0, a_step_ = 0, b_step_ = 0;
};

// Element offset of every output position into a tensor of `in` broadcast to `out` (in right-aligned).
// REQUIRES: `in` broadcasts to `out`. Used by ops with three broadcast operands (SelectV2) and BroadcastTo.
std::vector<int64_t> BroadcastOffsets(const tf::Shape& in, const tf::Shape& out);

// Copies n elements src[src_off..) to dst[dst_off..) for any fixed-size dtype or string (same dtype; the caller
// checks bounds).
void CopyElements(const tf::Tensor& src, int64_t src_off, tf::Tensor& dst, int64_t dst_off, int64_t n);
// True for dtypes the data-movement kernels handle (fixed-size and string).
bool IsMovable(tf::DType dtype);

// Permutes the axes of a fixed-size or string tensor.
absl::StatusOr<tf::Tensor> TransposeTensor(const KernelContext& ctx, const tf::Tensor& in,
                                           const std::vector<int>& perm);

// Layout of a reduction over `axes` of `shape`: after moving reduced axes last (a transpose, when needed), the
// data is `outer` groups of `inner` contiguous elements.
struct ReductionLayout {
  std::vector<int> perm;     // identity when no transpose is needed
  bool needs_transpose = false;
  int64_t outer = 1, inner = 1;
  tf::Shape output_shape;    // with or without kept dims
};
absl::StatusOr<ReductionLayout> MakeReductionLayout(const KernelContext& ctx, const tf::Shape& shape,
                                                    const std::vector<int64_t>& axes, bool keep_dims);

}  // namespace tb::runtime

#endif  // TASKBUILDER_RUNTIME_KERNELS_KERNEL_UTIL_H_
