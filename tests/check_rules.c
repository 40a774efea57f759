/* The decision rules (SPEC §9, host/rules*.c) against the worked example of the literature and
 * against an independent oracle: every rule from its definition, with each lower expectation
 * and each E-admissibility problem solved as a linear program by cddlib in exact GMP
 * arithmetic (host/polytope.c), on random instances of every family whose numbers are exact
 * dyadic rationals (ties included: repeated policies and generators, small integer utilities).
 * Then the invariants (e_admissible <= maximal <= interval_dominance, Gamma rules <= maximal,
 * no empty mask, Hurwicz 0 and 1) and pruning against evaluating every pair on larger
 * floating-point instances, and the matrix-game solver on known games. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "game.h"
#include "polytope.h"
#include "rules.h"
#include "structured.h"
#include "testutil.h"

#define R(rule) (1u << CREDAL_RULE_##rule)

/* ---- the six-gamble example (SPEC §9), in every family ---- */

static const double gambles[] = {4, 0, 0, 4, 3, 2, 0.5, 3, 2.35, 2.35, 4.1, -0.3};

static void expect_mask(const uint8_t *m, const char *want, const char *what) {
  char got[16] = "";
  for (int p = 0; p < 6; p++)
    if (m[p]) snprintf(got + strlen(got), sizeof got - strlen(got), "%d", p + 1);
  ck_assert_msg(!strcmp(got, want), "%s: kept {%s}, want {%s}", what, got, want);
}

static void six_gambles(credal_family family, const double *rows, const double *scalars,
                        int64_t nrows) {
  const int64_t offsets[2] = {0, nrows};
  const credal_batch_f64 b = {1, 2, 6, offsets, rows, scalars, gambles};
  uint8_t m[CREDAL_RULE_COUNT * 6];
  double sr[6];
  memset(m, 0xee, sizeof m);
  ck_assert_int_eq(credal_rules_f64(family, &b, CREDAL_RULES_ALL, 0.5, m, sr), CREDAL_OK);
  char what[64];
  static const char *want[CREDAL_RULE_COUNT] = {"5", "2", "3", "12356", "1235", "123"};
  for (int r = 0; r < CREDAL_RULE_COUNT; r++) {
    snprintf(what, sizeof what, "%s %s", credal_family_name(family), credal_rule_name(r));
    expect_mask(m + r * 6, want[r], what);
  }
  /* max_q upper(u_q - u_p), by hand from P(a) in [0.28, 0.70] */
  const double want_sr[6] = {1.76, 1.6, 0.6, 1.55, 0.53, 1.948};
  for (int p = 0; p < 6; p++)
    ck_assert_msg(fabs(sr[p] - want_sr[p]) < 1e-12, "%s set_regret[%d] = %.17g, want %g",
                  credal_family_name(family), p, sr[p], want_sr[p]);
}

START_TEST(test_six_gambles_every_family) {
  const double vertices[] = {0.28, 0.72, 0.70, 0.30};
  six_gambles(CREDAL_FAMILY_GENERATORS, vertices, NULL, 2);
  const double tv[] = {0.49, 0.51}, radius = 0.21;
  six_gambles(CREDAL_FAMILY_TV_BALLS, tv, &radius, 1);
  const double e = 0.42, center[] = {0.28 / 0.58, 0.30 / 0.58};
  six_gambles(CREDAL_FAMILY_CONTAMINATION, center, &e, 1);
  const double intervals[] = {0.28, 0.30, 0.70, 0.72};
  six_gambles(CREDAL_FAMILY_INTERVALS, intervals, NULL, 2);
  const double focal[] = {1, 0, 0, 1, 1, 1}, mass[] = {0.28, 0.30, 0.42};
  six_gambles(CREDAL_FAMILY_BELIEF, focal, mass, 3);
}
END_TEST

/* Only the asked rules are written; Hurwicz 0 and 1 are Gamma-maximin and Gamma-maximax. */
START_TEST(test_asked_rules_and_hurwicz_ends) {
  const double vertices[] = {0.28, 0.72, 0.70, 0.30};
  const int64_t offsets[2] = {0, 2};
  const credal_batch_f64 b = {1, 2, 6, offsets, vertices, NULL, gambles};
  uint8_t m[CREDAL_RULE_COUNT * 6];
  memset(m, 0xee, sizeof m);
  ck_assert_int_eq(credal_rules_f64(CREDAL_FAMILY_GENERATORS, &b, R(HURWICZ), 0.0, m, NULL),
                   CREDAL_OK);
  expect_mask(m + CREDAL_RULE_HURWICZ * 6, "5", "hurwicz 0");
  expect_mask(m + CREDAL_RULE_MAXIMAL * 6, "", "maximal (not asked)");
  ck_assert_int_eq(credal_rules_f64(CREDAL_FAMILY_GENERATORS, &b, R(HURWICZ), 1.0, m, NULL),
                   CREDAL_OK);
  expect_mask(m + CREDAL_RULE_HURWICZ * 6, "2", "hurwicz 1");
  ck_assert_int_eq(credal_rules_f64(CREDAL_FAMILY_GENERATORS, &b, R(HURWICZ), 1.5, m, NULL),
                   CREDAL_EUSAGE);
  unsigned rules;
  ck_assert_int_eq(credal_rules_parse("maximal,set_regret", &rules), CREDAL_OK);
  ck_assert_uint_eq(rules, R(MAXIMAL) | CREDAL_RULES_SET_REGRET);
  ck_assert_int_eq(credal_rules_parse("all", &rules), CREDAL_OK);
  ck_assert_uint_eq(rules, CREDAL_RULES_ALL);
  ck_assert_int_eq(credal_rules_parse("maximal,maximum", &rules), CREDAL_EUSAGE);
  ck_assert(strstr(credal_last_error(), "'maximum'") != NULL);
}
END_TEST

/* ---- the matrix-game solver ---- */

START_TEST(test_known_games) {
  credal__game g = {0};
  double v, mu[3];
  const double pennies[] = {1, -1, -1, 1};
  ck_assert_int_eq(credal__game_solve(&g, pennies, 2, 2, &v, mu, NULL, 0), 0);
  ck_assert(fabs(v) < 1e-14 && fabs(mu[0] - 0.5) < 1e-14);
  const double rps[] = {0, -1, 1, 1, 0, -1, -1, 1, 0};
  ck_assert_int_eq(credal__game_solve(&g, rps, 3, 3, &v, mu, NULL, 0), 0);
  ck_assert(fabs(v) < 1e-14 && fabs(mu[2] - 1.0 / 3) < 1e-14);
  const double saddle[] = {3, 5, 1, 2}; /* row 0 dominates: value min(3, 5) = 3 */
  ck_assert_int_eq(credal__game_solve(&g, saddle, 2, 2, &v, mu, NULL, 0), 0);
  ck_assert(fabs(v - 3) < 1e-14 && mu[0] == 1.0);
  const double one[] = {-7.5};
  ck_assert_int_eq(credal__game_solve(&g, one, 1, 1, &v, mu, NULL, 0), 0);
  ck_assert(fabs(v + 7.5) < 1e-14);
  /* 2x3 with value 1/3 (the row player mixes 2/3, 1/3 against columns 0 and 1) */
  const double m23[] = {0, 1, 2, 1, -1, 3};
  ck_assert_int_eq(credal__game_solve(&g, m23, 2, 3, &v, mu, NULL, 0), 0);
  ck_assert_msg(fabs(v - 1.0 / 3) < 1e-14, "value %.17g", v);
  credal__game_free(&g);
}
END_TEST

/* Large degenerate games (many rows tight at once: a column of zeros, repeated rows, integer
 * payoffs) settle, and the two mixtures prove the value to rounding. */
START_TEST(test_degenerate_games) {
  test_rng rng = {(uint64_t)_i * 977 + 1};
  const int64_t R = 20 + test_below(&rng, 120), C = 2 + test_below(&rng, 60);
  double *A = malloc((size_t)(R * C) * 8), *mu = malloc((size_t)C * 8),
         *lambda = malloc((size_t)R * 8);
  for (int64_t i = 0; i < R; i++)
    for (int64_t j = 0; j < C; j++)
      A[i * C + j] = j == 0 ? 0.0
                     : i > 0 && _i % 2
                         ? A[(i - 1) * C + j] * (i % 3 == 0) + (double)(test_below(&rng, 3) - 1)
                         : (double)(test_below(&rng, 7) - 3);
  credal__game g = {0};
  double v, lo, hi;
  ck_assert_int_eq(credal__game_solve(&g, A, R, C, &v, mu, lambda, _i % 3 == 0), 0);
  credal__game_bounds(A, R, C, lambda, mu, &lo, &hi);
  ck_assert_msg(lo <= v + 1e-12 && v <= hi + 1e-12 && hi - lo < 1e-12,
                "%lldx%lld: value %.17g, proved [%.17g, %.17g]", (long long)R, (long long)C, v, lo,
                hi);
  credal__game_free(&g);
  free(A), free(mu), free(lambda);
}
END_TEST

/* ---- the exact oracle ---- */

#define D_MAX 4
#define P_MAX 6
#define K_MAX 5
#define M_MAX (1 << D_MAX)

/* One random instance of one family: rows in the row layout, and (structured) its
 * H-representation {q in simplex : A q <= b}. Multiples of 1/64, so cddlib's rationals are the
 * doubles exactly. */
typedef struct {
  credal_family family;
  int64_t d, P, nrows, m;
  double rows[2 * K_MAX * D_MAX], scalars[K_MAX];
  double A[(M_MAX + P_MAX) * K_MAX * 2], b[M_MAX + P_MAX];
  double u[P_MAX * D_MAX];
} instance;

static void random_simplex(test_rng *rng, double *q, int64_t d) {
  int64_t left = 64;
  for (int64_t j = 0; j < d; j++) q[j] = 0;
  while (left > 0) {
    const int64_t j = test_below(rng, d), n = 1 + test_below(rng, left);
    q[j] += (double)n / 64, left -= n;
  }
}

static double grid01(test_rng *rng) {
  const double r = test_uniform(rng);
  return r < 0.1 ? 0.0 : r < 0.2 ? 1.0 : (double)(1 + test_below(rng, 63)) / 64;
}

static void add_constraint(instance *x, const double *row, double rhs) {
  memcpy(x->A + x->m * x->d, row, (size_t)x->d * sizeof(double));
  x->b[x->m++] = rhs;
}

static void make_instance(test_rng *rng, credal_family family, instance *x) {
  memset(x, 0, sizeof *x);
  x->family = family;
  x->d = 1 + test_below(rng, D_MAX);
  x->P = 1 + test_below(rng, P_MAX);
  const int64_t d = x->d;
  const int integers = test_uniform(rng) < 0.4; /* many exact ties */
  for (int64_t i = 0; i < x->P * d; i++)
    x->u[i] =
        integers ? (double)(test_below(rng, 5) - 2) : (double)(test_below(rng, 257) - 128) / 16;
  if (x->P > 1 && test_uniform(rng) < 0.3) /* a repeated policy */
    memcpy(x->u + (x->P - 1) * d, x->u + test_below(rng, x->P - 1) * d, (size_t)d * sizeof(double));
  double row[D_MAX], c[D_MAX];
  switch (family) {
    case CREDAL_FAMILY_GENERATORS:
      x->nrows = 1 + test_below(rng, K_MAX);
      for (int64_t k = 0; k < x->nrows; k++) {
        if (k > 0 && test_uniform(rng) < 0.2)
          memcpy(x->rows + k * d, x->rows, (size_t)d * 8);
        else
          random_simplex(rng, x->rows + k * d, d);
      }
      break;
    case CREDAL_FAMILY_TV_BALLS:
      x->nrows = 1;
      random_simplex(rng, x->rows, d);
      x->scalars[0] = grid01(rng);
      for (int64_t s = 0; s < (1 << d); s++) {
        double rhs = 2 * x->scalars[0];
        for (int64_t j = 0; j < d; j++)
          row[j] = (s >> j) & 1 ? 1.0 : -1.0, rhs += row[j] * x->rows[j];
        add_constraint(x, row, rhs);
      }
      break;
    case CREDAL_FAMILY_CONTAMINATION:
      x->nrows = 1;
      random_simplex(rng, x->rows, d);
      x->scalars[0] = grid01(rng);
      for (int64_t i = 0; i < d; i++) {
        for (int64_t j = 0; j < d; j++) row[j] = i == j ? -1.0 : 0.0;
        add_constraint(x, row, -(1 - x->scalars[0]) * x->rows[i]);
      }
      break;
    case CREDAL_FAMILY_INTERVALS:
      x->nrows = 2;
      random_simplex(rng, c, d);
      for (int64_t i = 0; i < d; i++) {
        x->rows[i] = floor(c[i] * test_uniform(rng) * 64) / 64;
        x->rows[d + i] = ceil((c[i] + (1 - c[i]) * test_uniform(rng)) * 64) / 64;
        for (int64_t j = 0; j < d; j++) row[j] = i == j ? 1.0 : 0.0;
        add_constraint(x, row, x->rows[d + i]);
        for (int64_t j = 0; j < d; j++) row[j] = i == j ? -1.0 : 0.0;
        add_constraint(x, row, -x->rows[i]);
      }
      break;
    default: { /* belief: q(S) >= Bel(S) for every S */
      x->nrows = 1 + test_below(rng, 3);
      double mass[4];
      random_simplex(rng, mass, x->nrows);
      for (int64_t a = 0; a < x->nrows; a++) {
        x->scalars[a] = mass[a];
        for (int64_t j = 0; j < d; j++) x->rows[a * d + j] = test_uniform(rng) < 0.5;
        x->rows[a * d + test_below(rng, d)] = 1;
      }
      for (int64_t s = 1; s < (1 << d); s++) {
        double bel = 0;
        for (int64_t a = 0; a < x->nrows; a++) {
          int inside = 1;
          for (int64_t j = 0; j < d; j++) inside &= !(x->rows[a * d + j] != 0 && !((s >> j) & 1));
          bel += inside ? x->scalars[a] : 0.0;
        }
        for (int64_t j = 0; j < d; j++) row[j] = (s >> j) & 1 ? -1.0 : 0.0;
        add_constraint(x, row, -bel);
      }
    }
  }
}

/* min (max) of <q, g> over the instance's set, exactly. */
static double extreme(const instance *x, const double *g, int maximize) {
  if (x->family == CREDAL_FAMILY_GENERATORS) {
    double best = maximize ? -INFINITY : INFINITY;
    for (int64_t k = 0; k < x->nrows; k++) {
      const double v = credal_dot(x->rows + k * x->d, g, x->d); /* exact on the 1/64 grid */
      best = maximize ? fmax(best, v) : fmin(best, v);
    }
    return best;
  }
  double v;
  ck_assert_int_eq(credal__polytope_lp(x->A, x->b, x->m, x->d, g, maximize, 1, &v), CREDAL_OK);
  return v;
}

/* Is some member m of the set with <m, u_r - u_p> <= tau for all r? (exact feasibility LP) */
static int e_admissible_oracle(const instance *x, int64_t p, double tau) {
  const int64_t d = x->d, P = x->P;
  double A[(M_MAX + P_MAX) * K_MAX * 2], b[M_MAX + P_MAX], g[K_MAX > D_MAX ? K_MAX : D_MAX] = {0};
  int64_t m = 0, dim;
  if (x->family == CREDAL_FAMILY_GENERATORS) { /* over the mixing weights of the generators */
    dim = x->nrows;
    for (int64_t r = 0; r < P; r++, m++) {
      for (int64_t k = 0; k < dim; k++)
        A[m * dim + k] = credal_dot(x->rows + k * d, x->u + r * d, d) -
                         credal_dot(x->rows + k * d, x->u + p * d, d);
      b[m] = tau;
    }
  } else {
    dim = d;
    memcpy(A, x->A, (size_t)(x->m * d) * 8);
    memcpy(b, x->b, (size_t)x->m * 8);
    for (m = x->m; m < x->m + P; m++) {
      for (int64_t j = 0; j < d; j++) A[m * d + j] = x->u[(m - x->m) * d + j] - x->u[p * d + j];
      b[m] = tau;
    }
  }
  double v;
  const credal_status st = credal__polytope_lp(A, b, m, dim, g, 0, 1, &v);
  ck_assert_msg(st == CREDAL_OK || st == CREDAL_EDATA, "cddlib: %s", credal_last_error());
  return st == CREDAL_OK;
}

/* Every rule straight from its definition (SPEC §9), every pair evaluated. */
static void oracle(const instance *x, double hurwicz, uint8_t *m, double *sr) {
  const int64_t P = x->P, d = x->d;
  double lo[P_MAX], up[P_MAX], pair[P_MAX][P_MAX], diff[D_MAX];
  double max_abs_u = 0, max_abs_x = x->family == CREDAL_FAMILY_GENERATORS ? 0 : 1;
  for (int64_t i = 0; i < P * d; i++) max_abs_u = fmax(max_abs_u, fabs(x->u[i]));
  for (int64_t i = 0; x->family == CREDAL_FAMILY_GENERATORS && i < x->nrows * d; i++)
    max_abs_x = fmax(max_abs_x, fabs(x->rows[i]));
  const double tau = 1e-12 * max_abs_x * max_abs_u * (double)d;
  double best_lo = -INFINITY, best_up = -INFINITY, best_mix = -INFINITY;
  for (int64_t p = 0; p < P; p++) {
    lo[p] = extreme(x, x->u + p * d, 0), up[p] = extreme(x, x->u + p * d, 1);
    best_lo = fmax(best_lo, lo[p]), best_up = fmax(best_up, up[p]);
    best_mix = fmax(best_mix, hurwicz * up[p] + (1 - hurwicz) * lo[p]);
    for (int64_t q = 0; q < P; q++) {
      for (int64_t j = 0; j < d; j++) diff[j] = x->u[q * d + j] - x->u[p * d + j];
      pair[q][p] = extreme(x, diff, 0); /* lower(u_q - u_p) */
    }
  }
  for (int64_t p = 0; p < P; p++) {
    m[CREDAL_RULE_GAMMA_MAXIMIN * P + p] = !(lo[p] < best_lo - tau);
    m[CREDAL_RULE_GAMMA_MAXIMAX * P + p] = !(up[p] < best_up - tau);
    m[CREDAL_RULE_HURWICZ * P + p] = !(hurwicz * up[p] + (1 - hurwicz) * lo[p] < best_mix - tau);
    m[CREDAL_RULE_INTERVAL_DOMINANCE * P + p] = 1;
    m[CREDAL_RULE_MAXIMAL * P + p] = 1;
    sr[p] = 0;
    for (int64_t q = 0; q < P; q++) {
      if (lo[q] > up[p] + tau) m[CREDAL_RULE_INTERVAL_DOMINANCE * P + p] = 0;
      if (pair[q][p] > tau) m[CREDAL_RULE_MAXIMAL * P + p] = 0;
      sr[p] = fmax(sr[p], -pair[p][q]); /* upper(u_q - u_p) = -lower(u_p - u_q) */
    }
    m[CREDAL_RULE_E_ADMISSIBLE * P + p] = (uint8_t)e_admissible_oracle(x, p, tau);
  }
}

START_TEST(test_against_exact_lp) {
  test_rng rng = {(uint64_t)_i * 104729 + 17};
  const int per_call = test_scaled(20);
  for (int n = 0; n < per_call; n++) {
    for (int f = 0; f < CREDAL_FAMILY_COUNT; f++) {
      instance x;
      make_instance(&rng, (credal_family)f, &x);
      const int64_t offsets[2] = {0, x.nrows}, P = x.P;
      const credal_batch_f64 b = {
          1,      x.d,
          P,      offsets,
          x.rows, f == CREDAL_FAMILY_GENERATORS || f == CREDAL_FAMILY_INTERVALS ? NULL : x.scalars,
          x.u};
      const double hurwicz = (double)test_below(&rng, 5) / 4;
      uint8_t got[CREDAL_RULE_COUNT * P_MAX], want[CREDAL_RULE_COUNT * P_MAX];
      double sr[P_MAX], want_sr[P_MAX];
      ck_assert_int_eq(credal_rules_f64((credal_family)f, &b, CREDAL_RULES_ALL, hurwicz, got, sr),
                       CREDAL_OK);
      oracle(&x, hurwicz, want, want_sr);
      for (int r = 0; r < CREDAL_RULE_COUNT; r++)
        for (int64_t p = 0; p < P; p++)
          ck_assert_msg(got[r * P + p] == want[r * P + p],
                        "%s instance %d.%d (d=%lld, P=%lld): %s[%lld] = %d, the exact LP says %d",
                        credal_family_name(f), _i, n, (long long)x.d, (long long)P,
                        credal_rule_name(r), (long long)p, got[r * P + p], want[r * P + p]);
      for (int64_t p = 0; p < P; p++)
        ck_assert_msg(test_close(sr[p], want_sr[p], 1e-12 * 64, 1e-12),
                      "%s instance %d.%d: set_regret[%lld] = %.17g, exact %.17g",
                      credal_family_name(f), _i, n, (long long)p, sr[p], want_sr[p]);
    }
  }
}
END_TEST

/* ---- invariants and pruning on larger floating-point instances ---- */

/* rows (rows, d) of uniform entries normalised to distributions (malloc'd). */
static double *random_distributions(test_rng *rng, int64_t rows, int64_t d) {
  double *x = malloc((size_t)(rows * d) * 8);
  for (int64_t k = 0; k < rows; k++) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += x[k * d + j] = test_uniform(rng);
    for (int64_t j = 0; j < d; j++) x[k * d + j] /= s;
  }
  return x;
}

/* lower(u_q - u_p) of every pair of one generator hypothesis, plainly. */
static double plain_pair(const double *x, int64_t K, int64_t d, const double *uq,
                         const double *up) {
  double best = INFINITY;
  for (int64_t k = 0; k < K; k++)
    best = fmin(best, credal_dot(x + k * d, uq, d) - credal_dot(x + k * d, up, d));
  return best;
}

START_TEST(test_invariants_and_pruning) {
  test_rng rng = {(uint64_t)_i * 31337 + 5};
  /* every tenth: a hypothesis whose value matrix takes two blocks (pairs planned up front) */
  const int large = _i % 10 == 1;
  const int64_t H = 3, d = 2 + test_below(&rng, 10), P = large ? 64 : 1 + test_below(&rng, 40);
  const int adversarial =
      _i % 4 == 3; /* policies shifted copies of one: the bounds decide little */
  int64_t offsets[H + 1];
  offsets[0] = 0;
  for (int64_t h = 0; h < H; h++)
    offsets[h + 1] = offsets[h] + (large && h == 1 ? 5000 : 1 + test_below(&rng, 30));
  double *x = random_distributions(&rng, offsets[H], d), *u = malloc((size_t)(P * d) * 8);
  for (int64_t p = 0; p < P; p++) /* adversarial: u_p = u_0 + 0.001 p */
    for (int64_t j = 0; j < d; j++)
      u[p * d + j] = adversarial && p > 0 ? u[j] + 1e-3 * (double)p
                     : adversarial        ? test_uniform(&rng)
                                          : test_uniform(&rng) * 2 - 1;
  const credal_batch_f64 b = {H, d, P, offsets, x, NULL, u};
  uint8_t *m = malloc((size_t)(CREDAL_RULE_COUNT * H * P)),
          *m0 = malloc((size_t)(CREDAL_RULE_COUNT * H * P)),
          *m1 = malloc((size_t)(CREDAL_RULE_COUNT * H * P));
  double *sr = malloc((size_t)(H * P) * 8);
  ck_assert_int_eq(credal_rules_f64(CREDAL_FAMILY_GENERATORS, &b, CREDAL_RULES_ALL, 0.3, m, sr),
                   CREDAL_OK);
  ck_assert_int_eq(credal_rules_f64(CREDAL_FAMILY_GENERATORS, &b, CREDAL_RULES_ALL, 0.0, m0, NULL),
                   CREDAL_OK);
  ck_assert_int_eq(credal_rules_f64(CREDAL_FAMILY_GENERATORS, &b, CREDAL_RULES_ALL, 1.0, m1, NULL),
                   CREDAL_OK);
#define M(rule, h, p) m[((int64_t)CREDAL_RULE_##rule * H + (h)) * P + (p)]
  for (int64_t h = 0; h < H; h++) {
    const double *xh = x + offsets[h] * d;
    const int64_t Kh = offsets[h + 1] - offsets[h];
    int64_t kept[CREDAL_RULE_COUNT] = {0};
    for (int64_t p = 0; p < P; p++) {
      for (int r = 0; r < CREDAL_RULE_COUNT; r++) kept[r] += m[((int64_t)r * H + h) * P + p];
      ck_assert(M(E_ADMISSIBLE, h, p) <= M(MAXIMAL, h, p));
      ck_assert(M(MAXIMAL, h, p) <= M(INTERVAL_DOMINANCE, h, p));
      ck_assert(M(GAMMA_MAXIMIN, h, p) <= M(MAXIMAL, h, p));
      ck_assert(M(GAMMA_MAXIMAX, h, p) <= M(MAXIMAL, h, p));
      ck_assert(M(GAMMA_MAXIMAX, h, p) <= M(E_ADMISSIBLE, h, p));
      const int64_t i0 = ((int64_t)CREDAL_RULE_HURWICZ * H + h) * P + p;
      ck_assert_int_eq(m0[i0], M(GAMMA_MAXIMIN, h, p));
      ck_assert_int_eq(m1[i0], M(GAMMA_MAXIMAX, h, p));
      /* pruning changes nothing: maximality and the set regret against every pair */
      int dominated = 0;
      double regret = 0;
      for (int64_t q = 0; q < P; q++) {
        dominated |= plain_pair(xh, Kh, d, u + q * d, u + p * d) > 1e-12 * d;
        regret = fmax(regret, -plain_pair(xh, Kh, d, u + p * d, u + q * d));
      }
      ck_assert_msg(M(MAXIMAL, h, p) == !dominated,
                    "#%d h=%lld p=%lld: maximal %d, every pair says %d", _i, (long long)h,
                    (long long)p, M(MAXIMAL, h, p), !dominated);
      ck_assert_msg(test_close(sr[h * P + p], regret, 1e-12 * d, 1e-12),
                    "set_regret %.17g vs %.17g", sr[h * P + p], regret);
    }
    for (int r = 0; r < CREDAL_RULE_COUNT; r++)
      ck_assert_msg(kept[r] > 0, "%s keeps nothing", credal_rule_name(r));
  }
#undef M
  free(x), free(u), free(m), free(m0), free(m1), free(sr);
}
END_TEST

/* ---- a backend that evaluates the pairs (the GPU's hook), here in plain loops ---- */

typedef struct {
  const double *utility;
  int64_t P, d;
  int decline; /* answer CREDAL_EUNSUPPORTED: the host takes the pairs */
} plain_pairs;

/* What kernels/pairs.cu computes (credal_kernel_pairs), from dot products. */
static credal_status plain_rules_pairs(credal__backend *b, const credal__pairs_job *j) {
  const plain_pairs *pp = b->state;
  const int64_t P = pp->P, d = pp->d;
  if (pp->decline) return credal__fail(CREDAL_EUNSUPPORTED, "declined");
  double *v = malloc((size_t)(j->rows * P + 1) * 8), *m = malloc((size_t)(j->rows + 1) * 8);
  for (int64_t k = 0; k < j->rows; k++) {
    m[k] = -INFINITY;
    for (int64_t p = 0; p < P; p++)
      m[k] = fmax(m[k], v[k * P + p] = credal_dot(j->points + k * d, pp->utility + p * d, d));
  }
  for (int64_t a = 0; a < P * P; a++) j->pair_min[a] = INFINITY;
  for (int64_t h = 0; h < j->count; h++) {
    const double tau = j->tau[h], *lo = j->lower + h * P, *up = j->upper + h * P;
    for (int64_t p = 0; p < P; p++) {
      double worst = -INFINITY;
      uint8_t opt = 0, dom = 0;
      for (int64_t k = j->offsets[h]; k < j->offsets[h + 1]; k++) {
        worst = fmax(worst, m[k] - v[k * P + p]);
        opt |= v[k * P + p] >= m[k] - tau;
      }
      for (int64_t q = 0; q < P; q++) {
        if (q == p) continue;
        double pl = INFINITY;
        for (int64_t k = j->offsets[h]; k < j->offsets[h + 1]; k++)
          pl = fmin(pl, v[k * P + q] - v[k * P + p]);
        j->pair_min[q * P + p] = fmin(j->pair_min[q * P + p], pl);
        dom |= j->open[h * P + p] && fmin(up[q] - up[p], lo[q] - lo[p]) > tau && pl > tau;
      }
      j->regret_max[h * P + p] = worst, j->optimal[h * P + p] = opt, j->dominated[h * P + p] = dom;
    }
  }
  free(v), free(m);
  return CREDAL_OK;
}

/* Rules of one chunk through backend b (NULL: the host's pairs): masks, set regret, and the
 * class accumulator's verdicts "q can dominate p" (pair_min above the class tau). */
static void rules_through(credal__backend *b, const credal_batch_f64 *x, uint8_t *masks,
                          double *sr, uint8_t *class_dominates) {
  const int64_t H = x->hypotheses, P = x->policies, HP = H * P;
  double *lower = malloc((size_t)HP * 8), *upper = malloc((size_t)HP * 8);
  int32_t *argmin = malloc((size_t)HP * 4), *argmax = malloc((size_t)HP * 4);
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, x, lower, argmin, upper, argmax),
                   CREDAL_OK);
  const credal__rules_config rc = {P, x->dim, x->utility, CREDAL_RULES_ALL, 0.5, 1e-12, 2, 0, NULL};
  credal__rules *r = NULL;
  ck_assert_int_eq(credal__rules_create(&rc, &r), CREDAL_OK);
  ck_assert_msg(credal__rules_chunk(r, CREDAL_FAMILY_GENERATORS, H, x->offsets, x->points, NULL,
                                    lower, upper, argmax, masks, sr, b) == CREDAL_OK,
                "%s", credal_last_error());
  const credal__rules_state *s = credal__rules_accumulated(r);
  for (int64_t a = 0; a < P * P; a++) class_dominates[a] = s->pair_min[a] > s->tau;
  credal__rules_destroy(r);
  free(lower), free(upper), free(argmin), free(argmax);
}

/* The pairs through a backend's hook give the host's masks, set regret and class verdicts;
 * a backend that declines leaves them to the host. */
START_TEST(test_backend_pairs) {
  test_rng rng = {(uint64_t)_i * 7919 + 3};
  const int64_t H = 1 + test_below(&rng, 6), d = 2 + test_below(&rng, 6),
                P = 1 + test_below(&rng, 50);
  int64_t offsets[8];
  offsets[0] = 0;
  for (int64_t h = 0; h < H; h++) offsets[h + 1] = offsets[h] + 1 + test_below(&rng, 40);
  double *x = random_distributions(&rng, offsets[H], d), *u = malloc((size_t)(P * d) * 8);
  for (int64_t i = 0; i < P * d; i++) u[i] = test_uniform(&rng) * 2 - 1;
  if (_i % 3 == 2) /* policies that overlap: many pairs left open by the bounds */
    for (int64_t p = 1; p < P; p++)
      for (int64_t j = 0; j < d; j++) u[p * d + j] = u[j] + 1e-3 * (double)p * (j % 2 ? -1 : 1);
  const credal_batch_f64 b = {H, d, P, offsets, x, NULL, u};
  const size_t n = (size_t)(CREDAL_RULE_COUNT * H * P);
  uint8_t *want = malloc(n), *got = malloc(n), *dw = malloc((size_t)(P * P)),
          *dg = malloc((size_t)(P * P));
  double *sr_want = malloc((size_t)(H * P) * 8), *sr_got = malloc((size_t)(H * P) * 8);
  rules_through(NULL, &b, want, sr_want, dw);
  for (int decline = 0; decline <= 1; decline++) {
    plain_pairs pp = {u, P, d, decline};
    credal__backend fake;
    memset(&fake, 0, sizeof fake);
    fake.name = "plain-pairs", fake.state = &pp, fake.rules_pairs = plain_rules_pairs;
    rules_through(&fake, &b, got, sr_got, dg);
    for (size_t i = 0; i < n; i++)
      ck_assert_msg(got[i] == want[i], "#%d decline=%d: %s[%zu] %d, host %d", _i, decline,
                    credal_rule_name((credal_rule)(i / (size_t)(H * P))), i % (size_t)(H * P),
                    got[i], want[i]);
    for (int64_t i = 0; i < H * P; i++)
      ck_assert_msg(test_close(sr_got[i], sr_want[i], 1e-12 * d, 1e-12), "set_regret %.17g vs %.17g",
                    sr_got[i], sr_want[i]);
    for (int64_t a = 0; a < P * P; a++)
      ck_assert_msg(dg[a] == dw[a], "#%d: class pair %lld: %d, host %d", _i, (long long)a, dg[a],
                    dw[a]);
  }
  free(x), free(u), free(want), free(got), free(dw), free(dg), free(sr_want), free(sr_got);
}
END_TEST

int main(void) {
  Suite *s = suite_create("rules");
  TCase *tc = tcase_create("rules");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_six_gambles_every_family);
  tcase_add_test(tc, test_asked_rules_and_hurwicz_ends);
  tcase_add_test(tc, test_known_games);
  tcase_add_loop_test(tc, test_degenerate_games, 0, 100);
  tcase_add_loop_test(tc, test_invariants_and_pruning, 0, 40);
  tcase_add_loop_test(tc, test_backend_pairs, 0, 60);
  if (credal__polytope_available())
    tcase_add_loop_test(tc, test_against_exact_lp, 0, 50);
  else
    fprintf(stderr, "check_rules: built without cddlib: the exact-LP oracle is skipped\n");
  suite_add_tcase(s, tc);
  return test_run(s);
}
