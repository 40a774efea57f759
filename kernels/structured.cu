// Structured credal sets on the GPU: one thread per (hypothesis, policy), each a greedy pass of
// host/structured.h over the policy's utility order (sorted once on the host, shared by every
// hypothesis). Threads of a warp take consecutive hypotheses of one policy, so the order and
// the utility row are read once per warp (broadcast) while each thread reads its own rows.
#include <cuda_runtime.h>
#include <stdint.h>

#include "../host/structured.h"
#include "credal_kernels.h"

namespace {

constexpr int THREADS = 256;

__global__ void __launch_bounds__(THREADS)
    structured_values(int family, int64_t count, int64_t P, int64_t d, const int64_t *offsets,
                      const double *rows, const double *scalars, const double *utility,
                      const int32_t *orders, double *lower, int32_t *argmin, double *upper,
                      int32_t *argmax, int round_f32) {
  const int64_t total = count * P;
  for (int64_t i = blockIdx.x * (int64_t)THREADS + threadIdx.x; i < total;
       i += (int64_t)gridDim.x * THREADS) {
    const int64_t p = i / count, h = i % count;
    const int64_t r0 = offsets[h], n = offsets[h + 1] - r0;
    const double *x = rows + r0 * d, *sc = scalars ? scalars + r0 : nullptr;
    const double *u = utility + p * d;
    const int32_t *order = orders + p * d;
    const int64_t at = h * P + p;
    // --precision f32: the value the output stores, for the regret stage too
    const double lo = credal_structured_value(family, x, sc, n, u, d, order, 0);
    lower[at] = round_f32 ? (double)(float)lo : lo;
    argmin[at] = -1;
    if (upper) {
      const double hi = credal_structured_value(family, x, sc, n, u, d, order, 1);
      upper[at] = round_f32 ? (double)(float)hi : hi;
      argmax[at] = -1;
    }
  }
}

}  // namespace

extern "C" int credal_structured_lower(const credal_kernel_batch *b, int family,
                                       const int32_t *orders, int round_f32, void *stream) {
  const int64_t total = b->count * b->policies;
  if (total == 0) return 0;
  int64_t blocks = (total + THREADS - 1) / THREADS;
  if (blocks > 65536) blocks = 65536;  // grid-stride beyond
  structured_values<<<(unsigned)blocks, THREADS, 0, (cudaStream_t)stream>>>(
      family, b->count, b->policies, b->dim, b->offsets, (const double *)b->points,
      (const double *)b->constants, (const double *)b->utility, orders, b->lower, b->argmin,
      b->upper, b->argmax, round_f32);
  return (int)cudaGetLastError();
}
