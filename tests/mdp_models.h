/* Random credal MDPs for the tests of the fast sweeps (check_gpu_mdp.c, check_mdp_inner.cc,
 * check_mdp_lanes.c). */
#ifndef CREDAL_TEST_MDP_MODELS_H
#define CREDAL_TEST_MDP_MODELS_H

#include <stdint.h>

#include "credal.h"
#include "testutil.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  credal_mdp m;
  int64_t *co, *so, *succ;
  double *a, *b, *reward, *initial, *probabilities;
  uint8_t *target, *avoid;
  int32_t *actions;
  int64_t P;
} test_mdp;

/* Shape i: set family i % 3; reach when i is odd, else discounted; an infinite horizon when
 * (i / 2) % 3 == 0; up to 40 successors a choice when i % 5 == 4 (else 8); 5 to 404 states
 * when i % 4 == 3 (else 5 to 44); avoid states when i % 4 == 1; randomised policies when i is odd.
 * Every law of a choice reaches each listed successor (lower bounds, nominal entries > 0, TV
 * radius below them), so every objective's values are defined. */
void test_mdp_make(test_mdp *x, int i, test_rng *rng);
void test_mdp_free(test_mdp *x);
/* Policy p as a distribution over each state's choices (C,). */
void test_mdp_policy(const test_mdp *x, int64_t p, double *out);

#ifdef __cplusplus
}
#endif

#endif
