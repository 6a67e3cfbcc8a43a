// Megabyte work buffers kept between accounting calls. One ε evaluation fills several arrays of up to millions of
// doubles (the per-round PMF, the spectrum, the composed PMF); a calibration makes a dozen evaluations and the
// server many calibrations. Freshly mapped pages cost ~3 µs each to fault in on the machines this runs on (a fifth
// of an ε evaluation), and glibc returns freed megabytes to the kernel, so the next evaluation faults them in
// again. The pool keeps a few buffers, process-wide, within a byte budget.
#ifndef TASKBUILDER_DP_BUFFER_POOL_H_
#define TASKBUILDER_DP_BUFFER_POOL_H_

#include <complex>
#include <cstddef>
#include <vector>

namespace tb::dp {

// A vector of n elements, reusing a pooled buffer when one is large enough; small requests (below the size worth
// pooling) are plain allocations. kZeros zero-fills it; kAny leaves whatever values a reused buffer held, for
// callers that overwrite every element (zero-filling megabytes is a pass over memory of its own).
enum class Fill { kZeros, kAny };
std::vector<double> TakeDoubles(size_t n, Fill fill = Fill::kZeros);
std::vector<std::complex<double>> TakeComplexes(size_t n, Fill fill = Fill::kZeros);

// Gives a buffer's storage back to the pool (the vector is left empty). The pool keeps at most a few buffers and
// a fixed number of bytes per element type, dropping its smallest buffers first.
void ReturnDoubles(std::vector<double>& buffer);
void ReturnComplexes(std::vector<std::complex<double>>& buffer);

// Bytes the pool holds (tests).
size_t PooledBytes();

}  // namespace tb::dp

#endif  // TASKBUILDER_DP_BUFFER_POOL_H_
