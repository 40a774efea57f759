// The decision rules' pairs on the GPU (SPEC §9, host/rules.h): from the value matrix
// v[k, p] = <x_k, u_p> of a chunk of generator hypotheses (cuBLAS), per hypothesis h
//
//   lower_h(u_q - u_p) = min_{k in h} (v[k, q] - v[k, p])     for every pair (q, p),
//
// reduced on the device to what the host needs: whether some q dominates p (maximality), the
// minimum over the chunk's hypotheses (the class accumulator), and, per policy, the within-set
// regret max_k (max_q v[k, q] - v[k, p]) and whether p is optimal (within tau) at a generator.
// Every reduction is a min, a max or an OR, exact and independent of order: the results do not
// depend on scheduling.
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "credal_kernels.h"

namespace {

constexpr int TILE = 64;         // (q, p) pairs per block side
constexpr int THREADS_SIDE = 16;  // 16 x 16 threads, 4 x 4 pairs each
constexpr int PER_THREAD = TILE / THREADS_SIDE;
constexpr int DEPTH = 16;        // generator rows staged in shared memory at a time

// M[k] = max_q v[k, q]: one warp per row.
__global__ void row_max(const double *v, int64_t rows, int64_t P, double *m) {
  const int64_t k = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (k >= rows) return;
  double best = -INFINITY;
  for (int64_t q = lane; q < P; q += 32) best = fmax(best, v[k * P + q]);
  for (int off = 16; off > 0; off /= 2) best = fmax(best, __shfl_xor_sync(0xffffffffu, best, off));
  if (lane == 0) m[k] = best;
}

// One thread per (hypothesis, policy): the within-set regret max_k (M[k] - v[k, p]) and whether
// p is optimal within tau at one of the hypothesis's generators.
__global__ void per_policy(const double *v, const double *m, const int64_t *offsets,
                           int64_t count, int64_t P, const double *tau, double *regret_max,
                           uint8_t *optimal) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= P) return;
  for (int64_t h = blockIdx.y; h < count; h += gridDim.y) {  // grid.y is at most 65,535
    double worst = -INFINITY;
    uint8_t opt = 0;
    for (int64_t k = offsets[h]; k < offsets[h + 1]; k++) {
      const double x = v[k * P + p];
      worst = fmax(worst, m[k] - x);
      opt |= x >= m[k] - tau[h];
    }
    regret_max[h * P + p] = worst;
    optimal[h * P + p] = opt;
  }
}

// A 64 x 64 tile of pairs (q rows, p columns) over the hypotheses [h_begin, h_end) of this
// block's slice: each hypothesis's minima over its generators, staged DEPTH rows at a time
// (rows past the hypothesis pad q with +inf, so they never win a minimum); then the
// domination test of the maximality rule, and the slice's minimum per pair.
__global__ void __launch_bounds__(THREADS_SIDE *THREADS_SIDE)
    pair_tiles(const double *v, const int64_t *offsets, int64_t count, int64_t P,
               const double *lower, const double *upper, const double *tau,
               const uint8_t *open, unsigned *dominated, double *slice_min) {
  __shared__ double vq[DEPTH][TILE], vp[DEPTH][TILE];
  const int tx = threadIdx.x, ty = threadIdx.y, t = ty * THREADS_SIDE + tx;
  const int64_t q0 = static_cast<int64_t>(blockIdx.y) * TILE, p0 = static_cast<int64_t>(blockIdx.x) * TILE;
  const int64_t slices = gridDim.z, z = blockIdx.z;
  const int64_t h_begin = count * z / slices, h_end = count * (z + 1) / slices;
  double run_min[PER_THREAD][PER_THREAD];
  for (int i = 0; i < PER_THREAD; i++)
    for (int j = 0; j < PER_THREAD; j++) run_min[i][j] = INFINITY;
  for (int64_t h = h_begin; h < h_end; h++) {
    double mn[PER_THREAD][PER_THREAD];
    for (int i = 0; i < PER_THREAD; i++)
      for (int j = 0; j < PER_THREAD; j++) mn[i][j] = INFINITY;
    const int64_t k_begin = offsets[h], k_end = offsets[h + 1];
    for (int64_t k0 = k_begin; k0 < k_end; k0 += DEPTH) {
      // DEPTH x TILE values of each side, 4 per thread
      for (int e = t; e < DEPTH * TILE; e += THREADS_SIDE * THREADS_SIDE) {
        const int r = e / TILE, c = e % TILE;
        const int64_t k = k0 + r, q = q0 + c, p = p0 + c;
        const bool row = k < k_end;
        vq[r][c] = row && q < P ? v[k * P + q] : INFINITY;
        vp[r][c] = row && p < P ? v[k * P + p] : 0.0;
      }
      __syncthreads();
      for (int r = 0; r < DEPTH; r++) {
        double a[PER_THREAD], b[PER_THREAD];
        for (int i = 0; i < PER_THREAD; i++) a[i] = vq[r][ty * PER_THREAD + i];
        for (int j = 0; j < PER_THREAD; j++) b[j] = vp[r][tx * PER_THREAD + j];
        for (int i = 0; i < PER_THREAD; i++)
          for (int j = 0; j < PER_THREAD; j++) mn[i][j] = fmin(mn[i][j], a[i] - b[j]);
      }
      __syncthreads();
    }
    const double th = tau[h];
    const double *lo = lower + h * P, *up = upper + h * P;
    for (int i = 0; i < PER_THREAD; i++) {
      const int64_t q = q0 + ty * PER_THREAD + i;
      if (q >= P) continue;
      for (int j = 0; j < PER_THREAD; j++) {
        const int64_t p = p0 + tx * PER_THREAD + j;
        if (p >= P || p == q) continue;
        const double pl = mn[i][j];
        run_min[i][j] = fmin(run_min[i][j], pl);
        // as host/rules.c: a pair the interval bound leaves open, whose value beats tau
        const double bound = fmin(up[q] - up[p], lo[q] - lo[p]);
        if (open[h * P + p] && bound > th && pl > th) atomicOr(&dominated[h * P + p], 1u);
      }
    }
  }
  for (int i = 0; i < PER_THREAD; i++) {
    const int64_t q = q0 + ty * PER_THREAD + i;
    if (q >= P) continue;
    for (int j = 0; j < PER_THREAD; j++) {
      const int64_t p = p0 + tx * PER_THREAD + j;
      if (p < P) slice_min[(z * P + q) * P + p] = run_min[i][j];
    }
  }
}

// pair_min[a] = min over the slices; dominated (uint32) to bytes.
__global__ void finish_pairs(const double *slice_min, int64_t slices, int64_t P, double *pair_min,
                             const unsigned *dominated, uint8_t *dominated_bytes, int64_t n_dom) {
  const int64_t a = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (a < P * P) {
    double m = INFINITY;
    for (int64_t z = 0; z < slices; z++) m = fmin(m, slice_min[z * P * P + a]);
    pair_min[a] = m;
  }
  for (int64_t i = a; i < n_dom; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dominated_bytes[i] = dominated[i] != 0;
}

}  // namespace

extern "C" {

int64_t credal_pairs_slices(int64_t count, int64_t policies) {
  const int64_t tiles = (policies + TILE - 1) / TILE;
  int64_t slices = (1024 + tiles * tiles - 1) / (tiles * tiles);  // about 1,024 blocks in all
  if (slices > count) slices = count;
  return slices > 0 ? slices : 1;
}

size_t credal_pairs_workspace_bytes(int64_t count, int64_t rows, int64_t policies) {
  const size_t P = static_cast<size_t>(policies), n = static_cast<size_t>(count) * P;
  return static_cast<size_t>(rows) * 8 + n * 4 +
         static_cast<size_t>(credal_pairs_slices(count, policies)) * P * P * 8 + 256 * 3;
}

int credal_rules_pairs(const credal_kernel_pairs *k, void *workspace, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const int64_t P = k->policies, count = k->count, slices = credal_pairs_slices(count, P);
  char *w = static_cast<char *>(workspace);
  double *m = reinterpret_cast<double *>(w);
  w += (static_cast<size_t>(k->rows) * 8 + 255) / 256 * 256;
  unsigned *dominated = reinterpret_cast<unsigned *>(w);
  w += (static_cast<size_t>(count * P) * 4 + 255) / 256 * 256;
  double *slice_min = reinterpret_cast<double *>(w);
  cudaError_t e = cudaMemsetAsync(dominated, 0, static_cast<size_t>(count * P) * 4, s);
  if (e != cudaSuccess) return static_cast<int>(e);
  if (count == 0) return 0;
  row_max<<<static_cast<unsigned>((k->rows * 32 + 255) / 256), 256, 0, s>>>(k->values, k->rows,
                                                                           P, m);
  const unsigned ys = static_cast<unsigned>(count < 65535 ? count : 65535);
  per_policy<<<dim3(static_cast<unsigned>((P + 127) / 128), ys), 128, 0, s>>>(
      k->values, m, k->offsets, count, P, k->tau, k->regret_max, k->optimal);
  const unsigned tiles = static_cast<unsigned>((P + TILE - 1) / TILE);
  pair_tiles<<<dim3(tiles, tiles, static_cast<unsigned>(slices)), dim3(THREADS_SIDE, THREADS_SIDE),
               0, s>>>(k->values, k->offsets, count, P, k->lower, k->upper, k->tau, k->open,
                       dominated, slice_min);
  const int64_t n = P * P > count * P ? P * P : count * P;
  finish_pairs<<<static_cast<unsigned>((n + 255) / 256), 256, 0, s>>>(
      slice_min, slices, P, k->pair_min, dominated, k->dominated, count * P);
  return static_cast<int>(cudaGetLastError());
}

}  // extern "C"
