// Credal MDP sweeps on the GPU (SPEC §10, host/mdp.c): one thread per (problem, state), a
// problem being a policy's evaluation (nature minimising, or cooperating) or the robust optimum,
// all of them reading the one model that the batch shares.
//
// Every thread does what host/mdp.c does for its state, operation for operation, so that the
// GPU finds the reference's values to the last bit: this file is compiled with --fmad=false
// (CMakeLists.txt), each choice's successors are put in the reference's order (value, then
// index) afresh, and the inner problems are host/mdp.c's loops. A choice of at most SMALL
// successors is sorted in registers (insertion sort, as the cpu backend's kept orders end up);
// a wider one is walked by selection (each step the next (value, index) in order, O(n^2)
// reads of the values, which stay in L1). Nothing depends on scheduling: a problem's residual is
// a maximum (taken with integer atomics on the bits of non-negative doubles, an order-free
// reduction) and every other output has one writer.
#include <cuda_runtime.h>
#include <stdint.h>

#include "credal_kernels.h"
#include "mdp_inner.h"

namespace {

using namespace credal_mdp_inner;

constexpr int THREADS = 128;
__device__ __forceinline__ double *values_of(const credal_kernel_mdp_batch &b, int64_t q, int side,
                                             int64_t S) {
  return b.values + (static_cast<int64_t>(side) * b.problems + q) * S;
}

// *target = max(*target, the block's largest x), x >= 0 and not NaN on every thread: a warp
// maximum, the warps' in shared memory, one atomic on the bits (which order non-negative
// doubles as their values do). The maximum does not depend on the order; every thread calls it.
__device__ void block_max_into(double x, double *largest, double *target) {
  for (int k = 16; k > 0; k /= 2) x = fmax(x, __shfl_xor_sync(0xffffffffu, x, k));
  if (threadIdx.x % 32 == 0) largest[threadIdx.x / 32] = x;
  __syncthreads();
  if (threadIdx.x == 0) {
    double most = largest[0];
    for (int w = 1; w < THREADS / 32; w++) most = fmax(most, largest[w]);
    atomicMax(reinterpret_cast<unsigned long long *>(target),
              static_cast<unsigned long long>(__double_as_longlong(most)));
  }
  __syncthreads();  // largest[] is reused
}

// One Jacobi sweep of every active problem: host/mdp.c's credal__mdp_sweep, a state a thread.
__global__ void __launch_bounds__(THREADS) sweep(credal_kernel_mdp m, credal_kernel_mdp_batch b) {
  const int64_t S = m.states;
  const int64_t s = static_cast<int64_t>(blockIdx.x) * THREADS + threadIdx.x;
  __shared__ double largest[THREADS / 32];
  for (int64_t q = blockIdx.y; q < b.problems; q += gridDim.y) {
    if (!b.active[q]) continue;  // the whole block skips together
    const int side = b.side[q];
    const double *v = values_of(b, q, side, S);
    double change = 0.0;
    if (s < S) {
      int32_t arg;
      const double x = state_value(m, b, q, s, v, &arg);
      if (b.policy[q] < 0 && b.optimal) {
        const int64_t row = b.horizon > 0 ? b.horizon - 1 - b.sweeps[q] : 0;
        b.optimal[row * S + s] = arg;
      }
      const double d = fabs(x - v[s]);
      change = d > 0.0 ? d : 0.0;  // host/mdp.c's fmax(residual, d) passes over a NaN d
      values_of(b, q, 1 - side, S)[s] = x;
    }
    block_max_into(change, largest, b.moved + q);
  }
}

// After a sweep, a thread per problem: the new values become current; the residual rule
// (discounted, infinite horizon) or the horizon decides whether the problem goes on.
__global__ void settle(credal_kernel_mdp_batch b, int mode, double stop, int64_t most) {
  const int64_t q = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (q >= b.problems || !b.active[q]) return;
  b.side[q] ^= 1;
  const int64_t n = ++b.sweeps[q];
  const double moved = b.moved[q];
  b.moved[q] = 0.0;
  if (mode == CREDAL_KERNEL_MDP_GAP) return;  // decide() rules on the pair and its residual
  b.residual[q] = moved;
  b.active[q] = mode == CREDAL_KERNEL_MDP_RESIDUAL ? !(moved < stop) && n < most : n < most;
}

// Interval iteration: problems 2i (from below) and 2i+1 (from above) are one pair. The largest
// gap between the bounds of each pair, a thread per (state, pair).
__global__ void __launch_bounds__(THREADS) gaps(credal_kernel_mdp_batch b, int64_t S) {
  const int64_t s = static_cast<int64_t>(blockIdx.x) * THREADS + threadIdx.x;
  __shared__ double largest[THREADS / 32];
  for (int64_t i = blockIdx.y; 2 * i < b.problems; i += gridDim.y) {
    if (!b.active[2 * i]) continue;
    double gap = 0.0;
    if (s < S) {
      const double d = values_of(b, 2 * i + 1, b.side[2 * i + 1], S)[s] -
                       values_of(b, 2 * i, b.side[2 * i], S)[s];
      gap = d > 0.0 ? d : 0.0;
    }
    block_max_into(gap, largest, b.moved + 2 * i);
  }
}

// host/mdp.c's interval_iteration, a thread per pair: stop within 2 epsilon, or when the gap
// has not shrunk by 1% in 100,000 sweeps; the gap is the pair's residual.
__global__ void decide(credal_kernel_mdp_batch b, double epsilon, int64_t most) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (2 * i >= b.problems || !b.active[2 * i]) return;
  const double gap = b.moved[2 * i];
  const int64_t n = b.sweeps[2 * i];
  b.moved[2 * i] = 0.0;
  if (n >= most) {  // host/mdp.c stops before measuring: the residual stays the last gap
    b.active[2 * i] = b.active[2 * i + 1] = 0;
    return;
  }
  b.residual[2 * i] = b.residual[2 * i + 1] = gap;
  bool go = !(gap <= 2.0 * epsilon);
  if (go && n % 100000 == 0) {
    if (gap > 0.99 * b.earlier[i])
      go = false;
    else
      b.earlier[i] = gap;
  }
  b.active[2 * i] = b.active[2 * i + 1] = go;
}

int grid_y(int64_t problems) {
  return static_cast<int>(problems < 65535 ? problems : 65535);
}

}  // namespace

extern "C" int credal_mdp_sweep(const credal_kernel_mdp *m, const credal_kernel_mdp_batch *b,
                                void *stream) {
  if (b->problems <= 0) return 0;
  const dim3 grid(static_cast<unsigned>((m->states + THREADS - 1) / THREADS), grid_y(b->problems));
  sweep<<<grid, THREADS, 0, static_cast<cudaStream_t>(stream)>>>(*m, *b);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int credal_mdp_settle(const credal_kernel_mdp_batch *b, int mode, double stop,
                                 int64_t most, void *stream) {
  if (b->problems <= 0) return 0;
  const unsigned blocks = static_cast<unsigned>((b->problems + 255) / 256);
  settle<<<blocks, 256, 0, static_cast<cudaStream_t>(stream)>>>(*b, mode, stop, most);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int credal_mdp_close_gaps(const credal_kernel_mdp_batch *b, int64_t states,
                                     double epsilon, int64_t most, void *stream) {
  const int64_t pairs = b->problems / 2;
  if (pairs <= 0) return 0;
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  const dim3 grid(static_cast<unsigned>((states + THREADS - 1) / THREADS), grid_y(pairs));
  gaps<<<grid, THREADS, 0, st>>>(*b, states);
  decide<<<static_cast<unsigned>((pairs + 255) / 256), 256, 0, st>>>(*b, epsilon, most);
  return static_cast<int>(cudaGetLastError());
}
