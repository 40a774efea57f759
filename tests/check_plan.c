/* Chunk planning: budget accounting, chunk boundaries and oversized hypotheses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "testutil.h"

START_TEST(test_too_small_budget_names_minimum) {
  credal__plan plan;
  ck_assert_int_eq(credal__plan_make(&plan, 1 << 20, 1000, 1000, 0, 0, 0, 0, 1, 0, NULL), CREDAL_EUSAGE);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "--memory"));
}
END_TEST

START_TEST(test_chunks_fit_the_arena) {
  credal__plan plan;
  /* P=16, d=8: per hypothesis 16*20 + 28 = 348 bytes; per generator 72 bytes */
  ck_assert_int_eq(credal__plan_make(&plan, (64 << 20), 16, 8, 0, 0, 0, 0, 3, 0, NULL), CREDAL_OK);
  ck_assert_uint_eq(plan.bytes_per_hypothesis, 16 * 20 + 8 + 4 + 8 + 8);
  ck_assert_uint_eq(plan.bytes_per_generator, 8 * 8 + 8);
  plan.arena_bytes = 10000; /* shrink to make boundaries visible */
  const int64_t offsets[] = {0, 10, 20, 30, 40, 50, 60};
  int64_t piece;
  /* each hypothesis costs 348 + 10*72 = 1068 bytes: 9 fit in 10000, we have 6 */
  ck_assert_int_eq(credal__plan_chunk(&plan, offsets, 6, &piece), 6);
  ck_assert_int_eq(piece, 0);
  plan.arena_bytes = 3000; /* two fit (2136), three do not (3204) */
  ck_assert_int_eq(credal__plan_chunk(&plan, offsets, 6, &piece), 2);
  ck_assert_int_eq(piece, 0);
  plan.arena_bytes = 10000;
  plan.max_hypotheses = 4; /* the backend's limits cap a chunk as well */
  ck_assert_int_eq(credal__plan_chunk(&plan, offsets, 6, &piece), 4);
  plan.max_hypotheses = 0;
  plan.max_rows = 35;
  ck_assert_int_eq(credal__plan_chunk(&plan, offsets, 6, &piece), 3);
}

START_TEST(test_slots_share_the_budget) {
  credal__plan one, three;
  ck_assert_int_eq(credal__plan_make(&one, (64 << 20), 16, 8, 0, 0, 0, 0, 1, 0, NULL), CREDAL_OK);
  ck_assert_int_eq(credal__plan_make(&three, (64 << 20), 16, 8, 0, 0, 0, 0, 3, 0, NULL), CREDAL_OK);
  ck_assert_uint_eq(one.resident_bytes, three.resident_bytes);
  ck_assert_uint_le(one.resident_bytes + 3 * (three.arena_bytes + CREDAL_SLOT_SLACK), 64u << 20);
  ck_assert_uint_gt(three.arena_bytes * 3, one.arena_bytes - 4 * CREDAL_SLOT_SLACK);
}
END_TEST

START_TEST(test_oversized_hypothesis_goes_in_pieces) {
  credal__plan plan;
  ck_assert_int_eq(credal__plan_make(&plan, (64 << 20), 16, 8, 0, 0, 0, 0, 3, 0, NULL), CREDAL_OK);
  plan.arena_bytes = 348 + 72 * 100; /* room for 100 rows of one hypothesis */
  const int64_t offsets[] = {0, 1000, 1001};
  int64_t piece;
  ck_assert_int_eq(credal__plan_chunk(&plan, offsets, 2, &piece), 1);
  ck_assert_int_eq(piece, 100);
  plan.max_rows = 40; /* a backend's own limit is respected too */
  ck_assert_int_eq(credal__plan_chunk(&plan, offsets, 2, &piece), 1);
  ck_assert_int_eq(piece, 40);
}
END_TEST

START_TEST(test_overflowing_sizes_are_refused) {
  credal__plan plan;
  ck_assert_int_eq(credal__plan_make(&plan, UINT64_MAX, INT64_MAX / 2, INT64_MAX / 2, 0, 0, 0, 0, 1, 0, NULL),
                   CREDAL_EDATA);
}
END_TEST

int main(void) {
  Suite *s = suite_create("plan");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_too_small_budget_names_minimum);
  tcase_add_test(tc, test_chunks_fit_the_arena);
  tcase_add_test(tc, test_oversized_hypothesis_goes_in_pieces);
  tcase_add_test(tc, test_overflowing_sizes_are_refused);
  tcase_add_test(tc, test_slots_share_the_budget);
  suite_add_tcase(s, tc);
  return test_run(s);
}
