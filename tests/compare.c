/* See compare.h. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "internal.h"

batch compare_make(test_rng *rng, int64_t H, int64_t max_k, int64_t d, int64_t P, int ties,
                  int constants, double scale) {
  batch t = {H, d, P, 0, malloc((size_t)(H + 1) * 8), NULL, NULL, NULL};
  t.offsets[0] = 0;
  for (int64_t h = 0; h < H; h++) t.offsets[h + 1] = t.offsets[h] + 1 + test_below(rng, max_k);
  t.K = t.offsets[H];
  t.x = malloc((size_t)(t.K * d) * 8);
  t.u = malloc((size_t)(P * d) * 8);
  t.b = constants ? malloc((size_t)t.K * 8) : NULL;
  /* ties: small integers, exact in any summation order and in float32 */
  for (int64_t i = 0; i < t.K * d; i++)
    t.x[i] = ties ? floor(test_uniform(rng) * 3) : scale * (test_uniform(rng) * 2 - 1);
  for (int64_t i = 0; i < P * d; i++)
    t.u[i] = ties ? floor(test_uniform(rng) * 3) - 1 : scale * (test_uniform(rng) * 2 - 1);
  if (t.b)
    for (int64_t i = 0; i < t.K; i++) t.b[i] = ties ? floor(test_uniform(rng) * 2) : test_uniform(rng);
  return t;
}

void compare_free(batch *t) { free(t->offsets), free(t->x), free(t->b), free(t->u); }

static double max_abs(const double *v, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; i++) m = fabs(v[i]) > m ? fabs(v[i]) : m;
  return m;
}

/* SPEC §6 check of one backend run against the reference; returns mismatches (prints 10). */
static int compare(const batch *t, int f32, const double *lower, const int32_t *argmin,
                   const double *ref, const int32_t *ref_k, const char *what) {
  const double rtol = f32 ? 1e-4 : 1e-12, scale = f32 ? 1e-5 : 1e-12;
  const double atol = scale * (max_abs(t->x, t->K * t->d) * max_abs(t->u, t->P * t->d) *
                                   (double)t->d + (t->b ? max_abs(t->b, t->K) : 0.0));
  int bad = 0;
  for (int64_t h = 0; h < t->H; h++)
    for (int64_t p = 0; p < t->P; p++) {
      const int64_t i = h * t->P + p;
      int ok = test_close(lower[i], ref[i], atol, rtol);
      if (ok && argmin[i] != ref_k[i]) {
        /* allowed only where the two candidates' exact values are within tolerance */
        const int64_t k = t->offsets[h] + argmin[i];
        ok = argmin[i] >= 0 && k < t->offsets[h + 1];
        if (ok) {
          double v = t->b ? t->b[k] : 0.0;
          for (int64_t j = 0; j < t->d; j++) v += t->x[k * t->d + j] * t->u[p * t->d + j];
          ok = test_close(v, ref[i], atol, rtol);
        }
      }
      if (!ok && bad++ < 10)
        fprintf(stderr, "  %s: [h=%lld, p=%lld] got %.17g (k=%d), reference %.17g (k=%d)\n", what,
                (long long)h, (long long)p, lower[i], argmin[i], ref[i], ref_k[i]);
    }
  return bad;
}

const shape compare_shapes[] = {
    {1, 1, 1, 1},        {7, 1, 3, 5},       {50, 40, 17, 64},   {20, 200, 64, 65},
    {3, 10000, 8, 16},   {200, 30, 1, 300},  {5, 12, 4096, 33},  {40, 5, 16, 2048},
    {300, 3, 128, 256},  {10, 400, 256, 300}, {1000, 2, 2, 7},   {2, 5000, 40, 130},
    {500, 40, 64, 2},    {100, 20, 37, 1}, /* the cpu's row-major kernel: P <= 2, d % 16 != 0 */
};

void compare_shape(credal_backend backend, int index, int f32, int path_gemm, int ties) {
  const shape sh = compare_shapes[index];
  test_rng rng = {(uint64_t)(index * 1000 + f32 * 100 + path_gemm * 10 + ties + 1)};
  batch t = compare_make(&rng, sh.H, sh.max_k, sh.d, sh.P, ties, index % 2, f32 ? 1.0 : 1e3);
  if (backend == CREDAL_BACKEND_GPU) setenv("CREDAL_GPU_PATH", path_gemm ? "gemm" : "fused", 1);
  const size_t HP = (size_t)(t.H * t.P);
  double *lo = malloc(HP * 8), *hi = malloc(HP * 8), *ref = malloc(HP * 8), *ref_hi = malloc(HP * 8);
  int32_t *lk = malloc(HP * 4), *hk = malloc(HP * 4), *rk = malloc(HP * 4), *rhk = malloc(HP * 4);
  credal_batch_f64 b = {t.H, t.d, t.P, t.offsets, t.x, t.b, t.u};
  credal__reference_lower(&b, ref, rk, ref_hi, rhk);
  for (size_t i = 0; i < HP; i++) lo[i] = hi[i] = NAN, lk[i] = hk[i] = -7; /* poison */
  credal_status st = f32 ? credal_lower_f32(backend, &b, lo, lk, hi, hk)
                         : credal_lower_f64(backend, &b, lo, lk, hi, hk);
  ck_assert_msg(st == CREDAL_OK, "%s", credal_last_error());
  char what[96];
  snprintf(what, sizeof what, "%s shape %d %s %s%s lower", credal_backend_name(backend), index,
           f32 ? "f32" : "f64", path_gemm ? "gemm" : "fused", ties ? " ties" : "");
  int bad = compare(&t, f32, lo, lk, ref, rk, what);
  /* upper = -lower of the negated policies: reuse compare on negated values */
  for (size_t i = 0; i < HP; i++) hi[i] = -hi[i], ref_hi[i] = -ref_hi[i];
  for (int64_t i = 0; i < t.P * t.d; i++) t.u[i] = -t.u[i];
  if (t.b)
    for (int64_t i = 0; i < t.K; i++) t.b[i] = -t.b[i];
  snprintf(what, sizeof what, "%s shape %d %s %s upper", credal_backend_name(backend), index,
           f32 ? "f32" : "f64", path_gemm ? "gemm" : "fused");
  bad += compare(&t, f32, hi, hk, ref_hi, rhk, what);
  if (ties && !f32)
    for (size_t i = 0; i < HP; i++) ck_assert_int_eq(lk[i], rk[i]); /* exact ties: exact index */
  ck_assert_msg(bad == 0, "%d mismatches (first ones above)", bad);
  free(lo), free(hi), free(ref), free(ref_hi), free(lk), free(hk), free(rk), free(rhk);
  compare_free(&t);
}

