// Lower (and upper) expectations of a chunk on the GPU: the fused tile kernel, the merge of
// hypotheses that cross tiles, and the reduction that follows a cuBLAS GEMM.
// Shapes: points (rows, d), utility (P, d), offsets (count+1,), outputs (count, P) float64.
#include <cuda_runtime.h>
#include <mma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../host/credal_math.h"
#include "credal_kernels.h"

namespace {

// Tile shapes, chosen by the number of policies and the precision (measured on an H100:
// docs/gpu.md):
//  - Narrow (P <= 16): 128 rows x 16 policies, 128 threads of 8 x 2; memory-bound, so the tile
//    spends no loads or FMAs on policies that do not exist.
//  - Wide (P > 16, float32, or float64 before sm_80): 64 rows x 64 policies, 64 threads, each an
//    8 x 8 register tile, so a step of the inner product reads 16 operands for 64 FMAs.
//  - Dmma (P > 16, float64, sm_80 on): Wide on the FP64 tensor cores, below.
// The SIMT tiles accumulate every inner product over k = 0..d-1 in order, one FMA at a time;
// the tensor cores in their own fixed order. Either way a value depends only on its row, its
// policy and the card, never on the tile or the launch.
// A thread's rows and policies are strided (ty + 8i, tx + 8j), which keeps a warp's reads of
// shared memory free of bank conflicts. Tile row counts are multiples of CREDAL_FUSED_ROWS,
// which sizes the workspace (at most one partial per 64 rows and policy).
constexpr int BK = 16;  // coordinates per step of the inner product
constexpr int NARROW_MAX_POLICIES = 16;

template <int BM_, int BN_, int TM_, int TN_>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, TM = TM_, TN = TN_;
  static constexpr int ROW_THREADS = BM / TM, COL_THREADS = BN / TN;
  static constexpr int THREADS = ROW_THREADS * COL_THREADS;
  static_assert(BM % CREDAL_FUSED_ROWS == 0, "the workspace is sized for 64-row tiles");
  static_assert(THREADS % BN == 0, "phase 2 gives every policy column the same thread count");
  static_assert((BM * BK) % THREADS == 0 && (BN * BK) % THREADS == 0, "whole load rounds");
};
using Wide = Tile<64, 64, 8, 8>;
using Narrow = Tile<128, NARROW_MAX_POLICIES, 8, 2>;

// A running extreme: value and index within its hypothesis.
struct Extreme {
  double value;
  int32_t index;
};

// The (value, index) order of SPEC §1: a strictly better value wins, so among equal values the
// earlier (lower) index stays; a NaN wins and stays. Candidates must arrive in index order.
__device__ __forceinline__ void take_min(Extreme &e, double v, int32_t k) {
  if (e.index < 0 || credal_improves_min(v, e.value)) e.value = v, e.index = k;
}
__device__ __forceinline__ void take_max(Extreme &e, double v, int32_t k) {
  if (e.index < 0 || credal_improves_max(v, e.value)) e.value = v, e.index = k;
}

// Largest h with offsets[h] <= row (offsets strictly increasing, offsets[0] = 0).
__device__ int64_t hypothesis_of(const int64_t *offsets, int64_t count, int64_t row) {
  int64_t lo = 0, hi = count - 1;
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (offsets[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Workspace: for every tile and policy, the extremes of the hypothesis that enters the tile
// from before (head) and of the one that leaves it (tail); with `upper`, the same for maxima.
struct Partials {
  Extreme *head_min, *tail_min, *head_max, *tail_max;
};

__host__ __device__ inline Partials partials_of(void *workspace, int64_t tiles, int64_t P,
                                                bool upper) {
  Extreme *base = static_cast<Extreme *>(workspace);
  const int64_t n = tiles * P;
  Partials p{base, base + n, upper ? base + 2 * n : nullptr, upper ? base + 3 * n : nullptr};
  return p;
}

// Hypothesis h's extremes over its segment of tile `tile` for policy p: its result when the
// segment is all of it, else the (head, tail) partials merge_partials joins.
template <bool UPPER>
__device__ __forceinline__ void put_segment(const credal_kernel_batch &b, const Partials &part,
                                            int64_t tile, int64_t p, int64_t h, Extreme lo,
                                            Extreme hi, bool enters, bool leaves) {
  const int64_t P = b.policies;
  if (!enters && !leaves) {
    b.lower[h * P + p] = lo.value, b.argmin[h * P + p] = lo.index;
    if (UPPER) b.upper[h * P + p] = hi.value, b.argmax[h * P + p] = hi.index;
  }
  if (enters) {
    part.head_min[tile * P + p] = lo;
    if (UPPER) part.head_max[tile * P + p] = hi;
  }
  if (leaves) {
    part.tail_min[tile * P + p] = lo;
    if (UPPER) part.tail_max[tile * P + p] = hi;
  }
}

// Phase 2 of a tile: V (BM rows of the tile, stride v_stride) holds v = <x, u> + b; each
// hypothesis segment in the tile is scanned in row order, THREADS / BN threads per policy
// column taking every (THREADS / BN)-th segment. Hypotheses inside the tile are written out;
// those that cross a tile edge leave (head, tail) partials for merge_partials.
template <bool UPPER, int BM, int BN, int THREADS, typename T>
__device__ __forceinline__ void scan_segments(const credal_kernel_batch &b, const Partials &part,
                                              const T *V, int v_stride, int64_t tile, int64_t p0,
                                              int64_t first_h) {
  const int64_t P = b.policies, r0 = tile * BM;
  const int64_t r_end = r0 + BM < b.rows ? r0 + BM : b.rows;  // rows of this tile
  const int col = threadIdx.x % BN;
  const int64_t p = p0 + col;
  if (p >= P) return;
  for (int64_t h = first_h + threadIdx.x / BN; h < b.count; h += THREADS / BN) {
    const int64_t h_begin = b.offsets[h], h_end = b.offsets[h + 1];
    if (h_begin >= r_end) break;
    const int64_t s_begin = h_begin > r0 ? h_begin : r0;
    const int64_t s_end = h_end < r_end ? h_end : r_end;
    Extreme lo{0.0, -1}, hi{0.0, -1};
    for (int64_t r = s_begin; r < s_end; r++) {
      const double v = static_cast<double>(V[(r - r0) * v_stride + col]);
      const int32_t k = static_cast<int32_t>(r - h_begin);
      take_min(lo, v, k);
      if (UPPER) take_max(hi, v, k);
    }
    put_segment<UPPER>(b, part, tile, p, h, lo, hi, h_begin < r0, h_end > r_end);
  }
}

template <typename T, bool UPPER, typename S>
__global__ void __launch_bounds__(S::THREADS) fused_tile(credal_kernel_batch b, Partials part) {
  constexpr int BM = S::BM, BN = S::BN, TM = S::TM, TN = S::TN, THREADS = S::THREADS;
  const T *X = static_cast<const T *>(b.points);
  const T *U = static_cast<const T *>(b.utility);
  const T *B = static_cast<const T *>(b.constants);
  const int64_t d = b.dim, P = b.policies, rows = b.rows;
  const int64_t tile = blockIdx.y + static_cast<int64_t>(blockIdx.z) * gridDim.y;
  if (tile * BM >= rows) return;  // the last z layer's spare blocks
  const int64_t r0 = tile * BM, p0 = static_cast<int64_t>(blockIdx.x) * BN;
  const int tx = threadIdx.x % S::COL_THREADS, ty = threadIdx.x / S::COL_THREADS;

  // Phase 1 uses Xs and Us (transposed, padded by one so that the transposing stores spread
  // over the banks); phase 2 reuses the same memory for the value tile V.
  constexpr int V_STRIDE = BN + 1;
  constexpr size_t XS = BK * (BM + 1) * sizeof(T), US = BK * (BN + 1) * sizeof(T);
  constexpr size_t PHASE2 = BM * V_STRIDE * sizeof(T);
  __shared__ __align__(16) unsigned char smem[XS + US > PHASE2 ? XS + US : PHASE2];
  T (*Xs)[BM + 1] = reinterpret_cast<T (*)[BM + 1]>(smem);
  T (*Us)[BN + 1] = reinterpret_cast<T (*)[BN + 1]>(smem + XS);
  T (*V)[V_STRIDE] = reinterpret_cast<T (*)[V_STRIDE]>(smem);
  __shared__ int64_t first_h;

  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int j = 0; j < TN; j++) acc[i][j] = T(0);

  for (int64_t k0 = 0; k0 < d; k0 += BK) {
    // Load the (BM, BK) slice of X and the (BN, BK) slice of U, transposed, zero-padded.
#pragma unroll 8  // fully unrolled, the 64 x 64 float64 tile spills
    for (int it = 0; it < BM * BK / THREADS; it++) {
      const int e = threadIdx.x + it * THREADS, r = e / BK, kk = e % BK;
      const int64_t gr = r0 + r, gk = k0 + kk;
      Xs[kk][r] = (gr < rows && gk < d) ? X[gr * d + gk] : T(0);
    }
#pragma unroll 8
    for (int it = 0; it < BN * BK / THREADS; it++) {
      const int e = threadIdx.x + it * THREADS, c = e / BK, kk = e % BK;
      const int64_t gp = p0 + c, gk = k0 + kk;
      Us[kk][c] = (gp < P && gk < d) ? U[gp * d + gk] : T(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk++) {
      T a[TM], c[TN];
#pragma unroll
      for (int i = 0; i < TM; i++) a[i] = Xs[kk][ty + i * S::ROW_THREADS];
#pragma unroll
      for (int j = 0; j < TN; j++) c[j] = Us[kk][tx + j * S::COL_THREADS];
#pragma unroll
      for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] += a[i] * c[j];
    }
    __syncthreads();
  }

  // v = <x, u> + b into the value tile.
#pragma unroll
  for (int i = 0; i < TM; i++) {
    const int r = ty + i * S::ROW_THREADS;
    const int64_t gr = r0 + r;
    const T bias = (B && gr < rows) ? B[gr] : T(0);
#pragma unroll
    for (int j = 0; j < TN; j++) V[r][tx + j * S::COL_THREADS] = acc[i][j] + bias;
  }
  if (threadIdx.x == 0) first_h = hypothesis_of(b.offsets, b.count, r0);
  __syncthreads();

  scan_segments<UPPER, BM, BN, THREADS>(b, part, &V[0][0], V_STRIDE, tile, p0, first_h);
}

// Wide tiles in float64 on sm_80 and later: the FP64 tensor cores (DMMA, 8 x 8 x 4 fragments),
// 64 x 64 tiles, four warps of 32 x 32. The value tile and phase 2 are the SIMT kernel's.
struct Dmma {
  static constexpr int BM = 64, BN = 64, THREADS = 128, WARP_TILE = 32;
  static constexpr int LD = BM + 2;  // fragment loads need even strides and 32-byte alignment
  static_assert(LD % 2 == 0 && (4 * LD * sizeof(double)) % 32 == 0, "fragment alignment");
  static_assert(BM % CREDAL_FUSED_ROWS == 0, "the workspace is sized for 64-row tiles");
  static_assert(2 * WARP_TILE == BM && 2 * WARP_TILE == BN && THREADS == 4 * 32,
                "four warps, each a 32 x 32 quarter of the tile");
};

template <bool UPPER>
__global__ void __launch_bounds__(Dmma::THREADS) fused_tile_dmma(credal_kernel_batch b,
                                                                 Partials part) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  namespace wmma = nvcuda::wmma;
  constexpr int BM = Dmma::BM, BN = Dmma::BN, LD = Dmma::LD, THREADS = Dmma::THREADS;
  constexpr int FRAGS = Dmma::WARP_TILE / 8;  // 8 x 8 fragments per warp tile side
  const double *X = static_cast<const double *>(b.points);
  const double *U = static_cast<const double *>(b.utility);
  const double *B = static_cast<const double *>(b.constants);
  const int64_t d = b.dim, P = b.policies, rows = b.rows;
  const int64_t tile = blockIdx.y + static_cast<int64_t>(blockIdx.z) * gridDim.y;
  if (tile * BM >= rows) return;  // the last z layer's spare blocks
  const int64_t r0 = tile * BM, p0 = static_cast<int64_t>(blockIdx.x) * BN;
  const int warp = threadIdx.x / 32;
  const int wr = (warp / 2) * Dmma::WARP_TILE, wc = (warp % 2) * Dmma::WARP_TILE;

  // Xs[k][r] = X[r0 + r][k0 + k] is A (rows x k) in column-major order, Us[k][c] = U[p0 + c][k]
  // is B (k x policies) in row-major order; V reuses the memory afterwards.
  constexpr size_t XS = BK * LD * sizeof(double), US = BK * LD * sizeof(double);
  constexpr size_t PHASE2 = BM * LD * sizeof(double);
  __shared__ __align__(128) unsigned char smem[XS + US > PHASE2 ? XS + US : PHASE2];
  double (*Xs)[LD] = reinterpret_cast<double (*)[LD]>(smem);
  double (*Us)[LD] = reinterpret_cast<double (*)[LD]>(smem + XS);
  double (*V)[LD] = reinterpret_cast<double (*)[LD]>(smem);
  __shared__ int64_t first_h;

  wmma::fragment<wmma::accumulator, 8, 8, 4, double> acc[FRAGS][FRAGS];
#pragma unroll
  for (int i = 0; i < FRAGS; i++)
#pragma unroll
    for (int j = 0; j < FRAGS; j++) wmma::fill_fragment(acc[i][j], 0.0);

  for (int64_t k0 = 0; k0 < d; k0 += BK) {
#pragma unroll
    for (int it = 0; it < BM * BK / THREADS; it++) {
      const int e = threadIdx.x + it * THREADS, r = e / BK, kk = e % BK;
      const int64_t gr = r0 + r, gk = k0 + kk;
      Xs[kk][r] = (gr < rows && gk < d) ? X[gr * d + gk] : 0.0;
      const int64_t gp = p0 + r;
      Us[kk][r] = (gp < P && gk < d) ? U[gp * d + gk] : 0.0;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk += 4) {
      wmma::fragment<wmma::matrix_a, 8, 8, 4, double, wmma::col_major> a[FRAGS];
      wmma::fragment<wmma::matrix_b, 8, 8, 4, double, wmma::row_major> c[FRAGS];
#pragma unroll
      for (int i = 0; i < FRAGS; i++) wmma::load_matrix_sync(a[i], &Xs[kk][wr + 8 * i], LD);
#pragma unroll
      for (int j = 0; j < FRAGS; j++) wmma::load_matrix_sync(c[j], &Us[kk][wc + 8 * j], LD);
#pragma unroll
      for (int i = 0; i < FRAGS; i++)
#pragma unroll
        for (int j = 0; j < FRAGS; j++) wmma::mma_sync(acc[i][j], a[i], c[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < FRAGS; i++)
#pragma unroll
    for (int j = 0; j < FRAGS; j++)
      wmma::store_matrix_sync(&V[wr + 8 * i][wc + 8 * j], acc[i][j], LD, wmma::mem_row_major);
  if (threadIdx.x == 0) first_h = hypothesis_of(b.offsets, b.count, r0);
  __syncthreads();
  if (B) {  // v = <x, u> + b, rounded as the SIMT kernel rounds it
    for (int e = threadIdx.x; e < BM * BN; e += THREADS) {
      const int r = e / BN, c = e % BN;
      if (r0 + r < rows) V[r][c] += B[r0 + r];
    }
    __syncthreads();
  }
  scan_segments<UPPER, BM, BN, THREADS>(b, part, &V[0][0], LD, tile, p0, first_h);
#endif
}

// One thread per (hypothesis, policy) of the hypotheses that cross tiles: the tail of the first
// tile, then the heads of the following ones, in row order.
template <bool UPPER>
__global__ void merge_partials(credal_kernel_batch b, Partials part, int64_t BM) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t h = blockIdx.y + static_cast<int64_t>(blockIdx.z) * gridDim.y;
  if (p >= b.policies || h >= b.count) return;
  const int64_t P = b.policies;
  const int64_t t_first = b.offsets[h] / BM, t_last = (b.offsets[h + 1] - 1) / BM;
  if (t_first == t_last) return;  // written by fused_tile
  Extreme lo = part.tail_min[t_first * P + p];
  Extreme hi = UPPER ? part.tail_max[t_first * P + p] : Extreme{0.0, -1};
  for (int64_t t = t_first + 1; t <= t_last; t++) {
    const Extreme a = part.head_min[t * P + p];
    if (credal_improves_min(a.value, lo.value)) lo = a;
    if (UPPER) {
      const Extreme c = part.head_max[t * P + p];
      if (credal_improves_max(c.value, hi.value)) hi = c;
    }
  }
  b.lower[h * P + p] = lo.value, b.argmin[h * P + p] = lo.index;
  if (UPPER) b.upper[h * P + p] = hi.value, b.argmax[h * P + p] = hi.index;
}

// After a GEMM: values (rows, P) hold <x_r, u_p>; one thread per (hypothesis, policy).
template <typename T, bool UPPER>
__global__ void segmented_extremes(credal_kernel_batch b, const T *values) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t h = blockIdx.y + static_cast<int64_t>(blockIdx.z) * gridDim.y;
  if (p >= b.policies || h >= b.count) return;
  const int64_t P = b.policies;
  const T *B = static_cast<const T *>(b.constants);
  const int64_t h_begin = b.offsets[h], h_end = b.offsets[h + 1];
  Extreme lo{0.0, -1}, hi{0.0, -1};
  for (int64_t r = h_begin; r < h_end; r++) {
    const T v = values[r * P + p] + (B ? B[r] : T(0));
    const int32_t k = static_cast<int32_t>(r - h_begin);
    take_min(lo, static_cast<double>(v), k);
    if (UPPER) take_max(hi, static_cast<double>(v), k);
  }
  b.lower[h * P + p] = lo.value, b.argmin[h * P + p] = lo.index;
  if (UPPER) b.upper[h * P + p] = hi.value, b.argmax[h * P + p] = hi.index;
}

// After a GEMM, in parallel: the rows cut into tiles of SCAN_ROWS, one thread per (tile, policy)
// walking its tile's rows in order (a warp reads 32 policies of a row at once), each hypothesis's
// segment reduced as scan_segments does; hypotheses crossing a tile edge leave (head, tail)
// partials that merge_partials joins in tile order. A hypothesis of millions of rows is spread
// over thousands of threads instead of one per policy (segmented_extremes). The (value, index)
// order is total, so the result is the serial scan's to the bit.
constexpr int SCAN_ROWS = 512;
constexpr int SCAN_POLICIES = 32;  // threads per block, along the policies

template <typename T, bool UPPER>
__global__ void scan_tiles(credal_kernel_batch b, const T *values, Partials part) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * SCAN_POLICIES + threadIdx.x;
  const int64_t tile = blockIdx.y + static_cast<int64_t>(blockIdx.z) * gridDim.y;
  const int64_t P = b.policies, r0 = tile * SCAN_ROWS;
  if (p >= P || r0 >= b.rows) return;
  const int64_t r_end = r0 + SCAN_ROWS < b.rows ? r0 + SCAN_ROWS : b.rows;
  const T *B = static_cast<const T *>(b.constants);
  int64_t h = hypothesis_of(b.offsets, b.count, r0);
  int64_t r = r0;
  while (r < r_end) {
    const int64_t h_begin = b.offsets[h], h_end = b.offsets[h + 1];
    const int64_t s_end = h_end < r_end ? h_end : r_end;
    Extreme lo{0.0, -1}, hi{0.0, -1};
    for (; r < s_end; r++) {
      const T v = values[r * P + p] + (B ? B[r] : T(0));
      const int32_t k = static_cast<int32_t>(r - h_begin);
      take_min(lo, static_cast<double>(v), k);
      if (UPPER) take_max(hi, static_cast<double>(v), k);
    }
    put_segment<UPPER>(b, part, tile, p, h, lo, hi, h_begin < r0, h_end > r_end);
    h++;
  }
}

// CREDAL_GPU_SCAN=tiles takes scan_tiles; the serial segmented_extremes stays the default until
// scan_tiles has passed check_gpu on a card (scripts/gpu-check.sh runs both).
bool use_scan_tiles() {
  static const char *scan = getenv("CREDAL_GPU_SCAN");
  return scan && !strcmp(scan, "tiles");
}

__global__ void rebase(const int64_t *in, int64_t *out, int64_t n) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i] - in[0];
}

__global__ void to_f32(const double *in, float *out, int64_t n) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = static_cast<float>(in[i]);
}

// A (policy-block, hypothesis) grid whose hypothesis axis may exceed 65535 (y, then z).
dim3 per_hypothesis_grid(int64_t count, int64_t policies, int threads) {
  const int64_t y = count < 65535 ? count : 65535;
  return dim3(static_cast<unsigned>((policies + threads - 1) / threads),
              static_cast<unsigned>(y), static_cast<unsigned>((count + y - 1) / y));
}

template <typename T, typename S, bool UPPER>
void launch_tile(dim3 grid, const credal_kernel_batch *b, Partials part, cudaStream_t s) {
  fused_tile<T, UPPER, S><<<grid, S::THREADS, 0, s>>>(*b, part);
}
template <typename T, typename S>
struct Launch {
  static void tile(dim3 grid, const credal_kernel_batch *b, Partials part, cudaStream_t s) {
    if (b->upper) launch_tile<T, S, true>(grid, b, part, s);
    else launch_tile<T, S, false>(grid, b, part, s);
  }
};
template <>
struct Launch<double, Dmma> {
  static void tile(dim3 grid, const credal_kernel_batch *b, Partials part, cudaStream_t s) {
    if (b->upper) fused_tile_dmma<true><<<grid, Dmma::THREADS, 0, s>>>(*b, part);
    else fused_tile_dmma<false><<<grid, Dmma::THREADS, 0, s>>>(*b, part);
  }
};

template <typename T, typename S>
int fused_with(const credal_kernel_batch *b, void *workspace, cudaStream_t s) {
  const int64_t tiles = (b->rows + S::BM - 1) / S::BM;
  const bool upper = b->upper != nullptr;
  const Partials part = partials_of(workspace, tiles, b->policies, upper);
  const int64_t policy_tiles = (b->policies + S::BN - 1) / S::BN;
  if (tiles > 65535LL * 65535 || policy_tiles > 0x7fffffff) return cudaErrorInvalidConfiguration;
  // Policy tiles vary fastest: the blocks that run together share one tile of X (from L2), so X
  // streams from memory once, not once per policy tile.
  const int64_t y = tiles < 65535 ? tiles : 65535;
  const dim3 grid(static_cast<unsigned>(policy_tiles), static_cast<unsigned>(y),
                  static_cast<unsigned>((tiles + y - 1) / y));
  Launch<T, S>::tile(grid, b, part, s);
  const dim3 mgrid = per_hypothesis_grid(b->count, b->policies, 128);
  if (upper) merge_partials<true><<<mgrid, 128, 0, s>>>(*b, part, S::BM);
  else merge_partials<false><<<mgrid, 128, 0, s>>>(*b, part, S::BM);
  return static_cast<int>(cudaGetLastError());
}

// FP64 tensor cores from sm_80 (Ampere) on; the CREDAL_GPU_DMMA=0 environment variable turns
// them off (to compare the two on one card).
bool use_dmma() {
  int device = 0, major = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess)
    return false;
  static const char *off = getenv("CREDAL_GPU_DMMA");
  return major >= 8 && !(off && !strcmp(off, "0"));
}

int fused_f32(const credal_kernel_batch *b, void *workspace, cudaStream_t s) {
  return b->policies <= NARROW_MAX_POLICIES ? fused_with<float, Narrow>(b, workspace, s)
                                            : fused_with<float, Wide>(b, workspace, s);
}
int fused_f64(const credal_kernel_batch *b, void *workspace, cudaStream_t s) {
  if (b->policies <= NARROW_MAX_POLICIES) return fused_with<double, Narrow>(b, workspace, s);
  return use_dmma() ? fused_with<double, Dmma>(b, workspace, s)
                    : fused_with<double, Wide>(b, workspace, s);
}

}  // namespace

extern "C" size_t credal_fused_workspace_bytes(int64_t rows, int64_t policies, int upper) {
  const int64_t tiles = (rows + CREDAL_FUSED_ROWS - 1) / CREDAL_FUSED_ROWS;
  return static_cast<size_t>(tiles * policies) * sizeof(Extreme) * (upper ? 4 : 2);
}

extern "C" int credal_fused_lower(const credal_kernel_batch *b, int f32, void *workspace,
                                  void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  return f32 ? fused_f32(b, workspace, s) : fused_f64(b, workspace, s);
}

extern "C" size_t credal_scan_workspace_bytes(int64_t rows, int64_t policies, int upper) {
  const int64_t tiles = (rows + SCAN_ROWS - 1) / SCAN_ROWS;
  return static_cast<size_t>(tiles * policies) * sizeof(Extreme) * (upper ? 4 : 2);
}

template <typename T>
int scan_with_tiles(const credal_kernel_batch *b, const T *values, void *workspace,
                    cudaStream_t s) {
  const int64_t tiles = (b->rows + SCAN_ROWS - 1) / SCAN_ROWS;
  const bool upper = b->upper != nullptr;
  const Partials part = partials_of(workspace, tiles, b->policies, upper);
  const int64_t y = tiles < 65535 ? tiles : 65535;
  if (tiles > 65535LL * 65535) return cudaErrorInvalidConfiguration;
  const dim3 grid(static_cast<unsigned>((b->policies + SCAN_POLICIES - 1) / SCAN_POLICIES),
                  static_cast<unsigned>(y), static_cast<unsigned>((tiles + y - 1) / y));
  if (upper) scan_tiles<T, true><<<grid, SCAN_POLICIES, 0, s>>>(*b, values, part);
  else scan_tiles<T, false><<<grid, SCAN_POLICIES, 0, s>>>(*b, values, part);
  const dim3 mgrid = per_hypothesis_grid(b->count, b->policies, 128);
  if (upper) merge_partials<true><<<mgrid, 128, 0, s>>>(*b, part, SCAN_ROWS);
  else merge_partials<false><<<mgrid, 128, 0, s>>>(*b, part, SCAN_ROWS);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int credal_segmented_extremes(const credal_kernel_batch *b, int f32,
                                         const void *values, void *workspace, void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (use_scan_tiles())
    return f32 ? scan_with_tiles(b, static_cast<const float *>(values), workspace, s)
               : scan_with_tiles(b, static_cast<const double *>(values), workspace, s);
  const dim3 grid = per_hypothesis_grid(b->count, b->policies, 128);
  const bool upper = b->upper != nullptr;
  if (f32) {
    const float *v = static_cast<const float *>(values);
    if (upper) segmented_extremes<float, true><<<grid, 128, 0, s>>>(*b, v);
    else segmented_extremes<float, false><<<grid, 128, 0, s>>>(*b, v);
  } else {
    const double *v = static_cast<const double *>(values);
    if (upper) segmented_extremes<double, true><<<grid, 128, 0, s>>>(*b, v);
    else segmented_extremes<double, false><<<grid, 128, 0, s>>>(*b, v);
  }
  return static_cast<int>(cudaGetLastError());
}

extern "C" int credal_rebase_offsets(const int64_t *in, int64_t *out, int64_t n, void *stream) {
  if (n <= 0) return 0;
  rebase<<<static_cast<unsigned>((n + 255) / 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      in, out, n);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int credal_to_f32(const double *in, float *out, int64_t n, void *stream) {
  if (n <= 0) return 0;
  const int64_t blocks = (n + 255) / 256 < 65536 ? (n + 255) / 256 : 65536;
  to_f32<<<static_cast<unsigned>(blocks), 256, 0, static_cast<cudaStream_t>(stream)>>>(in, out, n);
  return static_cast<int>(cudaGetLastError());
}
