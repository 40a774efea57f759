/* The decision rules' pairs on the GPU; see gpu_pairs.h. */
#include <cuda_runtime.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/credal_kernels.h"
#include "cublas_loader.h"
#include "cuda_util.h"
#include "gpu_pairs.h"

#define VALUES_MAX ((size_t)1 << 30) /* the value matrix of one group of hypotheses, bytes */

struct credal__gpu_pairs {
  cudaStream_t stream;
  cublasHandle_t cublas;
  void *arena; /* device buffers of the largest group so far */
  size_t arena_bytes;
};

credal__gpu_pairs *credal__gpu_pairs_new(void) {
  const char *on = getenv("CREDAL_GPU_PAIRS");
  if (!on || strcmp(on, "1")) return NULL;
  credal__gpu_pairs *g = calloc(1, sizeof *g);
  if (g && cudaStreamCreateWithFlags(&g->stream, cudaStreamNonBlocking) != cudaSuccess) {
    cudaGetLastError();
    free(g);
    return NULL;
  }
  return g;
}

void credal__gpu_pairs_free(credal__gpu_pairs *g) {
  if (!g) return;
  const credal__cublas *cb;
  if (g->cublas && credal__cublas_load(&cb) == CREDAL_OK) cb->destroy(g->cublas);
  if (g->arena) cudaFree(g->arena);
  if (g->stream) cudaStreamDestroy(g->stream);
  free(g);
}

/* Carves n bytes (256-aligned) off *cursor. */
/* Device pointers of one group: inputs, outputs, the kernels' workspace. */
typedef struct {
  double *points, *values, *lower, *upper, *tau, *regret_max, *pair_min;
  int64_t *offsets;
  uint8_t *open, *dominated, *optimal;
  void *work;
} group_buffers;

static size_t group_bytes(int64_t count, int64_t rows, int64_t P, int64_t d) {
  const size_t n = (size_t)(count * P), r = (size_t)rows;
  return r * (size_t)d * 8 + r * (size_t)P * 8 + (size_t)(count + 1) * 8 + n * 8 * 3 +
         (size_t)count * 8 + n * 3 + (size_t)(P * P) * 8 +
         credal_pairs_workspace_bytes(count, rows, P) + 16 * 256;
}

static int reserve(credal__gpu_pairs *g, size_t bytes) {
  if (bytes <= g->arena_bytes) return 0;
  if (g->arena) cudaFree(g->arena);
  g->arena = NULL, g->arena_bytes = 0;
  if (cudaMalloc(&g->arena, bytes) != cudaSuccess) {
    cudaGetLastError();
    return -1;
  }
  g->arena_bytes = bytes;
  return 0;
}

static group_buffers layout(credal__gpu_pairs *g, int64_t count, int64_t rows, int64_t P,
                            int64_t d) {
  const size_t n = (size_t)(count * P);
  char *c = g->arena;
  group_buffers b;
  b.points = credal__carve(&c, (size_t)rows * (size_t)d * 8);
  b.values = credal__carve(&c, (size_t)rows * (size_t)P * 8);
  b.offsets = credal__carve(&c, (size_t)(count + 1) * 8);
  b.lower = credal__carve(&c, n * 8), b.upper = credal__carve(&c, n * 8);
  b.regret_max = credal__carve(&c, n * 8);
  b.tau = credal__carve(&c, (size_t)count * 8);
  b.open = credal__carve(&c, n), b.dominated = credal__carve(&c, n);
  b.optimal = credal__carve(&c, n);
  b.pair_min = credal__carve(&c, (size_t)(P * P) * 8);
  b.work = credal__carve(&c, credal_pairs_workspace_bytes(count, rows, P));
  return b;
}

/* Hypotheses [h0, h1) of the job: up, GEMM, kernels, down; pair_min into host `mins`. */
static credal_status run_group(credal__gpu_pairs *g, const credal__cublas *cb,
                               const double *utility, int64_t P, int64_t d,
                               const credal__pairs_job *j, int64_t h0, int64_t h1, double *mins) {
  const int64_t count = h1 - h0, r0 = j->offsets[h0], rows = j->offsets[h1] - r0;
  const size_t n = (size_t)(count * P);
  if (reserve(g, group_bytes(count, rows, P, d)))
    return credal__fail(CREDAL_EUNSUPPORTED, "no device memory for the pairs");
  group_buffers b = layout(g, count, rows, P, d);
  int64_t *offsets = malloc((size_t)(count + 1) * sizeof *offsets);
  if (!offsets) return credal__fail(CREDAL_ENOMEM, "out of memory");
  for (int64_t i = 0; i <= count; i++) offsets[i] = j->offsets[h0 + i] - r0;
  const cudaStream_t s = g->stream;
  cudaError_t e = cudaSuccess;
#define UP(dst, src, bytes) \
  if (e == cudaSuccess) e = cudaMemcpyAsync((dst), (src), (bytes), cudaMemcpyHostToDevice, s)
  UP(b.points, j->points + (size_t)r0 * (size_t)d, (size_t)rows * (size_t)d * 8);
  UP(b.offsets, offsets, (size_t)(count + 1) * 8);
  UP(b.lower, j->lower + h0 * P, n * 8);
  UP(b.upper, j->upper + h0 * P, n * 8);
  UP(b.tau, j->tau + h0, (size_t)count * 8);
  UP(b.open, j->open + h0 * P, n);
#undef UP
  /* row-major values (rows, P) = column-major (P, rows) = U (P x d) * X^T (d x rows) */
  const double one = 1.0, zero = 0.0;
  cublasStatus_t cs = CUBLAS_STATUS_SUCCESS;
  if (e == cudaSuccess)
    cs = cb->dgemm(g->cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)P, (int)rows, (int)d, &one, utility,
                   (int)d, b.points, (int)d, &zero, b.values, (int)P);
  const credal_kernel_pairs k = {count,  rows,        P,           b.values,     b.offsets,
                                 b.lower, b.upper,    b.tau,       b.open,       b.dominated,
                                 b.optimal, b.regret_max, b.pair_min};
  if (e == cudaSuccess && cs == CUBLAS_STATUS_SUCCESS) e = (cudaError_t)credal_rules_pairs(&k, b.work, s);
#define DOWN(dst, src, bytes) \
  if (e == cudaSuccess) e = cudaMemcpyAsync((dst), (src), (bytes), cudaMemcpyDeviceToHost, s)
  DOWN(j->dominated + h0 * P, b.dominated, n);
  DOWN(j->optimal + h0 * P, b.optimal, n);
  DOWN(j->regret_max + h0 * P, b.regret_max, n * 8);
  DOWN(mins, b.pair_min, (size_t)(P * P) * 8);
#undef DOWN
  if (e == cudaSuccess) e = cudaStreamSynchronize(s);
  free(offsets);
  if (cs != CUBLAS_STATUS_SUCCESS)
    return credal__fail(CREDAL_EINTERNAL, "cuBLAS error in the pairs' inner products: %s",
                        cb->status_string(cs));
  if (e != cudaSuccess)
    return credal__fail(CREDAL_EINTERNAL, "CUDA error in the decision rules' pairs: %s",
                        cudaGetErrorString(e));
  return CREDAL_OK;
}

credal_status credal__gpu_pairs_run(credal__gpu_pairs *g, const double *utility, int64_t P,
                                    int64_t d, const credal__pairs_job *j) {
  const credal__cublas *cb;
  credal_status st = credal__cublas_load(&cb);
  if (st) return st;
  if (!g->cublas) {
    cublasStatus_t cs = cb->create(&g->cublas);
    if (cs == CUBLAS_STATUS_SUCCESS) cs = cb->set_stream(g->cublas, g->stream);
    if (cs != CUBLAS_STATUS_SUCCESS)
      return credal__fail(CREDAL_EINTERNAL, "cuBLAS: %s", cb->status_string(cs));
  }
  const int64_t max_rows = (int64_t)(VALUES_MAX / ((size_t)P * 8));
  double *mins = malloc((size_t)(P * P) * sizeof *mins);
  if (!mins) return credal__fail(CREDAL_ENOMEM, "out of memory");
  for (int64_t a = 0; a < P * P; a++) j->pair_min[a] = INFINITY;
  for (int64_t h0 = 0; h0 < j->count && !st;) {
    int64_t h1 = h0;
    while (h1 < j->count && j->offsets[h1 + 1] - j->offsets[h0] <= max_rows) h1++;
    if (h1 == h0) {
      st = credal__fail(CREDAL_EUNSUPPORTED, "hypothesis too large for the pairs' value matrix");
      break;
    }
    if (!(st = run_group(g, cb, utility, P, d, j, h0, h1, mins)))
      for (int64_t a = 0; a < P * P; a++)
        if (mins[a] < j->pair_min[a]) j->pair_min[a] = mins[a];
    h0 = h1;
  }
  free(mins);
  return st;
}
