/* Credal MDPs in memory (SPEC §10, host/mdp.c): IntervalMDP.jl's documented example (10-step
 * reachability, agent max, nature min: V = (0.9597716064, 0.9710050144, 1)), a discounted chain
 * solved by hand, nature's cooperative value (with an end component it may keep), the Bellman
 * fixed point the stopping rule promises, and every validation message. The exact-rational oracle on random models is
 * tests/test_mdp.py. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "credal.h"
#include "testutil.h"

/* IntervalMDP.jl's model: 3 states, 2 choices each, successors (1, 2, 3) everywhere. */
static const int64_t EX_CHOICES[] = {0, 2, 4, 6};
static const int64_t EX_SUCC_OFF[] = {0, 3, 6, 9, 12, 15, 18};
static const int64_t EX_SUCC[] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
static const double EX_LOWER[] = {0, 0.1, 0.2, 0.5, 0.3, 0.1, 0.1, 0.2, 0.3,
                                  0.2, 0.3, 0.4, 0, 0, 1, 0, 0, 1};
static const double EX_UPPER[] = {0.5, 0.6, 0.7, 0.7, 0.5, 0.3, 0.6, 0.5, 0.4,
                                  0.6, 0.5, 0.4, 0, 0, 1, 0, 0, 1};
static const uint8_t EX_TARGET[] = {0, 0, 1};

static credal_mdp example(int64_t horizon) {
  credal_mdp m;
  memset(&m, 0, sizeof m);
  m.states = 3, m.choice_offsets = EX_CHOICES, m.successor_offsets = EX_SUCC_OFF;
  m.successors = EX_SUCC, m.lower = EX_LOWER, m.upper = EX_UPPER;
  m.objective = CREDAL_MDP_REACH, m.target = EX_TARGET, m.horizon = horizon;
  return m;
}

START_TEST(test_interval_mdp_jl_example) {
  credal_mdp m = example(10);
  double v[3];
  int32_t policy[10 * 3];
  int64_t n = 0;
  ck_assert_msg(credal_mdp_optimal_f64(&m, v, policy, &n, NULL) == CREDAL_OK, "%s",
                credal_last_error());
  ck_assert_int_eq(n, 10);
  ck_assert_msg(fabs(v[0] - 0.9597716064) < 1e-10 && fabs(v[1] - 0.9710050144) < 1e-10 &&
                    v[2] == 1.0,
                "V = (%.12f, %.12f, %.12f)", v[0], v[1], v[2]);
  /* the optimal value is the best policy's: every deterministic policy's value is below it,
   * and the policy of step 0 played at every step is not better */
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      double pi[6] = {0}, w[3];
      pi[a] = 1, pi[2 + b] = 1, pi[4] = 1;
      ck_assert_int_eq(credal_mdp_policy_value_f64(&m, pi, 0, w, NULL, NULL), CREDAL_OK);
      ck_assert(w[0] <= v[0] + 1e-15 && w[1] <= v[1] + 1e-15);
      double coop[3];
      ck_assert_int_eq(credal_mdp_policy_value_f64(&m, pi, 1, coop, NULL, NULL), CREDAL_OK);
      ck_assert(coop[0] >= w[0] && coop[1] >= w[1]); /* nature's help only raises it */
    }
}
END_TEST

/* Two states: s0 pays 1 and stays with probability in [0.2, 0.6] (else to s1), s1 pays 0 and
 * stays. Nature minimising keeps s0 as little as it may: V0 = 1 / (1 - 0.2 gamma); cooperative
 * 1 / (1 - 0.6 gamma). */
START_TEST(test_discounted_by_hand) {
  static const int64_t co[] = {0, 1, 2}, so[] = {0, 2, 3}, succ[] = {0, 1, 1};
  static const double lo[] = {0.2, 0.4, 1}, hi[] = {0.6, 0.8, 1}, reward[] = {1, 0};
  credal_mdp m;
  memset(&m, 0, sizeof m);
  m.states = 2, m.choice_offsets = co, m.successor_offsets = so, m.successors = succ;
  m.lower = lo, m.upper = hi, m.objective = CREDAL_MDP_DISCOUNTED, m.reward = reward;
  m.discount = 0.9, m.epsilon = 1e-13;
  const double pi[] = {1, 1};
  double v[2], coop[2], residual = 0;
  int64_t n = 0;
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, pi, 0, v, &n, &residual), CREDAL_OK);
  ck_assert_msg(fabs(v[0] - 1 / (1 - 0.2 * 0.9)) < 1e-12 && v[1] == 0, "%.17g %.17g", v[0], v[1]);
  ck_assert(residual < 1e-13 * 0.1 / 1.8 && n > 10);
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, pi, 1, coop, NULL, NULL), CREDAL_OK);
  ck_assert(fabs(coop[0] - 1 / (1 - 0.6 * 0.9)) < 1e-12);
  /* the same chain as a TV ball of radius 0.2 around (0.4, 0.6), and as a 0.5-contamination of
   * it: nature keeps s0 with 0.2 either way (moving 0.2 of mass; half the nominal 0.4) */
  static const double nominal[] = {0.4, 0.6, 1}, tv[] = {0.2, 0}, eps[] = {0.5, 0};
  m.discount = 0.9, m.lower = m.upper = NULL, m.nominal = nominal;
  for (int sets = 1; sets <= 2; sets++) {
    m.sets = (credal_mdp_sets)sets, m.radius = sets == 1 ? tv : eps;
    ck_assert_msg(credal_mdp_policy_value_f64(&m, pi, 0, v, NULL, NULL) == CREDAL_OK, "%s",
                  credal_last_error());
    ck_assert_msg(fabs(v[0] - 1 / (1 - 0.2 * 0.9)) < 1e-12, "sets %d: %.17g", sets, v[0]);
  }
  m.sets = CREDAL_MDP_INTERVALS, m.lower = lo, m.upper = hi;
  /* discount 0: one sweep, the rewards */
  m.discount = 0;
  ck_assert_int_eq(credal_mdp_optimal_f64(&m, v, NULL, &n, NULL), CREDAL_OK);
  ck_assert(n == 1 && v[0] == 1 && v[1] == 0);
}
END_TEST

static void expect_refused(const credal_mdp *m, credal_status want, const char *words) {
  double v[8];
  const double pi[8] = {1, 0, 1, 0, 1, 0, 1, 0};
  ck_assert_int_eq(credal_mdp_policy_value_f64(m, pi, 0, v, NULL, NULL), want);
  ck_assert_msg(strstr(credal_last_error(), words), "'%s' lacks '%s'", credal_last_error(), words);
}

START_TEST(test_refusals) {
  credal_mdp m = example(3);
  int64_t succ[18];
  double lo[18];
  uint8_t both[3] = {0, 0, 1};
  memcpy(succ, EX_SUCC, sizeof succ);
  memcpy(lo, EX_LOWER, sizeof lo);
  succ[4] = 7;
  m.successors = succ;
  expect_refused(&m, CREDAL_EDATA, "outside 0..2");
  succ[4] = 0;
  expect_refused(&m, CREDAL_EDATA, "not ascending");
  m.successors = EX_SUCC;
  lo[0] = 0.6; /* above its upper bound 0.5 */
  m.lower = lo;
  expect_refused(&m, CREDAL_EDATA, "interval");
  lo[0] = 0.4, lo[1] = 0.5, lo[2] = 0.6; /* sum 1.5 */
  expect_refused(&m, CREDAL_EDATA, "no distribution fits");
  m.lower = EX_LOWER;
  m.avoid = both;
  expect_refused(&m, CREDAL_EDATA, "both target and avoid");
  m.avoid = NULL, m.horizon = 0;
  double v[3], w[3];
  /* nature cooperating over an infinite horizon where a law may leave a successor out (s1a1's
   * lower bound 0): the limit of the horizons */
  const double first[6] = {1, 0, 1, 0, 1, 0};
  ck_assert_msg(credal_mdp_policy_value_f64(&m, first, 1, v, NULL, NULL) == CREDAL_OK, "%s",
                credal_last_error());
  m.horizon = 3000;
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, first, 1, w, NULL, NULL), CREDAL_OK);
  for (int s = 0; s < 3; s++) ck_assert_double_eq_tol(v[s], w[s], 1e-11);
  m.horizon = 0;
  /* the optimum there: the end components follow nature's laws; the limit of the horizons */
  ck_assert_int_eq(credal_mdp_optimal_f64(&m, v, NULL, NULL, NULL), CREDAL_OK);
  m.horizon = 3000;
  ck_assert_int_eq(credal_mdp_optimal_f64(&m, w, NULL, NULL, NULL), CREDAL_OK);
  for (int s = 0; s < 3; s++) ck_assert_double_eq_tol(v[s], w[s], 1e-11);
  m = example(3);
  const double half[6] = {0.5, 0.4, 1, 0, 1, 0};
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, half, 0, v, NULL, NULL), CREDAL_EDATA);
  ck_assert(strstr(credal_last_error(), "state 0 sum to"));
  m.objective = CREDAL_MDP_DISCOUNTED;
  expect_refused(&m, CREDAL_EUSAGE, "needs reward");
}
END_TEST

/* Infinite-horizon reachability of a policy: interval iteration. The example's policy values
 * are the limit of its finite horizons; a state where nature can stay away from the target
 * forever is worth 0, and the bounds still close (iteration from above alone would stay at 1). */
START_TEST(test_reach_interval_iteration) {
  credal_mdp m = example(0);
  m.epsilon = 1e-13;
  const double pi[6] = {1, 0, 0, 1, 1, 0};
  double v[3], limit[3], gap = 1;
  int64_t n = 0;
  ck_assert_msg(credal_mdp_policy_value_f64(&m, pi, 0, v, &n, &gap) == CREDAL_OK, "%s",
                credal_last_error());
  ck_assert(gap <= 2e-13 && n == 0); /* every state reaches the target almost surely */
  m.horizon = 5000;
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, pi, 0, limit, NULL, NULL), CREDAL_OK);
  for (int s = 0; s < 3; s++) ck_assert_msg(fabs(v[s] - limit[s]) < 1e-12, "%d: %.17g %.17g", s, v[s], limit[s]);
  /* s0 -> {s0, s1} with [0, 1] each, s1 the target: nature stays at s0 for ever */
  static const int64_t co[] = {0, 1, 2}, so[] = {0, 2, 3}, succ[] = {0, 1, 1};
  static const double lo[] = {0, 0, 1}, hi[] = {1, 1, 1};
  static const uint8_t target[] = {0, 1};
  credal_mdp trap;
  memset(&trap, 0, sizeof trap);
  trap.states = 2, trap.choice_offsets = co, trap.successor_offsets = so, trap.successors = succ;
  trap.lower = lo, trap.upper = hi, trap.objective = CREDAL_MDP_REACH, trap.target = target;
  const double one[2] = {1, 1};
  ck_assert_int_eq(credal_mdp_policy_value_f64(&trap, one, 0, v, &n, NULL), CREDAL_OK);
  ck_assert(v[0] == 0 && v[1] == 1 && n < 5);
}
END_TEST

/* Almost sure reachability, by hand: s0 stays put with nominal probability 0.999 and reaches
 * the target s1 with 0.001. In a TV ball of radius 0.0009 (s0's second choice) nature can slow
 * the play down to 0.0001 a step, never stop it: the value is exactly 1 (mdp_sure.c), found
 * without a sweep, where iteration from below would creep up by 0.01% a sweep. With radius
 * 0.001 (the first choice) nature empties the target's entry and stays for ever: 0. The
 * optimum takes the second choice. */
START_TEST(test_reach_almost_surely) {
  static const int64_t co[] = {0, 2, 3}, so[] = {0, 2, 4, 5}, succ[] = {0, 1, 0, 1, 1};
  static const double nominal[] = {0.999, 0.001, 0.999, 0.001, 1}, radius[] = {0.001, 0.0009, 0};
  static const uint8_t target[] = {0, 1};
  credal_mdp m;
  memset(&m, 0, sizeof m);
  m.states = 2, m.choice_offsets = co, m.successor_offsets = so, m.successors = succ;
  m.sets = CREDAL_MDP_TV_BALLS, m.nominal = nominal, m.radius = radius;
  m.objective = CREDAL_MDP_REACH, m.target = target, m.epsilon = 1e-12;
  const double first[3] = {1, 0, 1}, second[3] = {0, 1, 1};
  double v[2];
  int64_t n = -1;
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, second, 0, v, &n, NULL), CREDAL_OK);
  ck_assert(v[0] == 1 && v[1] == 1 && n == 0);
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, first, 0, v, &n, NULL), CREDAL_OK);
  ck_assert(v[0] == 0 && v[1] == 1);
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, first, 1, v, &n, NULL), CREDAL_OK);
  ck_assert(fabs(v[0] - 1) <= 1e-12); /* cooperating, nature moves the mass to the target */
  int32_t best[2] = {-1, -1};
  ck_assert_int_eq(credal_mdp_optimal_f64(&m, v, best, &n, NULL), CREDAL_OK);
  ck_assert(v[0] == 1 && best[0] == 1 && n == 0);
}
END_TEST

/* Infinite-horizon reachability's optimum with an end component, by hand: s0 may stay put
 * (choice 0) or go (choice 1) to the target s1 or the sink s2, each with probability in
 * [0.4, 0.6]. Staying for ever reaches nothing, so V(s0) = 0.4 (nature sends 0.6 to the sink),
 * and the optimal choice at s0 is to go; iteration from above alone would keep V(s0) at 1. */
START_TEST(test_reach_optimum_end_component) {
  static const int64_t co[] = {0, 2, 3, 4}, so[] = {0, 1, 3, 4, 5}, succ[] = {0, 1, 2, 1, 2};
  static const double lo[] = {1, 0.4, 0.4, 1, 1}, hi[] = {1, 0.6, 0.6, 1, 1};
  static const uint8_t target[] = {0, 1, 0};
  credal_mdp m;
  memset(&m, 0, sizeof m);
  m.states = 3, m.choice_offsets = co, m.successor_offsets = so, m.successors = succ;
  m.lower = lo, m.upper = hi, m.objective = CREDAL_MDP_REACH, m.target = target;
  m.epsilon = 1e-12;
  double v[3], gap = 1;
  int32_t best[3];
  int64_t n = 0;
  ck_assert_msg(credal_mdp_optimal_f64(&m, v, best, &n, &gap) == CREDAL_OK, "%s",
                credal_last_error());
  ck_assert_msg(fabs(v[0] - 0.4) <= 1e-12 && v[1] == 1 && v[2] == 0, "%.17g %.17g %.17g", v[0],
                v[1], v[2]);
  ck_assert_int_eq(best[0], 1);
  ck_assert(gap <= 2e-12 && n < 10);
}
END_TEST

/* Nature cooperating with a policy, by hand: s0 may stay put or move to s3 (probabilities in
 * [0, 1] and [0, 0.5]), and s3 reaches the target s1 or the sink s2 with probability in
 * [0.4, 0.6] each. Cooperating, nature takes s0 to s3: V(s0) = 0.6; minimising, it keeps s0 where
 * it is: 0. {s0} is an end component nature may keep: iteration from above alone stays at 1. */
START_TEST(test_reach_cooperative_end_component) {
  static const int64_t co[] = {0, 1, 2, 3, 4}, so[] = {0, 2, 3, 4, 6};
  static const int64_t succ[] = {0, 3, 1, 2, 1, 2};
  static const double lo[] = {0, 0, 1, 1, 0.4, 0.4}, hi[] = {1, 0.5, 1, 1, 0.6, 0.6};
  static const uint8_t target[] = {0, 1, 0, 0};
  credal_mdp m;
  memset(&m, 0, sizeof m);
  m.states = 4, m.choice_offsets = co, m.successor_offsets = so, m.successors = succ;
  m.lower = lo, m.upper = hi, m.objective = CREDAL_MDP_REACH, m.target = target;
  m.epsilon = 1e-12;
  const double one[4] = {1, 1, 1, 1};
  double v[4], gap = 1;
  int64_t n = 0;
  ck_assert_msg(credal_mdp_policy_value_f64(&m, one, 1, v, &n, &gap) == CREDAL_OK, "%s",
                credal_last_error());
  ck_assert_msg(fabs(v[0] - 0.6) <= 1e-12 && fabs(v[3] - 0.6) <= 1e-12 && v[1] == 1 && v[2] == 0,
                "%.17g %.17g %.17g %.17g", v[0], v[1], v[2], v[3]);
  ck_assert(gap <= 2e-12 && n < 60); /* the lower bound halves s0's distance each sweep */
  ck_assert_int_eq(credal_mdp_policy_value_f64(&m, one, 0, v, NULL, NULL), CREDAL_OK);
  ck_assert(v[0] == 0 && fabs(v[3] - 0.4) <= 1e-12);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mdp");
  TCase *tc = tcase_create("mdp");
  tcase_add_test(tc, test_interval_mdp_jl_example);
  tcase_add_test(tc, test_discounted_by_hand);
  tcase_add_test(tc, test_refusals);
  tcase_add_test(tc, test_reach_interval_iteration);
  tcase_add_test(tc, test_reach_optimum_end_component);
  tcase_add_test(tc, test_reach_almost_surely);
  tcase_add_test(tc, test_reach_cooperative_end_component);
  suite_add_tcase(s, tc);
  return test_run(s);
}
