/* Numerical edge cases on every backend (the GPU where one is usable): d = 1, one generator,
 * one policy, one hypothesis; magnitudes near 1e+-300; subnormals; -0.0; exact ties
 * everywhere; overflow in float64 and in float32 (reported as an error, never a silent inf).
 * Each backend gives the reference's answer (SPEC §6, and the lowest index on exact ties) or
 * the same clear error. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "testutil.h"

static credal_backend backends[3];
static int nbackends;

/* lower/argmin of a batch on every backend against the reference, f64 (and f32 when asked:
 * then within float32's tolerance). */
static void agree(const credal_batch_f64 *b, int f32, const char *what) {
  const int64_t n = b->hypotheses * b->policies;
  double ref[64], got[64], ref_hi[64], got_hi[64];
  int32_t rk[64], gk[64], rhk[64], ghk[64];
  ck_assert(n <= 64);
  ck_assert_msg(credal_lower_f64(CREDAL_BACKEND_REFERENCE, b, ref, rk, ref_hi, rhk) == CREDAL_OK,
                "%s: %s", what, credal_last_error());
  double scale = 0;
  for (int64_t i = 0; i < b->offsets[b->hypotheses] * b->dim; i++)
    scale = fmax(scale, fabs(b->points[i]));
  double us = 0;
  for (int64_t i = 0; i < b->policies * b->dim; i++) us = fmax(us, fabs(b->utility[i]));
  const double atol = (f32 ? 1e-5 : 1e-12) * scale * us * (double)b->dim;
  const double rtol = f32 ? 1e-4 : 1e-12;
  for (int k = 0; k < nbackends; k++) {
    if (f32 && backends[k] == CREDAL_BACKEND_REFERENCE) continue;
    for (int64_t i = 0; i < n; i++) got[i] = got_hi[i] = NAN, gk[i] = ghk[i] = -7;
    const credal_status st = f32 ? credal_lower_f32(backends[k], b, got, gk, got_hi, ghk)
                                 : credal_lower_f64(backends[k], b, got, gk, got_hi, ghk);
    ck_assert_msg(st == CREDAL_OK, "%s on %s: %s", what, credal_backend_name(backends[k]),
                  credal_last_error());
    for (int64_t i = 0; i < n; i++) {
      ck_assert_msg(test_close(got[i], ref[i], atol, rtol) && test_close(got_hi[i], ref_hi[i], atol, rtol),
                    "%s on %s [%lld]: [%.17g, %.17g] vs reference [%.17g, %.17g]", what,
                    credal_backend_name(backends[k]), (long long)i, got[i], got_hi[i], ref[i], ref_hi[i]);
      if (!f32) /* these cases' values are exact: the same index as the reference */
        ck_assert_msg(gk[i] == rk[i] && ghk[i] == rhk[i], "%s on %s [%lld]: argmin %d/%d vs %d/%d",
                      what, credal_backend_name(backends[k]), (long long)i, gk[i], ghk[i], rk[i], rhk[i]);
    }
  }
}

START_TEST(test_smallest_shapes) {
  const int64_t one[] = {0, 1};
  const double x[] = {0.75}, u[] = {-2.5}, b0[] = {0.125};
  credal_batch_f64 b = {1, 1, 1, one, x, b0, u}; /* d = 1, K = 1, P = 1, H = 1 */
  double lo, hi;
  int32_t k, kh;
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lo, &k, &hi, &kh), CREDAL_OK);
  ck_assert(lo == 0.75 * -2.5 + 0.125 && hi == lo && k == 0 && kh == 0);
  agree(&b, 0, "d=K=P=H=1");
  agree(&b, 1, "d=K=P=H=1 f32");
}
END_TEST

START_TEST(test_magnitudes) {
  /* near the ends of float64 without overflow: 1e300 * 1e-10, 1e-300 * 1e300, 1e-308 * 1 */
  const int64_t offs[] = {0, 3, 5};
  const double x[] = {1e300, 0, -1e300, 0, 1e-300, 1e-300, 0, 1e-308, 1e-308, -1e-308};
  const double u[] = {1e-10, 1e300, -1e-10, 1.0, 2e-10, -1e300};
  credal_batch_f64 b = {2, 2, 3, offs, x, NULL, u};
  agree(&b, 0, "magnitudes 1e+-300");
}
END_TEST

START_TEST(test_subnormals_and_negative_zero) {
  /* subnormal products and sums (4e-320 is subnormal), and -0.0 against +0.0: equal values, so
   * the lowest index wins */
  const int64_t offs[] = {0, 3, 6};
  const double x[] = {4e-320, 1.0, -0.0, 0.0, 2e-320, 1.0, -0.0, -0.0, 0.0, 0.0, 0.0, -0.0};
  const double u[] = {1.0, 0.0, 0.5, -0.0, -0.0, 1.0};
  credal_batch_f64 b = {2, 2, 3, offs, x, NULL, u};
  agree(&b, 0, "subnormals, -0.0");
  double lo[6], hi[6];
  int32_t k[6], kh[6];
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, lo, k, hi, kh), CREDAL_OK);
  ck_assert(lo[3] == 0.0 && k[3] == 0); /* hypothesis 1, policy 0: all three are zeros */
}
END_TEST

START_TEST(test_ties_everywhere) {
  /* every generator the same, every policy the same: every index 0 */
  const int64_t offs[] = {0, 4, 8};
  double x[16], u[8];
  for (int i = 0; i < 16; i++) x[i] = i % 2 ? 0.25 : 0.75;
  for (int i = 0; i < 8; i++) u[i] = i % 2 ? -1.0 : 3.0;
  credal_batch_f64 b = {2, 2, 4, offs, x, NULL, u};
  agree(&b, 0, "ties");
  double lo[8], hi[8];
  int32_t k[8], kh[8];
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_CPU, &b, lo, k, hi, kh), CREDAL_OK);
  for (int i = 0; i < 8; i++) ck_assert(k[i] == 0 && kh[i] == 0 && lo[i] == 2.0);
}
END_TEST

START_TEST(test_overflow_is_an_error) {
  const int64_t offs[] = {0, 2};
  /* float64: 1e300 * 1e300 overflows; float32: 1e30 * 1e30 = 1e60 overflows float32 only */
  const double x64[] = {1.0, 0.0, 1e300, 0.0}, u64[] = {1e300, 1.0};
  const double x32[] = {1.0, 0.0, 1e30, 0.0}, u32[] = {1e30, 1.0};
  credal_batch_f64 b64 = {1, 2, 1, offs, x64, NULL, u64}, b32 = {1, 2, 1, offs, x32, NULL, u32};
  double lo, hi;
  int32_t k, kh;
  for (int i = 0; i < nbackends; i++) {
    ck_assert_int_eq(credal_lower_f64(backends[i], &b64, &lo, &k, &hi, &kh), CREDAL_EDATA);
    ck_assert_ptr_nonnull(strstr(credal_last_error(), "not finite"));
    ck_assert_int_eq(credal_lower_f64(backends[i], &b32, &lo, &k, &hi, &kh), CREDAL_OK);
    ck_assert(lo == 1e30 && fabs(hi - 1e60) <= 1e45);
    if (backends[i] == CREDAL_BACKEND_REFERENCE) continue;
    ck_assert_int_eq(credal_lower_f32(backends[i], &b32, &lo, &k, &hi, &kh), CREDAL_EDATA);
    ck_assert_ptr_nonnull(strstr(credal_last_error(), "lower[0, 0] = inf is not finite"));
  }
}
END_TEST

int main(void) {
  backends[nbackends++] = CREDAL_BACKEND_REFERENCE;
  backends[nbackends++] = CREDAL_BACKEND_CPU;
  if (credal__gpu_probe(0) == CREDAL_OK) backends[nbackends++] = CREDAL_BACKEND_GPU;
  else printf("no usable GPU: the edge cases run on the reference and cpu backends\n");
  Suite *s = suite_create("edges");
  TCase *tc = tcase_create("edges");
  tcase_add_test(tc, test_smallest_shapes);
  tcase_add_test(tc, test_magnitudes);
  tcase_add_test(tc, test_subnormals_and_negative_zero);
  tcase_add_test(tc, test_ties_everywhere);
  tcase_add_test(tc, test_overflow_is_an_error);
  suite_add_tcase(s, tc);
  return test_run(s);
}
