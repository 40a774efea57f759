/* The structured families' greedy values against two independent computations through
 * cddlib (host/polytope.c): the minimum (maximum) over the set's vertices enumerated from its
 * H-representation by the double description method, and the optimum of an LP over the same
 * constraints solved by cddlib's dual simplex, both in exact GMP arithmetic (and the LP in
 * floating point too). Random small instances of every family with edge cases mixed in
 * (radius and epsilon 0 and 1, degenerate intervals, d = 1, ties in utility), plus an empty
 * set refused by both. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polytope.h"
#include "structured.h"
#include "testutil.h"

#define D_MAX 5
#define M_MAX (1 << D_MAX) /* TV: one constraint per sign vector */

typedef struct {
  int64_t m;
  double A[M_MAX * D_MAX], b[M_MAX];
} constraints;

static void add(constraints *c, const double *row, int64_t d, double rhs) {
  memcpy(c->A + c->m * d, row, (size_t)d * sizeof(double));
  c->b[c->m++] = rhs;
}

/* Every value below is a multiple of 1/64 (1/4096 for interval bounds): the constraints then
 * hold exactly in the rationals cddlib computes in. (A center drawn in floating point sums to
 * 1 only within rounding, and its set, for radius 0, is exactly empty.) */
#define GRID 64.0

/* A distribution of multiples of 1/64, summing to exactly 1, about a quarter of entries 0. */
static void random_simplex(test_rng *rng, double *q, int64_t d) {
  int64_t left = (int64_t)GRID;
  for (int64_t j = 0; j < d; j++) q[j] = 0;
  while (left > 0) { /* 64 units dropped on outcomes, some outcomes skipped */
    const int64_t j = test_below(rng, d);
    if (d > 1 && j % 4 == 3) continue;
    const int64_t n = 1 + test_below(rng, left);
    q[j] += (double)n / GRID, left -= n;
  }
}

/* 0 or 1 a third of the time, else a multiple of 1/64 in between. */
static double edge_or_uniform(test_rng *rng) {
  const double r = test_uniform(rng);
  return r < 0.15 ? 0.0 : r < 0.3 ? 1.0 : (double)(1 + test_below(rng, 63)) / GRID;
}

/* greedy value vs exact vertices, exact LP and floating LP, lower and upper */
static void check_value(const char *what, const constraints *c, int64_t d, const double *u,
                        double lower, double upper) {
  double *v = NULL;
  int64_t n = 0;
  ck_assert_msg(credal__polytope_vertices(c->A, c->b, c->m, d, 1, &v, &n) == CREDAL_OK, "%s: %s",
                what, credal_last_error());
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t k = 0; k < n; k++) {
    const double x = credal_dot(v + k * d, u, d);
    lo = x < lo ? x : lo, hi = x > hi ? x : hi;
  }
  free(v);
  double scale = 0;
  for (int64_t j = 0; j < d; j++) scale = fabs(u[j]) > scale ? fabs(u[j]) : scale;
  const double tol = 1e-12 * scale * (double)d;
  ck_assert_msg(test_close(lower, lo, tol, 1e-12), "%s: greedy lower %.17g, vertices %.17g", what,
                lower, lo);
  ck_assert_msg(test_close(upper, hi, tol, 1e-12), "%s: greedy upper %.17g, vertices %.17g", what,
                upper, hi);
  for (int exact = 0; exact <= 1; exact++) {
    double lp_lo, lp_hi;
    ck_assert_int_eq(credal__polytope_lp(c->A, c->b, c->m, d, u, 0, exact, &lp_lo), CREDAL_OK);
    ck_assert_int_eq(credal__polytope_lp(c->A, c->b, c->m, d, u, 1, exact, &lp_hi), CREDAL_OK);
    const double lp_tol = exact ? tol : 1e-9 * scale * (double)d;
    ck_assert_msg(test_close(lower, lp_lo, lp_tol, exact ? 1e-12 : 1e-9),
                  "%s: greedy lower %.17g, %s LP %.17g", what, lower, exact ? "exact" : "float", lp_lo);
    ck_assert_msg(test_close(upper, lp_hi, lp_tol, exact ? 1e-12 : 1e-9),
                  "%s: greedy upper %.17g, %s LP %.17g", what, upper, exact ? "exact" : "float", lp_hi);
  }
}

START_TEST(test_families_against_cddlib) {
  test_rng rng = {(uint64_t)_i * 7919 + 3};
  const int64_t d = _i < 8 ? 1 + _i % 2 : 1 + test_below(&rng, D_MAX);
  double u[D_MAX], c[D_MAX], row[D_MAX];
  const int ties = _i % 3 == 0;
  for (int64_t j = 0; j < d; j++)
    u[j] = ties ? floor(test_uniform(&rng) * 3) - 1 : 10 * (test_uniform(&rng) * 2 - 1);
  int32_t order[D_MAX];
  credal__utility_order(u, d, order);
  char what[96];
  constraints k;

  /* TV ball: sum_j s_j (q_j - c_j) <= 2r for every sign vector s (that is, L1 <= 2r) */
  random_simplex(&rng, c, d);
  const double r = edge_or_uniform(&rng);
  k.m = 0;
  for (int64_t s = 0; s < (1 << d); s++) {
    double rhs = 2 * r;
    for (int64_t j = 0; j < d; j++) row[j] = (s >> j) & 1 ? 1.0 : -1.0, rhs += row[j] * c[j];
    add(&k, row, d, rhs);
  }
  snprintf(what, sizeof what, "tv ball #%d (d=%lld, r=%g)", _i, (long long)d, r);
  check_value(what, &k, d, u, credal_tv_value(c, r, u, d, order, 0),
              credal_tv_value(c, r, u, d, order, 1));

  /* contamination: q_j >= (1 - e) c_j */
  random_simplex(&rng, c, d);
  const double e = edge_or_uniform(&rng);
  k.m = 0;
  for (int64_t i = 0; i < d; i++) {
    for (int64_t j = 0; j < d; j++) row[j] = i == j ? -1.0 : 0.0;
    add(&k, row, d, -(1 - e) * c[i]);
  }
  snprintf(what, sizeof what, "contamination #%d (d=%lld, e=%g)", _i, (long long)d, e);
  check_value(what, &k, d, u, credal_contamination_value(c, e, u, d, order, 0),
              credal_contamination_value(c, e, u, d, order, 1));

  /* intervals around a random distribution (degenerate a fifth of the time) */
  double lohi[2 * D_MAX];
  random_simplex(&rng, c, d);
  const int degenerate = test_uniform(&rng) < 0.2;
  k.m = 0;
  for (int64_t i = 0; i < d; i++) { /* bounds on a 1/4096 grid around c */
    lohi[i] = degenerate ? c[i] : floor(c[i] * test_uniform(&rng) * 4096) / 4096;
    lohi[d + i] = degenerate ? c[i] : ceil((c[i] + (1 - c[i]) * test_uniform(&rng)) * 4096) / 4096;
    for (int64_t j = 0; j < d; j++) row[j] = i == j ? 1.0 : 0.0;
    add(&k, row, d, lohi[d + i]);
    for (int64_t j = 0; j < d; j++) row[j] = i == j ? -1.0 : 0.0;
    add(&k, row, d, -lohi[i]);
  }
  snprintf(what, sizeof what, "intervals #%d (d=%lld%s)", _i, (long long)d,
           degenerate ? ", degenerate" : "");
  check_value(what, &k, d, u, credal_intervals_value(lohi, lohi + d, u, d, order, 0),
              credal_intervals_value(lohi, lohi + d, u, d, order, 1));

  /* belief function: q(S) >= Bel(S) = sum of m(A) over focal A within S, every S */
  enum { SETS = 4 };
  double focal[SETS * D_MAX], mass[SETS];
  random_simplex(&rng, mass, SETS); /* masses of 1/64 steps summing to 1, some 0 */
  for (int a = 0; a < SETS; a++) {
    for (int64_t j = 0; j < d; j++) focal[a * d + j] = test_uniform(&rng) < 0.5;
    focal[a * d + test_below(&rng, d)] = 1;
  }
  k.m = 0;
  for (int64_t s = 1; s < (1 << d); s++) {
    double bel = 0;
    for (int a = 0; a < SETS; a++) {
      int inside = 1;
      for (int64_t j = 0; j < d; j++) inside &= !(focal[a * d + j] != 0 && !((s >> j) & 1));
      bel += inside ? mass[a] : 0.0;
    }
    for (int64_t j = 0; j < d; j++) row[j] = (s >> j) & 1 ? -1.0 : 0.0;
    add(&k, row, d, -bel);
  }
  snprintf(what, sizeof what, "belief #%d (d=%lld)", _i, (long long)d);
  check_value(what, &k, d, u, credal_belief_value(focal, mass, SETS, u, d, order, 0),
              credal_belief_value(focal, mass, SETS, u, d, order, 1));
}
END_TEST

/* Intervals whose upper bounds sum below 1 are empty: both cddlib paths say so. */
START_TEST(test_empty_set) {
  constraints k = {0};
  const double d = 3, u[] = {1, 2, 3};
  for (int64_t i = 0; i < 3; i++) {
    double row[3] = {0, 0, 0};
    row[i] = 1;
    add(&k, row, 3, 0.3); /* q_i <= 0.3: sum <= 0.9 < 1 */
  }
  double *v = NULL, value;
  int64_t n;
  ck_assert_int_eq(credal__polytope_vertices(k.A, k.b, k.m, (int64_t)d, 1, &v, &n), CREDAL_EDATA);
  ck_assert(strstr(credal_last_error(), "empty") != NULL);
  ck_assert_int_eq(credal__polytope_lp(k.A, k.b, k.m, (int64_t)d, u, 0, 1, &value), CREDAL_EDATA);
  ck_assert_int_eq(credal__polytope_vertices(k.A, k.b, k.m, (int64_t)d, 0, &v, &n), CREDAL_EDATA);
}
END_TEST

/* The simplex itself: its d vertices, sorted. */
START_TEST(test_simplex_vertices) {
  double *v = NULL;
  int64_t n = 0;
  ck_assert_int_eq(credal__polytope_vertices(NULL, NULL, 0, 3, 1, &v, &n), CREDAL_OK);
  ck_assert_int_eq(n, 3);
  const double want[] = {0, 0, 1, 0, 1, 0, 1, 0, 0};
  for (int i = 0; i < 9; i++) ck_assert(v[i] == want[i]);
  free(v);
}
END_TEST

int main(void) {
  if (!credal__polytope_available()) {
    fprintf(stderr, "check_cdd: built without cddlib (libcdd-dev): skipped\n");
    return 77;
  }
  Suite *s = suite_create("cdd");
  TCase *tc = tcase_create("against cddlib");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_families_against_cddlib, 0, 400);
  tcase_add_test(tc, test_empty_set);
  tcase_add_test(tc, test_simplex_vertices);
  suite_add_tcase(s, tc);
  return test_run(s);
}
