// Select (condition scalar, same shape as t/e, or a vector over t's first dimension; t and e equal shapes) and
// SelectV2 (all three operands broadcast numpy-style). Both are on the hot path of every ReLU and max-pool gradient
// a training program runs, so fixed-size elements are moved by typed strided loops, without per-element calls or
// offset tables.
#include <cstring>

#include "base/status_macros.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

// out[i] = c[i·cs] ? t[i·ts] : e[i·es] for n elements of `size` bytes (strides in elements; 0 broadcasts one).
template <typename T>
void SelectTyped(int64_t n, const bool* c, int64_t cs, const T* t, int64_t ts, const T* e, int64_t es, T* out) {
  if (cs == 1 && ts == 1 && es == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = c[i] ? t[i] : e[i];
    return;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = c[i * cs] ? t[i * ts] : e[i * es];
}

void SelectFixed(size_t size, int64_t n, const bool* c, int64_t cs, const char* t, int64_t ts, const char* e,
                 int64_t es, char* out) {
  switch (size) {
    case 1: return SelectTyped(n, c, cs, reinterpret_cast<const uint8_t*>(t), ts, reinterpret_cast<const uint8_t*>(e), es,
                               reinterpret_cast<uint8_t*>(out));
    case 2: return SelectTyped(n, c, cs, reinterpret_cast<const uint16_t*>(t), ts, reinterpret_cast<const uint16_t*>(e),
                               es, reinterpret_cast<uint16_t*>(out));
    case 4: return SelectTyped(n, c, cs, reinterpret_cast<const uint32_t*>(t), ts, reinterpret_cast<const uint32_t*>(e),
                               es, reinterpret_cast<uint32_t*>(out));
    case 8: return SelectTyped(n, c, cs, reinterpret_cast<const uint64_t*>(t), ts, reinterpret_cast<const uint64_t*>(e),
                               es, reinterpret_cast<uint64_t*>(out));
    default:
      for (int64_t i = 0; i < n; ++i) std::memcpy(out + i * size, (c[i * cs] ? t + i * ts * size : e + i * es * size), size);
  }
}

// SelectV2 on fixed-size elements by strided walks: each operand gets a stride per output axis (0 where it is
// broadcast), axes that every operand walks contiguously are merged, and the innermost axis runs as a typed loop.
// Operands of the output's shape or of one element collapse to a single axis.
void SelectBroadcast(size_t size, const tf::Tensor& c, const tf::Tensor& t, const tf::Tensor& e,
                     const tf::Shape& shape, char* out) {
  const int r = static_cast<int>(shape.size());
  const tf::Tensor* operands[3] = {&c, &t, &e};
  std::vector<int64_t> strides[3];
  for (int o = 0; o < 3; ++o) {
    const tf::Shape& in = operands[o]->shape();
    strides[o].assign(r, 0);
    int64_t s = 1;
    for (int k = r - 1, j = static_cast<int>(in.size()) - 1; k >= 0; --k, --j) {
      const int64_t d = j >= 0 ? in[j] : 1;
      strides[o][k] = d == 1 ? 0 : s;
      s *= d;
    }
  }
  std::vector<int64_t> dims;
  std::vector<int64_t> merged[3];
  for (int k = 0; k < r; ++k) {
    if (shape[k] == 1) continue;
    bool joins = !dims.empty();
    for (int o = 0; o < 3 && joins; ++o) joins = merged[o].back() == strides[o][k] * shape[k];
    if (joins) {
      dims.back() *= shape[k];
      for (int o = 0; o < 3; ++o) merged[o].back() = strides[o][k];
    } else {
      dims.push_back(shape[k]);
      for (int o = 0; o < 3; ++o) merged[o].push_back(strides[o][k]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    for (auto& m : merged) m.push_back(0);
  }
  const int m = static_cast<int>(dims.size());
  const int64_t inner = dims[m - 1];
  int64_t outer = 1;
  for (int k = 0; k + 1 < m; ++k) outer *= dims[k];
  const bool* cb = c.flat<bool>().data();
  const char* tb = t.bytes().data();
  const char* eb = e.bytes().data();
  std::vector<int64_t> idx(m, 0);
  int64_t off[3] = {0, 0, 0};
  for (int64_t o = 0; o < outer; ++o, out += inner * static_cast<int64_t>(size)) {
    SelectFixed(size, inner, cb + off[0], merged[0][m - 1], tb + off[1] * static_cast<int64_t>(size), merged[1][m - 1],
                eb + off[2] * static_cast<int64_t>(size), merged[2][m - 1], out);
    for (int k = m - 2; k >= 0; --k) {
      for (int q = 0; q < 3; ++q) off[q] += merged[q][k];
      if (++idx[k] < dims[k]) break;
      for (int q = 0; q < 3; ++q) off[q] -= merged[q][k] * dims[k];
      idx[k] = 0;
    }
  }
}

absl::Status Select(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(1, 2));
  const tf::Tensor& c = ctx.input(0);
  const tf::Tensor& t = ctx.input(1);
  const tf::Tensor& e = ctx.input(2);
  if (!IsMovable(t.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", t.DebugType()));
  if (t.shape() != e.shape()) {
    return ctx.Error(absl::StrCat("'t' and 'e' must have the same shape, got ", t.DebugType(), " and ", e.DebugType()));
  }
  int64_t block;  // elements per condition value
  if (c.rank() == 0) {
    block = t.num_elements();
  } else if (c.shape() == t.shape()) {
    block = 1;
  } else if (c.rank() == 1 && t.rank() >= 1 && c.dim(0) == t.dim(0)) {
    block = t.dim(0) == 0 ? 0 : t.num_elements() / t.dim(0);
  } else {
    return ctx.Error(absl::StrCat("'condition' ", c.DebugType(), " must be a scalar, a vector of size ",
                                  t.rank() ? t.dim(0) : 0, " or have the shape of 't' ", t.DebugType()));
  }
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(t.dtype(), t.shape()));
  auto cond = c.flat<bool>();
  if (block == 1 && t.dtype() != tf::DType::kString) {
    SelectFixed(tf::DTypeSize(t.dtype()), cond.size(), cond.data(), 1, t.bytes().data(), 1, e.bytes().data(), 1,
                out.mutable_bytes());
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  for (size_t i = 0; i < cond.size() && block > 0; ++i) {
    CopyElements(cond[i] ? t : e, static_cast<int64_t>(i) * block, out, static_cast<int64_t>(i) * block, block);
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::StatusOr<tf::Shape> BroadcastShape(KernelContext& ctx, const tf::Shape& a, const tf::Shape& b) {
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, a, b));
  return bc.output_shape();
}

absl::Status SelectV2(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(3));
  TB_RETURN_IF_ERROR(ctx.CheckDType(0, tf::DType::kBool));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(1, 2));
  const tf::Tensor& c = ctx.input(0);
  const tf::Tensor& t = ctx.input(1);
  const tf::Tensor& e = ctx.input(2);
  if (!IsMovable(t.dtype())) return ctx.Error(absl::StrCat("unsupported dtype ", t.DebugType()));
  TB_ASSIGN_OR_RETURN(tf::Shape te, BroadcastShape(ctx, t.shape(), e.shape()));
  TB_ASSIGN_OR_RETURN(tf::Shape shape, BroadcastShape(ctx, c.shape(), te));
  if (t.dtype() != tf::DType::kString) {
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.AllocateUninitialized(t.dtype(), shape));  // every element written
    SelectBroadcast(tf::DTypeSize(t.dtype()), c, t, e, shape, out.mutable_bytes());
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  }
  // Strings: element by element.
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(t.dtype(), shape));
  const auto oc = BroadcastOffsets(c.shape(), shape);
  const auto ot = BroadcastOffsets(t.shape(), shape);
  const auto oe = BroadcastOffsets(e.shape(), shape);
  auto cond = c.flat<bool>();
  for (size_t i = 0; i < oc.size(); ++i) {
    if (cond[oc[i]]) CopyElements(t, ot[i], out, static_cast<int64_t>(i), 1);
    else CopyElements(e, oe[i], out, static_cast<int64_t>(i), 1);
  }
  ctx.set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("Select", Select);
TB_REGISTER_KERNEL("SelectV2", SelectV2);

}  // namespace tb::runtime
