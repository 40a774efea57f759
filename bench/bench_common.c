/* See bench_common.h. */
#include "bench_common.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- random data */

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* splitmix64 at position i of the stream keyed by `stream` (counter-based: any element can be
 * computed on its own, so threads fill any range and prefixes never change) */
uint64_t bench_bits(uint64_t stream, uint64_t i) {
  const uint64_t key = mix64(stream * 0x9E3779B97F4A7C15ull + 0x6A09E667F3BCC909ull);
  return mix64(key + (i + 1) * 0x9E3779B97F4A7C15ull);
}

/* (m + 0.5) * 2^-52 - 1 for a 53-bit m: uniform in (-1, 1), symmetric, never exactly 0 */
double bench_uniform(uint64_t stream, uint64_t i) {
  return ((double)(bench_bits(stream, i) >> 11) + 0.5) * 0x1.0p-52 - 1.0;
}

int bench_cores(void) {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

typedef struct {
  double *out;
  uint64_t stream;
  int64_t begin, end; /* elements [begin, end) */
} fill_job;

static void *fill_run(void *arg) {
  const fill_job *j = arg;
  for (int64_t i = j->begin; i < j->end; i++) j->out[i] = bench_uniform(j->stream, (uint64_t)i);
  return NULL;
}

/* out[i] = bench_uniform(stream, i) for i in [begin, end), on every core */
static void fill(double *out, uint64_t stream, int64_t begin, int64_t end) {
  enum { MAX_THREADS = 64 };
  int t = bench_cores();
  if (t > MAX_THREADS) t = MAX_THREADS;
  if (end - begin < ((int64_t)1 << 16)) t = 1;
  pthread_t th[MAX_THREADS];
  fill_job job[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  const int64_t n = end - begin;
  for (int i = 0; i < t; i++) {
    job[i] = (fill_job){out, stream, begin + n * i / t, begin + n * (i + 1) / t};
    if (i > 0) started[i] = pthread_create(&th[i], NULL, fill_run, &job[i]) == 0;
  }
  fill_run(&job[0]);
  for (int i = 1; i < t; i++) {
    if (started[i])
      pthread_join(th[i], NULL);
    else
      fill_run(&job[i]);
  }
}

/* A cached (count, d) matrix of one stream family; element (r, j) of dimension d is element
 * r*d + j of stream base + d. */
typedef struct {
  uint64_t base;
  int64_t count, d;
  double *data;
} matrix_cache;

static const double *cached_matrix(matrix_cache *c, int64_t count, int64_t d) {
  if (count < 1 || d < 1) return NULL;
  if (c->data && c->d == d && count <= c->count) return c->data;
  if (c->d != d) { /* another dimension: nothing to keep */
    free(c->data);
    c->data = NULL;
    c->count = 0;
    c->d = d;
  }
  double *grown = realloc(c->data, (size_t)count * (size_t)d * sizeof *grown);
  if (!grown) return NULL;
  fill(grown, c->base + (uint64_t)d, c->count * d, count * d); /* only the new rows */
  c->data = grown;
  c->count = count;
  return grown;
}

static matrix_cache points_cache = {0x1000, 0, 0, NULL};
static matrix_cache utility_cache = {0x2000, 0, 0, NULL};

const double *bench_points(int64_t rows, int64_t d) { return cached_matrix(&points_cache, rows, d); }
const double *bench_utility(int64_t policies, int64_t d) {
  return cached_matrix(&utility_cache, policies, d);
}

const int64_t *bench_offsets(int64_t H, int64_t K) {
  static int64_t cached_H = 0, cached_K = 0, *offsets = NULL;
  if (H < 1 || K < 1) return NULL;
  if (offsets && cached_H == H && cached_K == K) return offsets;
  int64_t *o = realloc(offsets, (size_t)(H + 1) * sizeof *o);
  if (!o) return NULL;
  for (int64_t h = 0; h <= H; h++) o[h] = h * K;
  offsets = o, cached_H = H, cached_K = K;
  return o;
}

int bench_outputs(int64_t n, double **lower, int32_t **argmin) {
  static int64_t cap = 0;
  static double *lo = NULL;
  static int32_t *k = NULL;
  if (n > cap) {
    double *l2 = realloc(lo, (size_t)n * sizeof *l2);
    if (l2) lo = l2;
    int32_t *k2 = realloc(k, (size_t)n * sizeof *k2);
    if (k2) k = k2;
    if (!l2 || !k2) return 1;
    cap = n;
  }
  *lower = lo, *argmin = k;
  return 0;
}

void bench_poison(int64_t n, double *lower, int32_t *argmin) {
  for (int64_t i = 0; i < n; i++) lower[i] = NAN, argmin[i] = -7;
}

/* ---------------------------------------------------------------- checks */

static double max_abs(const double *v, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; i++) m = fabs(v[i]) > m ? fabs(v[i]) : m;
  return m;
}

static int close_enough(double got, double ref, double atol, double rtol) {
  return fabs(got - ref) <= atol + rtol * fabs(ref); /* NaN never passes */
}

/* <x_k, u_p> + b_k in float64, coordinate order (k a global row) */
static double exact_value(const credal_batch_f64 *b, int64_t k, int64_t p) {
  const double *x = b->points + k * b->dim, *u = b->utility + p * b->dim;
  double v = 0.0;
  for (int64_t j = 0; j < b->dim; j++) v += x[j] * u[j];
  return v + (b->constants ? b->constants[k] : 0.0);
}

int64_t bench_check_lower(const credal_batch_f64 *b, int f32, const double *lower,
                          const int32_t *argmin, int samples, char *msg, size_t cap) {
  const int64_t H = b->hypotheses, P = b->policies, d = b->dim;
  const int64_t rows = b->offsets[H];
  int64_t bad = 0;
  msg[0] = '\0';
  /* every element: a finite value and an index inside its hypothesis */
  for (int64_t h = 0; h < H; h++) {
    const int64_t size = b->offsets[h + 1] - b->offsets[h];
    for (int64_t p = 0; p < P; p++) {
      const int64_t i = h * P + p;
      if (lower[i] - lower[i] == 0.0 && argmin[i] >= 0 && argmin[i] < size) continue;
      if (bad++ == 0)
        snprintf(msg, cap, "check: lower[h=%lld, p=%lld] = %g, argmin %d (hypothesis of %lld)",
                 (long long)h, (long long)p, lower[i], argmin[i], (long long)size);
    }
  }
  if (bad) return bad;
  /* SPEC §6 tolerances for the precision */
  const double rtol = f32 ? 1e-4 : 1e-12, scale = f32 ? 1e-5 : 1e-12;
  const double atol = scale * (max_abs(b->points, rows * d) * max_abs(b->utility, P * d) *
                                   (double)d +
                               (b->constants ? max_abs(b->constants, rows) : 0.0));
  for (int s = 0; s < samples; s++) {
    int64_t h, p;
    if (s == 0)
      h = 0, p = 0;
    else if (s == 1)
      h = H - 1, p = P - 1;
    else
      h = (int64_t)(bench_bits(0x5000, 2 * (uint64_t)s) % (uint64_t)H),
      p = (int64_t)(bench_bits(0x5000, 2 * (uint64_t)s + 1) % (uint64_t)P);
    /* the reference backend on hypothesis h and policy p alone */
    const int64_t k0 = b->offsets[h], size = b->offsets[h + 1] - k0;
    const int64_t one_offsets[2] = {0, size};
    const credal_batch_f64 one = {1, d, 1, one_offsets, b->points + k0 * d,
                                  b->constants ? b->constants + k0 : NULL, b->utility + p * d};
    double ref = NAN;
    int32_t ref_k = -1;
    if (credal_lower_f64(CREDAL_BACKEND_REFERENCE, &one, &ref, &ref_k, NULL, NULL) != CREDAL_OK) {
      snprintf(msg, cap, "check: the reference failed: %s", credal_last_error());
      return bad + 1;
    }
    const int64_t i = h * P + p;
    int ok = close_enough(lower[i], ref, atol, rtol);
    if (ok && argmin[i] != ref_k) /* allowed only on a near-tie */
      ok = close_enough(exact_value(b, k0 + argmin[i], p), ref, atol, rtol);
    if (!ok && bad++ == 0)
      snprintf(msg, cap,
               "[h=%lld, p=%lld] got %.17g (k=%d), reference %.17g (k=%d), "
               "tolerance %.3g + %.3g*|ref|",
               (long long)h, (long long)p, lower[i], argmin[i], ref, ref_k, atol, rtol);
  }
  if (bad) {
    char first[384];
    snprintf(first, sizeof first, "%s", msg);
    snprintf(msg, cap, "check: %lld of %d sampled (h, p) differ from the reference; first %s",
             (long long)bad, samples, first);
  }
  return bad;
}

/* ---------------------------------------------------------------- timing, counters */

double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void bench_lower_counters(credal_bench_state *st, int64_t H, int64_t rows, int64_t d, int64_t P) {
  const double pairs = (double)rows * (double)P;
  const double bytes = ((double)rows * (double)d + (double)P * (double)d) * 8.0 +
                       (double)H * (double)P * (8.0 + 4.0);
  credal_bench_set_counter(st, "pairs/s", pairs, CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "GFLOP/s", 2.0 * pairs * (double)d * 1e-9,
                           CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "GB/s", bytes * 1e-9, CREDAL_BENCH_INVARIANT_RATE);
}
