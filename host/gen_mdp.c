/* credal gen --mdp; see gen_mdp.h. Each part draws from its own stream (structure, rewards and
 * targets, each hypothesis, policies, priors), so e.g. more hypotheses leave the first ones
 * unchanged. */
#include "gen_mdp.h"

#include <stdlib.h>
#include <string.h>

#include "../io/mdp_writer.h"
#include "gen.h"

enum { STREAM_STRUCTURE = 1, STREAM_OBJECTIVE, STREAM_POLICIES, STREAM_PRIORS, STREAM_HYPOTHESIS };

void credal__gen_mdp_options_init(credal__gen_mdp_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->discount = 0.95;
  opt->targets = 0.01;
  opt->concentration = 1.0;
  opt->epsilon = 1e-9;
  opt->seed = 1;
}

static credal_status check_options(const credal__gen_mdp_options *o) {
  if (!o->path) return credal__fail(CREDAL_EUSAGE, "missing -o FILE.h5");
  if (o->states < 1 || o->actions < 1 || o->successors < 1 || o->hypotheses < 1 || o->policies < 1)
    return credal__fail(CREDAL_EUSAGE,
                        "--states, --actions, --successors, --hypotheses and "
                        "--policies must be >= 1");
  if (o->actions > INT32_MAX || o->states > ((int64_t)1 << 40) / o->actions ||
      o->states * o->actions >
          ((int64_t)1 << 40) / (o->successors < o->states ? o->successors : o->states))
    return credal__fail(CREDAL_EUSAGE, "the model is too large (S * A * K beyond 2^40)");
  if (o->objective == CREDAL_MDP_DISCOUNTED &&
      !(o->discount >= 0.0 && (o->horizon > 0 ? o->discount <= 1.0 : o->discount < 1.0)))
    return credal__fail(CREDAL_EUSAGE, "--discount wants a number in [0, 1) (1 with a horizon)");
  if (!(o->targets > 0.0 && o->targets <= 1.0))
    return credal__fail(CREDAL_EUSAGE, "--targets wants a fraction in (0, 1]");
  if (o->horizon < 0) return credal__fail(CREDAL_EUSAGE, "--horizon wants a count >= 0");
  return CREDAL_OK;
}

/* The model's structure: choice and successor offsets, successors (ascending, distinct). */
typedef struct {
  int64_t S, C, N;
  int64_t *choice_offsets, *successor_offsets, *successors;
  double *reward;
  uint8_t *target;
} structure;

static void structure_free(structure *m) {
  free(m->choice_offsets), free(m->successor_offsets), free(m->successors);
  free(m->reward), free(m->target);
}

static int compare_i64(const void *a, const void *b) {
  const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static credal_status draw_structure(const credal__gen_mdp_options *o, structure *m) {
  credal__rng rng;
  credal__rng_seed(&rng, o->seed, STREAM_STRUCTURE);
  const int64_t S = o->states, K = o->successors < o->states ? o->successors : o->states;
  memset(m, 0, sizeof *m);
  m->S = S;
  if (!(m->choice_offsets = malloc((size_t)(S + 1) * sizeof(int64_t))))
    return credal__fail(CREDAL_ENOMEM, "out of memory for the model");
  m->choice_offsets[0] = 0;
  for (int64_t s = 0; s < S; s++)
    m->choice_offsets[s + 1] =
        m->choice_offsets[s] +
        (o->ragged ? 1 + (int64_t)credal__rng_below(&rng, (uint64_t)o->actions) : o->actions);
  m->C = m->choice_offsets[S], m->N = m->C * K;
  m->successor_offsets = malloc((size_t)(m->C + 1) * sizeof(int64_t));
  m->successors = malloc((size_t)m->N * sizeof(int64_t));
  m->reward = malloc((size_t)m->C * sizeof(double));
  m->target = calloc((size_t)S, 1);
  if (!m->successor_offsets || !m->successors || !m->reward || !m->target)
    return credal__fail(CREDAL_ENOMEM, "out of memory for the model (%lld transitions)",
                        (long long)m->N);
  for (int64_t c = 0; c <= m->C; c++) m->successor_offsets[c] = c * K;
  for (int64_t c = 0; c < m->C; c++) { /* K distinct states: rejection (K <= S), then sorted */
    int64_t *t = m->successors + c * K;
    for (int64_t i = 0; i < K; i++) {
      int fresh;
      do {
        t[i] = (int64_t)credal__rng_below(&rng, (uint64_t)S);
        fresh = 1;
        for (int64_t j = 0; j < i && fresh; j++) fresh = t[j] != t[i];
      } while (!fresh);
    }
    qsort(t, (size_t)K, sizeof *t, compare_i64);
  }
  credal__rng_seed(&rng, o->seed, STREAM_OBJECTIVE);
  for (int64_t c = 0; c < m->C; c++) m->reward[c] = credal__rng_uniform(&rng);
  for (int64_t s = 0; s < S; s++) m->target[s] = credal__rng_uniform(&rng) < o->targets;
  m->target[S - 1] = 1; /* at least one */
  return CREDAL_OK;
}

/* Hypothesis h's sets into a (N,) and b (N, or C for one scalar per choice). */
static void draw_sets(const credal__gen_mdp_options *o, const structure *m, int64_t h, double *a,
                      double *b) {
  credal__rng rng;
  credal__rng_seed(&rng, o->seed, STREAM_HYPOTHESIS + (uint64_t)h);
  for (int64_t c = 0; c < m->C; c++) {
    const int64_t j0 = m->successor_offsets[c], n = m->successor_offsets[c + 1] - j0;
    double *q = a + j0;
    credal__rng_dirichlet(&rng, o->concentration, n, q);
    if (o->sets != CREDAL_MDP_INTERVALS) {
      b[c] = 0.5 * credal__rng_uniform(&rng);
      continue;
    }
    for (int64_t j = 0; j < n; j++) {
      const double u = credal__rng_uniform(&rng), v = credal__rng_uniform(&rng);
      const double w = credal__rng_uniform(&rng);
      b[j0 + j] = q[j] + (1.0 - q[j]) * v * w;
      q[j] *= u;
    }
  }
}

static credal_status write_hypotheses(const credal__gen_mdp_options *o, const structure *m,
                                      credal__mdp_writer *w) {
  double *a = malloc((size_t)m->N * sizeof(double));
  double *b = malloc((size_t)m->N * sizeof(double));
  credal_status st = a && b ? CREDAL_OK : credal__fail(CREDAL_ENOMEM, "out of memory");
  for (int64_t h = 0; h < o->hypotheses && !st; h++) {
    if (o->interrupt && *o->interrupt)
      st = credal__fail(CREDAL_EINTERRUPTED, "interrupted");
    else
      draw_sets(o, m, h, a, b), st = credal__mdp_writer_hypothesis(w, h, a, b);
  }
  free(a), free(b);
  return st;
}

static credal_status write_policies(const credal__gen_mdp_options *o, const structure *m,
                                    credal__mdp_writer *w) {
  credal__rng rng;
  credal__rng_seed(&rng, o->seed, STREAM_POLICIES);
  const int64_t P = o->policies, S = m->S, C = m->C;
  int32_t *actions = o->randomised ? NULL : malloc((size_t)(P * S) * sizeof(int32_t));
  double *probabilities = o->randomised ? malloc((size_t)(P * C) * sizeof(double)) : NULL;
  if (!actions && !probabilities)
    return credal__fail(CREDAL_ENOMEM, "out of memory for the policies");
  for (int64_t p = 0; p < P; p++)
    for (int64_t s = 0; s < S; s++) {
      const int64_t c0 = m->choice_offsets[s], k = m->choice_offsets[s + 1] - c0;
      if (actions)
        actions[p * S + s] = (int32_t)credal__rng_below(&rng, (uint64_t)k);
      else
        credal__rng_dirichlet(&rng, 1.0, k, probabilities + p * C + c0);
    }
  credal_status st = credal__mdp_writer_policies(w, actions, probabilities);
  free(actions), free(probabilities);
  return st;
}

static credal_status write_priors(const credal__gen_mdp_options *o, credal__mdp_writer *w) {
  credal__rng rng;
  credal__rng_seed(&rng, o->seed, STREAM_PRIORS);
  const int64_t H = o->hypotheses, Q = o->prior_set;
  double *prior = malloc((size_t)H * sizeof(double));
  double *set = malloc((size_t)((Q ? Q : 1) * H) * sizeof(double));
  credal_status st = prior && set ? CREDAL_OK : credal__fail(CREDAL_ENOMEM, "out of memory");
  if (!st) {
    if (o->prior) credal__rng_dirichlet(&rng, 1.0, H, prior);
    for (int64_t q = 0; q < Q; q++) credal__rng_dirichlet(&rng, 1.0, H, set + q * H);
    st = credal__mdp_writer_priors(w, prior, set);
  }
  free(prior), free(set);
  return st;
}

credal_status credal__gen_mdp(const credal__gen_mdp_options *o) {
  credal_status st = check_options(o);
  if (st) return st;
  structure m;
  if ((st = draw_structure(o, &m))) {
    structure_free(&m);
    return st;
  }
  credal__mdp_spec spec;
  memset(&spec, 0, sizeof spec);
  credal_mdp *model = &spec.model;
  model->states = m.S, model->choice_offsets = m.choice_offsets;
  model->successor_offsets = m.successor_offsets, model->successors = m.successors;
  model->objective = o->objective, model->reward = m.reward, model->discount = o->discount;
  model->target = m.target, model->horizon = o->horizon, model->epsilon = o->epsilon;
  model->sets = o->sets;
  spec.hypotheses = o->hypotheses, spec.policies = o->policies;
  spec.prior_set_size = o->prior_set, spec.has_prior = o->prior;
  spec.randomised = o->randomised, spec.force = o->force;
  credal__mdp_writer *w = NULL;
  if (!(st = credal__mdp_writer_create(o->path, &spec, &w))) {
    if ((st = write_hypotheses(o, &m, w)) || (st = write_policies(o, &m, w)) ||
        ((o->prior || o->prior_set) && (st = write_priors(o, w))))
      credal__mdp_writer_abort(w);
    else
      st = credal__mdp_writer_finish(w);
  }
  structure_free(&m);
  return st;
}
