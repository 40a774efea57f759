/* The cpu backend against the reference on the shapes of the GPU tests (float64, float32,
 * exact ties), and bitwise identical results whatever the number of threads. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "compare.h"

#define C CREDAL_BACKEND_CPU
START_TEST(test_f64) { compare_shape(C, _i, 0, 0, 0); }
END_TEST
START_TEST(test_f32) { compare_shape(C, _i, 1, 0, 0); }
END_TEST
START_TEST(test_exact_ties) { compare_shape(C, _i, _i % 2, 0, 1); }
END_TEST

/* Work is cut by thread count, but every (h, p) is computed by one thread in one order. */
START_TEST(test_threads_do_not_change_bits) {
  const shape sh = compare_shapes[_i];
  test_rng rng = {(uint64_t)_i + 500};
  batch t = compare_make(&rng, sh.H, sh.max_k, sh.d, sh.P, 0, 1, 1.0);
  const size_t HP = (size_t)(t.H * t.P);
  double *first = malloc(HP * 8), *lo = malloc(HP * 8), *hi = malloc(HP * 8);
  int32_t *first_k = malloc(HP * 4), *lk = malloc(HP * 4), *hk = malloc(HP * 4);
  const credal_batch_f64 b = {t.H, t.d, t.P, t.offsets, t.x, t.b, t.u};
  const int threads[] = {1, 2, 3, 7};
  for (int i = 0; i < 4; i++) {
    const credal__backend_config cfg = {t.P, t.d, 0, 0, 1, 0, 0, threads[i], t.u, 0};
    credal__backend *be;
    ck_assert_int_eq(credal__cpu_backend_create(&cfg, &be), CREDAL_OK);
    memset(lo, 0xff, HP * 8), memset(lk, 0xff, HP * 4);
    ck_assert_int_eq(be->lower(be, CREDAL_FAMILY_GENERATORS, &b, lo, lk, hi, hk), CREDAL_OK);
    credal__backend_destroy(be);
    if (i == 0) {
      memcpy(first, lo, HP * 8), memcpy(first_k, lk, HP * 4);
    } else {
      ck_assert_msg(!memcmp(first, lo, HP * 8), "%d threads changed /lower", threads[i]);
      ck_assert_msg(!memcmp(first_k, lk, HP * 4), "%d threads changed /argmin", threads[i]);
    }
  }
  free(first), free(lo), free(hi), free(first_k), free(lk), free(hk);
  compare_free(&t);
}
END_TEST

int main(void) {
  Suite *s = suite_create("cpu");
  TCase *tc = tcase_create("against reference");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_f64, 0, COMPARE_SHAPES);
  tcase_add_loop_test(tc, test_f32, 0, COMPARE_SHAPES);
  tcase_add_loop_test(tc, test_exact_ties, 0, COMPARE_SHAPES);
  tcase_add_loop_test(tc, test_threads_do_not_change_bits, 0, COMPARE_SHAPES);
  suite_add_tcase(s, tc);
  return test_run(s);
}
