/* The GPU backend: policies resident on the device, chunks of hypotheses streamed through two
 * lanes (a CUDA stream each, with its own device buffers) so that one chunk's copies overlap
 * the other's kernels; the host buffers are the pipeline's pinned slots, so copies are
 * asynchronous. Per chunk, on its lane's stream:
 *
 *   offsets, points, constants, priors H->D  ->  [float32 conversion]  ->  lower/argmin
 *   (fused kernel, or cuBLAS GEMM + segmented reduction)  ->  regret stage  ->  per-policy
 *   accumulation (after the previous chunk's, through an event: hypothesis order)  ->  D->H
 *
 * A chunk larger than the lane's device buffers is processed in sub-chunks; a failed device
 * allocation halves the sub-chunk and tries again.
 *
 * Policies too large to stay on the device (more than half of its free memory) are tiled: each
 * sub-chunk is evaluated against one tile of policies at a time, uploaded to the lane, and the
 * tile's columns copied into the host rows; the regret stage then runs on the host (it needs
 * whole rows), in wait(), in chunk order. CREDAL_GPU_POLICY_TILE=N forces tiles of N policies
 * (tests use it to cover this path with small inputs). */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/credal_kernels.h"
#include "../backend.h"
#include "../structured.h"
#include "cublas_loader.h"
#include "cuda_util.h"
#include "gpu_pairs.h"

#define LANES 2
/* The GEMM path's value matrix (rows, P) is kept under this many bytes per lane. */
#define GEMM_VALUES_MAX ((size_t)1 << 30)

typedef struct {
  cudaStream_t stream;
  cudaEvent_t done;
  cublasHandle_t cublas; /* one per stream: cuBLAS is reproducible only per handle and stream */
  int64_t cap_rows, cap_count; /* capacity of the buffers below */
  size_t cap_work;
  double *points, *constants, *lower, *upper, *regret, *best_value, *prior, *prior_set;
  float *points_f, *constants_f;
  int64_t *offsets_raw, *offsets;
  int32_t *argmin, *argmax, *best_policy;
  void *work;
  double *utility;     /* this lane's tile of policies (tiled mode only), (tile, d) */
  float *utility_f;
  int32_t *orders;     /* their utility orders (tiled mode, structured families), (tile, d) */
  int busy;
} lane;

typedef struct {
  credal__backend_config config;
  int device;
  double *utility;
  float *utility_f;
  lane lanes[LANES];
  int next, oldest;
  credal_kernel_accumulators acc;
  int first_chunk;
  cudaEvent_t accumulated; /* recorded after each chunk's accumulation */
  int accumulated_recorded;
  credal__regret host_acc;
  int path; /* 0: heuristic, 1: fused, 2: gemm (CREDAL_GPU_PATH) */
  int64_t width;        /* policies per tile: P when they stay resident */
  int tiled;            /* width < P: the regret stage runs on the host */
  double *host_utility; /* (P, d), tiled mode: the source of each tile */
  int32_t *orders;      /* (P, d) utility orders on the device (structured, not tiled) */
  int32_t *host_orders; /* (P, d) on the host (structured) */
  credal__gpu_pairs *pairs; /* the decision rules' pairs (NULL: on the host) */
} gpu_state;

#define CUDA_TRY(call, what)                                     \
  do {                                                           \
    cudaError_t e_ = (call);                                     \
    if (e_ != cudaSuccess) return credal__cuda_fail(e_, (what)); \
  } while (0)
#define KERNEL_TRY(call, what)                                          \
  do {                                                                  \
    int e_ = (call);                                                    \
    if (e_ != 0) return credal__cuda_fail((cudaError_t)e_, (what));     \
  } while (0)

static credal_status cublas_fail(const credal__cublas *cb, cublasStatus_t s, const char *what) {
  return credal__fail(s == CUBLAS_STATUS_ALLOC_FAILED ? CREDAL_ENOMEM : CREDAL_EINTERNAL,
                      "cuBLAS error while %s: %s", what, cb->status_string(s));
}

/* The lane's cuBLAS handle, created (and the library loaded) on first use. */
static credal_status lane_cublas(lane *l, const credal__cublas **cb) {
  credal_status st = credal__cublas_load(cb);
  if (st || l->cublas) return st;
  cublasStatus_t cs = (*cb)->create(&l->cublas);
  if (cs != CUBLAS_STATUS_SUCCESS) return cublas_fail(*cb, cs, "creating a cuBLAS handle");
  if ((cs = (*cb)->set_stream(l->cublas, l->stream)) != CUBLAS_STATUS_SUCCESS)
    return cublas_fail(*cb, cs, "setting the cuBLAS stream");
  return CREDAL_OK;
}

int credal__gpu_count(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

credal_status credal__gpu_probe(int device) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess)
    return credal__fail(CREDAL_ENODEVICE, "no usable GPU: %s", cudaGetErrorString(e));
  if (n == 0) return credal__fail(CREDAL_ENODEVICE, "no usable GPU: no CUDA device is visible");
  if (device < 0 || device >= n)
    return credal__fail(CREDAL_ENODEVICE, "--device %d asked for, but %d CUDA device%s visible",
                        device, n, n == 1 ? " is" : "s are");
  if ((e = cudaSetDevice(device)) != cudaSuccess || (e = cudaFree(0)) != cudaSuccess)
    return credal__fail(CREDAL_ENODEVICE, "GPU %d is not usable: %s", device,
                        cudaGetErrorString(e));
  return CREDAL_OK;
}

/* 0 heuristic, 1 fused, 2 gemm. The heuristic is provisional until measured on a card
 * (docs/gpu.md): the GEMM wins when the inner products dominate, large d and P. */
static int use_gemm(const gpu_state *s) {
  if (s->path) return s->path == 2;
  return s->config.dim >= 128 && s->config.policies >= 256;
}

static void lane_free_buffers(lane *l) {
  void *bufs[] = {l->points,   l->constants,   l->lower,  l->upper,      l->regret,
                  l->best_value, l->prior,     l->prior_set, l->points_f, l->constants_f,
                  l->offsets_raw, l->offsets,  l->argmin, l->argmax,     l->best_policy,
                  l->work};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    if (bufs[i]) cudaFree(bufs[i]);
  cudaStream_t stream = l->stream;
  cudaEvent_t done = l->done;
  cublasHandle_t cublas = l->cublas;
  double *utility = l->utility;
  float *utility_f = l->utility_f;
  int32_t *orders = l->orders;
  memset(l, 0, sizeof *l);
  l->stream = stream, l->done = done, l->cublas = cublas;
  l->utility = utility, l->utility_f = utility_f, l->orders = orders;
}

/* cudaMalloc that never asks for 0 bytes (some buffers are empty for some shapes). */
static cudaError_t device_alloc(void **p, size_t bytes) {
  return cudaMalloc(p, bytes > 0 ? bytes : 1);
}

/* The GEMM path's workspace: the value matrix, then the segmented scan's partials for `rows`
 * rows (credal_scan_workspace_bytes, 256-byte aligned). */
static size_t scan_bytes(const gpu_state *s, int64_t rows) {
  return (credal_scan_workspace_bytes(rows, s->width, s->config.upper) + 255) / 256 * 256;
}

/* Device bytes of the workspace for `rows` rows. */
static size_t work_bytes(const gpu_state *s, int64_t rows) {
  const credal__backend_config *c = &s->config;
  const size_t fused = credal_fused_workspace_bytes(rows, s->width, c->upper);
  if (!use_gemm(s)) return fused;
  size_t v = (size_t)rows * (size_t)s->width * (c->f32 ? 4 : 8);
  if (v > GEMM_VALUES_MAX) v = GEMM_VALUES_MAX;
  v = (v + 255) / 256 * 256 + scan_bytes(s, rows);
  return v > fused ? v : fused; /* an oversized hypothesis falls back to fused */
}

/* Makes the lane's buffers hold `rows` rows and `count` hypotheses (never shrinks). */
static credal_status lane_reserve(gpu_state *s, lane *l, int64_t rows, int64_t count) {
  if (rows <= l->cap_rows && count <= l->cap_count && work_bytes(s, rows) <= l->cap_work)
    return CREDAL_OK;
  if (rows < l->cap_rows) rows = l->cap_rows;
  if (count < l->cap_count) count = l->cap_count;
  lane_free_buffers(l);
  const credal__backend_config *c = &s->config;
  /* outputs are one tile wide; the regret stage's buffers exist only when it runs here */
  const size_t R = (size_t)rows, C = (size_t)count, P = (size_t)s->width, d = (size_t)c->dim;
  const size_t PR = s->tiled ? 0 : P;
  const size_t Q = (size_t)c->prior_set_size;
#define ALLOC(ptr, bytes) CUDA_TRY(device_alloc((void **)&(ptr), (bytes)), "allocating device buffers")
  ALLOC(l->points, R * d * 8);
  ALLOC(l->constants, R * 8);
  if (c->f32) {
    ALLOC(l->points_f, R * d * 4);
    ALLOC(l->constants_f, R * 4);
  }
  ALLOC(l->offsets_raw, (C + 1) * 8);
  ALLOC(l->offsets, (C + 1) * 8);
  ALLOC(l->lower, C * P * 8);
  ALLOC(l->argmin, C * P * 4);
  if (c->upper) {
    ALLOC(l->upper, C * P * 8);
    ALLOC(l->argmax, C * P * 4);
  }
  ALLOC(l->regret, C * PR * 8);
  ALLOC(l->best_value, C * 8);
  ALLOC(l->best_policy, C * 4);
  ALLOC(l->prior, C * 8);
  ALLOC(l->prior_set, Q * C * 8);
  l->cap_work = work_bytes(s, rows);
  ALLOC(l->work, l->cap_work);
#undef ALLOC
  l->cap_rows = rows, l->cap_count = count;
  return CREDAL_OK;
}

/* lower/argmin (upper/argmax) of hypotheses whose rows are in the lane's buffers. */
static credal_status lane_lower(gpu_state *s, lane *l, const int64_t *host_offsets,
                                int64_t count, int64_t rows, int has_constants,
                                const double *utility, const float *utility_f, int64_t width) {
  const credal__backend_config *c = &s->config;
  const int f32 = c->f32;
  credal_kernel_batch kb = {count, rows, c->dim, width, l->offsets,
                            f32 ? (const void *)l->points_f : l->points,
                            f32 ? (const void *)l->constants_f : l->constants,
                            f32 ? (const void *)utility_f : utility,
                            l->lower, l->argmin, c->upper ? l->upper : NULL,
                            c->upper ? l->argmax : NULL};
  if (!has_constants) kb.constants = NULL;
  if (!use_gemm(s)) {
    KERNEL_TRY(credal_fused_lower(&kb, f32, l->work, l->stream), "launching the fused kernel");
    return CREDAL_OK;
  }
  /* GEMM path: groups of whole hypotheses whose value matrix fits the workspace. */
  const size_t elem = f32 ? 4 : 8, P = (size_t)width;
  const size_t values_cap = (l->cap_work - scan_bytes(s, l->cap_rows)) / 256 * 256;
  const int64_t max_rows = (int64_t)(values_cap / (P * elem));
  void *partials = (char *)l->work + values_cap;
  const credal__cublas *cb;
  credal_status st = lane_cublas(l, &cb);
  if (st) return st;
  cublasStatus_t cs;
  for (int64_t h0 = 0; h0 < count;) {
    int64_t h1 = h0;
    while (h1 < count && host_offsets[h1 + 1] - host_offsets[h0] <= max_rows) h1++;
    const int64_t r0 = host_offsets[h0] - host_offsets[0];
    credal_kernel_batch g = kb;
    g.count = h1 > h0 ? h1 - h0 : 1;
    g.rows = host_offsets[h0 + g.count] - host_offsets[h0];
    g.offsets = l->offsets + h0; /* offsets stay relative to row 0: shift the rows instead */
    g.lower = l->lower + h0 * width, g.argmin = l->argmin + h0 * width;
    if (c->upper) g.upper = l->upper + h0 * width, g.argmax = l->argmax + h0 * width;
    if (h1 == h0) {
      /* one hypothesis too large for the value matrix: the fused kernel, on rebased offsets */
      int64_t *tmp = l->offsets_raw; /* free after the initial rebase */
      KERNEL_TRY(credal_rebase_offsets(l->offsets + h0, tmp, 2, l->stream), "rebasing offsets");
      g.offsets = tmp;
      g.points = (const char *)kb.points + (size_t)r0 * (size_t)c->dim * elem;
      if (kb.constants) g.constants = (const char *)kb.constants + (size_t)r0 * elem;
      KERNEL_TRY(credal_fused_lower(&g, f32, l->work, l->stream), "launching the fused kernel");
      h0 += 1;
      continue;
    }
    const int m = (int)width, n = (int)g.rows, k = (int)c->dim;
    const void *x = (const char *)kb.points + (size_t)r0 * (size_t)c->dim * elem;
    /* row-major values (rows, P) = column-major (P, rows) = U (P x d) * X^T (d x rows) */
    if (f32) {
      const float one = 1.0f, zero = 0.0f;
      cs = cb->sgemm(l->cublas, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, utility_f, k,
                       (const float *)x, k, &zero, (float *)l->work, m);
    } else {
      const double one = 1.0, zero = 0.0;
      cs = cb->dgemm(l->cublas, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, utility, k,
                       (const double *)x, k, &zero, (double *)l->work, m);
    }
    if (cs != CUBLAS_STATUS_SUCCESS) return cublas_fail(cb, cs, "computing the inner products");
    /* the reduction reads offsets relative to row 0 of this group's values */
    int64_t *rel = l->offsets_raw;
    KERNEL_TRY(credal_rebase_offsets(l->offsets + h0, rel, g.count + 1, l->stream),
               "rebasing offsets");
    g.offsets = rel;
    if (kb.constants) g.constants = (const char *)kb.constants + (size_t)r0 * elem;
    KERNEL_TRY(credal_segmented_extremes(&g, f32, l->work, partials, l->stream),
               "launching the segmented reduction");
    h0 = h1;
  }
  return CREDAL_OK;
}

/* The hypotheses [i0, i0+n) of a chunk into the lane: offsets (rebased to the sub-chunk's
 * first row), and, unless its lower expectations are given, points and constants. */
static credal_status upload(gpu_state *s, lane *l, const credal__chunk *c, int64_t i0, int64_t n,
                            int with_points) {
  const credal__backend_config *cfg = &s->config;
  const int64_t r0 = c->offsets[i0], rows = c->offsets[i0 + n] - r0;
  const size_t d = (size_t)cfg->dim;
  CUDA_TRY(cudaMemcpyAsync(l->offsets_raw, c->offsets + i0, (size_t)(n + 1) * 8,
                           cudaMemcpyHostToDevice, l->stream), "copying offsets");
  KERNEL_TRY(credal_rebase_offsets(l->offsets_raw, l->offsets, n + 1, l->stream),
             "rebasing offsets");
  if (with_points) {
    CUDA_TRY(cudaMemcpyAsync(l->points, c->points + (size_t)r0 * d, (size_t)rows * d * 8,
                             cudaMemcpyHostToDevice, l->stream), "copying generators");
    if (c->constants)
      CUDA_TRY(cudaMemcpyAsync(l->constants, c->constants + r0, (size_t)rows * 8,
                               cudaMemcpyHostToDevice, l->stream), "copying constants");
    if (cfg->f32 && c->family == CREDAL_FAMILY_GENERATORS) { /* structured: float64 always */
      KERNEL_TRY(credal_to_f32(l->points, l->points_f, rows * (int64_t)d, l->stream),
                 "converting generators to float32");
      if (c->constants)
        KERNEL_TRY(credal_to_f32(l->constants, l->constants_f, rows, l->stream),
                   "converting constants to float32");
    }
  }
  if (c->prior)
    CUDA_TRY(cudaMemcpyAsync(l->prior, c->prior + i0, (size_t)n * 8, cudaMemcpyHostToDevice,
                             l->stream), "copying the prior");
  if (c->prior_set) /* columns i0 .. i0+n-1 of the (Q, count) block */
    CUDA_TRY(cudaMemcpy2DAsync(l->prior_set, (size_t)n * 8, c->prior_set + i0,
                               (size_t)c->count * 8, (size_t)n * 8,
                               (size_t)cfg->prior_set_size, cudaMemcpyHostToDevice, l->stream),
             "copying the prior set");
  return CREDAL_OK;
}

static credal_status copy_out(lane *l, void *host, const void *device, size_t bytes,
                              const char *what) {
  CUDA_TRY(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, l->stream), what);
  return CREDAL_OK;
}

/* n rows of `width` columns (elem bytes each) from the lane into columns p0.. of host rows of
 * P columns. */
static credal_status copy_columns(lane *l, void *host, const void *device, int64_t n, int64_t P,
                                  int64_t p0, int64_t width, size_t elem, const char *what) {
  CUDA_TRY(cudaMemcpy2DAsync((char *)host + (size_t)p0 * elem, (size_t)P * elem, device,
                             (size_t)width * elem, (size_t)width * elem, (size_t)n,
                             cudaMemcpyDeviceToHost, l->stream),
           what);
  return CREDAL_OK;
}

/* The lane's tile of policies [p0, p0+width) (tiled mode). */
static credal_status upload_tile(gpu_state *s, lane *l, int64_t p0, int64_t width) {
  const size_t d = (size_t)s->config.dim;
  CUDA_TRY(cudaMemcpyAsync(l->utility, s->host_utility + (size_t)p0 * d, (size_t)width * d * 8,
                           cudaMemcpyHostToDevice, l->stream), "copying a tile of policies");
  if (s->config.f32)
    KERNEL_TRY(credal_to_f32(l->utility, l->utility_f, width * (int64_t)d, l->stream),
               "converting policies to float32");
  if (s->host_orders)
    CUDA_TRY(cudaMemcpyAsync(l->orders, s->host_orders + (size_t)p0 * d, (size_t)width * d * 4,
                             cudaMemcpyHostToDevice, l->stream), "copying a tile of orders");
  return CREDAL_OK;
}

/* A structured family's lower/upper for hypotheses in the lane's buffers, against policies
 * [p0, p0+width) (utility and orders of the tile, or of all policies). */
static credal_status lane_structured(gpu_state *s, lane *l, const credal__chunk *c, int64_t n,
                                     int64_t rows, int64_t p0, int64_t width) {
  const credal__backend_config *cfg = &s->config;
  const size_t d = (size_t)cfg->dim;
  if (!s->host_orders)
    return credal__fail(CREDAL_EINTERNAL, "GPU backend created without utility orders");
  const credal_kernel_batch kb = {n, rows, cfg->dim, width, l->offsets, l->points,
                                  c->constants ? l->constants : NULL,
                                  s->tiled ? l->utility : s->utility + (size_t)p0 * d,
                                  l->lower, l->argmin, c->upper ? l->upper : NULL,
                                  c->upper ? l->argmax : NULL};
  KERNEL_TRY(credal_structured_lower(&kb, (int)c->family,
                                     s->tiled ? l->orders : s->orders + (size_t)p0 * d, cfg->f32,
                                     l->stream),
             "launching the structured kernel");
  return CREDAL_OK;
}

/* Generator rows the lane must hold for hypotheses [i0, i1) of c: none when the lower
 * expectations come from the host (a hypothesis evaluated in pieces). */
static int64_t rows_needed(const credal__chunk *c, int64_t i0, int64_t i1) {
  return c->lower_given ? 0 : c->offsets[i1] - c->offsets[i0];
}

/* Sizes the lane for the chunk, halving on device out-of-memory; *cap_rows and *cap_count
 * then bound each sub-chunk. */
static credal_status reserve_for(gpu_state *s, lane *l, const credal__chunk *c,
                                 int64_t *cap_rows, int64_t *cap_count) {
  int64_t largest = 0;
  for (int64_t i = 0; i < c->count; i++)
    if (rows_needed(c, i, i + 1) > largest) largest = rows_needed(c, i, i + 1);
  int64_t rows = rows_needed(c, 0, c->count), count = c->count;
  for (;;) {
    credal_status st = lane_reserve(s, l, rows, count);
    if (st == CREDAL_OK) break;
    if (st != CREDAL_ENOMEM || (count == 1 && rows <= largest))
      return credal__fail_context(st, "GPU memory too small for a chunk of %lld hypotheses and "
                                  "%lld generator rows (P=%lld, d=%lld)", (long long)count,
                                  (long long)rows, (long long)s->config.policies,
                                  (long long)s->config.dim);
    cudaGetLastError(); /* clear the failed allocation */
    lane_free_buffers(l);
    count = count > 1 ? count / 2 : 1;
    rows = rows / 2 > largest ? rows / 2 : largest;
  }
  *cap_rows = l->cap_rows, *cap_count = l->cap_count;
  return CREDAL_OK;
}

/* Everything for one chunk on lane l; lower_only: the synchronous lower() of a batch. */
static credal_status process(gpu_state *s, lane *l, credal__chunk *c, int lower_only) {
  const credal__backend_config *cfg = &s->config;
  const int64_t P = cfg->policies;
  const size_t Pz = (size_t)P;
  int64_t cap_rows = 0, cap_count = 0;
  credal_status st = reserve_for(s, l, c, &cap_rows, &cap_count);
  if (st) return st;
  for (int64_t i0 = 0; i0 < c->count;) {
    int64_t i1 = i0 + 1;
    while (i1 < c->count && i1 - i0 < cap_count && rows_needed(c, i0, i1 + 1) <= cap_rows) i1++;
    const int64_t n = i1 - i0, rows = c->offsets[i1] - c->offsets[i0];
    if ((st = upload(s, l, c, i0, n, !c->lower_given))) return st;
    const size_t at = (size_t)i0 * Pz, hp = (size_t)n * Pz;
    if (c->lower_given) {
      if (!s->tiled) /* tiled: the regret stage runs on the host, which has them */
        CUDA_TRY(cudaMemcpyAsync(l->lower, c->lower + at, hp * 8, cudaMemcpyHostToDevice,
                                 l->stream), "copying lower expectations");
    } else {
      for (int64_t p0 = 0; p0 < P; p0 += s->width) {
        const int64_t w = P - p0 < s->width ? P - p0 : s->width;
        if (s->tiled && (st = upload_tile(s, l, p0, w))) return st;
        if (c->family != CREDAL_FAMILY_GENERATORS) st = lane_structured(s, l, c, n, rows, p0, w);
        else st = lane_lower(s, l, c->offsets + i0, n, rows, c->constants != NULL,
                             s->tiled ? l->utility : s->utility,
                             s->tiled ? l->utility_f : s->utility_f, w);
        if (st) return st;
        if ((st = copy_columns(l, c->lower + at, l->lower, n, P, p0, w, 8, "copying lower")) ||
            (st = copy_columns(l, c->argmin + at, l->argmin, n, P, p0, w, 4, "copying argmin")))
          return st;
        if (c->upper &&
            ((st = copy_columns(l, c->upper + at, l->upper, n, P, p0, w, 8, "copying upper")) ||
             (st = copy_columns(l, c->argmax + at, l->argmax, n, P, p0, w, 4, "copying argmax"))))
          return st;
      }
    }
    if (!lower_only && !s->tiled) {
      KERNEL_TRY(credal_regret_rows(l->lower, n, P, l->best_value, l->best_policy, l->regret,
                                    l->stream), "launching the regret stage");
      if (s->accumulated_recorded)
        CUDA_TRY(cudaStreamWaitEvent(l->stream, s->accumulated, 0), "ordering accumulations");
      KERNEL_TRY(credal_accumulate(&s->acc, l->lower, l->regret, c->prior ? l->prior : NULL,
                                   c->prior_set ? l->prior_set : NULL, c->h0 + i0, n, P,
                                   cfg->prior_set_size, s->first_chunk, l->stream),
                 "launching the accumulation");
      CUDA_TRY(cudaEventRecord(s->accumulated, l->stream), "recording an event");
      s->accumulated_recorded = 1;
      s->first_chunk = 0;
      if ((st = copy_out(l, c->regret + at, l->regret, hp * 8, "copying regret")) ||
          (st = copy_out(l, c->best_value + i0, l->best_value, (size_t)n * 8, "copying best")) ||
          (st = copy_out(l, c->best_policy + i0, l->best_policy, (size_t)n * 4, "copying best")))
        return st;
    }
    i0 = i1;
  }
  CUDA_TRY(cudaEventRecord(l->done, l->stream), "recording an event");
  return CREDAL_OK;
}

static credal_status gpu_submit(credal__backend *b, credal__chunk *c) {
  gpu_state *s = b->state;
  lane *l = &s->lanes[s->next];
  if (l->busy) return credal__fail(CREDAL_EINTERNAL, "GPU lane submitted twice");
  credal_status st = process(s, l, c, 0);
  if (st) return st;
  l->busy = 1;
  s->next = (s->next + 1) % LANES;
  return CREDAL_OK;
}

static credal_status gpu_wait(credal__backend *b, credal__chunk *c) {
  gpu_state *s = b->state;
  lane *l = &s->lanes[s->oldest];
  if (!l->busy) return credal__fail(CREDAL_EINTERNAL, "GPU wait with nothing in flight");
  l->busy = 0;
  s->oldest = (s->oldest + 1) % LANES;
  CUDA_TRY(cudaEventSynchronize(l->done), "running a chunk");
  if (s->tiled) /* whole rows are only here: the regret stage, in chunk order */
    credal__regret_chunk(&s->host_acc, c->h0, c->count, c->lower, c->prior, c->prior_set,
                         c->best_value, c->best_policy, c->regret);
  return CREDAL_OK;
}

static credal_status gpu_lower(credal__backend *b, credal_family family,
                               const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                               double *upper, int32_t *argmax) {
  gpu_state *s = b->state;
  for (int i = 0; i < LANES; i++)
    if (s->lanes[i].busy) return credal__fail(CREDAL_EINTERNAL, "GPU lower() with chunks in flight");
  credal__chunk c;
  memset(&c, 0, sizeof c);
  c.family = family;
  c.count = batch->hypotheses;
  c.rows = batch->offsets[batch->hypotheses];
  c.offsets = batch->offsets;
  c.points = batch->points;
  c.constants = batch->constants;
  c.lower = lower, c.argmin = argmin, c.upper = upper, c.argmax = argmax;
  if ((upper != NULL) != (s->config.upper != 0))
    return credal__fail(CREDAL_EINTERNAL, "GPU lower(): upper requested inconsistently");
  lane *l = &s->lanes[0];
  credal_status st = process(s, l, &c, 1);
  if (st) return st;
  CUDA_TRY(cudaStreamSynchronize(l->stream), "computing lower expectations");
  return CREDAL_OK;
}

static credal_status gpu_finish(credal__backend *b, const credal__regret **accumulated) {
  gpu_state *s = b->state;
  credal__regret *h = &s->host_acc;
  const size_t P = (size_t)s->config.policies, Q = (size_t)s->config.prior_set_size;
  CUDA_TRY(cudaDeviceSynchronize(), "finishing the chunks");
  /* accumulated on the host by gpu_wait; or no chunk yet (an interrupted run), when the device
   * accumulators are still unset and the host's initial values are the state */
  if (s->tiled || s->first_chunk) {
    *accumulated = h;
    return CREDAL_OK;
  }
  CUDA_TRY(cudaMemcpy(h->class_lower, s->acc.class_lower, P * 8, cudaMemcpyDeviceToHost),
           "copying the class criteria");
  CUDA_TRY(cudaMemcpy(h->class_lower_h, s->acc.class_lower_h, P * 4, cudaMemcpyDeviceToHost),
           "copying the class criteria");
  CUDA_TRY(cudaMemcpy(h->worst_regret, s->acc.worst_regret, P * 8, cudaMemcpyDeviceToHost),
           "copying the class criteria");
  CUDA_TRY(cudaMemcpy(h->worst_regret_h, s->acc.worst_regret_h, P * 4, cudaMemcpyDeviceToHost),
           "copying the class criteria");
  if (h->bayes_regret)
    CUDA_TRY(cudaMemcpy(h->bayes_regret, s->acc.bayes_regret, P * 8, cudaMemcpyDeviceToHost),
             "copying the Bayesian regret");
  if (Q)
    CUDA_TRY(cudaMemcpy(h->credal_sums, s->acc.credal_sums, Q * P * 8, cudaMemcpyDeviceToHost),
             "copying the prior-set sums");
  *accumulated = h;
  return CREDAL_OK;
}

static credal_status gpu_restore(credal__backend *b, const credal__regret *state) {
  gpu_state *s = b->state;
  credal__regret *h = &s->host_acc;
  const size_t P = (size_t)s->config.policies, Q = (size_t)s->config.prior_set_size;
  credal__regret_copy(h, state);
  if (s->tiled) return CREDAL_OK; /* the regret stage runs on the host */
  CUDA_TRY(cudaMemcpy(s->acc.class_lower, h->class_lower, P * 8, cudaMemcpyHostToDevice),
           "restoring the class criteria");
  CUDA_TRY(cudaMemcpy(s->acc.class_lower_h, h->class_lower_h, P * 4, cudaMemcpyHostToDevice),
           "restoring the class criteria");
  CUDA_TRY(cudaMemcpy(s->acc.worst_regret, h->worst_regret, P * 8, cudaMemcpyHostToDevice),
           "restoring the class criteria");
  CUDA_TRY(cudaMemcpy(s->acc.worst_regret_h, h->worst_regret_h, P * 4, cudaMemcpyHostToDevice),
           "restoring the class criteria");
  if (h->bayes_regret)
    CUDA_TRY(cudaMemcpy(s->acc.bayes_regret, h->bayes_regret, P * 8, cudaMemcpyHostToDevice),
             "restoring the Bayesian regret");
  if (Q)
    CUDA_TRY(cudaMemcpy(s->acc.credal_sums, h->credal_sums, Q * P * 8, cudaMemcpyHostToDevice),
             "restoring the prior-set sums");
  s->first_chunk = state->next_hypothesis == 0; /* the accumulators hold real values now */
  return CREDAL_OK;
}

static void *pinned_alloc(size_t bytes) {
  void *p = NULL;
  if (cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocDefault) != cudaSuccess) {
    cudaGetLastError();
    return NULL;
  }
  return p;
}

static void pinned_free(void *p) {
  if (p) cudaFreeHost(p);
}

/* The pairs of the decision rules against the resident policies (not when they are tiled). */
static credal_status gpu_rules_pairs(credal__backend *b, const credal__pairs_job *job) {
  gpu_state *s = b->state;
  if (s->tiled || !s->pairs) return credal__fail(CREDAL_EUNSUPPORTED, "policies tiled");
  return credal__gpu_pairs_run(s->pairs, s->utility, s->config.policies, s->config.dim, job);
}

static void gpu_destroy(credal__backend *b) {
  gpu_state *s = b->state;
  if (s) {
    cudaDeviceSynchronize();
    credal__gpu_pairs_free(s->pairs);
    for (int i = 0; i < LANES; i++) {
      lane_free_buffers(&s->lanes[i]);
      if (s->lanes[i].stream) cudaStreamDestroy(s->lanes[i].stream);
      if (s->lanes[i].done) cudaEventDestroy(s->lanes[i].done);
      const credal__cublas *cb;
      if (s->lanes[i].cublas && credal__cublas_load(&cb) == CREDAL_OK) cb->destroy(s->lanes[i].cublas);
      if (s->lanes[i].utility) cudaFree(s->lanes[i].utility);
      if (s->lanes[i].utility_f) cudaFree(s->lanes[i].utility_f);
      if (s->lanes[i].orders) cudaFree(s->lanes[i].orders);
    }
    void *bufs[] = {s->utility, s->utility_f, s->orders, s->acc.class_lower, s->acc.class_lower_h,
                    s->acc.worst_regret, s->acc.worst_regret_h, s->acc.bayes_regret,
                    s->acc.credal_sums};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
      if (bufs[i]) cudaFree(bufs[i]);
    if (s->accumulated) cudaEventDestroy(s->accumulated);
    credal__regret_free(&s->host_acc);
    free(s->host_utility);
    free(s->host_orders);
    free(s);
  }
  free(b);
}

static credal_status setup(gpu_state *s, credal__backend *b) {
  const credal__backend_config *c = &s->config;
  const size_t P = (size_t)c->policies, d = (size_t)c->dim, Q = (size_t)c->prior_set_size;
  credal_status st;
  if ((st = credal__gpu_probe(c->device))) return st;
  size_t free_bytes = 0, total = 0;
  CUDA_TRY(cudaMemGetInfo(&free_bytes, &total), "reading free device memory");
  /* policies resident when they take at most half of the free memory, else in tiles of
   * (a multiple of 64) policies per lane, each within a tenth of it */
  const double per_policy = (double)d * ((c->f32 ? 12 : 8) + (c->structured ? 4 : 0));
  s->width = c->policies;
  if ((double)P * per_policy > 0.5 * (double)free_bytes) {
    s->width = (int64_t)(0.1 * (double)free_bytes / per_policy) / 64 * 64;
    if (s->width < 64)
      return credal__fail(CREDAL_ENOMEM, "GPU %d has %.1f GiB free: too little for policies of "
                          "d=%lld", c->device, (double)free_bytes / (1 << 30), (long long)c->dim);
  }
  const char *forced = getenv("CREDAL_GPU_POLICY_TILE");
  if (forced && atoll(forced) > 0 && atoll(forced) < s->width) s->width = atoll(forced);
  s->tiled = s->width < c->policies;
  struct cudaDeviceProp prop;
  CUDA_TRY(cudaGetDeviceProperties(&prop, c->device), "reading the device's properties");
  snprintf(b->device, sizeof b->device, "%.64s (GPU %d, %.1f GiB, sm_%d%d)", prop.name, c->device,
           (double)prop.totalGlobalMem / (1 << 30), prop.major, prop.minor);
  for (int i = 0; i < LANES; i++) {
    CUDA_TRY(cudaStreamCreateWithFlags(&s->lanes[i].stream, cudaStreamNonBlocking),
             "creating a stream");
    CUDA_TRY(cudaEventCreateWithFlags(&s->lanes[i].done, cudaEventDisableTiming),
             "creating an event");
  }
  CUDA_TRY(cudaEventCreateWithFlags(&s->accumulated, cudaEventDisableTiming), "creating an event");
  if (c->structured &&
      (st = credal__utility_orders(c->utility, c->policies, c->dim, &s->host_orders)))
    return st;
  if (s->tiled) {
    const size_t W = (size_t)s->width;
    if (!(s->host_utility = malloc(P * d * 8)))
      return credal__fail(CREDAL_ENOMEM, "out of memory for a copy of the policies");
    memcpy(s->host_utility, c->utility, P * d * 8);
    for (int i = 0; i < LANES; i++) {
      CUDA_TRY(cudaMalloc((void **)&s->lanes[i].utility, W * d * 8), "allocating a policy tile");
      if (c->f32)
        CUDA_TRY(cudaMalloc((void **)&s->lanes[i].utility_f, W * d * 4), "allocating a policy tile");
      if (s->host_orders)
        CUDA_TRY(cudaMalloc((void **)&s->lanes[i].orders, W * d * 4), "allocating a tile of orders");
    }
  } else {
    CUDA_TRY(cudaMalloc((void **)&s->utility, P * d * 8), "allocating the policies");
    CUDA_TRY(cudaMemcpy(s->utility, c->utility, P * d * 8, cudaMemcpyHostToDevice),
             "copying the policies");
    if (s->host_orders) {
      CUDA_TRY(cudaMalloc((void **)&s->orders, P * d * 4), "allocating the utility orders");
      CUDA_TRY(cudaMemcpy(s->orders, s->host_orders, P * d * 4, cudaMemcpyHostToDevice),
               "copying the utility orders");
    }
    if (c->f32) {
      CUDA_TRY(cudaMalloc((void **)&s->utility_f, P * d * 4), "allocating the policies");
      KERNEL_TRY(credal_to_f32(s->utility, s->utility_f, (int64_t)(P * d), 0),
                 "converting the policies to float32");
    }
  }
  CUDA_TRY(cudaMalloc((void **)&s->acc.class_lower, P * 8), "allocating accumulators");
  CUDA_TRY(cudaMalloc((void **)&s->acc.class_lower_h, P * 4), "allocating accumulators");
  CUDA_TRY(cudaMalloc((void **)&s->acc.worst_regret, P * 8), "allocating accumulators");
  CUDA_TRY(cudaMalloc((void **)&s->acc.worst_regret_h, P * 4), "allocating accumulators");
  if (c->has_prior)
    CUDA_TRY(cudaMalloc((void **)&s->acc.bayes_regret, P * 8), "allocating accumulators");
  if (Q) CUDA_TRY(cudaMalloc((void **)&s->acc.credal_sums, Q * P * 8), "allocating accumulators");
  CUDA_TRY(cudaDeviceSynchronize(), "setting up the GPU");
  if ((st = credal__regret_init(&s->host_acc, c->policies, c->has_prior, c->prior_set_size)))
    return st;

  /* Chunk limits from free device memory: both lanes' buffers within 80% of it. */
  CUDA_TRY(cudaMemGetInfo(&free_bytes, &total), "reading free device memory");
  const double lane_budget = 0.4 * (double)free_bytes;
  const double per_h = (double)s->width * (c->upper ? 24 : 12) + (s->tiled ? 0.0 : 8.0 * P) +
                       36 + 8.0 * (double)Q;
  const double per_row = (double)d * (c->f32 ? 12 : 8) + 12 +
                         (double)credal_fused_workspace_bytes(CREDAL_FUSED_ROWS, s->width,
                                                              c->upper) / CREDAL_FUSED_ROWS;
  double hyp = lane_budget / 2 / per_h;
  if (hyp > 65536) hyp = 65536;
  const double rows = (lane_budget / 2 - (use_gemm(s) ? (double)GEMM_VALUES_MAX : 0)) / per_row;
  if (hyp < 1 || rows < 1)
    return credal__fail(CREDAL_ENOMEM,
                        "GPU %d has %.1f GiB free: too little for P=%lld, d=%lld", c->device,
                        (double)free_bytes / (1 << 30), (long long)c->policies, (long long)c->dim);
  b->max_hypotheses = (int64_t)hyp;
  b->max_rows = (int64_t)rows;
  return CREDAL_OK;
}

credal_status credal__gpu_backend_create(const credal__backend_config *config,
                                         credal__backend **out) {
  *out = NULL;
  credal__backend *b = calloc(1, sizeof *b);
  gpu_state *s = calloc(1, sizeof *s);
  if (!b || !s) {
    free(b), free(s);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the GPU backend");
  }
  s->config = *config;
  s->config.utility = NULL; /* uploaded in setup */
  s->first_chunk = 1;
  const char *path = getenv("CREDAL_GPU_PATH");
  s->path = path && !strcmp(path, "fused") ? 1 : path && !strcmp(path, "gemm") ? 2 : 0;
  b->name = "gpu";
  b->depth = LANES;
  b->state = s;
  b->lower = gpu_lower;
  b->submit = gpu_submit;
  b->wait = gpu_wait;
  b->finish = gpu_finish;
  b->restore = gpu_restore;
  b->host_alloc = pinned_alloc;
  b->host_free = pinned_free;
  b->destroy = gpu_destroy;
  s->config.utility = config->utility;
  credal_status st = setup(s, b);
  s->config.utility = NULL;
  if (st) {
    gpu_destroy(b);
    return st;
  }
  if ((s->pairs = credal__gpu_pairs_new())) b->rules_pairs = gpu_rules_pairs;
  *out = b;
  return CREDAL_OK;
}
