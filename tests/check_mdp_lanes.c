/* The cpu backend's SIMD lanes (host/mdp_lanes.c) against host/mdp.c's scalar passes, bit for
 * bit: every successor count 2..16, intervals and TV balls, nature minimising and cooperating,
 * on values drawn to tie (which the lanes' sorting network must order as the scalar sort does:
 * ties to the lower successor), rooms and radii at their edges (0, 1), and partly filled lanes;
 * each width the machine has (8: AVX-512, 4: AVX2). Then whole iterations of the cpu's fast
 * path against the reference on tests/mdp_models.h's random models of every family and
 * objective. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdp.h"
#include "mdp_models.h"
#include "testutil.h"

#define STATES 24

static int same(double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

/* Values spread out, on 4 levels, or 0/1 (ties everywhere). */
static double draw_value(test_rng *rng, int kind) {
  return kind == 0 ? test_uniform(rng) - 0.25
         : kind == 1 ? 0.25 * (double)test_below(rng, 4)
                     : (double)test_below(rng, 2);
}

/* An edge value now and then: 0 or 1 in place of u. */
static double edged(test_rng *rng, double u) {
  const int64_t e = test_below(rng, 8);
  return e == 0 ? 0.0 : e == 1 ? 1.0 : u;
}

/* width choices of n successors each (distinct, ascending) over STATES states, of family sets;
 * lanes used holds the first `used` choices, the rest repeating choice 0 (as the sweep pads). */
static void check_lanes(int width, credal_mdp_sets sets, int64_t n, int used, test_rng *rng) {
  const int64_t C = width;
  int64_t co[2] = {0, C}, so[9], succ[8 * CREDAL_MDP_LANE_KEYS], choices[8], firsts[8];
  double a[8 * CREDAL_MDP_LANE_KEYS], b[8 * CREDAL_MDP_LANE_KEYS], radius[8], v[STATES];
  for (int64_t c = 0; c <= C; c++) so[c] = c * n;
  for (int64_t c = 0; c < C; c++) {
    int64_t s = 0;
    for (int64_t i = 0; i < n; i++) { /* n of STATES, in order */
      while (test_below(rng, STATES - s) >= n - i) s++;
      succ[c * n + i] = s++;
    }
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) total += a[c * n + i] = 0.05 + test_uniform(rng);
    for (int64_t i = 0; i < n; i++) {
      const double p = a[c * n + i] / total;
      if (sets == CREDAL_MDP_INTERVALS) /* [p lo, p + (1 - p) hi], lo and hi at their edges too */
        a[c * n + i] = p * edged(rng, test_uniform(rng)),
        b[c * n + i] = p + (1.0 - p) * edged(rng, test_uniform(rng));
      else
        a[c * n + i] = p;
    }
    radius[c] = edged(rng, test_uniform(rng) * (test_below(rng, 2) ? 1.0 : 1e-3));
    choices[c] = c < used ? c : 0, firsts[c] = so[choices[c]];
  }
  credal_mdp m;
  memset(&m, 0, sizeof m);
  m.states = 1, m.choice_offsets = co, m.successor_offsets = so, m.successors = succ;
  m.sets = sets, m.objective = CREDAL_MDP_REACH; /* a choice's value is its inner value */
  if (sets == CREDAL_MDP_INTERVALS) m.lower = a, m.upper = b;
  else m.nominal = a, m.radius = radius;
  credal__mdp_scratch w;
  ck_assert_int_eq(credal__mdp_scratch_alloc(&m, 0, &w), CREDAL_OK);
  for (int kind = 0; kind < 3; kind++) {
    for (int s = 0; s < STATES; s++) v[s] = draw_value(rng, kind);
    for (int coop = 0; coop <= 1; coop++) {
      double out[8];
      credal__mdp_lanes(&m, width, choices, firsts, n, v, coop, out);
      for (int i = 0; i < used; i++) {
        const double want = credal__mdp_choice_value(&m, choices[i], v, coop, &w);
        ck_assert_msg(same(out[i], want),
                      "width %d, %s, %lld successors, values %d, %s, lane %d: %.17g, scalar "
                      "%.17g",
                      width, sets == CREDAL_MDP_INTERVALS ? "intervals" : "TV balls",
                      (long long)n, kind, coop ? "cooperative" : "nature minimising", i, out[i],
                      want);
      }
    }
  }
  credal__mdp_scratch_free(&w);
}

START_TEST(test_lanes_against_scalar) {
  const int best = credal__mdp_lanes_width();
  if (!best) return; /* no SIMD lanes here: the sweep uses the scalar passes alone */
  test_rng rng = {4242};
  for (int width = best; width >= 4; width /= 2)
    for (int sets = 0; sets < 2; sets++)
      for (int64_t n = 2; n <= CREDAL_MDP_LANE_KEYS; n++)
        for (int trial = 0; trial < test_scaled(40); trial++)
          check_lanes(width, sets ? CREDAL_MDP_TV_BALLS : CREDAL_MDP_INTERVALS, n,
                      1 + (int)test_below(&rng, width), &rng);
}
END_TEST

/* The cpu's fast iteration (SIMD lanes for 2..16 successors, kept orders beyond) against the
 * reference's: values, sweeps, residuals and the optimum's choices, bit for bit. */
START_TEST(test_iterations_against_reference) {
  test_rng rng = {9000 + (uint64_t)_i};
  test_mdp x;
  test_mdp_make(&x, _i, &rng);
  const credal_mdp *m = &x.m;
  const int64_t S = m->states, C = x.co[S], T = m->horizon > 0 ? m->horizon : 1;
  double *policy = malloc((size_t)C * 8);
  double *want = malloc((size_t)S * 8), *got = malloc((size_t)S * 8);
  int32_t *want_choice = malloc((size_t)(T * S) * 4), *got_choice = malloc((size_t)(T * S) * 4);
  for (int64_t p = -1; p < x.P; p++) {
    if (p >= 0) test_mdp_policy(&x, p, policy);
    for (int coop = 0; coop <= (p >= 0); coop++) {
      const double *pi = p >= 0 ? policy : NULL;
      int64_t wn = 0, gn = 0;
      double wr = 0.0, gr = 0.0;
      ck_assert_msg(credal__mdp_iterate(m, pi, coop, 0, NULL, want, pi ? NULL : want_choice, &wn,
                                        &wr) == CREDAL_OK, "shape %d: %s", _i, credal_last_error());
      ck_assert_msg(credal__mdp_iterate(m, pi, coop, 1, NULL, got, pi ? NULL : got_choice, &gn,
                                        &gr) == CREDAL_OK, "shape %d: %s", _i, credal_last_error());
      ck_assert_msg(memcmp(want, got, (size_t)S * 8) == 0 && wn == gn && same(wr, gr),
                    "shape %d (sets %d, objective %d, horizon %lld) policy %lld coop %d: the fast "
                    "path differs from the reference", _i, (int)m->sets, (int)m->objective,
                    (long long)m->horizon, (long long)p, coop);
      if (!pi)
        ck_assert_msg(memcmp(want_choice, got_choice, (size_t)(T * S) * 4) == 0,
                      "shape %d: the optimum's choices differ", _i);
    }
  }
  free(policy), free(want), free(got), free(want_choice), free(got_choice);
  test_mdp_free(&x);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mdp_lanes");
  TCase *tc = tcase_create("lanes");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_lanes_against_scalar);
  tcase_add_loop_test(tc, test_iterations_against_reference, 0, test_scaled(60));
  suite_add_tcase(s, tc);
  return test_run(s);
}
