/* Structured credal sets (host/structured.h): hand cases and edge cases (radius and epsilon 0
 * and 1, degenerate intervals, d = 1, ties in utility), and on random small instances the
 * greedy value equals the minimum over the set's vertices enumerated by brute force, and no
 * random member of the set does better. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "structured.h"
#include "compare.h"
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
  for (int s = 0, n = test_scaled(2000); s < n; s++) {
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

  /* belief function: the core's vertices are, for each permutation of the outcomes, each focal
   * set's mass given to its first member in that permutation (Shapley, Chateauneuf-Jaffray) */
  enum { SETS = 5 };
  double focal[SETS * D_MAX] = {0}, mass[SETS], msum = 0;
  for (int r = 0; r < SETS; r++) {
    for (int64_t j = 0; j < d; j++) focal[r * d + j] = test_uniform(&rng) < 0.5;
    focal[r * d + test_below(&rng, d)] = 1;
    msum += mass[r] = test_uniform(&rng);
  }
  for (int r = 0; r < SETS; r++) mass[r] /= msum;
  int32_t pi[D_MAX];
  int64_t cnt[D_MAX] = {0};
  for (int64_t k = 0; k < d; k++) pi[k] = (int32_t)k;
  best = INFINITY;
  for (int64_t i = 0;;) {
    memset(q, 0, sizeof q);
    for (int r = 0; r < SETS; r++)
      for (int64_t t = 0; t < d; t++)
        if (focal[r * d + pi[t]] != 0) {
          q[pi[t]] += mass[r];
          break;
        }
    consider(&best, q, u, d);
    while (i < d && cnt[i] >= i) cnt[i++] = 0;
    if (i >= d) break;
    const int64_t swap = i % 2 ? cnt[i] : 0;
    const int32_t t = pi[swap];
    pi[swap] = pi[i], pi[i] = t;
    cnt[i]++;
    i = 0;
  }
  ck_assert(fabs(credal_belief_value(focal, mass, SETS, u, d, order, 0) - best) < tol);
}
END_TEST

/* Belief function by hand: m({0}) = 0.5, m({1, 2}) = 0.3, m({0, 1, 2}) = 0.2, u = (2, 5, 1):
 * lower 0.5*2 + 0.3*1 + 0.2*1 = 1.5, upper 0.5*2 + 0.3*5 + 0.2*5 = 3.5. */
START_TEST(test_belief_by_hand) {
  const double focal[] = {1, 0, 0, 0, 1, 1, 1, 1, 1}, mass[] = {0.5, 0.3, 0.2}, u[] = {2, 5, 1};
  int32_t order[3];
  credal__utility_order(u, 3, order);
  ck_assert(fabs(credal_belief_value(focal, mass, 3, u, 3, order, 0) - 1.5) < 1e-15);
  ck_assert(fabs(credal_belief_value(focal, mass, 3, u, 3, order, 1) - 3.5) < 1e-15);
  /* a single focal set {j}: the point mass */
  const double one[] = {0, 1, 0}, m1[] = {1};
  ck_assert(credal_belief_value(one, m1, 1, u, 3, order, 0) == 5.0);
}
END_TEST

/* TV centers a tolerance off the simplex never move a negative amount of mass. */
START_TEST(test_tv_tolerance) {
  const double c[] = {-1e-12, 0.5, 0.5 + 1e-12}, u[] = {3, 1, 2};
  int32_t order[3];
  credal__utility_order(u, 3, order);
  /* onto outcome 1 (u = 1) from outcome 0 (none: it is below 0), then from outcome 2 */
  const double v = credal_tv_value(c, 0.25, u, 3, order, 0);
  ck_assert(fabs(v - (0.75 * 1 + (0.25 + 1e-12) * 2 - 3e-12)) < 1e-12);
  const double over[] = {1 + 1e-12, -1e-12, 0};
  ck_assert(fabs(credal_tv_value(over, 0.5, u, 3, order, 1) - (3 + 3e-12 - 1e-12)) < 1e-12);
}
END_TEST

/* ---- the blocked greedy passes (blocks of 8 outcomes) against plain sequential ones ---- */

typedef struct {
  double u;
  int j;
} ranked;

static int by_utility(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  return x->u < y->u ? -1 : x->u > y->u ? 1 : x->j - y->j;
}

/* outcomes by increasing utility (ties by index), by qsort: not credal__utility_order */
static void naive_order(const double *u, int64_t d, int *out) {
  ranked *r = malloc((size_t)d * sizeof *r);
  for (int64_t j = 0; j < d; j++) r[j].u = u[j], r[j].j = (int)j;
  qsort(r, (size_t)d, sizeof *r, by_utility);
  for (int64_t j = 0; j < d; j++) out[j] = r[j].j;
  free(r);
}

static double naive_tv(const double *c, double r, const double *u, int64_t d, const int *o) {
  double q[256], b = r < 1 - c[o[0]] ? r : 1 - c[o[0]], v = 0;
  memcpy(q, c, (size_t)d * sizeof(double));
  q[o[0]] += b;
  for (int64_t t = d - 1; t >= 1; t--) {
    const double take = b < q[o[t]] ? b : q[o[t]];
    q[o[t]] -= take, b -= take;
  }
  for (int64_t j = 0; j < d; j++) v += q[j] * u[j];
  return v;
}

static double naive_intervals(const double *lo, const double *hi, const double *u, int64_t d,
                              const int *o) {
  double q[256], rest = 1, v = 0;
  for (int64_t j = 0; j < d; j++) q[j] = lo[j], rest -= lo[j];
  for (int64_t t = 0; t < d; t++) {
    const double take = rest < hi[o[t]] - lo[o[t]] ? rest : hi[o[t]] - lo[o[t]];
    q[o[t]] += take, rest -= take;
  }
  for (int64_t j = 0; j < d; j++) v += q[j] * u[j];
  return v;
}

static double naive_belief(const double *focal, const double *mass, int sets, const double *u,
                           int64_t d) {
  double v = 0;
  for (int r = 0; r < sets; r++) {
    double m = INFINITY;
    for (int64_t j = 0; j < d; j++)
      if (focal[r * d + j] != 0 && u[j] < m) m = u[j];
    v += mass[r] * m;
  }
  return v;
}

/* d from 8 to 256 (whole blocks, partial blocks, budgets ending inside a block), sparse and
 * dense centers and focal sets, ties: lower and upper (the upper as minus the lower of -u). */
START_TEST(test_blocks_against_naive) {
  test_rng rng = {(uint64_t)_i * 131 + 17};
  const int64_t d = 8 + test_below(&rng, 249);
  double c[256], u[256], neg[256], lo[256], hi[256], focal[6 * 256], mass[6];
  int32_t order[256], order_neg[256];
  int o[256], o_neg[256];
  const int ties = _i % 2;
  for (int64_t j = 0; j < d; j++) {
    u[j] = ties ? floor(test_uniform(&rng) * 4) : test_uniform(&rng) * 2 - 1;
    neg[j] = -u[j];
  }
  credal__utility_order(u, d, order);
  credal__utility_order(neg, d, order_neg);
  naive_order(u, d, o);
  naive_order(neg, d, o_neg);
  for (int64_t j = 0; j < d; j++) ck_assert_int_eq(order[j], o[j]);
  const double sparsity = test_uniform(&rng);
  double s = 0;
  for (int64_t j = 0; j < d; j++) s += c[j] = test_uniform(&rng) < sparsity ? 0 : test_uniform(&rng);
  if (s == 0) c[0] = s = 1;
  for (int64_t j = 0; j < d; j++) c[j] /= s;
  const double tol = 1e-12 * (double)d;
  const double r = test_uniform(&rng) < 0.1 ? 1.0 : test_uniform(&rng) * test_uniform(&rng);
  ck_assert(fabs(credal_tv_value(c, r, u, d, order, 0) - naive_tv(c, r, u, d, o)) < tol);
  ck_assert(fabs(credal_tv_value(c, r, u, d, order, 1) + naive_tv(c, r, neg, d, o_neg)) < tol);
  for (int64_t j = 0; j < d; j++) {
    lo[j] = c[j] * test_uniform(&rng);
    hi[j] = c[j] + (1 - c[j]) * test_uniform(&rng) * test_uniform(&rng) * 0.05;
  }
  ck_assert(fabs(credal_intervals_value(lo, hi, u, d, order, 0) - naive_intervals(lo, hi, u, d, o)) < tol);
  ck_assert(fabs(credal_intervals_value(lo, hi, u, d, order, 1) + naive_intervals(lo, hi, neg, d, o_neg)) < tol);
  const double density = test_uniform(&rng) * test_uniform(&rng);
  double msum = 0;
  for (int r2 = 0; r2 < 6; r2++) {
    for (int64_t j = 0; j < d; j++) focal[r2 * d + j] = test_uniform(&rng) < density;
    focal[r2 * d + test_below(&rng, d)] = 1;
    msum += mass[r2] = test_uniform(&rng);
  }
  for (int r2 = 0; r2 < 6; r2++) mass[r2] /= msum;
  ck_assert(fabs(credal_belief_value(focal, mass, 6, u, d, order, 0) - naive_belief(focal, mass, 6, u, d)) < tol);
  ck_assert(fabs(credal_belief_value(focal, mass, 6, u, d, order, 1) + naive_belief(focal, mass, 6, neg, d)) < tol);
}
END_TEST

/* Every backend against the reference on random batches of each family. */
START_TEST(test_cpu_families) {
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) compare_family(CREDAL_BACKEND_CPU, (credal_family)f, _i);
}
END_TEST

START_TEST(test_cpu_eval_families) { compare_eval_families(CREDAL_BACKEND_CPU, _i); }
END_TEST

/* The public entry point refuses what it cannot evaluate. */
START_TEST(test_family_api_usage) {
  const int64_t offs[] = {0, 1, 2};
  const double x[] = {0.5, 0.5, 1, 0}, u[] = {1, 2}, r[] = {0.1, 0.2};
  double lo[2];
  int32_t k[2];
  credal_batch_f64 b = {2, 2, 1, offs, x, NULL, u};
  ck_assert_int_eq(credal_family_lower_f64(CREDAL_BACKEND_CPU, CREDAL_FAMILY_TV_BALLS, &b, lo, k,
                                           NULL, NULL), CREDAL_EUSAGE); /* no radius */
  ck_assert_int_eq(credal_family_lower_f64(CREDAL_BACKEND_CPU, CREDAL_FAMILY_INTERVALS, &b, lo, k,
                                           NULL, NULL), CREDAL_EUSAGE); /* 1 row each */
  ck_assert_int_eq(credal_family_lower_f64(CREDAL_BACKEND_CPU, (credal_family)9, &b, lo, k, NULL,
                                           NULL), CREDAL_EUSAGE);
  b.constants = r;
  ck_assert_int_eq(credal_family_lower_f64(CREDAL_BACKEND_REFERENCE, CREDAL_FAMILY_TV_BALLS, &b,
                                           lo, k, NULL, NULL), CREDAL_OK);
  /* (0.5, 0.5) radius 0.1 -> (0.6, 0.4): 1.4; (1, 0) radius 0.2 -> itself: 1 */
  ck_assert(fabs(lo[0] - 1.4) < 1e-15 && lo[1] == 1.0 && k[0] == -1 && k[1] == -1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("structured");
  TCase *tc = tcase_create("greedy");
  tcase_add_test(tc, test_by_hand);
  tcase_add_test(tc, test_edges);
  tcase_add_loop_test(tc, test_random_against_vertices, 0, test_scaled(300));
  tcase_add_test(tc, test_belief_by_hand);
  tcase_add_loop_test(tc, test_blocks_against_naive, 0, test_scaled(500));
  tcase_add_test(tc, test_tv_tolerance);
  tcase_add_test(tc, test_family_api_usage);
  suite_add_tcase(s, tc);
  TCase *backends = tcase_create("backends");
  tcase_set_timeout(backends, 120);
  tcase_add_loop_test(backends, test_cpu_families, 0, COMPARE_FAMILY_SHAPES);
  tcase_add_loop_test(backends, test_cpu_eval_families, 0, 2);
  suite_add_tcase(s, backends);
  return test_run(s);
}
