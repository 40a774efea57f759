/* credal_gpu_bench: credal's GPU paths timed on named shapes, each checked before it is timed.
 *
 * A shape is H hypotheses of K generators (or ragged sizes 1..2K-1), d coordinates, P policies,
 * float64 or float32; its data come from a counter-based splitmix64, uniform in [-1, 1) (never
 * zeros), generated on the host by all cores. Per shape:
 *   fused    credal_fused_lower, data already on the device
 *   cublas   the GPU backend's GEMM path: cuBLAS GEMM + credal_segmented_extremes on groups of
 *            whole hypotheses whose (rows, P) value matrix fits 1 GiB (host/gpu/gpu_backend.c)
 *   gemm     the plain cuBLAS DGEMM (SGEMM for float32) of the same (rows x d) by (d x P)
 *            product in pieces of the same size: the device's measured GEMM rate on this shape
 *   e2e      credal_lower_f64 / credal_lower_f32 with CREDAL_BACKEND_GPU from host memory
 *            (backend setup, host<->device copies and the backend's own path choice included)
 *   cpu-ref  credal_lower_f64 with CREDAL_BACKEND_REFERENCE on a slice of about a second
 *   cpu      the same with CREDAL_BACKEND_CPU, where this build has it
 * and once per run a 1 GiB device-to-device cudaMemcpy (bytes read + written / time).
 *
 * Before timing: fused and cublas (and then e2e) are compared element by element within SPEC §6,
 * and on 50 random (h, p) with a direct float64 CPU min/argmin; an argmin may differ only where
 * the two candidates' exact values are within tolerance. Outputs are poisoned before the check
 * runs (NaN, index -1), so an unwritten element cannot pass.
 * Device paths are timed with CUDA events, the host API with a monotonic clock: the check run is
 * the warm-up, one more untimed run follows, then the median of up to --repeat runs (fewer when
 * one run is long: each path gets about --budget seconds).
 *
 * Shapes named small-* are for the sanitizers: each path once, with every check, no timing.
 * Exit status: 0 all checks passed, 1 a check or a CUDA/cuBLAS call failed, 64 usage,
 * 77 no usable GPU. */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credal.h"
#include "credal_kernels.h"

#define GIB ((size_t)1 << 30)
#define GEMM_VALUES_MAX GIB /* as the backend: the (rows, P) value matrix stays under 1 GiB */
#define SAMPLES 50          /* (h, p) pairs checked against the CPU */
#define MAX_PRINTED 10      /* mismatches printed per comparison */

/* ---------------------------------------------------------------- shapes */

typedef struct {
  const char *name;
  int64_t H, K, d, P;
  int f32;
  int small;        /* sanitizer case: each path once, checks, no timing */
  int ragged;       /* hypothesis sizes 1 .. 2K-1 instead of K */
  int constants;    /* with b_k */
  size_t values_max; /* value-matrix budget of the cublas path; 0: the backend's 1 GiB */
  const char *about;
} shape;

static const shape shapes[] = {
    {"W1", 10000, 1000, 64, 1000, 0, 0, 0, 0, 0, "headline: 10k hypotheses x 1000 generators, float64"},
    {"W1f32", 10000, 1000, 64, 1000, 1, 0, 0, 0, 0, "W1 in float32"},
    {"M1", 100000, 100, 64, 8, 0, 0, 0, 0, 0, "memory-bound: few policies"},
    {"M2", 20000, 500, 32, 16, 0, 0, 0, 0, 0, "memory-bound: few policies"},
    {"tiny", 1000000, 4, 16, 64, 0, 0, 0, 0, 0, "many tiny hypotheses"},
    {"huge", 4, 2000000, 32, 64, 0, 0, 0, 0, 0, "a few huge hypotheses"},
    {"wide", 2000, 500, 1024, 2048, 0, 0, 0, 0, 0, "GEMM-friendly: large d and P"},
    /* sanitizer cases: tiles crossed by hypotheses and policies, ragged sizes, constants, and a
     * value budget so small that the cublas path falls back to the fused kernel */
    {"small-w", 20, 70, 24, 70, 0, 1, 1, 1, 0, "ragged, crosses 64-row and 64-policy tiles"},
    {"small-f32", 20, 70, 24, 70, 1, 1, 1, 1, 0, "small-w in float32"},
    {"small-m", 300, 5, 8, 3, 0, 1, 1, 0, 0, "ragged tiny hypotheses, 3 policies"},
    {"small-big", 3, 300, 16, 5, 0, 1, 0, 1, 8000, "hypotheses over several tiles; GEMM fallback"},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

/* ---------------------------------------------------------------- random data, threads */

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/* Element i of stream s: splitmix64 at position i (counter-based, so any thread can fill any
 * range), uniform in [-1, 1). */
static uint64_t stream_key(uint64_t seed, uint64_t s) { return mix64(seed * 0x9E3779B97F4A7C15ull + s); }
static uint64_t bits_at(uint64_t key, uint64_t i) { return mix64(key + (i + 1) * 0x9E3779B97F4A7C15ull); }
static double uniform_at(uint64_t key, uint64_t i) {
  return (double)(bits_at(key, i) >> 11) * 0x1.0p-52 - 1.0;
}

static int cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

typedef void (*range_fn)(void *ctx, int64_t begin, int64_t end);
typedef struct {
  range_fn fn;
  void *ctx;
  int64_t begin, end;
} range_job;
static void *range_run(void *arg) {
  range_job *j = arg;
  j->fn(j->ctx, j->begin, j->end);
  return NULL;
}
/* fn over [0, n) cut into one range per core (at least `grain` items each). */
static void parallel_for(int64_t n, int64_t grain, range_fn fn, void *ctx) {
  int t = cores();
  if (grain < 1) grain = 1;
  if (n / grain < t) t = (int)(n / grain > 1 ? n / grain : 1);
  pthread_t th[64];
  range_job job[64];
  int started[64] = {0};
  for (int i = 0; i < t; i++) {
    job[i] = (range_job){fn, ctx, n * i / t, n * (i + 1) / t};
    if (i > 0) started[i] = pthread_create(&th[i], NULL, range_run, &job[i]) == 0;
  }
  range_run(&job[0]);
  for (int i = 1; i < t; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    else range_run(&job[i]);
  }
}

typedef struct {
  double *out;
  uint64_t key;
} fill_ctx;
static void fill_range(void *c, int64_t b, int64_t e) {
  fill_ctx *f = c;
  for (int64_t i = b; i < e; i++) f->out[i] = uniform_at(f->key, (uint64_t)i);
}
static void fill(double *out, int64_t n, uint64_t key) {
  fill_ctx f = {out, key};
  parallel_for(n, 1 << 16, fill_range, &f);
}

typedef struct {
  const double *in;
  float *out;
} narrow_ctx;
static void narrow_range(void *c, int64_t b, int64_t e) {
  narrow_ctx *n = c;
  for (int64_t i = b; i < e; i++) n->out[i] = (float)n->in[i];
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double median(const double *v, int n) {
  double s[256];
  if (n > 256) n = 256;
  memcpy(s, v, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/* ---------------------------------------------------------------- host data and checks */

typedef struct {
  int64_t H, rows, d, P;
  int64_t *offsets;   /* (H+1,) */
  double *x, *u, *b;  /* (rows, d), (P, d), (rows,) or NULL */
  double max_x, max_u, max_b;
  double atol, rtol;  /* SPEC §6 for the shape's precision */
} host_data;

static void host_free(host_data *h) {
  free(h->offsets), free(h->x), free(h->u), free(h->b);
  memset(h, 0, sizeof *h);
}

static double max_abs(const double *v, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; i++) m = fabs(v[i]) > m ? fabs(v[i]) : m;
  return m;
}

static int make_offsets(const shape *s, uint64_t seed, host_data *h) {
  h->H = s->H, h->d = s->d, h->P = s->P;
  h->offsets = malloc((size_t)(s->H + 1) * sizeof *h->offsets);
  if (!h->offsets) return 1;
  const uint64_t key = stream_key(seed, 4);
  h->offsets[0] = 0;
  for (int64_t i = 0; i < s->H; i++)
    h->offsets[i + 1] = h->offsets[i] +
                        (s->ragged ? 1 + (int64_t)(bits_at(key, (uint64_t)i) % (uint64_t)(2 * s->K - 1)) : s->K);
  h->rows = h->offsets[s->H];
  return 0;
}

/* Generators, policies and constants; offsets already made. */
static int make_values(const shape *s, uint64_t seed, host_data *h) {
  const int64_t nx = h->rows * h->d, nu = h->P * h->d;
  h->x = malloc((size_t)nx * sizeof *h->x);
  h->u = malloc((size_t)nu * sizeof *h->u);
  h->b = s->constants ? malloc((size_t)h->rows * sizeof *h->b) : NULL;
  if (!h->x || !h->u || (s->constants && !h->b)) return 1;
  fill(h->x, nx, stream_key(seed, 1));
  fill(h->u, nu, stream_key(seed, 2));
  if (h->b) fill(h->b, h->rows, stream_key(seed, 3));
  h->max_x = max_abs(h->x, nx), h->max_u = max_abs(h->u, nu);
  h->max_b = h->b ? max_abs(h->b, h->rows) : 0.0;
  const double scale = s->f32 ? 1e-5 : 1e-12;
  h->rtol = s->f32 ? 1e-4 : 1e-12;
  h->atol = scale * (h->max_x * h->max_u * (double)h->d + h->max_b);
  return 0;
}

/* <x_r, u_p> + b_r in float64, coordinate order. */
static double exact_value(const host_data *h, int64_t r, int64_t p) {
  const double *x = h->x + r * h->d, *u = h->u + p * h->d;
  double v = 0.0;
  for (int64_t j = 0; j < h->d; j++) v += x[j] * u[j];
  return v + (h->b ? h->b[r] : 0.0);
}

static int close_enough(const host_data *h, double got, double ref) {
  return fabs(got - ref) <= h->atol + h->rtol * fabs(ref); /* NaN never passes */
}

/* Is (value, k) an acceptable answer for (hyp, p) given the reference (rv, rk)? */
static int acceptable(const host_data *h, int64_t hyp, int64_t p, double got, int32_t k, double rv,
                      int32_t rk) {
  const int64_t size = h->offsets[hyp + 1] - h->offsets[hyp];
  if (k < 0 || k >= size || !close_enough(h, got, rv)) return 0;
  if (k == rk) return 1;
  /* a different argmin is allowed only on a near-tie of the two candidates' exact values */
  const double vk = exact_value(h, h->offsets[hyp] + k, p);
  const double vr = rk >= 0 && rk < size ? exact_value(h, h->offsets[hyp] + rk, p) : NAN;
  return close_enough(h, vk, vr) && close_enough(h, vk, rv);
}

/* Every (h, p) of got against ref; returns mismatches, printing the first few. */
static int64_t compare_all(const host_data *h, const double *got, const int32_t *got_k,
                           const double *ref, const int32_t *ref_k, const char *what) {
  int64_t bad = 0;
  for (int64_t hyp = 0; hyp < h->H; hyp++)
    for (int64_t p = 0; p < h->P; p++) {
      const int64_t i = hyp * h->P + p;
      if (acceptable(h, hyp, p, got[i], got_k[i], ref[i], ref_k[i])) continue;
      if (bad++ < MAX_PRINTED)
        fprintf(stderr, "  MISMATCH %s [h=%lld, p=%lld]: %.17g (k=%d) vs %.17g (k=%d)\n", what,
                (long long)hyp, (long long)p, got[i], got_k[i], ref[i], ref_k[i]);
    }
  if (bad) fprintf(stderr, "  %s: %lld of %lld mismatches\n", what, (long long)bad, (long long)(h->H * h->P));
  return bad;
}

typedef struct {
  const host_data *h;
  int64_t hyp[SAMPLES], p[SAMPLES];
  double value[SAMPLES];
  int32_t k[SAMPLES];
} samples;

static void sample_range(void *c, int64_t b, int64_t e) {
  samples *s = c;
  for (int64_t i = b; i < e; i++) {
    const int64_t r0 = s->h->offsets[s->hyp[i]], r1 = s->h->offsets[s->hyp[i] + 1];
    double best = 0.0;
    int32_t k = -1;
    for (int64_t r = r0; r < r1; r++) {
      const double v = exact_value(s->h, r, s->p[i]);
      if (k < 0 || v < best) best = v, k = (int32_t)(r - r0); /* lowest index on exact ties */
    }
    s->value[i] = best, s->k[i] = k;
  }
}

/* The float64 CPU min/argmin of SAMPLES random (h, p). */
static void make_samples(const host_data *h, uint64_t seed, samples *s) {
  s->h = h;
  const uint64_t key = stream_key(seed, 5);
  for (int i = 0; i < SAMPLES; i++) {
    s->hyp[i] = (int64_t)(bits_at(key, 2 * (uint64_t)i) % (uint64_t)h->H);
    s->p[i] = (int64_t)(bits_at(key, 2 * (uint64_t)i + 1) % (uint64_t)h->P);
  }
  s->hyp[0] = 0, s->p[0] = 0; /* the corners too */
  s->hyp[1] = h->H - 1, s->p[1] = h->P - 1;
  parallel_for(SAMPLES, 1, sample_range, s);
}

static int check_samples(const samples *s, const double *got, const int32_t *got_k, const char *what) {
  int bad = 0;
  for (int i = 0; i < SAMPLES; i++) {
    const int64_t j = s->hyp[i] * s->h->P + s->p[i];
    if (acceptable(s->h, s->hyp[i], s->p[i], got[j], got_k[j], s->value[i], s->k[i])) continue;
    if (bad++ < MAX_PRINTED)
      fprintf(stderr, "  MISMATCH %s vs CPU float64 [h=%lld, p=%lld]: %.17g (k=%d) vs %.17g (k=%d)\n",
              what, (long long)s->hyp[i], (long long)s->p[i], got[j], got_k[j], s->value[i], s->k[i]);
  }
  return bad;
}

/* ---------------------------------------------------------------- device state */

#define CUDA_OK(call)                                                                         \
  do {                                                                                        \
    cudaError_t e_ = (call);                                                                  \
    if (e_ != cudaSuccess) {                                                                  \
      fprintf(stderr, "credal_gpu_bench: %s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,    \
              cudaGetErrorString(e_), cudaGetErrorName(e_));                                  \
      return 1;                                                                               \
    }                                                                                         \
  } while (0)
#define KERNEL_OK(call) CUDA_OK((cudaError_t)(call))
#define CUBLAS_OK(call)                                                                       \
  do {                                                                                        \
    cublasStatus_t s_ = (call);                                                               \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                        \
      fprintf(stderr, "credal_gpu_bench: %s:%d: %s: %s\n", __FILE__, __LINE__, #call,         \
              cublasGetStatusString(s_));                                                     \
      return 1;                                                                               \
    }                                                                                         \
  } while (0)

typedef struct {
  int64_t h0, h1; /* hypotheses [h0, h1); h1 == h0 + 1 with fallback: too large, fused instead */
  int fallback;
} group;

typedef struct {
  cudaStream_t stream;
  cublasHandle_t cublas;
  const host_data *h;
  int f32;
  size_t elem;
  int64_t *offsets, *offsets_rel; /* (H+1,) each; offsets_rel: scratch for rebased offsets */
  void *x, *u, *b;
  double *lower_f, *lower_g;      /* (H, P): fused, cublas path */
  int32_t *argmin_f, *argmin_g;
  void *work;                     /* fused workspace */
  void *values;                   /* (max_rows, P) of T */
  int64_t max_rows;
  group *groups;                  /* the cublas path's groups, as the backend forms them */
  int64_t ngroups;
} dev;

static size_t out_bytes(const host_data *h) { return (size_t)(h->H * h->P) * 12; }

/* Device bytes for a shape (before anything is allocated). */
static size_t plan_bytes(const host_data *h, int f32, int constants, size_t values_max) {
  const size_t e = f32 ? 4 : 8, R = (size_t)h->rows;
  size_t v = R * (size_t)h->P * e;
  if (v > values_max) v = values_max;
  return R * (size_t)h->d * e + (size_t)(h->P * h->d) * e + (constants ? R * e : 0) +
         2 * (size_t)(h->H + 1) * 8 + 2 * out_bytes(h) +
         credal_fused_workspace_bytes(h->rows, h->P, 0) + v;
}

static void dev_free(dev *g) {
  void *bufs[] = {g->offsets, g->offsets_rel, g->x, g->u, g->b, g->lower_f, g->lower_g,
                  g->argmin_f, g->argmin_g, g->work, g->values};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    if (bufs[i]) cudaFree(bufs[i]);
  free(g->groups);
  cudaStream_t s = g->stream;
  cublasHandle_t c = g->cublas;
  memset(g, 0, sizeof *g);
  g->stream = s, g->cublas = c;
}

/* Uploads n doubles as T (float32: rounded on the host, as cvt.rn does on the device). */
static int upload(void *dst, const double *src, int64_t n, int f32) {
  if (!f32) {
    CUDA_OK(cudaMemcpy(dst, src, (size_t)n * 8, cudaMemcpyHostToDevice));
    return 0;
  }
  float *tmp = malloc((size_t)n * 4);
  if (!tmp) {
    fprintf(stderr, "credal_gpu_bench: out of host memory\n");
    return 1;
  }
  narrow_ctx c = {src, tmp};
  parallel_for(n, 1 << 16, narrow_range, &c);
  cudaError_t e = cudaMemcpy(dst, tmp, (size_t)n * 4, cudaMemcpyHostToDevice);
  free(tmp);
  CUDA_OK(e);
  return 0;
}

static int dev_setup(dev *g, const host_data *h, int f32, size_t values_max) {
  g->h = h, g->f32 = f32, g->elem = f32 ? 4 : 8;
  const size_t e = g->elem, R = (size_t)h->rows, P = (size_t)h->P, d = (size_t)h->d;
  const size_t HP = (size_t)(h->H * h->P);
  size_t vbytes = R * P * e;
  if (vbytes > values_max) vbytes = values_max;
  g->max_rows = (int64_t)(vbytes / (P * e));
  if (g->max_rows < 1) g->max_rows = 1, vbytes = P * e;
  if (h->P > INT32_MAX || h->d > INT32_MAX || g->max_rows > INT32_MAX) {
    fprintf(stderr, "credal_gpu_bench: shape too large for one cuBLAS call\n");
    return 1;
  }
  CUDA_OK(cudaMalloc((void **)&g->offsets, (size_t)(h->H + 1) * 8));
  CUDA_OK(cudaMalloc((void **)&g->offsets_rel, (size_t)(h->H + 1) * 8));
  CUDA_OK(cudaMalloc(&g->x, R * d * e));
  CUDA_OK(cudaMalloc(&g->u, P * d * e));
  if (h->b) CUDA_OK(cudaMalloc(&g->b, R * e));
  CUDA_OK(cudaMalloc((void **)&g->lower_f, HP * 8));
  CUDA_OK(cudaMalloc((void **)&g->lower_g, HP * 8));
  CUDA_OK(cudaMalloc((void **)&g->argmin_f, HP * 4));
  CUDA_OK(cudaMalloc((void **)&g->argmin_g, HP * 4));
  CUDA_OK(cudaMalloc(&g->work, credal_fused_workspace_bytes(h->rows, h->P, 0) + 16));
  CUDA_OK(cudaMalloc(&g->values, vbytes));
  CUDA_OK(cudaMemcpy(g->offsets, h->offsets, (size_t)(h->H + 1) * 8, cudaMemcpyHostToDevice));
  if (upload(g->x, h->x, h->rows * h->d, f32) || upload(g->u, h->u, h->P * h->d, f32) ||
      (h->b && upload(g->b, h->b, h->rows, f32)))
    return 1;
  /* a pageable cudaMemcpy may return before its DMA lands, and the work below runs on a
   * non-blocking stream that does not wait for the legacy stream */
  CUDA_OK(cudaDeviceSynchronize());

  /* the backend's grouping (lane_lower): whole hypotheses while the group's rows fit */
  g->groups = malloc((size_t)h->H * sizeof *g->groups);
  if (!g->groups) return 1;
  g->ngroups = 0;
  for (int64_t h0 = 0; h0 < h->H;) {
    int64_t h1 = h0;
    while (h1 < h->H && h->offsets[h1 + 1] - h->offsets[h0] <= g->max_rows) h1++;
    group gr = {h0, h1 > h0 ? h1 : h0 + 1, h1 == h0};
    g->groups[g->ngroups++] = gr;
    h0 = gr.h1;
  }
  return 0;
}

static int poison(dev *g) {
  const size_t HP = (size_t)(g->h->H * g->h->P);
  CUDA_OK(cudaMemsetAsync(g->lower_f, 0xFF, HP * 8, g->stream)); /* all-ones: NaN */
  CUDA_OK(cudaMemsetAsync(g->lower_g, 0xFF, HP * 8, g->stream));
  CUDA_OK(cudaMemsetAsync(g->argmin_f, 0xFF, HP * 4, g->stream)); /* -1 */
  CUDA_OK(cudaMemsetAsync(g->argmin_g, 0xFF, HP * 4, g->stream));
  return 0;
}

static credal_kernel_batch batch_of(const dev *g, double *lower, int32_t *argmin) {
  const host_data *h = g->h;
  credal_kernel_batch kb = {h->H, h->rows, h->d, h->P, g->offsets, g->x, g->b, g->u,
                            lower, argmin, NULL, NULL};
  return kb;
}

/* (a) the fused kernel */
static int path_fused(dev *g) {
  credal_kernel_batch kb = batch_of(g, g->lower_f, g->argmin_f);
  KERNEL_OK(credal_fused_lower(&kb, g->f32, g->work, g->stream));
  return 0;
}

/* values (n, P) of rows r0.. = X[r0:r0+n] U^T: column-major (P, n) = U (P x d) * X^T (d x n) */
static int gemm_rows(dev *g, int64_t r0, int64_t n) {
  const int m = (int)g->h->P, k = (int)g->h->d;
  const char *x = (const char *)g->x + (size_t)r0 * (size_t)k * g->elem;
  if (g->f32) {
    const float one = 1.0f, zero = 0.0f;
    CUBLAS_OK(cublasSgemm(g->cublas, CUBLAS_OP_T, CUBLAS_OP_N, m, (int)n, k, &one,
                          (const float *)g->u, k, (const float *)x, k, &zero, (float *)g->values, m));
  } else {
    const double one = 1.0, zero = 0.0;
    CUBLAS_OK(cublasDgemm(g->cublas, CUBLAS_OP_T, CUBLAS_OP_N, m, (int)n, k, &one,
                          (const double *)g->u, k, (const double *)x, k, &zero,
                          (double *)g->values, m));
  }
  return 0;
}

/* (b) the backend's cuBLAS path: per group, GEMM, rebase the offsets, segmented reduction */
static int path_cublas(dev *g) {
  const host_data *h = g->h;
  const int64_t P = h->P;
  for (int64_t i = 0; i < g->ngroups; i++) {
    const group gr = g->groups[i];
    const int64_t r0 = h->offsets[gr.h0], n = h->offsets[gr.h1] - r0;
    credal_kernel_batch kb = batch_of(g, g->lower_g + gr.h0 * P, g->argmin_g + gr.h0 * P);
    kb.count = gr.h1 - gr.h0, kb.rows = n, kb.offsets = g->offsets_rel;
    kb.points = (const char *)g->x + (size_t)(r0 * h->d) * g->elem;
    if (g->b) kb.constants = (const char *)g->b + (size_t)r0 * g->elem;
    KERNEL_OK(credal_rebase_offsets(g->offsets + gr.h0, g->offsets_rel, kb.count + 1, g->stream));
    if (gr.fallback) { /* one hypothesis larger than the value matrix: fused, as the backend */
      KERNEL_OK(credal_fused_lower(&kb, g->f32, g->work, g->stream));
      continue;
    }
    if (gemm_rows(g, r0, n)) return 1;
    KERNEL_OK(credal_segmented_extremes(&kb, g->f32, g->values, g->work, g->stream));
  }
  return 0;
}

/* (c) the plain GEMM of the whole product, in pieces of the value matrix's size */
static int path_gemm(dev *g) {
  for (int64_t r0 = 0; r0 < g->h->rows; r0 += g->max_rows) {
    const int64_t n = g->h->rows - r0 < g->max_rows ? g->h->rows - r0 : g->max_rows;
    if (gemm_rows(g, r0, n)) return 1;
  }
  return 0;
}

typedef int (*path_fn)(dev *g);

typedef struct {
  int n;                 /* timed runs (0: not timed) */
  double ms, min_ms, max_ms;
  double pairs;          /* generator x policy pairs of the timed work */
  double flops, bytes;   /* nominal for that work */
  int64_t rows, hyps;    /* of the slice (CPU paths) */
  int skipped;           /* not available (message in note) */
  char note[160];
} timing;

static void summarize(timing *t, const double *ms, int n) {
  t->n = n, t->ms = median(ms, n), t->min_ms = t->max_ms = ms[0];
  for (int i = 1; i < n; i++) {
    if (ms[i] < t->min_ms) t->min_ms = ms[i];
    if (ms[i] > t->max_ms) t->max_ms = ms[i];
  }
}

/* Runs to time within the budget, knowing one run took `one_ms`. */
static int runs_for(double one_ms, int repeat, double budget_s) {
  int n = repeat;
  if (one_ms > 0 && one_ms * n > budget_s * 1e3) n = (int)(budget_s * 1e3 / one_ms);
  return n < 1 ? 1 : n > 256 ? 256 : n;
}

static int time_device(dev *g, path_fn fn, int repeat, double budget_s, timing *t) {
  cudaEvent_t a, b;
  double ms[256];
  CUDA_OK(cudaEventCreate(&a));
  CUDA_OK(cudaEventCreate(&b));
  int rc = 1;
  float w = 0;
  /* one more warm-up (the check run was the first), timed to size the repeats */
  if (cudaEventRecord(a, g->stream) || fn(g) || cudaEventRecord(b, g->stream) ||
      cudaEventSynchronize(b) || cudaEventElapsedTime(&w, a, b))
    goto done;
  const int n = runs_for(w, repeat, budget_s);
  for (int i = 0; i < n; i++) {
    float e = 0;
    if (cudaEventRecord(a, g->stream) || fn(g) || cudaEventRecord(b, g->stream) ||
        cudaEventSynchronize(b) || cudaEventElapsedTime(&e, a, b))
      goto done;
    ms[i] = e;
  }
  summarize(t, ms, n);
  rc = 0;
done:
  if (rc) fprintf(stderr, "credal_gpu_bench: timing failed: %s\n", cudaGetErrorString(cudaGetLastError()));
  cudaEventDestroy(a), cudaEventDestroy(b);
  return rc;
}

/* (d) device-to-device copy bandwidth, bytes read + written per second */
static int copy_bandwidth(size_t bytes, int repeat, timing *t, double *gbps) {
  void *src = NULL, *dst = NULL;
  cudaEvent_t a = NULL, b = NULL;
  double ms[256];
  int rc = 1, n = repeat < 5 ? 5 : repeat > 256 ? 256 : repeat;
  if (cudaMalloc(&src, bytes) || cudaMalloc(&dst, bytes) || cudaMemset(src, 0x5A, bytes) ||
      cudaMemset(dst, 0xA5, bytes) || cudaEventCreate(&a) || cudaEventCreate(&b))
    goto done;
  for (int i = 0; i < 2; i++)
    if (cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice)) goto done;
  for (int i = 0; i < n; i++) {
    float e = 0;
    if (cudaEventRecord(a, 0) || cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0) ||
        cudaEventRecord(b, 0) || cudaEventSynchronize(b) || cudaEventElapsedTime(&e, a, b))
      goto done;
    ms[i] = e;
  }
  summarize(t, ms, n);
  t->bytes = 2.0 * (double)bytes;
  *gbps = t->bytes / (t->ms * 1e-3) / 1e9;
  rc = 0;
done:
  if (rc) fprintf(stderr, "credal_gpu_bench: copy bandwidth: %s\n", cudaGetErrorString(cudaGetLastError()));
  if (a) cudaEventDestroy(a);
  if (b) cudaEventDestroy(b);
  cudaFree(src), cudaFree(dst);
  return rc;
}

/* ---------------------------------------------------------------- the public API */

static credal_status api_lower(credal_backend backend, int f32, const credal_batch_f64 *b,
                               double *lower, int32_t *argmin) {
  return f32 ? credal_lower_f32(backend, b, lower, argmin, NULL, NULL)
             : credal_lower_f64(backend, b, lower, argmin, NULL, NULL);
}

/* (e) end to end from host memory; `lower`/`argmin` receive the first (checked) run. */
static int time_e2e(const host_data *h, int f32, int small, int repeat, double budget_s,
                    double *lower, int32_t *argmin, timing *t) {
  const credal_batch_f64 b = {h->H, h->d, h->P, h->offsets, h->x, h->b, h->u};
  const size_t HP = (size_t)(h->H * h->P);
  for (size_t i = 0; i < HP; i++) lower[i] = NAN, argmin[i] = -7; /* poison */
  double t0 = now_s();
  credal_status st = api_lower(CREDAL_BACKEND_GPU, f32, &b, lower, argmin);
  const double first_ms = (now_s() - t0) * 1e3;
  if (st) {
    fprintf(stderr, "credal_gpu_bench: credal_lower_%s(gpu): %s\n", f32 ? "f32" : "f64",
            credal_last_error());
    return 1;
  }
  if (small) return 0;
  double *lo = malloc(HP * 8), ms[256];
  int32_t *k = malloc(HP * 4);
  if (!lo || !k) {
    free(lo), free(k);
    fprintf(stderr, "credal_gpu_bench: out of host memory\n");
    return 1;
  }
  const int n = runs_for(first_ms, repeat < 3 ? repeat : 3, budget_s);
  for (int i = 0; i < n && !st; i++) {
    t0 = now_s();
    st = api_lower(CREDAL_BACKEND_GPU, f32, &b, lo, k);
    ms[i] = (now_s() - t0) * 1e3;
  }
  free(lo), free(k);
  if (st) {
    fprintf(stderr, "credal_gpu_bench: credal_lower(gpu): %s\n", credal_last_error());
    return 1;
  }
  summarize(t, ms, n);
  return 0;
}

/* A CPU backend on the first `rows` rows (hypotheses cut there), float64. */
static credal_status cpu_slice(const host_data *h, credal_backend backend, int64_t rows,
                               int64_t *offs, double *lower, int32_t *argmin, int64_t *hyps,
                               double *seconds) {
  int64_t n = 0;
  while (n < h->H && h->offsets[n] < rows) n++;
  for (int64_t i = 0; i < n; i++) offs[i] = h->offsets[i];
  offs[n] = rows;
  const credal_batch_f64 b = {n, h->d, h->P, offs, h->x, h->b, h->u};
  const double t0 = now_s();
  credal_status st = credal_lower_f64(backend, &b, lower, argmin, NULL, NULL);
  *seconds = now_s() - t0;
  *hyps = n;
  return st;
}

/* A CPU backend's rate on a slice that takes about `target_s` (at least one run of 0.3 s or
 * the whole shape). */
static void time_cpu(const host_data *h, credal_backend backend, double target_s, timing *t) {
  int64_t *offs = malloc((size_t)(h->H + 1) * 8);
  double *lower = NULL;
  int32_t *argmin = NULL;
  /* start near 1e7 multiply-adds */
  int64_t rows = (int64_t)(1e7 / ((double)h->P * (double)h->d)) + 1;
  double s = 0;
  int64_t hyps = 0;
  for (int tries = 0; tries < 8; tries++) {
    if (rows > h->rows) rows = h->rows;
    int64_t n = 0;
    while (n < h->H && h->offsets[n] < rows) n++;
    free(lower), free(argmin);
    lower = malloc((size_t)(n * h->P) * 8), argmin = malloc((size_t)(n * h->P) * 4);
    if (!offs || !lower || !argmin) {
      t->skipped = 1;
      snprintf(t->note, sizeof t->note, "out of host memory");
      goto done;
    }
    credal_status st = cpu_slice(h, backend, rows, offs, lower, argmin, &hyps, &s);
    if (st) {
      t->skipped = 1;
      snprintf(t->note, sizeof t->note, "%s", credal_last_error());
      goto done;
    }
    if (s >= 0.3 || rows == h->rows) break;
    const double grow = target_s / (s > 1e-4 ? s : 1e-4);
    rows = (int64_t)((double)rows * (grow > 100 ? 100 : grow)) + 1;
  }
  const double ms = s * 1e3;
  summarize(t, &ms, 1);
  t->rows = rows, t->hyps = hyps;
  t->pairs = (double)rows * (double)h->P;
  t->flops = 2.0 * t->pairs * (double)h->d;
  t->bytes = (double)rows * (double)h->d * 8 + (double)(h->P * h->d) * 8 + (double)(hyps * h->P) * 12;
  snprintf(t->note, sizeof t->note, "slice: %lld rows, %lld of %lld hypotheses", (long long)rows,
           (long long)hyps, (long long)h->H);
done:
  free(offs), free(lower), free(argmin);
}

/* ---------------------------------------------------------------- one shape */

enum { P_FUSED, P_CUBLAS, P_GEMM, P_E2E, P_CPUREF, P_CPU, NPATHS };
static const char *path_name[NPATHS] = {"fused", "cublas", "gemm", "e2e", "cpu-ref", "cpu"};

typedef struct {
  const shape *s;
  int64_t rows;
  size_t device_bytes;
  const char *check;   /* "pass", "FAIL", "skipped" */
  char note[200];
  timing t[NPATHS];
} result;

typedef struct {
  int repeat;
  double budget_s, cpu_target_s, max_device_gib;
  uint64_t seed;
  int no_cpu, no_e2e;
  double copy_gbps;
} options;

static void fill_rates(result *r, const host_data *h) {
  const double pairs = (double)h->rows * (double)h->P;
  const double e = r->s->f32 ? 4 : 8;
  const double bytes = (double)h->rows * (double)h->d * e + (double)(h->P * h->d) * e +
                       (h->b ? (double)h->rows * e : 0) + (double)(h->H * h->P) * 12;
  for (int i = 0; i < NPATHS; i++) {
    timing *t = &r->t[i];
    if (!t->n || i == P_CPUREF || i == P_CPU) continue;
    t->pairs = pairs, t->flops = 2.0 * pairs * (double)h->d, t->bytes = bytes;
    t->rows = h->rows, t->hyps = h->H;
  }
}

static double gflops(const timing *t) { return t->n ? t->flops / (t->ms * 1e-3) / 1e9 : NAN; }
static double gbps(const timing *t) { return t->n ? t->bytes / (t->ms * 1e-3) / 1e9 : NAN; }
static double pairs_per_s(const timing *t) { return t->n ? t->pairs / (t->ms * 1e-3) : NAN; }

static void print_row(const result *r, int i, const options *o) {
  const timing *t = &r->t[i];
  if (!t->n) {
    if (t->skipped) printf("%-10s %-8s skipped: %s\n", r->s->name, path_name[i], t->note);
    return;
  }
  printf("%-10s %-8s %11.3f ms  %10.1f GFLOP/s  %8.1f GB/s  %9.3f Gpair/s  n=%-3d", r->s->name,
         path_name[i], t->ms, gflops(t), gbps(t), pairs_per_s(t) / 1e9, t->n);
  if (i == P_FUSED && r->t[P_GEMM].n)
    printf("  fused/GEMM rate %.1f%%", 100.0 * r->t[P_GEMM].ms / t->ms);
  if ((i == P_FUSED || i == P_CUBLAS) && r->s->P <= 16 && o->copy_gbps > 0)
    printf("  %.1f%% of copy GB/s", 100.0 * gbps(t) / o->copy_gbps);
  if (t->note[0]) printf("  (%s)", t->note);
  printf("\n");
}

/* In run_shape: a failed CUDA call ends the shape through its cleanup. */
#define TRY(call)                                                                             \
  do {                                                                                        \
    cudaError_t e_ = (call);                                                                  \
    if (e_ != cudaSuccess) {                                                                  \
      fprintf(stderr, "credal_gpu_bench: %s:%d: %s: %s\n", __FILE__, __LINE__, #call,         \
              cudaGetErrorString(e_));                                                        \
      goto fail;                                                                              \
    }                                                                                         \
  } while (0)

static int run_shape(const shape *s, const options *o, cublasHandle_t cublas, cudaStream_t stream,
                     result *r) {
  host_data h;
  memset(&h, 0, sizeof h);
  dev g;
  memset(&g, 0, sizeof g);
  g.cublas = cublas, g.stream = stream;
  double *host_lo[2] = {NULL, NULL}, *e2e_lo = NULL;
  int32_t *host_k[2] = {NULL, NULL}, *e2e_k = NULL;
  int failed = 0;
  r->s = s;
  r->check = "skipped";
  const size_t values_max = s->values_max ? s->values_max : GEMM_VALUES_MAX;

  if (make_offsets(s, o->seed, &h)) goto oom;
  r->rows = h.rows;
  r->device_bytes = plan_bytes(&h, s->f32, s->constants, values_max);
  printf("== %s: H=%lld, K=%lld%s, d=%lld, P=%lld, %s%s; %lld rows; device %.2f GiB (%s)\n", s->name,
         (long long)s->H, (long long)s->K, s->ragged ? " (ragged 1..2K-1)" : "", (long long)s->d,
         (long long)s->P, s->f32 ? "float32" : "float64", s->constants ? ", constants" : "",
         (long long)h.rows, (double)r->device_bytes / (double)GIB, s->about);
  fflush(stdout);
  size_t free_b = 0, total_b = 0;
  TRY(cudaMemGetInfo(&free_b, &total_b));
  if ((double)r->device_bytes > o->max_device_gib * (double)GIB ||
      (double)r->device_bytes > 0.9 * (double)free_b) {
    snprintf(r->note, sizeof r->note, "needs %.1f GiB of device memory: limit %.1f GiB, %.1f GiB free",
             (double)r->device_bytes / (double)GIB, o->max_device_gib, (double)free_b / (double)GIB);
    printf("%s: skipped: %s\n", s->name, r->note);
    host_free(&h);
    return 0;
  }
  double t0 = now_s();
  if (make_values(s, o->seed, &h)) goto oom;
  printf("   data generated on the host in %.2f s\n", now_s() - t0);
  t0 = now_s();
  if (dev_setup(&g, &h, s->f32, values_max)) goto fail;
  printf("   uploaded in %.2f s; cublas path: %lld groups of up to %lld rows%s\n", now_s() - t0,
         (long long)g.ngroups, (long long)g.max_rows,
         g.ngroups && g.groups[0].fallback ? " (fused fallback: hypotheses too large)" : "");

  /* the check run (also the first warm-up) */
  const size_t HP = (size_t)(h.H * h.P);
  for (int i = 0; i < 2; i++) {
    host_lo[i] = malloc(HP * 8), host_k[i] = malloc(HP * 4);
    if (!host_lo[i] || !host_k[i]) goto oom;
  }
  if (poison(&g) || path_fused(&g) || path_cublas(&g)) goto fail;
  TRY(cudaStreamSynchronize(stream));
  TRY(cudaMemcpy(host_lo[0], g.lower_f, HP * 8, cudaMemcpyDeviceToHost));
  TRY(cudaMemcpy(host_k[0], g.argmin_f, HP * 4, cudaMemcpyDeviceToHost));
  TRY(cudaMemcpy(host_lo[1], g.lower_g, HP * 8, cudaMemcpyDeviceToHost));
  TRY(cudaMemcpy(host_k[1], g.argmin_g, HP * 4, cudaMemcpyDeviceToHost));
  samples smp;
  t0 = now_s();
  make_samples(&h, o->seed, &smp);
  int64_t bad = compare_all(&h, host_lo[0], host_k[0], host_lo[1], host_k[1], "fused vs cublas");
  bad += check_samples(&smp, host_lo[0], host_k[0], "fused");
  bad += check_samples(&smp, host_lo[1], host_k[1], "cublas");
  printf("   check: fused vs cublas on all %zu (h, p), both vs CPU float64 on %d samples "
         "(atol %.3g, rtol %.0e): %s (%.2f s)\n",
         HP, SAMPLES, h.atol, h.rtol, bad ? "FAIL" : "pass", now_s() - t0);
  if (bad) {
    failed = 1;
    snprintf(r->note, sizeof r->note, "%lld mismatches in fused vs cublas vs CPU", (long long)bad);
    goto finish;
  }
  if (!s->small) { /* the device-only paths */
    if (time_device(&g, path_fused, o->repeat, o->budget_s, &r->t[P_FUSED]) ||
        time_device(&g, path_cublas, o->repeat, o->budget_s, &r->t[P_CUBLAS]) ||
        time_device(&g, path_gemm, o->repeat, o->budget_s, &r->t[P_GEMM]))
      goto fail;
  } else {
    if (path_gemm(&g)) goto fail; /* once, for the sanitizers */
    TRY(cudaStreamSynchronize(stream));
  }
  dev_free(&g); /* the backend allocates its own */

  if (!o->no_e2e) {
    e2e_lo = malloc(HP * 8), e2e_k = malloc(HP * 4);
    if (!e2e_lo || !e2e_k) goto oom;
    if (time_e2e(&h, s->f32, s->small, o->repeat, o->budget_s, e2e_lo, e2e_k, &r->t[P_E2E])) goto fail;
    const char *gpu_path = getenv("CREDAL_GPU_PATH");
    snprintf(r->t[P_E2E].note, sizeof r->t[P_E2E].note, "backend path: %s",
             gpu_path && *gpu_path ? gpu_path : "auto");
    bad = compare_all(&h, e2e_lo, e2e_k, host_lo[0], host_k[0], "e2e vs fused");
    bad += check_samples(&smp, e2e_lo, e2e_k, "e2e");
    printf("   check: e2e (credal_lower_%s, gpu) vs fused and CPU samples: %s\n",
           s->f32 ? "f32" : "f64", bad ? "FAIL" : "pass");
    if (bad) {
      failed = 1;
      snprintf(r->note, sizeof r->note, "%lld mismatches in e2e", (long long)bad);
      goto finish;
    }
  }
  if (!s->small && !o->no_cpu) {
    time_cpu(&h, CREDAL_BACKEND_REFERENCE, o->cpu_target_s, &r->t[P_CPUREF]);
    time_cpu(&h, CREDAL_BACKEND_CPU, o->cpu_target_s, &r->t[P_CPU]);
  }

finish:
  r->check = failed ? "FAIL" : "pass";
  fill_rates(r, &h);
  for (int i = 0; i < NPATHS; i++) print_row(r, i, o);
  fflush(stdout);
  dev_free(&g);
  host_free(&h);
  for (int i = 0; i < 2; i++) free(host_lo[i]), free(host_k[i]);
  free(e2e_lo), free(e2e_k);
  return failed;
oom:
  fprintf(stderr, "credal_gpu_bench: %s: out of host memory\n", s->name);
fail:
  snprintf(r->note, sizeof r->note, "error (see the log)");
  failed = 1;
  cudaStreamSynchronize(stream);
  cudaGetLastError();
  goto finish;
}

/* --dry-run: the host half of run_shape with no GPU (scripts/device-prepare.sh runs it): data,
 * the reference backend standing in for every GPU path, the checks (and that they catch a
 * planted error), the CPU timings, the table and the JSON. Its "GPU" times are the reference's. */
static int dry_run_shape(const shape *s, const options *o, result *r) {
  host_data h;
  memset(&h, 0, sizeof h);
  double *lo = NULL, *lo2 = NULL;
  int32_t *k = NULL, *k2 = NULL;
  int failed = 1;
  r->s = s;
  r->check = "FAIL";
  if (make_offsets(s, o->seed, &h) || make_values(s, o->seed, &h)) goto done;
  r->rows = h.rows;
  r->device_bytes = plan_bytes(&h, s->f32, s->constants, s->values_max ? s->values_max : GEMM_VALUES_MAX);
  const size_t HP = (size_t)(h.H * h.P);
  lo = malloc(HP * 8), lo2 = malloc(HP * 8), k = malloc(HP * 4), k2 = malloc(HP * 4);
  if (!lo || !lo2 || !k || !k2) goto done;
  const credal_batch_f64 b = {h.H, h.d, h.P, h.offsets, h.x, h.b, h.u};
  const double t0 = now_s();
  if (credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, lo, k, NULL, NULL)) {
    fprintf(stderr, "credal_gpu_bench: reference: %s\n", credal_last_error());
    goto done;
  }
  const double ms = (now_s() - t0) * 1e3;
  memcpy(lo2, lo, HP * 8), memcpy(k2, k, HP * 4);
  samples smp;
  make_samples(&h, o->seed, &smp);
  int64_t bad = compare_all(&h, lo2, k2, lo, k, "dry run: reference vs itself");
  bad += check_samples(&smp, lo, k, "dry run: reference");
  /* the checker must catch a wrong value, a wrong index and an unwritten (poisoned) element */
  const size_t i = HP / 2;
  lo2[i] += 1e3 * (h.atol + h.rtol * fabs(lo2[i]));
  k2[HP - 1] = (int32_t)(h.offsets[h.H] - h.offsets[h.H - 1]);
  lo2[0] = NAN;
  fprintf(stderr, "  (three planted mismatches follow)\n");
  const int64_t caught = compare_all(&h, lo2, k2, lo, k, "dry run: planted errors");
  printf("   dry run: checks %s; planted errors caught: %lld of 3\n", bad ? "FAIL" : "pass",
         (long long)caught);
  if (bad || caught != 3 || HP < 3) goto done;
  for (int p = P_FUSED; p <= P_E2E; p++) {
    summarize(&r->t[p], &ms, 1);
    snprintf(r->t[p].note, sizeof r->t[p].note, "dry run: the reference's time");
  }
  if (!o->no_cpu) {
    time_cpu(&h, CREDAL_BACKEND_REFERENCE, o->cpu_target_s, &r->t[P_CPUREF]);
    time_cpu(&h, CREDAL_BACKEND_CPU, o->cpu_target_s, &r->t[P_CPU]);
  }
  failed = 0;
  r->check = "pass";
done:
  if (failed && !r->note[0]) snprintf(r->note, sizeof r->note, "dry run failed");
  fill_rates(r, &h);
  for (int p = 0; p < NPATHS; p++) print_row(r, p, o);
  host_free(&h);
  free(lo), free(lo2), free(k), free(k2);
  return failed;
}

/* ---------------------------------------------------------------- output */

static void json_num(FILE *f, const char *key, double v, int comma) {
  if (isfinite(v)) fprintf(f, "\"%s\": %.6g%s", key, v, comma ? ", " : "");
  else fprintf(f, "\"%s\": null%s", key, comma ? ", " : "");
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static int write_json(const char *path, const result *res, int n, const options *o,
                      const timing *copy, const struct cudaDeviceProp *prop, int device) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "credal_gpu_bench: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  int drv = 0, rt = 0, cub = 0;
  cudaDriverGetVersion(&drv), cudaRuntimeGetVersion(&rt);
  cublasGetProperty(MAJOR_VERSION, &cub);
  int cub_minor = 0, cub_patch = 0;
  cublasGetProperty(MINOR_VERSION, &cub_minor), cublasGetProperty(PATCH_LEVEL, &cub_patch);
  fprintf(f, "{\"tool\": \"credal_gpu_bench\", \"credal_version\": ");
  json_str(f, credal_version());
  fprintf(f, ",\n \"device\": {\"index\": %d, \"name\": ", device);
  json_str(f, prop->name);
  fprintf(f, ", \"sm\": \"%d.%d\", \"multiprocessors\": %d, \"memory_gib\": %.2f, \"l2_mib\": %.1f, "
             "\"driver\": %d, \"runtime\": %d, \"cublas\": \"%d.%d.%d\"},\n",
          prop->major, prop->minor, prop->multiProcessorCount,
          (double)prop->totalGlobalMem / (double)GIB, prop->l2CacheSize / 1048576.0, drv, rt, cub,
          cub_minor, cub_patch);
  fprintf(f, " \"seed\": %llu, \"repeat\": %d, \"budget_s\": %g, \"host_cores\": %d,\n",
          (unsigned long long)o->seed, o->repeat, o->budget_s, cores());
  fprintf(f, " \"copy\": {");
  if (copy->n) {
    json_num(f, "bytes", copy->bytes, 1);
    json_num(f, "ms", copy->ms, 1);
    json_num(f, "gbps", o->copy_gbps, 0);
  }
  fprintf(f, "},\n \"shapes\": [");
  for (int i = 0; i < n; i++) {
    const result *r = &res[i];
    const shape *s = r->s;
    fprintf(f, "%s\n  {\"name\": \"%s\", \"H\": %lld, \"K\": %lld, \"d\": %lld, \"P\": %lld, "
               "\"precision\": \"%s\", \"ragged\": %s, \"constants\": %s, \"rows\": %lld, "
               "\"device_bytes\": %zu, \"check\": \"%s\", \"note\": ",
            i ? "," : "", s->name, (long long)s->H, (long long)s->K, (long long)s->d,
            (long long)s->P, s->f32 ? "f32" : "f64", s->ragged ? "true" : "false",
            s->constants ? "true" : "false", (long long)r->rows, r->device_bytes, r->check);
    json_str(f, r->note);
    const timing *fu = &r->t[P_FUSED], *ge = &r->t[P_GEMM];
    fprintf(f, ",\n   ");
    json_num(f, "fused_over_gemm", fu->n && ge->n ? ge->ms / fu->ms : NAN, 1);
    json_num(f, "fused_gbps_over_copy", s->P <= 16 && fu->n && o->copy_gbps > 0 ? gbps(fu) / o->copy_gbps : NAN, 1);
    json_num(f, "cublas_gbps_over_copy", s->P <= 16 && r->t[P_CUBLAS].n && o->copy_gbps > 0 ? gbps(&r->t[P_CUBLAS]) / o->copy_gbps : NAN, 0);
    fprintf(f, ",\n   \"paths\": {");
    int first = 1;
    for (int p = 0; p < NPATHS; p++) {
      const timing *t = &r->t[p];
      if (!t->n && !t->skipped) continue;
      fprintf(f, "%s\n    \"%s\": {", first ? "" : ",", path_name[p]);
      first = 0;
      if (t->n) {
        fprintf(f, "\"n\": %d, ", t->n);
        json_num(f, "ms", t->ms, 1);
        json_num(f, "ms_min", t->min_ms, 1);
        json_num(f, "ms_max", t->max_ms, 1);
        json_num(f, "gflops", gflops(t), 1);
        json_num(f, "gbps", gbps(t), 1);
        json_num(f, "pairs_per_s", pairs_per_s(t), 1);
        fprintf(f, "\"rows\": %lld, \"hypotheses\": %lld, ", (long long)t->rows, (long long)t->hyps);
      } else {
        fprintf(f, "\"skipped\": true, ");
      }
      fprintf(f, "\"note\": ");
      json_str(f, t->note);
      fprintf(f, "}");
    }
    fprintf(f, "}}");
  }
  fprintf(f, "\n ]\n}\n");
  if (fclose(f)) {
    fprintf(stderr, "credal_gpu_bench: writing %s failed\n", path);
    return 1;
  }
  return 0;
}

static void print_table(const result *res, int n, const options *o) {
  printf("\n%-10s %-4s %10s %10s %10s %10s %11s %9s %9s %10s %6s\n", "shape", "prec", "fused ms",
         "cublas ms", "gemm ms", "e2e ms", "fused/GEMM", "GB/s/copy", "CPU Mp/s", "fused/CPU",
         "check");
  for (int i = 0; i < n; i++) {
    const result *r = &res[i];
    const timing *t = r->t;
    char c[6][16];
    const double vals[4] = {t[P_FUSED].n ? t[P_FUSED].ms : NAN, t[P_CUBLAS].n ? t[P_CUBLAS].ms : NAN,
                            t[P_GEMM].n ? t[P_GEMM].ms : NAN, t[P_E2E].n ? t[P_E2E].ms : NAN};
    for (int k = 0; k < 4; k++) snprintf(c[k], sizeof c[k], isfinite(vals[k]) ? "%.3f" : "-", vals[k]);
    const timing *cpu = t[P_CPU].n ? &t[P_CPU] : &t[P_CPUREF];
    snprintf(c[4], sizeof c[4], cpu->n ? "%.1f" : "-", pairs_per_s(cpu) / 1e6);
    snprintf(c[5], sizeof c[5], cpu->n && t[P_FUSED].n ? "%.3gx" : "-",
             pairs_per_s(&t[P_FUSED]) / pairs_per_s(cpu));
    char ratio[16] = "-", copy[16] = "-";
    if (t[P_FUSED].n && t[P_GEMM].n) snprintf(ratio, sizeof ratio, "%.1f%%", 100.0 * t[P_GEMM].ms / t[P_FUSED].ms);
    if (t[P_FUSED].n && r->s->P <= 16 && o->copy_gbps > 0)
      snprintf(copy, sizeof copy, "%.1f%%", 100.0 * gbps(&t[P_FUSED]) / o->copy_gbps);
    printf("%-10s %-4s %10s %10s %10s %10s %11s %9s %9s %10s %6s\n", r->s->name,
           r->s->f32 ? "f32" : "f64", c[0], c[1], c[2], c[3], ratio, copy, c[4], c[5], r->check);
  }
  if (o->copy_gbps > 0) printf("device-to-device copy: %.1f GB/s (bytes read + written)\n", o->copy_gbps);
  printf("CPU Mp/s: million generator x policy pairs per second of the cpu backend (cpu-ref where "
         "cpu is unavailable), on a slice\n");
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f) {
  fprintf(f,
          "usage: credal_gpu_bench [--shape NAME]... [--json FILE] [--repeat N] [--device N]\n"
          "                        [--seed S] [--budget SECONDS] [--cpu-seconds S]\n"
          "                        [--max-device-gib G] [--no-cpu] [--no-e2e] [--list]\n"
          "                        [--dry-run]\n"
          "NAME: a shape, 'all' (default: every shape not named small-*) or 'small' (the\n"
          "small-* sanitizer shapes: each path once, checked, untimed). Exit status: 0 ok,\n"
          "1 a check or CUDA call failed, 64 usage, 77 no usable GPU. --dry-run: the host\n"
          "half only, no GPU touched (the reference stands in for the GPU paths).\n");
}

static void list_shapes(void) {
  for (int i = 0; i < NSHAPES; i++) {
    const shape *s = &shapes[i];
    printf("%-10s H=%-8lld K=%-8lld d=%-5lld P=%-5lld %s  %s\n", s->name, (long long)s->H,
           (long long)s->K, (long long)s->d, (long long)s->P, s->f32 ? "f32" : "f64", s->about);
  }
}

static int parse_num(const char *arg, const char *opt, double lo, double hi, double *out) {
  char *end = NULL;
  errno = 0;
  const double v = strtod(arg ? arg : "", &end);
  if (!arg || errno || end == arg || *end || !(v >= lo && v <= hi)) {
    fprintf(stderr, "credal_gpu_bench: %s needs a number in [%g, %g], got '%s'\n", opt, lo, hi,
            arg ? arg : "");
    return 1;
  }
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  options o = {10, 3.0, 1.0, 60.0, 1, 0, 0, 0.0};
  const char *json = NULL;
  int device = 0, selected[NSHAPES] = {0}, any = 0, dry_run = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    double num = 0;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--list")) {
      list_shapes();
      return 0;
    } else if (!strcmp(a, "--shape")) {
      if (!v) return usage(stderr), 64;
      int found = 0;
      for (int k = 0; k < NSHAPES; k++) {
        const int small = shapes[k].small;
        if (!strcmp(v, shapes[k].name) || (!strcmp(v, "all") && !small) ||
            (!strcmp(v, "small") && small))
          selected[k] = found = 1;
      }
      if (!found) {
        fprintf(stderr, "credal_gpu_bench: unknown shape '%s' (--list shows them)\n", v);
        return 64;
      }
      any = 1, i++;
    } else if (!strcmp(a, "--json")) {
      if (!v) return usage(stderr), 64;
      json = v, i++;
    } else if (!strcmp(a, "--repeat")) {
      if (parse_num(v, a, 1, 256, &num)) return 64;
      o.repeat = (int)num, i++;
    } else if (!strcmp(a, "--device")) {
      if (parse_num(v, a, 0, 1024, &num)) return 64;
      device = (int)num, i++;
    } else if (!strcmp(a, "--seed")) {
      if (parse_num(v, a, 0, 9007199254740992.0, &num)) return 64;
      o.seed = (uint64_t)num, i++;
    } else if (!strcmp(a, "--budget")) {
      if (parse_num(v, a, 0, 3600, &o.budget_s)) return 64;
      i++;
    } else if (!strcmp(a, "--cpu-seconds")) {
      if (parse_num(v, a, 0.01, 600, &o.cpu_target_s)) return 64;
      i++;
    } else if (!strcmp(a, "--max-device-gib")) {
      if (parse_num(v, a, 0.001, 1e6, &o.max_device_gib)) return 64;
      i++;
    } else if (!strcmp(a, "--no-cpu")) {
      o.no_cpu = 1;
    } else if (!strcmp(a, "--no-e2e")) {
      o.no_e2e = 1;
    } else if (!strcmp(a, "--dry-run")) {
      dry_run = 1;
    } else {
      fprintf(stderr, "credal_gpu_bench: unknown argument '%s'\n", a);
      usage(stderr);
      return 64;
    }
  }
  if (!any)
    for (int k = 0; k < NSHAPES; k++) selected[k] = !shapes[k].small;

  if (dry_run) { /* no GPU touched */
    result res[NSHAPES];
    memset(res, 0, sizeof res);
    int n = 0, failed = 0;
    o.copy_gbps = 1.0; /* a stand-in, so the ratios print */
    printf("credal_gpu_bench %s: dry run on the host (no GPU): the reference stands in for the GPU paths\n",
           credal_version());
    for (int k = 0; k < NSHAPES; k++)
      if (selected[k]) failed |= dry_run_shape(&shapes[k], &o, &res[n++]);
    print_table(res, n, &o);
    struct cudaDeviceProp prop;
    memset(&prop, 0, sizeof prop);
    snprintf(prop.name, sizeof prop.name, "dry run (no GPU)");
    timing copy;
    memset(&copy, 0, sizeof copy);
    if (json && write_json(json, res, n, &o, &copy, &prop, -1)) failed = 1;
    printf("credal_gpu_bench: dry run %s\n", failed ? "FAILED" : "passed");
    return failed ? 1 : 0;
  }

  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    printf("no usable GPU: %s\n", e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device is visible");
    return 77;
  }
  if (device >= count) {
    printf("no usable GPU: --device %d asked for, %d visible\n", device, count);
    return 77;
  }
  if ((e = cudaSetDevice(device)) != cudaSuccess || (e = cudaFree(0)) != cudaSuccess) {
    printf("no usable GPU: device %d: %s\n", device, cudaGetErrorString(e));
    return 77;
  }
  if (device != 0)
    fprintf(stderr, "credal_gpu_bench: note: the e2e path (public API) always uses GPU 0\n");
  struct cudaDeviceProp prop;
  CUDA_OK(cudaGetDeviceProperties(&prop, device));
  int drv = 0, rt = 0;
  cudaDriverGetVersion(&drv), cudaRuntimeGetVersion(&rt);
  printf("credal_gpu_bench %s: %s (GPU %d, sm_%d%d, %d SMs, %.1f GiB, L2 %.0f MiB), driver %d, "
         "runtime %d; host %d cores; repeat %d, budget %.1f s per path\n",
         credal_version(), prop.name, device, prop.major, prop.minor, prop.multiProcessorCount,
         (double)prop.totalGlobalMem / (double)GIB, prop.l2CacheSize / 1048576.0, drv, rt, cores(),
         o.repeat, o.budget_s);

  cublasHandle_t cublas;
  cudaStream_t stream;
  CUBLAS_OK(cublasCreate(&cublas));
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CUBLAS_OK(cublasSetStream(cublas, stream));

  /* (d) copy bandwidth, once: the memory ceiling for the small-P shapes */
  timing copy;
  memset(&copy, 0, sizeof copy);
  int timed_shapes = 0;
  for (int k = 0; k < NSHAPES; k++) timed_shapes += selected[k] && !shapes[k].small;
  int failed = 0;
  if (timed_shapes) {
    if (copy_bandwidth(GIB, o.repeat, &copy, &o.copy_gbps)) failed = 1;
    else
      printf("copy: 1 GiB device-to-device, %.3f ms (median of %d): %.1f GB/s read + written\n",
             copy.ms, copy.n, o.copy_gbps);
  }

  result res[NSHAPES];
  memset(res, 0, sizeof res);
  int n = 0;
  for (int k = 0; k < NSHAPES; k++) {
    if (!selected[k]) continue;
    res[n].s = &shapes[k];
    if (run_shape(&shapes[k], &o, cublas, stream, &res[n])) failed = 1;
    n++;
    if (json) write_json(json, res, n, &o, &copy, &prop, device); /* so far, should a later shape crash */
  }
  print_table(res, n, &o);
  if (json && write_json(json, res, n, &o, &copy, &prop, device)) failed = 1;
  cublasDestroy(cublas);
  cudaStreamDestroy(stream);
  printf("credal_gpu_bench: %s\n", failed ? "FAILED" : "all checks passed");
  return failed ? 1 : 0;
}
