/* The GPU's credal MDP sweeps (kernels/mdp.cu, host/gpu/gpu_mdp.c) against the reference
 * (host/mdp.c, a fresh sort per choice), bit for bit: every policy's value from the initial
 * distribution, nature minimising and cooperating, its sweeps and residual, and the robust
 * optimum's values, choices, sweeps and residual. Random models of every set family and
 * objective (discounted over an infinite and a finite horizon, reachability over both),
 * deterministic and randomised policies, choices of 1 to 40 successors (registers up to 16, the
 * selection walk beyond), and a batch split by a small memory share. Exits 77 (skipped) without
 * a usable GPU. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "credal.h"
#include "mdp.h"
#include "mdp_gpu.h"
#include "mdp_models.h"
#include "testutil.h"

static int same(double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

static void check_shape(int i, int upper) {
  test_rng rng = {1000 + (uint64_t)i};
  test_mdp x;
  test_mdp_make(&x, i, &rng);
  const credal_mdp *m = &x.m;
  const int64_t S = m->states, C = x.co[S], P = x.P, T = m->horizon > 0 ? m->horizon : 1;
  const int gap = m->objective == CREDAL_MDP_REACH && m->horizon == 0;
  ck_assert_msg(credal__mdp_check(m, NULL) == CREDAL_OK, "shape %d: %s", i, credal_last_error());
  double *policy = malloc((size_t)C * 8), *v = malloc((size_t)S * 8);
  double *want_lower = malloc((size_t)P * 8), *want_upper = malloc((size_t)P * 8);
  int64_t *want_n = calloc((size_t)P, 8);
  double *want_res = calloc((size_t)P, 8);
  uint8_t *zero = gap ? malloc((size_t)(2 * P * S)) : NULL;
  for (int64_t p = 0; p < P; p++) {
    test_mdp_policy(&x, p, policy);
    for (int coop = 0; coop <= upper; coop++) {
      int64_t n = 0;
      double res = 0.0;
      ck_assert_msg(credal__mdp_iterate(m, policy, coop, 0, NULL, v, NULL, &n, &res) == CREDAL_OK,
                    "shape %d policy %lld: %s", i, (long long)p, credal_last_error());
      (coop ? want_upper : want_lower)[p] = credal__mdp_expectation(x.initial, v, S);
      want_n[p] = n > want_n[p] ? n : want_n[p];
      want_res[p] = res > want_res[p] ? res : want_res[p];
      if (gap) credal__mdp_unreachable(m, policy, coop, zero + (coop * P + p) * S);
    }
  }
  double *want_opt = malloc((size_t)S * 8), *got_opt = malloc((size_t)S * 8);
  int32_t *want_choice = malloc((size_t)(T * S) * 4), *got_choice = malloc((size_t)(T * S) * 4);
  int64_t opt_n = 0;
  double opt_res = 0.0;
  if (!gap)
    ck_assert_msg(credal__mdp_iterate(m, NULL, 0, 0, NULL, want_opt, want_choice, &opt_n,
                                      &opt_res) == CREDAL_OK,
                  "shape %d optimum: %s", i, credal_last_error());

  char name[128];
  credal__gpu_mdp *g = NULL;
  ck_assert_msg(credal__gpu_mdp_create(0, name, sizeof name, &g) == CREDAL_OK, "%s",
                credal_last_error());
  credal__gpu_mdp_job j;
  memset(&j, 0, sizeof j);
  double *lower = malloc((size_t)P * 8), *up = malloc((size_t)P * 8), *res = malloc((size_t)P * 8);
  int64_t *n = malloc((size_t)P * 8);
  credal_status *status = malloc((size_t)P * sizeof *status);
  j.model = m, j.initial = x.initial, j.policies = P, j.actions = x.actions;
  j.probabilities = x.probabilities, j.optimum = !gap, j.upper = upper, j.zero = zero;
  j.optimum_value = got_opt, j.optimal = got_choice, j.lower = lower, j.upper_value = up;
  j.iterations = n, j.residual = res, j.status = status;
  ck_assert_msg(credal__gpu_mdp_solve(g, &j) == CREDAL_OK, "shape %d: %s", i, credal_last_error());
  for (int64_t p = 0; p < P; p++) {
    ck_assert_msg(status[p] == CREDAL_OK, "shape %d policy %lld: status %d", i, (long long)p,
                  (int)status[p]);
    ck_assert_msg(same(lower[p], want_lower[p]),
                  "shape %d (S %lld, sets %d, objective %d, "
                  "horizon %lld) policy %lld: gpu %.17g, reference %.17g",
                  i, (long long)S, (int)m->sets, (int)m->objective, (long long)m->horizon,
                  (long long)p, lower[p], want_lower[p]);
    ck_assert_msg(!upper || same(up[p], want_upper[p]),
                  "shape %d policy %lld: cooperative gpu "
                  "%.17g, reference %.17g",
                  i, (long long)p, up[p], want_upper[p]);
    ck_assert_msg(n[p] == want_n[p] && same(res[p], want_res[p]),
                  "shape %d policy %lld: sweeps "
                  "%lld / %lld, residual %.17g / %.17g",
                  i, (long long)p, (long long)n[p], (long long)want_n[p], res[p], want_res[p]);
  }
  ck_assert_msg(j.optimum_status == CREDAL_OK, "shape %d: the optimum: %s", i, credal_last_error());
  if (!gap) {
    ck_assert_msg(memcmp(got_opt, want_opt, (size_t)S * 8) == 0, "shape %d: the optimum's values",
                  i);
    ck_assert_msg(memcmp(got_choice, want_choice, (size_t)(T * S) * 4) == 0,
                  "shape %d: the optimum's choices", i);
    ck_assert_msg(j.optimum_iterations == opt_n && same(j.optimum_residual, opt_res),
                  "shape %d: the optimum's sweeps %lld / %lld", i, (long long)j.optimum_iterations,
                  (long long)opt_n);
  }
  /* again on the same solver (its buffers reused): the same bits */
  double *again = malloc((size_t)P * 8);
  j.lower = again;
  ck_assert_msg(credal__gpu_mdp_solve(g, &j) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_msg(memcmp(again, lower, (size_t)P * 8) == 0, "shape %d: a second run differs", i);
  credal__gpu_mdp_free(g);
  void *all[] = {policy, v,        want_lower, want_upper,  want_n,     want_res,
                 zero,   want_opt, got_opt,    want_choice, got_choice, lower,
                 up,     res,      n,          status,      again};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) free(all[k]);
  test_mdp_free(&x);
}

/* every fourth shape in batches of two policies (the optimum in the first only) */
START_TEST(test_against_reference) {
  if (_i % 4 == 2) setenv("CREDAL_GPU_MDP_BATCH", "2", 1);
  check_shape(_i, _i % 3 != 0);
  unsetenv("CREDAL_GPU_MDP_BATCH");
}
END_TEST

/* Without CREDAL_GPU_MDP=1 the solver is refused, naming the variable. */
START_TEST(test_refused_unless_asked) {
  unsetenv("CREDAL_GPU_MDP");
  char name[128];
  credal__gpu_mdp *g = NULL;
  ck_assert_int_eq(credal__gpu_mdp_create(0, name, sizeof name, &g), CREDAL_ENODEVICE);
  ck_assert_ptr_null(g);
  ck_assert_msg(strstr(credal_last_error(), "CREDAL_GPU_MDP=1"), "%s", credal_last_error());
  setenv("CREDAL_GPU_MDP", "1", 1);
}
END_TEST

int main(void) {
  if (credal__gpu_probe(0) != CREDAL_OK) {
    printf("no usable GPU (%s): skipped\n", credal_last_error());
    return 77;
  }
  setenv("CREDAL_GPU_MDP", "1", 1);
  Suite *s = suite_create("gpu_mdp");
  TCase *tc = tcase_create("against reference");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_refused_unless_asked);
  tcase_add_loop_test(tc, test_against_reference, 0, test_scaled(60));
  suite_add_tcase(s, tc);
  return test_run(s);
}
