/* Structured credal sets (host/structured.h): hand cases and edge cases (radius and epsilon 0
 * and 1, degenerate intervals, d = 1, ties in utility), and on random small instances the
 * greedy value equals the minimum over the set's vertices enumerated by brute force, and no
 * random member of the set does better. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "structured.h"
#include "testutil.h"

#define D_MAX 6

static double lower_tv(const double *c, double r, const double *u, int64_t d) {
  int32_t order[D_MAX];
  credal__utility_order(u, d, order);
  return credal_tv_value(c, r, u, d, order, 0);
}

START_TEST(test_by_hand) {
  /* c = (0.5, 0.3, 0.2), u = (1, 2, 3): <c,u> = 1.7 */
  const double c[] = {0.5, 0.3, 0.2}, u[] = {1, 2, 3};
  int32_t order[3];
  credal__utility_order(u, 3, order);
  ck_assert(order[0] == 0 && order[1] == 1 && order[2] == 2);
  /* contamination e = 0.2: 0.8 * 1.7 + 0.2 * 1 = 1.56; upper 0.8 * 1.7 + 0.2 * 3 = 1.96 */
  ck_assert(fabs(credal_contamination_value(c, 0.2, u, 3, order, 0) - 1.56) < 1e-15);
  ck_assert(fabs(credal_contamination_value(c, 0.2, u, 3, order, 1) - 1.96) < 1e-15);
  /* TV r = 0.25: move 0.25 onto outcome 0, taken from outcome 2 (0.2) then outcome 1 (0.05):
   * q = (0.75, 0.25, 0) -> 0.75 + 0.5 = 1.25; upper: onto outcome 2 from 0: q = (0.25, 0.3,
   * 0.45) -> 0.25 + 0.6 + 1.35 = 2.2 */
  ck_assert(fabs(credal_tv_value(c, 0.25, u, 3, order, 0) - 1.25) < 1e-15);
  ck_assert(fabs(credal_tv_value(c, 0.25, u, 3, order, 1) - 2.2) < 1e-15);
  /* intervals lo = (0.1, 0.2, 0.3), hi = (0.6, 0.5, 0.4): rest 0.4 -> outcome 0 up to 0.5 of
   * room: q = (0.5, 0.2, 0.3) -> 0.5 + 0.4 + 0.9 = 1.8; upper: outcome 2 (+0.1), outcome 1
   * (+0.3): q = (0.1, 0.5, 0.4) -> 0.1 + 1.0 + 1.2 = 2.3 */
  const double lo[] = {0.1, 0.2, 0.3}, hi[] = {0.6, 0.5, 0.4};
  ck_assert(fabs(credal_intervals_value(lo, hi, u, 3, order, 0) - 1.8) < 1e-15);
  ck_assert(fabs(credal_intervals_value(lo, hi, u, 3, order, 1) - 2.3) < 1e-15);
}
END_TEST

START_TEST(test_edges) {
  const double c[] = {0.2, 0.5, 0.3}, u[] = {4, -1, 2};
  int32_t order[3];
  credal__utility_order(u, 3, order);
  const double mean = credal_dot(c, u, 3); /* 0.8 - 0.5 + 0.6 = 0.9 */
  ck_assert(credal_contamination_value(c, 0.0, u, 3, order, 0) == mean);
  ck_assert(credal_contamination_value(c, 1.0, u, 3, order, 0) == -1.0);
  ck_assert(credal_tv_value(c, 0.0, u, 3, order, 0) == mean);
  ck_assert(fabs(credal_tv_value(c, 1.0, u, 3, order, 0) - (-1.0)) < 1e-15); /* all mass on min */
  ck_assert(fabs(credal_tv_value(c, 1.0, u, 3, order, 1) - 4.0) < 1e-15);
  /* degenerate intervals lo = hi = c: the single distribution */
  ck_assert(fabs(credal_intervals_value(c, c, u, 3, order, 0) - mean) < 1e-15);
  /* d = 1: the only distribution is (1) */
  const double one[] = {1.0}, v[] = {-3.5};
  int32_t o1[1];
  credal__utility_order(v, 1, o1);
  ck_assert(credal_tv_value(one, 0.7, v, 1, o1, 0) == -3.5);
  ck_assert(credal_contamination_value(one, 0.4, v, 1, o1, 0) == -3.5);
  ck_assert(credal_intervals_value(one, one, v, 1, o1, 1) == -3.5);
  /* ties in utility: the lowest index first, and the value does not depend on it */
  const double tied[] = {2, 1, 1, 2};
  int32_t ot[4];
  credal__utility_order(tied, 4, ot);
  ck_assert(ot[0] == 1 && ot[1] == 2 && ot[2] == 0 && ot[3] == 3);
  const double c4[] = {0.1, 0.2, 0.3, 0.4};
  ck_assert(fabs(credal_tv_value(c4, 0.3, tied, 4, ot, 0) - (0.1 * 2 + 0.5 + 0.3 + 0.1 * 2)) < 1e-15);
}
END_TEST

/* A point of the simplex with Dirichlet(1) weights. */
static void random_simplex(test_rng *rng, double *q, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; j++) q[j] = -log(1.0 - test_uniform(rng)), s += q[j];
  for (int64_t j = 0; j < d; j++) q[j] /= s;
}

/* min over candidate points of <q, u> */
static void consider(double *best, const double *q, const double *u, int64_t d) {
  const double v = credal_dot(q, u, d);
  if (v < *best) *best = v;
}

START_TEST(test_random_against_vertices) {
  test_rng rng = {(uint64_t)_i * 101 + 7};
  const int64_t d = 1 + test_below(&rng, D_MAX);
  double c[D_MAX], u[D_MAX], q[D_MAX];
  random_simplex(&rng, c, d);
  for (int64_t j = 0; j < d; j++) u[j] = floor(test_uniform(&rng) * 5) - 2; /* ties happen */
  int32_t order[D_MAX];
  credal__utility_order(u, d, order);
  const double tol = 1e-12;

  /* contamination: vertices (1-e) c + e e_j */
  const double e = test_uniform(&rng);
  double best = INFINITY;
  for (int64_t j = 0; j < d; j++) {
    for (int64_t k = 0; k < d; k++) q[k] = (1 - e) * c[k] + (k == j ? e : 0.0);
    consider(&best, q, u, d);
  }
  ck_assert(fabs(credal_contamination_value(c, e, u, d, order, 0) - best) < tol);

  /* TV ball: the moves of mass onto one outcome taken from the others in every order include
   * all of its vertices that can be extreme for a linear function */
  const double r = test_uniform(&rng);
  best = INFINITY;
  int32_t perm[D_MAX];
  for (int64_t target = 0; target < d; target++) {
    int64_t m = 0;
    for (int64_t k = 0; k < d; k++)
      if (k != target) perm[m++] = (int32_t)k;
    /* all permutations of the sources (d <= 6: at most 120) by Heap's algorithm */
    int64_t cnt[D_MAX] = {0};
    for (int64_t i = 0;;) {
      double budget = r < 1 - c[target] ? r : 1 - c[target];
      memcpy(q, c, (size_t)d * sizeof(double));
      q[target] += budget;
      for (int64_t s = 0; s < m && budget > 0; s++) {
        const double take = budget < q[perm[s]] ? budget : q[perm[s]];
        q[perm[s]] -= take, budget -= take;
      }
      consider(&best, q, u, d);
      while (i < m && cnt[i] >= i) cnt[i++] = 0;
      if (i >= m) break;
      const int64_t swap = i % 2 ? cnt[i] : 0;
      const int32_t t = perm[swap];
      perm[swap] = perm[i], perm[i] = t;
      cnt[i]++;
      i = 0;
    }
  }
  const double tv = lower_tv(c, r, u, d);
  ck_assert_msg(fabs(tv - best) < tol, "TV greedy %.17g, vertices %.17g", tv, best);
  /* and no random member of the ball does better */
  for (int s = 0; s < 2000; s++) {
    random_simplex(&rng, q, d);
    const double w = test_uniform(&rng); /* pull towards c until inside the ball */
    double dist = 0;
    for (int64_t k = 0; k < d; k++) q[k] = c[k] + w * (q[k] - c[k]), dist += fabs(q[k] - c[k]);
    if (0.5 * dist <= r) ck_assert(credal_dot(q, u, d) >= tv - tol);
  }

  /* intervals around a random distribution: every vertex has all coordinates but one at a
   * bound */
  double lo[D_MAX], hi[D_MAX];
  for (int64_t k = 0; k < d; k++) {
    lo[k] = c[k] * test_uniform(&rng);
    hi[k] = c[k] + (1 - c[k]) * test_uniform(&rng);
  }
  best = INFINITY;
  for (int64_t free_k = 0; free_k < d; free_k++)
    for (int64_t mask = 0; mask < (1 << (d - 1)); mask++) {
      double s = 0;
      for (int64_t k = 0, bit = 0; k < d; k++) {
        if (k == free_k) continue;
        q[k] = (mask >> bit++) & 1 ? hi[k] : lo[k];
        s += q[k];
      }
      q[free_k] = 1 - s;
      if (q[free_k] >= lo[free_k] - tol && q[free_k] <= hi[free_k] + tol) consider(&best, q, u, d);
    }
  ck_assert(fabs(credal_intervals_value(lo, hi, u, d, order, 0) - best) < tol);
}
END_TEST

int main(void) {
  Suite *s = suite_create("structured");
  TCase *tc = tcase_create("greedy");
  tcase_add_test(tc, test_by_hand);
  tcase_add_test(tc, test_edges);
  tcase_add_loop_test(tc, test_random_against_vertices, 0, 300);
  suite_add_tcase(s, tc);
  return test_run(s);
}
