/* The regret stage: hand-computed criteria, chunking invariance, and the prior-set identities
 * of SPEC §1 (vacuous set = worst case, one prior = Bayes). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regret.h"
#include "testutil.h"

/* (H=3, P=3) lower expectations; regret rows: [2,0,1], [0,3,0], [5,3,0] */
static const double L[] = {1, 3, 2, 4, 1, 4, 0, 2, 5};
static const double prior[] = {0.5, 0.25, 0.25};
static const double Z[] = {1, 0, 0, 0, 0.5, 0.5}; /* (Q=2, H=3) */

START_TEST(test_by_hand) {
  credal__regret r;
  ck_assert_int_eq(credal__regret_init(&r, 3, 1, 2), CREDAL_OK);
  double best[3], regret[9], cr[3];
  int32_t best_p[3], cr_q[3];
  credal__regret_chunk(&r, 0, 3, L, prior, Z, best, best_p, regret);
  credal__choices c;
  credal__regret_finish(&r, cr, cr_q, &c);
  const double want_regret[] = {2, 0, 1, 0, 3, 0, 5, 3, 0};
  for (int i = 0; i < 9; i++) ck_assert(regret[i] == want_regret[i]);
  ck_assert(best[0] == 3 && best[1] == 4 && best[2] == 5);
  ck_assert(best_p[0] == 1 && best_p[1] == 0 && best_p[2] == 2); /* h1: tie p0/p2 -> p0 */
  ck_assert(r.class_lower[0] == 0 && r.class_lower[1] == 1 && r.class_lower[2] == 2);
  ck_assert(r.class_lower_h[0] == 2 && r.class_lower_h[1] == 1 && r.class_lower_h[2] == 0);
  ck_assert(r.worst_regret[0] == 5 && r.worst_regret[1] == 3 && r.worst_regret[2] == 1);
  ck_assert(r.worst_regret_h[0] == 2 && r.worst_regret_h[1] == 1 && r.worst_regret_h[2] == 0);
  ck_assert(r.bayes_regret[0] == 2.25 && r.bayes_regret[1] == 1.5 && r.bayes_regret[2] == 0.5);
  ck_assert(cr[0] == 2.5 && cr[1] == 3 && cr[2] == 1);
  ck_assert(cr_q[0] == 1 && cr_q[1] == 1 && cr_q[2] == 0);
  ck_assert_int_eq(c.maximin, 2);
  ck_assert_int_eq(c.minimax_regret, 2);
  ck_assert_int_eq(c.bayes, 2);
  ck_assert_int_eq(c.credal, 2);
  credal__regret_free(&r);
}
END_TEST

START_TEST(test_ties_pick_lowest_policy) {
  const double flat[] = {1, 1, 1, 1};
  credal__regret r;
  ck_assert_int_eq(credal__regret_init(&r, 2, 0, 0), CREDAL_OK);
  double best[2], regret[4];
  int32_t best_p[2];
  credal__regret_chunk(&r, 0, 2, flat, NULL, NULL, best, best_p, regret);
  credal__choices c;
  credal__regret_finish(&r, NULL, NULL, &c);
  ck_assert(best_p[0] == 0 && best_p[1] == 0);
  ck_assert_int_eq(c.maximin, 0);
  ck_assert_int_eq(c.minimax_regret, 0);
  ck_assert_int_eq(c.bayes, -1);
  ck_assert_int_eq(c.credal, -1);
  ck_assert(r.class_lower_h[1] == 0 && r.worst_regret_h[1] == 0);
  credal__regret_free(&r);
}
END_TEST

/* Random lower matrix: every chunking gives bitwise-identical accumulators, the vacuous prior
 * set reproduces worst-case regret and a one-row prior set reproduces Bayes. */
START_TEST(test_chunking_and_identities) {
  test_rng rng = {(uint64_t)_i + 11};
  const int64_t H = 1 + test_below(&rng, 60), P = 1 + test_below(&rng, 40);
  double *lower = malloc((size_t)(H * P) * sizeof(double));
  double *pri = malloc((size_t)H * sizeof(double));
  double *vac = calloc((size_t)(H * H), sizeof(double)); /* point masses: (Q=H, H) */
  double sum = 0;
  for (int64_t i = 0; i < H * P; i++) lower[i] = floor(test_uniform(&rng) * 8); /* many ties */
  for (int64_t h = 0; h < H; h++) pri[h] = test_uniform(&rng), sum += pri[h];
  for (int64_t h = 0; h < H; h++) pri[h] /= sum, vac[h * H + h] = 1.0;

  credal__regret whole, chunked, single;
  ck_assert_int_eq(credal__regret_init(&whole, P, 1, H), CREDAL_OK);
  ck_assert_int_eq(credal__regret_init(&chunked, P, 1, H), CREDAL_OK);
  ck_assert_int_eq(credal__regret_init(&single, P, 1, 1), CREDAL_OK);
  double *best = malloc((size_t)H * sizeof(double)), *reg = malloc((size_t)(H * P) * sizeof(double));
  int32_t *bp = malloc((size_t)H * sizeof(int32_t));
  double *zchunk = malloc((size_t)(H * H) * sizeof(double));
  credal__regret_chunk(&whole, 0, H, lower, pri, vac, best, bp, reg);
  credal__regret_chunk(&single, 0, H, lower, pri, pri, best, bp, reg);
  for (int64_t h0 = 0; h0 < H;) {
    int64_t n = 1 + test_below(&rng, 7);
    if (n > H - h0) n = H - h0;
    for (int64_t q = 0; q < H; q++)
      for (int64_t i = 0; i < n; i++) zchunk[q * n + i] = vac[q * H + h0 + i];
    credal__regret_chunk(&chunked, h0, n, lower + h0 * P, pri + h0, zchunk, best, bp, reg);
    h0 += n;
  }
  ck_assert(!memcmp(whole.class_lower, chunked.class_lower, (size_t)P * sizeof(double)));
  ck_assert(!memcmp(whole.worst_regret, chunked.worst_regret, (size_t)P * sizeof(double)));
  ck_assert(!memcmp(whole.worst_regret_h, chunked.worst_regret_h, (size_t)P * sizeof(int32_t)));
  ck_assert(!memcmp(whole.bayes_regret, chunked.bayes_regret, (size_t)P * sizeof(double)));
  ck_assert(!memcmp(whole.credal_sums, chunked.credal_sums, (size_t)(H * P) * sizeof(double)));

  double *cr = malloc((size_t)P * sizeof(double)), *cr1 = malloc((size_t)P * sizeof(double));
  int32_t *cq = malloc((size_t)P * sizeof(int32_t)), *cq1 = malloc((size_t)P * sizeof(int32_t));
  credal__choices c, c1;
  credal__regret_finish(&whole, cr, cq, &c);
  credal__regret_finish(&single, cr1, cq1, &c1);
  for (int64_t p = 0; p < P; p++) {
    ck_assert(cr[p] == whole.worst_regret[p]);        /* vacuous set = worst case */
    ck_assert_int_eq(cq[p], whole.worst_regret_h[p]); /* same lowest-index rule */
    ck_assert(cr1[p] == single.bayes_regret[p]);      /* one prior = Bayes */
  }
  ck_assert_int_eq(c.credal, c.minimax_regret);
  ck_assert_int_eq(c1.credal, c1.bayes);
  credal__regret_free(&whole), credal__regret_free(&chunked), credal__regret_free(&single);
  free(lower), free(pri), free(vac), free(best), free(reg), free(bp), free(zchunk);
  free(cr), free(cr1), free(cq), free(cq1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("regret");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_by_hand);
  tcase_add_test(tc, test_ties_pick_lowest_policy);
  tcase_add_loop_test(tc, test_chunking_and_identities, 0, 25);
  suite_add_tcase(s, tc);
  return test_run(s);
}
