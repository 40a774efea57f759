/* See compare.h. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "compare.h"
#include "gen.h"
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


/* ---- structured families ---- */

const family_shape compare_family_shapes[] = {
    {1, 1, 1, 1},      {7, 3, 5, 4},       {100, 17, 33, 8},  {1000, 64, 256, 6},
    {50, 1000, 20, 3}, {3000, 8, 1, 10},   {20, 200, 300, 50}, {64, 2, 7, 3},
};

/* A random distribution over d outcomes with about a third of its entries exactly 0. */
static void random_distribution(test_rng *rng, double *q, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; j++) s += q[j] = test_uniform(rng) < 0.3 ? 0.0 : test_uniform(rng);
  if (s == 0) q[test_below(rng, d)] = s = 1.0;
  for (int64_t j = 0; j < d; j++) q[j] /= s;
}

/* An edge value a quarter of the time: 0 or 1. */
static double unit_or_edge(test_rng *rng) {
  const double r = test_uniform(rng);
  return r < 0.125 ? 0.0 : r < 0.25 ? 1.0 : test_uniform(rng);
}

batch compare_make_family(test_rng *rng, credal_family f, int64_t H, int64_t d, int64_t P,
                          int64_t max_sets, int ties) {
  batch t = {H, d, P, 0, malloc((size_t)(H + 1) * 8), NULL, NULL, NULL};
  const int64_t per = f == CREDAL_FAMILY_INTERVALS ? 2 : 1;
  t.offsets[0] = 0;
  for (int64_t h = 0; h < H; h++)
    t.offsets[h + 1] = t.offsets[h] + (f == CREDAL_FAMILY_BELIEF ? 1 + test_below(rng, max_sets) : per);
  t.K = t.offsets[H];
  t.x = calloc((size_t)(t.K * d), 8);
  t.b = f == CREDAL_FAMILY_INTERVALS ? NULL : calloc((size_t)t.K, 8);
  t.u = malloc((size_t)(P * d) * 8);
  for (int64_t i = 0; i < P * d; i++)
    t.u[i] = ties ? floor(test_uniform(rng) * 3) - 1 : 1e3 * (test_uniform(rng) * 2 - 1);
  for (int64_t h = 0; h < H; h++) {
    double *x = t.x + t.offsets[h] * d;
    switch (f) {
      case CREDAL_FAMILY_TV_BALLS:
      case CREDAL_FAMILY_CONTAMINATION:
        random_distribution(rng, x, d);
        t.b[t.offsets[h]] = unit_or_edge(rng);
        break;
      case CREDAL_FAMILY_INTERVALS: {
        double *lo = x, *hi = x + d;
        random_distribution(rng, lo, d); /* a member q; lo <= q <= hi around it */
        const int degenerate = test_uniform(rng) < 0.2;
        for (int64_t j = 0; j < d; j++) {
          const double q = lo[j];
          hi[j] = degenerate ? q : q + (1 - q) * test_uniform(rng) * test_uniform(rng);
          lo[j] = degenerate ? q : q * test_uniform(rng);
        }
        break;
      }
      case CREDAL_FAMILY_BELIEF: {
        const int64_t n = t.offsets[h + 1] - t.offsets[h];
        double s = 0;
        for (int64_t r = 0; r < n; r++) {
          double *a = x + r * d;
          for (int64_t j = 0; j < d; j++) a[j] = test_uniform(rng) < 0.4 ? 1.0 : 0.0;
          a[test_below(rng, d)] = 1.0; /* never empty */
          s += t.b[t.offsets[h] + r] = test_uniform(rng) + 1e-3;
        }
        for (int64_t r = 0; r < n; r++) t.b[t.offsets[h] + r] /= s;
        break;
      }
      default: break;
    }
  }
  return t;
}

void compare_family(credal_backend backend, credal_family f, int index) {
  const family_shape sh = compare_family_shapes[index];
  test_rng rng = {(uint64_t)(index * 31 + f * 7 + 5)};
  /* fewer hypotheses of the same shape under CREDAL_TEST_SCALE (valgrind) */
  batch t = compare_make_family(&rng, f, test_scaled((int)sh.H), sh.d, sh.P, sh.max_sets,
                                index % 3 == 1);
  const size_t HP = (size_t)(t.H * t.P);
  double *lo = malloc(HP * 8), *hi = malloc(HP * 8), *ref = malloc(HP * 8), *ref_hi = malloc(HP * 8);
  int32_t *lk = malloc(HP * 4), *hk = malloc(HP * 4), *rk = malloc(HP * 4), *rhk = malloc(HP * 4);
  const credal_batch_f64 b = {t.H, t.d, t.P, t.offsets, t.x, t.b, t.u};
  ck_assert_int_eq(credal_family_lower_f64(CREDAL_BACKEND_REFERENCE, f, &b, ref, rk, ref_hi, rhk),
                   CREDAL_OK);
  for (size_t i = 0; i < HP; i++) lo[i] = hi[i] = NAN, lk[i] = hk[i] = -7; /* poison */
  credal_status st = credal_family_lower_f64(backend, f, &b, lo, lk, hi, hk);
  ck_assert_msg(st == CREDAL_OK, "%s", credal_last_error());
  /* SPEC §6 with |x| <= 1 and no constants: atol = 1e-12 * max|u| * d */
  const double atol = 1e-12 * max_abs(t.u, t.P * t.d) * (double)t.d;
  int bad = 0;
  for (size_t i = 0; i < HP; i++) {
    const int ok = test_close(lo[i], ref[i], atol, 1e-12) && test_close(hi[i], ref_hi[i], atol, 1e-12) &&
                   lk[i] == -1 && hk[i] == -1 && rk[i] == -1 && lo[i] <= hi[i] + atol;
    if (!ok && bad++ < 10)
      fprintf(stderr, "  %s %s shape %d [h=%lld, p=%lld]: got [%.17g, %.17g] (%d, %d), reference "
              "[%.17g, %.17g]\n", credal_backend_name(backend), credal_family_name(f), index,
              (long long)(i / (size_t)t.P), (long long)(i % (size_t)t.P), lo[i], hi[i], lk[i],
              hk[i], ref[i], ref_hi[i]);
  }
  ck_assert_msg(bad == 0, "%d mismatches (first ones above)", bad);
  free(lo), free(hi), free(ref), free(ref_hi), free(lk), free(hk), free(rk), free(rhk);
  compare_free(&t);
}

void compare_read_doubles(const char *path, const char *name, double *out) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert_msg(d >= 0, "%s: no %s", path, name);
  ck_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
  H5Dclose(d), H5Fclose(f);
}

void compare_eval_families(credal_backend backend, int seed) {
  char in[512], ref_out[512], a[512], b2[512];
  snprintf(in, sizeof in, "%s", test_path("fam-in.h5"));
  snprintf(ref_out, sizeof ref_out, "%s", test_path("fam-ref.h5"));
  snprintf(a, sizeof a, "%s", test_path("fam-a.h5"));
  snprintf(b2, sizeof b2, "%s", test_path("fam-b.h5"));
  credal__gen_options g;
  credal__gen_options_init(&g);
  const int64_t generators = test_scaled(500), sets = test_scaled(700); /* CREDAL_TEST_SCALE */
  g.path = in, g.hypotheses = generators, g.points = 6, g.ragged = 1, g.dim = 40, g.policies = 150;
  g.prior = 1, g.prior_set = 2, g.force = 1, g.seed = 5 + (uint64_t)seed;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) g.structured[f] = sets;
  ck_assert_msg(credal__gen(&g) == CREDAL_OK, "%s", credal_last_error());
  const int64_t H = generators + 4 * sets, P = 150;
  credal_eval_options o;
  credal_eval_options_init(&o);
  /* many chunks per family (a smaller budget for the smaller scaled input) */
  o.force = 1, o.upper = 1, o.memory_bytes = (sets < 700 ? 17u : 22u) << 20;
  o.backend = CREDAL_BACKEND_REFERENCE;
  ck_assert_msg(credal_eval(in, ref_out, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  o.backend = backend;
  credal_eval_summary s;
  ck_assert_msg(credal_eval(in, a, &o, &s) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_gt(s.chunks, 5);
  ck_assert_msg(credal_eval(in, b2, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  const char *names[] = {"/lower", "/upper", "/regret", "/best/value", "/policy/class_lower",
                         "/policy/worst_regret", "/policy/bayes_regret", "/policy/credal_regret",
                         "/argmin", "/argmax"};
  const size_t HP = (size_t)(H * P);
  double *ref = malloc(HP * 8), *got = malloc(HP * 8), *again = malloc(HP * 8);
  for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
    compare_read_doubles(ref_out, names[n], ref);
    compare_read_doubles(a, names[n], got);
    compare_read_doubles(b2, names[n], again);
    const size_t len = n < 3 || n >= 8 ? HP : n == 3 ? (size_t)H : (size_t)P;
    ck_assert_msg(!memcmp(got, again, len * 8), "%s differs between two runs", names[n]);
    for (size_t i = 0; i < len; i++) { /* utilities in [0, 1), |x| <= 1, d = 40 */
      if (n >= 8) { /* indices: -1 for the structured sets, equal or within tolerance before */
        ck_assert_msg(i < (size_t)(generators * P) ? got[i] >= 0 : got[i] == -1, "%s[%zu] = %g",
                      names[n], i, got[i]);
        continue;
      }
      ck_assert_msg(test_close(got[i], ref[i], 1e-12 * 40 * 2, 1e-12), "%s[%zu]: %.17g vs %.17g",
                    names[n], i, got[i], ref[i]);
    }
  }
  free(ref), free(got), free(again);
}
