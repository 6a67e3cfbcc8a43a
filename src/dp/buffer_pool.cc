#include "dp/buffer_pool.h"

#include <algorithm>
#include <mutex>

namespace tb::dp {
namespace {

constexpr size_t kSmallestPooledBytes = size_t{1} << 18;  // below this malloc reuses memory well by itself
constexpr size_t kBudgetBytes = size_t{48} << 20;         // per element type; about two keras-sized evaluations
constexpr size_t kMaxBuffers = 6;

template <class T>
class Pool {
 public:
  std::vector<T> Take(size_t n, Fill fill) {
    std::vector<T> out;
    if (n * sizeof(T) >= kSmallestPooledBytes) {
      std::lock_guard<std::mutex> lock(mu_);
      // The smallest buffer that fits, so large buffers stay for large requests.
      auto best = buffers_.end();
      for (auto it = buffers_.begin(); it != buffers_.end(); ++it) {
        if (it->capacity() >= n && (best == buffers_.end() || it->capacity() < best->capacity())) best = it;
      }
      if (best != buffers_.end()) {
        out.swap(*best);
        buffers_.erase(best);
      }
    }
    if (fill == Fill::kZeros) {
      out.assign(n, T());
    } else {
      out.resize(n);  // only elements beyond the buffer's old size are initialized
    }
    return out;
  }

  void Return(std::vector<T>& buffer) {
    std::vector<T> kept;
    kept.swap(buffer);
    if (kept.capacity() * sizeof(T) < kSmallestPooledBytes || kept.capacity() * sizeof(T) > kBudgetBytes) return;
    std::vector<std::vector<T>> dropped;  // freed outside the lock
    std::lock_guard<std::mutex> lock(mu_);
    buffers_.push_back(std::move(kept));
    while (buffers_.size() > kMaxBuffers || BytesLocked() > kBudgetBytes) {
      auto smallest = std::min_element(buffers_.begin(), buffers_.end(),
                                       [](const auto& a, const auto& b) { return a.capacity() < b.capacity(); });
      dropped.push_back(std::move(*smallest));
      buffers_.erase(smallest);
    }
  }

  size_t Bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return BytesLocked();
  }

 private:
  size_t BytesLocked() const {
    size_t total = 0;
    for (const auto& b : buffers_) total += b.capacity() * sizeof(T);
    return total;
  }

  std::mutex mu_;
  std::vector<std::vector<T>> buffers_;
};

Pool<double>& DoublePool() {
  static Pool<double>* pool = new Pool<double>;  // never destroyed: threads may return buffers during exit
  return *pool;
}
Pool<std::complex<double>>& ComplexPool() {
  static Pool<std::complex<double>>* pool = new Pool<std::complex<double>>;
  return *pool;
}

}  // namespace

std::vector<double> TakeDoubles(size_t n, Fill fill) { return DoublePool().Take(n, fill); }
std::vector<std::complex<double>> TakeComplexes(size_t n, Fill fill) { return ComplexPool().Take(n, fill); }
void ReturnDoubles(std::vector<double>& buffer) { DoublePool().Return(buffer); }
void ReturnComplexes(std::vector<std::complex<double>>& buffer) { ComplexPool().Return(buffer); }
size_t PooledBytes() { return DoublePool().Bytes() + ComplexPool().Bytes(); }

}  // namespace tb::dp
