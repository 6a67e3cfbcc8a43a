// MatMul (rank-2, transpose flags) and BatchMatMulV2 (batch dims broadcast, adjoint flags = transposes for real
// types). Float and double use Eigen's blocked GEMM; int32/int64 a plain triple loop.
#include <Eigen/Core>

#include "base/status_macros.h"
#include "runtime/kernels/kernel.h"
#include "runtime/kernels/kernel_util.h"

namespace tb::runtime {
namespace {

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// C[m,n] = op(A) op(B) for one matrix pair stored row-major.
template <typename T>
void Gemm(const T* a, const T* b, T* c, int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
  if constexpr (std::is_floating_point_v<T>) {
    Eigen::Map<const RowMajor<T>> A(a, ta ? k : m, ta ? m : k);
    Eigen::Map<const RowMajor<T>> B(b, tb ? n : k, tb ? k : n);
    Eigen::Map<RowMajor<T>> C(c, m, n);
    if (!ta && !tb) C.noalias() = A * B;
    else if (ta && !tb) C.noalias() = A.transpose() * B;
    else if (!ta && tb) C.noalias() = A * B.transpose();
    else C.noalias() = A.transpose() * B.transpose();
  } else {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        T acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
        c[i * n + j] = acc;
      }
    }
  }
}

absl::Status MatMul(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  TB_RETURN_IF_ERROR(ctx.CheckRank(0, 2));
  TB_RETURN_IF_ERROR(ctx.CheckRank(1, 2));
  TB_ASSIGN_OR_RETURN(bool ta, ctx.GetBool("transpose_a"));
  TB_ASSIGN_OR_RETURN(bool tb, ctx.GetBool("transpose_b"));
  const tf::Tensor& a = ctx.input(0);
  const tf::Tensor& b = ctx.input(1);
  const int64_t m = a.dim(ta ? 1 : 0), k = a.dim(ta ? 0 : 1);
  const int64_t kb = b.dim(tb ? 1 : 0), n = b.dim(tb ? 0 : 1);
  if (k != kb) {
    return ctx.Error(absl::StrCat("Matrix size-incompatible: In[0]: ", tf::ShapeToString(a.shape()),
                                  ", In[1]: ", tf::ShapeToString(b.shape())));
  }
  return DispatchNumeric(ctx, a.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(a.dtype(), {m, n}));
    if (m * n > 0) Gemm<T>(a.flat<T>().data(), b.flat<T>().data(), out.flat<T>().data(), m, k, n, ta, tb);
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

absl::Status BatchMatMulV2(KernelContext& ctx) {
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(2));
  TB_RETURN_IF_ERROR(ctx.CheckSameDType(0, 1));
  const tf::Tensor& x = ctx.input(0);
  const tf::Tensor& y = ctx.input(1);
  if (x.rank() < 2 || y.rank() < 2) return ctx.Error("inputs must have rank >= 2");
  TB_ASSIGN_OR_RETURN(bool adj_x, ctx.GetBool("adj_x"));
  TB_ASSIGN_OR_RETURN(bool adj_y, ctx.GetBool("adj_y"));
  const int rx = x.rank(), ry = y.rank();
  const int64_t m = x.dim(rx - (adj_x ? 1 : 2)), k = x.dim(rx - (adj_x ? 2 : 1));
  const int64_t ky = y.dim(ry - (adj_y ? 1 : 2)), n = y.dim(ry - (adj_y ? 2 : 1));
  if (k != ky) {
    return ctx.Error(absl::StrCat("Matrix size-incompatible: In[0]: ", tf::ShapeToString(x.shape()),
                                  ", In[1]: ", tf::ShapeToString(y.shape())));
  }
  tf::Shape bx(x.shape().begin(), x.shape().end() - 2), by(y.shape().begin(), y.shape().end() - 2);
  TB_ASSIGN_OR_RETURN(Broadcast2 bc, Broadcast2::Make(ctx, bx, by));
  tf::Shape out_shape = bc.output_shape();
  out_shape.push_back(m);
  out_shape.push_back(n);
  // Batch offsets (in matrices) of each output batch into x and y.
  const std::vector<int64_t> ox = BroadcastOffsets(bx, bc.output_shape());
  const std::vector<int64_t> oy = BroadcastOffsets(by, bc.output_shape());
  return DispatchNumeric(ctx, x.dtype(), [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    TB_ASSIGN_OR_RETURN(tf::Tensor out, ctx.Allocate(x.dtype(), out_shape));
    const T* px = x.flat<T>().data();
    const T* py = y.flat<T>().data();
    T* po = out.flat<T>().data();
    if (m * n > 0) {
      for (size_t i = 0; i < ox.size(); ++i) {
        Gemm<T>(px + ox[i] * m * k, py + oy[i] * k * n, po + i * m * n, m, k, n, adj_x, adj_y);
      }
    }
    ctx.set_output(0, std::move(out));
    return absl::OkStatus();
  });
}

}  // namespace

TB_REGISTER_KERNEL("MatMul", MatMul);
TB_REGISTER_KERNEL("BatchMatMulV2", BatchMatMulV2);

}  // namespace tb::runtime
