/* The GPU backend against the reference: fresh random inputs across shapes (d 1..4096,
 * generators per hypothesis 1..10,000 and ragged, P 1..2048), float64 and float32, both kernel
 * paths (fused, cuBLAS), exact ties, constants, upper, outputs poisoned before every run; and
 * end to end from a file, twice, bitwise identical. Exits 77 (skipped) without a usable GPU. */
#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "batch_writer.h"
#include "testutil.h"

typedef struct {
  int64_t H, d, P, K;
  int64_t *offsets;
  double *x, *b, *u;
} batch;

static batch make(test_rng *rng, int64_t H, int64_t max_k, int64_t d, int64_t P, int ties,
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

static void batch_free(batch *t) { free(t->offsets), free(t->x), free(t->b), free(t->u); }

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

typedef struct {
  int64_t H, max_k, d, P;
} shape;

static const shape shapes[] = {
    {1, 1, 1, 1},        {7, 1, 3, 5},       {50, 40, 17, 64},   {20, 200, 64, 65},
    {3, 10000, 8, 16},   {200, 30, 1, 300},  {5, 12, 4096, 33},  {40, 5, 16, 2048},
    {300, 3, 128, 256},  {10, 400, 256, 300}, {1000, 2, 2, 7},   {2, 5000, 40, 130},
};

static void run_shape(int index, int f32, int path_gemm, int ties) {
  const shape sh = shapes[index];
  test_rng rng = {(uint64_t)(index * 1000 + f32 * 100 + path_gemm * 10 + ties + 1)};
  batch t = make(&rng, sh.H, sh.max_k, sh.d, sh.P, ties, index % 2, f32 ? 1.0 : 1e3);
  setenv("CREDAL_GPU_PATH", path_gemm ? "gemm" : "fused", 1);
  const size_t HP = (size_t)(t.H * t.P);
  double *lo = malloc(HP * 8), *hi = malloc(HP * 8), *ref = malloc(HP * 8), *ref_hi = malloc(HP * 8);
  int32_t *lk = malloc(HP * 4), *hk = malloc(HP * 4), *rk = malloc(HP * 4), *rhk = malloc(HP * 4);
  credal_batch_f64 b = {t.H, t.d, t.P, t.offsets, t.x, t.b, t.u};
  credal__reference_lower(&b, ref, rk, ref_hi, rhk);
  for (size_t i = 0; i < HP; i++) lo[i] = hi[i] = NAN, lk[i] = hk[i] = -7; /* poison */
  credal_status st = f32 ? credal_lower_f32(CREDAL_BACKEND_GPU, &b, lo, lk, hi, hk)
                         : credal_lower_f64(CREDAL_BACKEND_GPU, &b, lo, lk, hi, hk);
  ck_assert_msg(st == CREDAL_OK, "%s", credal_last_error());
  char what[96];
  snprintf(what, sizeof what, "shape %d %s %s%s lower", index, f32 ? "f32" : "f64",
           path_gemm ? "gemm" : "fused", ties ? " ties" : "");
  int bad = compare(&t, f32, lo, lk, ref, rk, what);
  /* upper = -lower of the negated policies: reuse compare on negated values */
  for (size_t i = 0; i < HP; i++) hi[i] = -hi[i], ref_hi[i] = -ref_hi[i];
  for (int64_t i = 0; i < t.P * t.d; i++) t.u[i] = -t.u[i];
  if (t.b)
    for (int64_t i = 0; i < t.K; i++) t.b[i] = -t.b[i];
  snprintf(what, sizeof what, "shape %d %s %s upper", index, f32 ? "f32" : "f64",
           path_gemm ? "gemm" : "fused");
  bad += compare(&t, f32, hi, hk, ref_hi, rhk, what);
  if (ties && !f32)
    for (size_t i = 0; i < HP; i++) ck_assert_int_eq(lk[i], rk[i]); /* exact ties: exact index */
  ck_assert_msg(bad == 0, "%d mismatches (first ones above)", bad);
  free(lo), free(hi), free(ref), free(ref_hi), free(lk), free(hk), free(rk), free(rhk);
  batch_free(&t);
}

START_TEST(test_f64_fused) { run_shape(_i, 0, 0, 0); }
END_TEST
START_TEST(test_f64_gemm) { run_shape(_i, 0, 1, 0); }
END_TEST
START_TEST(test_f32_fused) { run_shape(_i, 1, 0, 0); }
END_TEST
START_TEST(test_f32_gemm) { run_shape(_i, 1, 1, 0); }
END_TEST
START_TEST(test_exact_ties) { run_shape(_i, _i % 2, (_i / 2) % 2, 1); }
END_TEST

static void write_file(const batch *t, const char *path, int64_t Q) {
  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  spec.hypotheses = t->H, spec.generators = t->K, spec.dim = t->d, spec.policies = t->P;
  spec.kind = CREDAL_KIND_PAYOFF, spec.has_constants = t->b != NULL, spec.has_prior = 1;
  spec.prior_set_size = Q, spec.force = 1;
  double *prior = malloc((size_t)t->H * 8), *Z = malloc((size_t)(Q * t->H) * 8);
  for (int64_t h = 0; h < t->H; h++) prior[h] = 1.0 / (double)t->H;
  for (int64_t i = 0; i < Q * t->H; i++) Z[i] = (i % t->H == (i / t->H) % t->H) ? 1.0 : 0.0;
  credal__batch_writer *w;
  ck_assert_int_eq(credal__batch_writer_create(path, &spec, &w), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_offsets(w, t->H + 1, t->offsets), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_points(w, t->K, t->x), CREDAL_OK);
  if (t->b) ck_assert_int_eq(credal__batch_writer_append_constants(w, t->K, t->b), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_utility(w, t->P, t->u), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_prior(w, t->H, prior), CREDAL_OK);
  if (Q) ck_assert_int_eq(credal__batch_writer_append_prior_set(w, t->H, Z), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_finish(w), CREDAL_OK);
  free(prior), free(Z);
}

static void read_doubles(const char *path, const char *name, double *out) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert_msg(d >= 0, "%s: no %s", path, name);
  ck_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
  H5Dclose(d), H5Fclose(f);
}

static int same_bytes(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) same = 0;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

/* Whole files: many chunks through both lanes, GPU regret stage and accumulators against the
 * reference run, and two GPU runs with identical datasets. */
START_TEST(test_eval_end_to_end) {
  test_rng rng = {77 + (uint64_t)_i};
  batch t = make(&rng, 3000, 60, 24, 40, 0, 1, 1.0);
  char in[512], ref_out[512], a[512], b2[512];
  snprintf(in, sizeof in, "%s", test_path("gpu-in.h5"));
  snprintf(ref_out, sizeof ref_out, "%s", test_path("gpu-ref.h5"));
  snprintf(a, sizeof a, "%s", test_path("gpu-a.h5"));
  snprintf(b2, sizeof b2, "%s", test_path("gpu-b.h5"));
  write_file(&t, in, 3);
  setenv("CREDAL_GPU_PATH", _i ? "gemm" : "fused", 1);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.force = 1, o.upper = 1, o.memory_bytes = 24u << 20; /* many chunks */
  o.backend = CREDAL_BACKEND_REFERENCE;
  ck_assert_msg(credal_eval(in, ref_out, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  o.backend = CREDAL_BACKEND_GPU;
  credal_eval_summary s;
  ck_assert_msg(credal_eval(in, a, &o, &s) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_gt(s.chunks, 3);
  ck_assert_msg(credal_eval(in, b2, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  const char *names[] = {"/lower", "/upper", "/regret", "/best/value", "/policy/class_lower",
                         "/policy/worst_regret", "/policy/bayes_regret", "/policy/credal_regret"};
  const size_t HP = (size_t)(t.H * t.P);
  double *ref = malloc(HP * 8), *got = malloc(HP * 8), *again = malloc(HP * 8);
  for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
    read_doubles(ref_out, names[n], ref);
    read_doubles(a, names[n], got);
    read_doubles(b2, names[n], again);
    const size_t len = n < 3 ? HP : n == 3 ? (size_t)t.H : (size_t)t.P;
    ck_assert_msg(!memcmp(got, again, len * 8), "%s differs between two GPU runs", names[n]);
    for (size_t i = 0; i < len; i++)
      ck_assert_msg(test_close(got[i], ref[i], 1e-12 * 24 * 2, 1e-12), "%s[%zu]: %.17g vs %.17g",
                    names[n], i, got[i], ref[i]);
  }
  (void)same_bytes;
  free(ref), free(got), free(again);
  batch_free(&t);
}
END_TEST

int main(void) {
  if (credal__gpu_probe(0) != CREDAL_OK) {
    printf("no usable GPU (%s): skipped\n", credal_last_error());
    return 77;
  }
  const int n = (int)(sizeof shapes / sizeof shapes[0]);
  Suite *s = suite_create("gpu");
  TCase *tc = tcase_create("against reference");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_f64_fused, 0, n);
  tcase_add_loop_test(tc, test_f64_gemm, 0, n);
  tcase_add_loop_test(tc, test_f32_fused, 0, n);
  tcase_add_loop_test(tc, test_f32_gemm, 0, n);
  tcase_add_loop_test(tc, test_exact_ties, 0, n);
  tcase_add_loop_test(tc, test_eval_end_to_end, 0, 2);
  suite_add_tcase(s, tc);
  return test_run(s);
}
