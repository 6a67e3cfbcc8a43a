#include "runtime/kernels/kernel_util.h"

#include <algorithm>
#include <cstring>

#include "base/status_macros.h"
#include "graph/types.h"

namespace tb::runtime {

absl::StatusOr<std::vector<int64_t>> ReadInts(const KernelContext& ctx, const tf::Tensor& t, std::string_view what) {
  if (t.rank() > 1) return ctx.Error(absl::StrCat(ToAbsl(what), " must be a scalar or vector, got ", t.DebugType()));
  std::vector<int64_t> out;
  out.reserve(t.num_elements());
  if (t.dtype() == tf::DType::kInt32) {
    for (int32_t v : t.flat<int32_t>()) out.push_back(v);
  } else if (t.dtype() == tf::DType::kInt64) {
    for (int64_t v : t.flat<int64_t>()) out.push_back(v);
  } else {
    return ctx.Error(absl::StrCat(ToAbsl(what), " must be int32 or int64, got ", t.DebugType()));
  }
  return out;
}

absl::StatusOr<int64_t> ReadScalarInt(const KernelContext& ctx, const tf::Tensor& t, std::string_view what) {
  TB_ASSIGN_OR_RETURN(auto v, ReadInts(ctx, t, what));
  if (v.size() != 1) return ctx.Error(absl::StrCat(ToAbsl(what), " must have one element, got ", t.DebugType()));
  return v[0];
}

absl::StatusOr<tf::Shape> ReadShape(const KernelContext& ctx, const tf::Tensor& t, std::string_view what) {
  if (t.rank() != 1) return ctx.Error(absl::StrCat(ToAbsl(what), " must be a vector, got ", t.DebugType()));
  if (t.num_elements() > graph::kMaxRank) return ctx.Error(absl::StrCat(ToAbsl(what), " has too many dimensions"));
  TB_ASSIGN_OR_RETURN(auto v, ReadInts(ctx, t, what));
  for (int64_t d : v) {
    if (d < 0) return ctx.Error(absl::StrCat(ToAbsl(what), " has a negative dimension ", d));
  }
  return v;
}

absl::StatusOr<int> CanonicalAxis(const KernelContext& ctx, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return ctx.Error(absl::StrCat("axis ", axis, " is out of range for a tensor of rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<Broadcast2> Broadcast2::Make(const KernelContext& ctx, const tf::Shape& a, const tf::Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<int64_t> pa(r, 1), pb(r, 1), out(r);
  std::copy(a.begin(), a.end(), pa.begin() + (r - a.size()));
  std::copy(b.begin(), b.end(), pb.begin() + (r - b.size()));
  for (size_t i = 0; i < r; ++i) {
    if (pa[i] == pb[i] || pb[i] == 1) {
      out[i] = pa[i];
    } else if (pa[i] == 1) {
      out[i] = pb[i];
    } else {
      return ctx.Error(absl::StrCat("Incompatible shapes: ", tf::ShapeToString(a), " vs. ", tf::ShapeToString(b)));
    }
  }
  Broadcast2 bc;
  bc.out_ = out;
  // Collapse: drop size-1 output dims, merge neighbours with the same broadcast pattern.
  struct Dim {
    int64_t size;
    bool a_b, b_b;  // broadcast along this dim
  };
  std::vector<Dim> dims;
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    Dim d{out[i], pa[i] == 1, pb[i] == 1};
    if (!dims.empty() && dims.back().a_b == d.a_b && dims.back().b_b == d.b_b) {
      dims.back().size *= d.size;
    } else {
      dims.push_back(d);
    }
  }
  int64_t total = 1;
  for (int64_t d : out) total *= d;
  if (dims.empty()) dims.push_back({1, false, false});
  const Dim row = dims.back();
  bc.row_len_ = row.size;
  bc.a_step_ = row.a_b ? 0 : 1;
  bc.b_step_ = row.b_b ? 0 : 1;
  bc.rows_ = total == 0 ? 0 : total / row.size;
  // Strides of the outer dims in each input's own (collapsed) layout.
  int64_t sa = row.a_b ? 1 : row.size, sb = row.b_b ? 1 : row.size;
  const size_t outer_n = dims.size() - 1;
  bc.outer_.resize(outer_n);
  bc.a_strides_.resize(outer_n);
  bc.b_strides_.resize(outer_n);
  for (size_t k = outer_n; k-- > 0;) {
    bc.outer_[k] = dims[k].size;
    bc.a_strides_[k] = dims[k].a_b ? 0 : sa;
    bc.b_strides_[k] = dims[k].b_b ? 0 : sb;
    if (!dims[k].a_b) sa *= dims[k].size;
    if (!dims[k].b_b) sb *= dims[k].size;
  }
  return bc;
}

std::vector<int64_t> BroadcastOffsets(const tf::Shape& in, const tf::Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> pin(r, 1);
  std::copy(in.begin(), in.end(), pin.begin() + (r - in.size()));
  std::vector<int64_t> strides(r, 0);
  int64_t s = 1;
  for (size_t k = r; k-- > 0;) {
    strides[k] = pin[k] == 1 ? 0 : s;
    s *= pin[k];
  }
  int64_t total = 1;
  for (int64_t d : out) total *= d;
  std::vector<int64_t> offsets(total);
  std::vector<int64_t> idx(r, 0);
  int64_t off = 0;
  for (int64_t i = 0; i < total; ++i) {
    offsets[i] = off;
    for (size_t k = r; k-- > 0;) {
      off += strides[k];
      if (++idx[k] < out[k]) break;
      off -= strides[k] * out[k];
      idx[k] = 0;
    }
  }
  return offsets;
}

void CopyElements(const tf::Tensor& src, int64_t src_off, tf::Tensor& dst, int64_t dst_off, int64_t n) {
  if (n <= 0) return;
  if (src.dtype() == tf::DType::kString) {
    auto s = src.flat<std::string>();
    auto d = dst.flat<std::string>();
    for (int64_t i = 0; i < n; ++i) d[dst_off + i] = s[src_off + i];
    return;
  }
  const size_t es = tf::DTypeSize(src.dtype());
  std::memcpy(dst.mutable_bytes() + dst_off * es, src.bytes().data() + src_off * es, n * es);
}

bool IsMovable(tf::DType dtype) { return dtype == tf::DType::kString || tf::DTypeSize(dtype) > 0; }

namespace {

// Moves the elements of a (merged) permutation: the output is written contiguously, the innermost output axis in a
// tight typed loop, the outer axes by an odometer over the input strides. When the innermost output axis is strided
// in the input and the one before it is the input's contiguous axis (a matrix transpose, possibly batched), the
// last two axes are moved in 32×32 tiles instead, so neither side walks memory a whole row apart per element.
template <typename T>
void PermuteElements(const T* src, T* dst, const std::vector<int64_t>& dims, const std::vector<int64_t>& step) {
  const int r = static_cast<int>(dims.size());
  const bool tiled = r >= 2 && step[r - 1] != 1 && step[r - 2] == 1;
  const int block_axes = tiled ? 2 : 1;  // axes moved per odometer step
  int64_t block = 1, outer = 1;
  for (int k = 0; k < r; ++k) (k >= r - block_axes ? block : outer) *= dims[k];
  std::vector<int64_t> idx(r, 0);
  int64_t off = 0;
  for (int64_t o = 0; o < outer; ++o, dst += block) {
    if (tiled) {
      constexpr int64_t kTile = 32;
      const int64_t rows = dims[r - 2], cols = dims[r - 1], col_step = step[r - 1];
      for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
        const int64_t r1 = std::min(rows, r0 + kTile);
        for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
          const int64_t c1 = std::min(cols, c0 + kTile);
          for (int64_t c = c0; c < c1; ++c) {
            const T* in = src + off + c * col_step;
            for (int64_t i = r0; i < r1; ++i) dst[i * cols + c] = in[i];
          }
        }
      }
    } else if (step[r - 1] == 1) {
      std::copy(src + off, src + off + block, dst);
    } else {
      for (int64_t j = 0; j < block; ++j) dst[j] = src[off + j * step[r - 1]];
    }
    for (int k = r - block_axes - 1; k >= 0; --k) {
      off += step[k];
      if (++idx[k] < dims[k]) break;
      off -= step[k] * dims[k];
      idx[k] = 0;
    }
  }
}

}  // namespace

absl::StatusOr<tf::Tensor> TransposeTensor(const KernelContext& ctx, const tf::Tensor& in,
                                           const std::vector<int>& perm) {
  const int r = in.rank();
  if (static_cast<int>(perm.size()) != r) {
    return ctx.Error(absl::StrCat("permutation of size ", perm.size(), " for a tensor of rank ", r));
  }
  tf::Shape out_shape(r);
  std::vector<bool> seen(r, false);
  for (int i = 0; i < r; ++i) {
    if (perm[i] < 0 || perm[i] >= r || seen[perm[i]]) return ctx.Error("invalid permutation");
    seen[perm[i]] = true;
    out_shape[i] = in.dim(perm[i]);
  }
  // Every element is written below (strings are default-constructed either way).
  TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.AllocateUninitialized(in.dtype(), out_shape));
  const int64_t n = in.num_elements();
  if (n == 0) return out;
  std::vector<int64_t> in_strides(r);
  int64_t s = 1;
  for (int k = r - 1; k >= 0; --k) {
    in_strides[k] = s;
    s *= in.dim(k);
  }
  // Merge output axes that stay adjacent in the input (perm[i+1] == perm[i] + 1) and drop size-1 axes: [O,H,W,I]
  // -> [H,W,I,O] is a 2-D transpose of [O, H·W·I]. Each merged axis keeps the input stride of its innermost part.
  std::vector<int64_t> dims, step;
  for (int i = 0; i < r; ++i) {
    if (out_shape[i] == 1) continue;
    const int64_t stride = in_strides[perm[i]];
    if (!dims.empty() && step.back() == stride * out_shape[i]) {
      dims.back() *= out_shape[i];
      step.back() = stride;
    } else {
      dims.push_back(out_shape[i]);
      step.push_back(stride);
    }
  }
  if (dims.empty()) {  // a single element
    dims.push_back(1);
    step.push_back(1);
  }
  if (in.dtype() == tf::DType::kString) {
    PermuteElements(in.flat<std::string>().data(), out.flat<std::string>().data(), dims, step);
    return out;
  }
  const size_t es = tf::DTypeSize(in.dtype());
  if (es == 0) return ctx.Error(absl::StrCat("cannot transpose ", in.DebugType()));
  const char* src = in.bytes().data();
  char* dst = out.mutable_bytes();
  switch (es) {
    case 1: PermuteElements(reinterpret_cast<const uint8_t*>(src), reinterpret_cast<uint8_t*>(dst), dims, step); break;
    case 2: PermuteElements(reinterpret_cast<const uint16_t*>(src), reinterpret_cast<uint16_t*>(dst), dims, step); break;
    case 4: PermuteElements(reinterpret_cast<const uint32_t*>(src), reinterpret_cast<uint32_t*>(dst), dims, step); break;
    case 8: PermuteElements(reinterpret_cast<const uint64_t*>(src), reinterpret_cast<uint64_t*>(dst), dims, step); break;
    default: {
      // Wider elements (complex128): permute element indices, then copy.
      std::vector<int64_t> index(static_cast<size_t>(n)), from(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) index[i] = i;
      PermuteElements(index.data(), from.data(), dims, step);
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + es * i, src + es * from[i], es);
    }
  }
  return out;
}

absl::StatusOr<ReductionLayout> MakeReductionLayout(const KernelContext& ctx, const tf::Shape& shape,
                                                    const std::vector<int64_t>& axes, bool keep_dims) {
  const int r = static_cast<int>(shape.size());
  std::vector<bool> reduced(r, false);
  for (int64_t a : axes) {
    if (a < -r || a >= r) {
      return ctx.Error(absl::StrCat("Invalid reduction dimension ", a, " for input with ", r, " dimensions"));
    }
    reduced[a < 0 ? a + r : a] = true;
  }
  ReductionLayout l;
  std::vector<int> kept_axes, red_axes;
  for (int i = 0; i < r; ++i) {
    (reduced[i] ? red_axes : kept_axes).push_back(i);
    if (reduced[i]) {
      l.inner *= shape[i];
      if (keep_dims) l.output_shape.push_back(1);
    } else {
      l.outer *= shape[i];
      l.output_shape.push_back(shape[i]);
    }
  }
  l.perm = kept_axes;
  l.perm.insert(l.perm.end(), red_axes.begin(), red_axes.end());
  // A transpose is needed unless the reduced axes (ignoring size-1 dims) already come last.
  bool seen_reduced = false;
  for (int i = 0; i < r; ++i) {
    if (shape[i] == 1) continue;
    if (reduced[i]) seen_reduced = true;
    else if (seen_reduced) l.needs_transpose = true;
  }
  return l;
}

}  // namespace tb::runtime
