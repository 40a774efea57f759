// The GPU sweeps' per-state arithmetic (kernels/mdp_inner.h), built for the host, against
// host/mdp.c's sweep bit for bit: every state of every problem (the optimum with its choices,
// each policy nature minimising and cooperating, the zero sets of interval iteration), on
// random models of every family and objective (tests/mdp_models.h: 1 to 40 successors, so both
// the register sort and the selection walk) and on value vectors drawn to tie often. It runs
// everywhere, so the kernels' arithmetic is checked on machines without a GPU; the kernels'
// scheduling and the batch are check_gpu_mdp's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "mdp_inner.h"
extern "C" {
#include "mdp.h"
#include "mdp_models.h"
}

namespace {

int failures = 0, checks = 0;

bool same(double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

void expect(bool ok, const char *what, int shape, long long q, long long s, double got,
            double want) {
  checks++;
  if (ok) return;
  if (failures++ < 20)
    fprintf(stderr, "shape %d problem %lld state %lld: %s: kernel %.17g, host/mdp.c %.17g\n", shape,
            q, s, what, got, want);
}

// Values for a sweep: spread out, or drawn from a few levels so that successors tie.
void draw_values(test_rng *rng, int64_t S, int kind, std::vector<double> &v) {
  for (int64_t s = 0; s < S; s++)
    v[s] = kind == 0   ? test_uniform(rng)
           : kind == 1 ? 0.25 * (double)test_below(rng, 4)
                       : (test_uniform(rng) < 0.5 ? 0.0 : 1.0);
}

void check_shape(int shape) {
  test_rng rng = {7000 + (uint64_t)shape};
  test_mdp x;
  test_mdp_make(&x, shape, &rng);
  const credal_mdp *m = &x.m;
  const int64_t S = m->states, C = x.co[S], N = x.so[C], P = x.P;
  std::vector<int32_t> narrow(N);
  for (int64_t j = 0; j < N; j++) narrow[j] = (int32_t)x.succ[j];
  credal_kernel_mdp km;
  memset(&km, 0, sizeof km);
  km.states = S, km.choice_offsets = x.co, km.successor_offsets = x.so;
  km.successors = narrow.data(), km.sets = (int)m->sets;
  km.a = m->sets == CREDAL_MDP_INTERVALS ? m->lower : m->nominal;
  km.b = m->sets == CREDAL_MDP_INTERVALS ? m->upper : m->radius;
  km.discounted = m->objective == CREDAL_MDP_DISCOUNTED, km.reward = m->reward;
  km.discount = m->discount, km.target = m->target, km.avoid = m->avoid;
  // problems: the optimum, then each policy minimising and cooperating
  const int64_t Q = 1 + 2 * P;
  std::vector<int32_t> policy(Q);
  std::vector<uint8_t> cooperative(Q), zero(Q * S, 0);
  std::vector<double> weights(P * C);
  for (int64_t p = 0; p < P; p++) test_mdp_policy(&x, p, weights.data() + p * C);
  policy[0] = -1;
  for (int64_t p = 0; p < P; p++)
    for (int coop = 0; coop < 2; coop++) {
      const int64_t q = 1 + 2 * p + coop;
      policy[q] = (int32_t)p, cooperative[q] = (uint8_t)coop;
      if (!km.discounted) credal__mdp_unreachable(m, weights.data() + p * C, coop, &zero[q * S]);
    }
  credal_kernel_mdp_batch kb;
  memset(&kb, 0, sizeof kb);
  kb.problems = Q, kb.policy = policy.data(), kb.cooperative = cooperative.data();
  kb.actions = x.actions, kb.probabilities = x.probabilities;
  kb.zero = zero.data();
  credal__mdp_scratch w;
  if (credal__mdp_scratch_alloc(m, 0, &w)) {
    fprintf(stderr, "shape %d: %s\n", shape, credal_last_error());
    failures++;
    return;
  }
  std::vector<double> v(S), next(S);
  std::vector<int32_t> best(S);
  for (int kind = 0; kind < 3; kind++) {
    draw_values(&rng, S, kind, v);
    for (int64_t q = 0; q < Q; q++) {
      const double *pi = policy[q] < 0 ? nullptr : weights.data() + policy[q] * C;
      credal__mdp_sweep(m, &zero[q * S], pi, cooperative[q], v.data(), next.data(), best.data(),
                        &w);
      for (int64_t s = 0; s < S; s++) {
        int32_t arg = 0;
        const double got = credal_mdp_inner::state_value(km, kb, q, s, v.data(), &arg);
        expect(same(got, next[s]), "value", shape, q, s, got, next[s]);
        if (policy[q] < 0) expect(arg == best[s], "choice", shape, q, s, arg, best[s]);
      }
    }
  }
  credal__mdp_scratch_free(&w);
  test_mdp_free(&x);
}

}  // namespace

int main() {
  const int shapes = 120;
  for (int i = 0; i < shapes; i++) check_shape(i);
  printf("%d checks, %d failed (the GPU sweeps' arithmetic against host/mdp.c, %d models)\n",
         checks, failures, shapes);
  return failures ? 1 : 0;
}
