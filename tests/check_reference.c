/* The reference backend against hand computations and an independent loop order. */
#include <check.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include "credal_math.h"
#include "internal.h"
#include "testutil.h"

/* Troffaes (2007): outcomes (a, b), P(a) in [0.28, 0.70], six gambles. */
static const double troffaes_points[] = {0.28, 0.72, 0.70, 0.30};
static const double gambles[] = {4, 0, 0, 4, 3, 2, 0.5, 3, 2.35, 2.35, 4.1, -0.3};

START_TEST(test_troffaes_by_hand) {
  const int64_t offsets[] = {0, 2};
  credal_batch_f64 b = {1, 2, 6, offsets, troffaes_points, NULL, gambles};
  double lower[6], upper[6];
  int32_t argmin[6], argmax[6];
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, lower, argmin, upper, argmax),
                   CREDAL_OK);
  /* lower = min(0.28*x_a + 0.72*x_b, 0.70*x_a + 0.30*x_b) */
  const double want_lower[] = {1.12, 1.2, 2.28, 1.25, 2.35, 0.932};
  const int32_t want_argmin[] = {0, 1, 0, 1, -1, 0}; /* X5: see the exact-tie test */
  const double want_upper[] = {2.8, 2.88, 2.7, 2.3, 2.35, 2.78};
  for (int p = 0; p < 6; p++) {
    ck_assert_msg(fabs(lower[p] - want_lower[p]) < 1e-12, "lower[%d] = %.17g", p, lower[p]);
    ck_assert_msg(fabs(upper[p] - want_upper[p]) < 1e-12, "upper[%d] = %.17g", p, upper[p]);
    if (want_argmin[p] >= 0) {
      ck_assert_int_eq(argmin[p], want_argmin[p]);
      ck_assert_int_eq(argmax[p], 1 - want_argmin[p]);
    }
  }
}
END_TEST

START_TEST(test_exact_ties_take_lowest_index) {
  /* every generator gives exactly 1.0 for u = (1, 1): 0.5+0.5, 0.25+0.75, 1+0 */
  const double pts[] = {0.5, 0.5, 0.25, 0.75, 1.0, 0.0, 0.25, 0.75};
  const double u[] = {1, 1, 2, 2};
  const int64_t offsets[] = {0, 3, 4};
  credal_batch_f64 b = {2, 2, 2, offsets, pts, NULL, u};
  double lower[4], upper[4];
  int32_t argmin[4] = {9, 9, 9, 9}, argmax[4] = {9, 9, 9, 9};
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, lower, argmin, upper, argmax),
                   CREDAL_OK);
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(argmin[i], 0);
    ck_assert_int_eq(argmax[i], 0);
    ck_assert(lower[i] == upper[i]);
  }
  ck_assert(lower[0] == 1.0 && lower[1] == 2.0);
}
END_TEST

START_TEST(test_constants_shift_values) {
  /* a-measures (x, b): v = <x, u> + b */
  const double pts[] = {1, 0, 0, 1};
  const double b_k[] = {0.5, 0.0};
  const double u[] = {1, 2};
  const int64_t offsets[] = {0, 2};
  credal_batch_f64 b = {1, 2, 1, offsets, pts, b_k, u};
  double lower, upper;
  int32_t argmin, argmax;
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lower, &argmin, &upper, &argmax),
                   CREDAL_OK);
  ck_assert(lower == 1.5 && argmin == 0); /* 1 + 0.5 vs 2 + 0 */
  ck_assert(upper == 2.0 && argmax == 1);
}
END_TEST

START_TEST(test_one_point_one_policy_d1) {
  const double pts[] = {1.0};
  const double u[] = {-3.5};
  const int64_t offsets[] = {0, 1};
  credal_batch_f64 b = {1, 1, 1, offsets, pts, NULL, u};
  double lower = NAN;
  int32_t argmin = -7;
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lower, &argmin, NULL, NULL),
                   CREDAL_OK);
  ck_assert(lower == -3.5 && argmin == 0);
}
END_TEST

START_TEST(test_huge_and_tiny_magnitudes) {
  const double pts[] = {1e150, 1e-300, 2e150, 0.0};
  const double u[] = {1e150, 1e300};
  const int64_t offsets[] = {0, 2};
  credal_batch_f64 b = {1, 2, 1, offsets, pts, NULL, u};
  double lower;
  int32_t argmin;
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lower, &argmin, NULL, NULL),
                   CREDAL_OK);
  /* 1e300 + 1e0 vs 2e300: the first is smaller */
  ck_assert_int_eq(argmin, 0);
  ck_assert(fabs(lower - 1e300) <= 1e288);
}
END_TEST

START_TEST(test_overflow_is_never_skipped) {
  /* generator 1 overflows (1e300 * 1e10 = inf); the min over the others must not hide it */
  const double pts[] = {1.0, 0.0, 1e300, 0.0, 2.0, 0.0};
  const double u[] = {1e10, 1.0};
  const int64_t offsets[] = {0, 3};
  credal_batch_f64 b = {1, 2, 1, offsets, pts, NULL, u};
  double lower, upper;
  int32_t argmin, argmax;
  /* reported as an error (never a silent inf), with the results left for inspection */
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lower, &argmin, &upper, &argmax),
                   CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "lower[0, 0]"));
  ck_assert(!credal_finite(lower) && argmin == 1);
  ck_assert(!credal_finite(upper) && argmax == 1);
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_CPU, &b, &lower, &argmin, &upper, &argmax),
                   CREDAL_EDATA);
  ck_assert(!credal_finite(lower) && argmin == 1);
  ck_assert(!credal_finite(upper) && argmax == 1);
}
END_TEST

/* An independent formulation: generators outer, policies inner, explicit ties. */
START_TEST(test_random_against_generator_major_loop) {
  test_rng rng = {(uint64_t)_i * 7919 + 1};
  const int64_t H = 1 + test_below(&rng, 20), d = 1 + test_below(&rng, 40),
                P = 1 + test_below(&rng, 30);
  int64_t *offsets = malloc((size_t)(H + 1) * sizeof *offsets);
  offsets[0] = 0;
  for (int64_t h = 0; h < H; h++) offsets[h + 1] = offsets[h] + 1 + test_below(&rng, 50);
  const int64_t K = offsets[H];
  double *x = malloc((size_t)(K * d) * sizeof *x), *bk = malloc((size_t)K * sizeof *bk);
  double *u = malloc((size_t)(P * d) * sizeof *u);
  for (int64_t i = 0; i < K * d; i++) x[i] = test_uniform(&rng) * 2 - 1;
  for (int64_t i = 0; i < K; i++) bk[i] = test_uniform(&rng);
  for (int64_t i = 0; i < P * d; i++) u[i] = test_uniform(&rng) * 10 - 5;
  double *lower = malloc((size_t)(H * P) * sizeof *lower), *want = malloc((size_t)(H * P) * sizeof *want);
  int32_t *argmin = malloc((size_t)(H * P) * sizeof *argmin), *want_k = malloc((size_t)(H * P) * sizeof *want_k);
  for (int64_t i = 0; i < H * P; i++) lower[i] = NAN, argmin[i] = -99;
  credal_batch_f64 b = {H, d, P, offsets, x, bk, u};
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, lower, argmin, NULL, NULL), CREDAL_OK);
  for (int64_t h = 0; h < H; h++) {
    for (int64_t p = 0; p < P; p++) want[h * P + p] = INFINITY, want_k[h * P + p] = -1;
    for (int64_t k = offsets[h]; k < offsets[h + 1]; k++)
      for (int64_t p = 0; p < P; p++) {
        double v = bk[k];
        double dot = 0;
        for (int64_t j = 0; j < d; j++) dot += x[k * d + j] * u[p * d + j];
        v += dot;
        if (v < want[h * P + p]) want[h * P + p] = v, want_k[h * P + p] = (int32_t)(k - offsets[h]);
      }
  }
  for (int64_t i = 0; i < H * P; i++) {
    ck_assert_msg(test_close(lower[i], want[i], 1e-12 * 5 * d + 1e-12, 1e-12), "lower[%lld]", (long long)i);
    ck_assert_int_eq(argmin[i], want_k[i]);
  }
  free(offsets), free(x), free(bk), free(u), free(lower), free(want), free(argmin), free(want_k);
}
END_TEST

START_TEST(test_rejects_bad_batches) {
  const double pts[] = {1.0};
  const int64_t empty[] = {0, 0};
  double lower;
  int32_t argmin;
  credal_batch_f64 b = {1, 1, 1, empty, pts, NULL, pts};
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lower, &argmin, NULL, NULL),
                   CREDAL_EUSAGE);
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, NULL, &lower, &argmin, NULL, NULL),
                   CREDAL_EUSAGE);
  const int64_t ok[] = {0, 1};
  b.offsets = ok;
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, &lower, NULL, NULL, NULL),
                   CREDAL_EUSAGE);
  /* the reference computes in float64 only */
  ck_assert_int_eq(credal_lower_f32(CREDAL_BACKEND_REFERENCE, &b, &lower, &argmin, NULL, NULL),
                   CREDAL_EUSAGE);
}
END_TEST

int main(void) {
  Suite *s = suite_create("reference");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_troffaes_by_hand);
  tcase_add_test(tc, test_exact_ties_take_lowest_index);
  tcase_add_test(tc, test_constants_shift_values);
  tcase_add_test(tc, test_one_point_one_policy_d1);
  tcase_add_test(tc, test_huge_and_tiny_magnitudes);
  tcase_add_test(tc, test_overflow_is_never_skipped);
  tcase_add_loop_test(tc, test_random_against_generator_major_loop, 0, 20);
  tcase_add_test(tc, test_rejects_bad_batches);
  suite_add_tcase(s, tc);
  return test_run(s);
}
