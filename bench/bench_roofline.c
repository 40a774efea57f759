/* The machine's two ceilings, measured in the same run as the benchmarks they judge:
 *   roofline/openblas_dgemm/...  OpenBLAS DGEMM (all cores), GFLOP/s: square 2000^3 and the
 *                                lower-expectation GEMM shape (rows x 64) . (64 x 256)
 *   roofline/read_bandwidth      reading 1 GiB with every core, GB/s (/threads:1: one core)
 * docs/performance.md reports each cpu benchmark as a fraction of these. */
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#ifdef CREDAL_BENCH_OPENBLAS
#include <cblas.h>
void openblas_set_num_threads(int);
char *openblas_get_corename(void);

/* args: M, N, K */
static void bm_dgemm(credal_bench_state *st, void *ctx) {
  (void)ctx;
  const int M = (int)credal_bench_range(st, 0), N = (int)credal_bench_range(st, 1),
            K = (int)credal_bench_range(st, 2);
  double *a = malloc((size_t)M * K * 8), *b = malloc((size_t)N * K * 8), *c = malloc((size_t)M * N * 8);
  if (!a || !b || !c) {
    credal_bench_skip_with_error(st, "out of memory");
    free(a), free(b), free(c);
    return;
  }
  for (int64_t i = 0; i < (int64_t)M * K; i++) a[i] = bench_uniform(901, (uint64_t)i);
  for (int64_t i = 0; i < (int64_t)N * K; i++) b[i] = bench_uniform(902, (uint64_t)i);
  openblas_set_num_threads(bench_cores());
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0, a, K, b, K, 0.0, c, N);
  while (credal_bench_keep_running(st))
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0, a, K, b, K, 0.0, c, N);
  credal_bench_set_counter(st, "GFLOP/s", 2.0 * M * N * (double)K / 1e9, CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_label(st, openblas_get_corename());
  free(a), free(b), free(c);
}
#endif

typedef struct {
  const double *data;
  int64_t n;
  double sum;
} read_part;

/* Sixteen independent sums in four vectors, so the loop is bound by loads, not by the
 * latency of addition (as a STREAM-like read kernel should be). */
__attribute__((target("avx2"))) static double sum_avx2(const double *a, int64_t n) {
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i + 16 <= n; i += 16) {
    s0 = _mm256_add_pd(s0, _mm256_loadu_pd(a + i));
    s1 = _mm256_add_pd(s1, _mm256_loadu_pd(a + i + 4));
    s2 = _mm256_add_pd(s2, _mm256_loadu_pd(a + i + 8));
    s3 = _mm256_add_pd(s3, _mm256_loadu_pd(a + i + 12));
  }
  double o[4];
  _mm256_storeu_pd(o, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  return o[0] + o[1] + o[2] + o[3];
}

static void *read_sum(void *arg) {
  read_part *p = arg;
  if (__builtin_cpu_supports("avx2")) {
    p->sum = sum_avx2(p->data, p->n);
    return NULL;
  }
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t i = 0; i + 4 <= p->n; i += 4)
    s0 += p->data[i], s1 += p->data[i + 1], s2 += p->data[i + 2], s3 += p->data[i + 3];
  p->sum = s0 + s1 + s2 + s3;
  return NULL;
}

static void bm_read_bandwidth(credal_bench_state *st, void *ctx) {
  const int64_t n = (int64_t)1 << 27; /* 1 GiB of float64 */
  double *a = malloc((size_t)n * 8);
  const int threads = ctx ? *(const int *)ctx : bench_cores();
  if (!a) {
    credal_bench_skip_with_error(st, "out of memory");
    return;
  }
  for (int64_t i = 0; i < n; i++) a[i] = (double)(i & 1023);
  read_part parts[256];
  pthread_t tid[256];
  while (credal_bench_keep_running(st)) {
    for (int t = 0; t < threads; t++) {
      parts[t] = (read_part){a + n / threads * t, n / threads, 0.0};
      pthread_create(&tid[t], NULL, read_sum, &parts[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
  }
  double total = 0;
  for (int t = 0; t < threads; t++) total += parts[t].sum;
  if (total < 0) credal_bench_skip_with_error(st, "impossible sum"); /* keeps the reads alive */
  credal_bench_set_counter(st, "GB/s", (double)n * 8 / 1e9, CREDAL_BENCH_INVARIANT_RATE);
  free(a);
}

void bench_roofline_register(void) {
#ifdef CREDAL_BENCH_OPENBLAS
  static const char *const names[] = {"M", "N", "K"};
  const int64_t shapes[2][3] = {{2000, 2000, 2000}, {400000, 256, 64}};
  credal_bench_def *d = credal_bench_register("roofline/openblas_dgemm", bm_dgemm, NULL);
  for (int i = 0; i < 2; i++) credal_bench_args(d, 3, shapes[i]);
  credal_bench_arg_names(d, 3, names);
  credal_bench_use_real_time(d);
  credal_bench_unit(d, CREDAL_BENCH_MS);
#endif
  credal_bench_def *r = credal_bench_register("roofline/read_bandwidth", bm_read_bandwidth, NULL);
  credal_bench_use_real_time(r);
  credal_bench_unit(r, CREDAL_BENCH_MS);
  static const int one = 1; /* one core's share: what a single-threaded sweep can read */
  r = credal_bench_register("roofline/read_bandwidth/threads:1", bm_read_bandwidth, (void *)&one);
  credal_bench_use_real_time(r);
  credal_bench_unit(r, CREDAL_BENCH_MS);
}
