/* Random credal MDPs for the tests; see mdp_models.h. */
#include "mdp_models.h"

#include <stdlib.h>
#include <string.h>

void test_mdp_make(test_mdp *x, int i, test_rng *rng) {
  memset(x, 0, sizeof *x);
  credal_mdp *m = &x->m;
  const int64_t S = 5 + test_below(rng, i % 4 == 3 ? 400 : 40);
  const int64_t widest = i % 5 == 4 ? 40 : 8; /* beyond 16: the selection walk */
  m->sets = (credal_mdp_sets)(i % 3);
  m->objective = i % 2 ? CREDAL_MDP_REACH : CREDAL_MDP_DISCOUNTED;
  m->horizon = (i / 2) % 3 == 0 ? 0 : 1 + test_below(rng, 30);
  m->discount = m->objective == CREDAL_MDP_DISCOUNTED ? 0.5 + 0.4 * test_uniform(rng) : 0.0;
  m->epsilon = i % 3 == 0 ? 0.0 : 1e-9; /* 0: the default, 1e-12 */
  x->co = malloc((size_t)(S + 1) * 8);
  x->co[0] = 0;
  for (int64_t s = 0; s < S; s++) x->co[s + 1] = x->co[s] + 1 + test_below(rng, 4);
  const int64_t C = x->co[S];
  x->so = malloc((size_t)(C + 1) * 8);
  x->so[0] = 0;
  for (int64_t c = 0; c < C; c++) {
    int64_t k = 1 + test_below(rng, widest < S ? widest : S);
    x->so[c + 1] = x->so[c] + k;
  }
  const int64_t N = x->so[C];
  x->succ = malloc((size_t)N * 8), x->a = malloc((size_t)N * 8), x->b = malloc((size_t)N * 8);
  x->reward = malloc((size_t)C * 8);
  for (int64_t c = 0; c < C; c++) {
    const int64_t j0 = x->so[c], k = x->so[c + 1] - j0;
    const int64_t start = test_below(rng, S - k + 1); /* k consecutive states */
    for (int64_t t = 0; t < k; t++) x->succ[j0 + t] = start + t;
    double sum = 0.0;
    for (int64_t t = 0; t < k; t++) sum += x->a[j0 + t] = 0.05 + test_uniform(rng);
    for (int64_t t = 0; t < k; t++) x->a[j0 + t] /= sum;
    if (m->sets == CREDAL_MDP_INTERVALS) {
      for (int64_t t = 0; t < k; t++) {
        const double u = 0.5 + 0.5 * test_uniform(rng), q = x->a[j0 + t];
        x->b[j0 + t] = q + (1 - q) * u * u;
        x->a[j0 + t] = q * u; /* lower > 0: every law reaches every successor */
      }
    } else {
      double least = 1.0;
      for (int64_t t = 0; t < k; t++) least = x->a[j0 + t] < least ? x->a[j0 + t] : least;
      x->b[c] = m->sets == CREDAL_MDP_TV_BALLS ? 0.9 * least * test_uniform(rng)
                                               : 0.9 * test_uniform(rng);
    }
    x->reward[c] = test_uniform(rng) < 0.2 ? 0.0 : test_uniform(rng);
  }
  x->target = calloc((size_t)S, 1), x->avoid = calloc((size_t)S, 1);
  for (int64_t s = 0; s < S; s++) {
    const double u = test_uniform(rng);
    x->target[s] = u<0.15, x->avoid[s] = u> 0.92;
  }
  x->target[S - 1] = 1, x->avoid[S - 1] = 0;
  x->initial = malloc((size_t)S * 8);
  double total = 0.0;
  for (int64_t s = 0; s < S; s++) total += x->initial[s] = test_uniform(rng);
  for (int64_t s = 0; s < S; s++) x->initial[s] /= total;
  x->P = 1 + test_below(rng, 12);
  if (i % 2) {
    x->probabilities = calloc((size_t)(x->P * C), 8);
    for (int64_t p = 0; p < x->P; p++)
      for (int64_t s = 0; s < S; s++) {
        double sum = 0.0, *w = x->probabilities + p * C + x->co[s];
        const int64_t k = x->co[s + 1] - x->co[s];
        for (int64_t c = 0; c < k; c++)
          sum += w[c] = test_uniform(rng) < 0.3 ? 0.0 : test_uniform(rng);
        if (sum == 0.0) w[0] = sum = 1.0;
        for (int64_t c = 0; c < k; c++) w[c] /= sum;
      }
  } else {
    x->actions = malloc((size_t)(x->P * S) * 4);
    for (int64_t p = 0; p < x->P; p++)
      for (int64_t s = 0; s < S; s++)
        x->actions[p * S + s] = (int32_t)test_below(rng, x->co[s + 1] - x->co[s]);
  }
  m->states = S, m->choice_offsets = x->co, m->successor_offsets = x->so, m->successors = x->succ;
  if (m->sets == CREDAL_MDP_INTERVALS)
    m->lower = x->a, m->upper = x->b;
  else
    m->nominal = x->a, m->radius = x->b;
  m->reward = x->reward, m->target = x->target, m->avoid = i % 4 == 1 ? x->avoid : NULL;
}

void test_mdp_free(test_mdp *x) {
  void *all[] = {x->co,     x->so,     x->succ,    x->a,
                 x->b,      x->reward, x->initial, x->probabilities,
                 x->target, x->avoid,  x->actions};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

void test_mdp_policy(const test_mdp *x, int64_t p, double *out) {
  const int64_t S = x->m.states, C = x->co[S];
  if (x->probabilities) {
    memcpy(out, x->probabilities + p * C, (size_t)C * 8);
    return;
  }
  memset(out, 0, (size_t)C * 8);
  for (int64_t s = 0; s < S; s++) out[x->co[s] + x->actions[p * S + s]] = 1.0;
}
