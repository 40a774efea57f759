/* credal eval on a credal-mdp input (SPEC §10, docs/math.md §6):
 *
 *   open + check the model, policies, priors -> create OUTPUT.partial -> per hypothesis: read
 *   and check its sets, the robust optimum (value iteration: the agent maximises, nature
 *   minimises), every policy's robust value from the initial distribution (and nature's
 *   cooperative one with --upper), the regret stage against the optimum -> per-policy criteria
 *   and choices -> complete=1 -> rename to OUTPUT
 *
 * The policies of a hypothesis are independent problems: the cpu backend evaluates them on the
 * pool's threads, reference one after another; each is the same float64 computation
 * (host/mdp.c), so the two agree bit for bit and no result depends on the thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io/batch_reader.h"
#include "../io/mdp_reader.h"
#include "../io/paths.h"
#include "../io/result_mdp.h"
#include "../io/result_writer.h"
#include "../io/resume_state.h"
#include "backend.h"
#include "engine.h"
#include "mdp.h"
#include "regret.h"

/* One hypothesis's policy evaluations, shared by the pool's threads. */
typedef struct {
  const credal_mdp *model;
  const credal__mdp_input *in;
  int upper, fast;
  volatile int *interrupt;
  double *scratch;         /* per worker: a policy (C,) then values (S,) */
  double *lower, *upper_v; /* (P,) from the initial distribution */
  int64_t *iterations;     /* (P,) the most sweeps of the policy's evaluations */
  double *residual;        /* (P,) */
  credal_status *status;   /* (P,) */
} policy_work;

static double from_initial(const credal__mdp_input *in, const double *v) {
  const double *init = credal__mdp_initial(in);
  double x = 0.0;
  for (int64_t s = 0; s < credal__mdp_describe(in)->states; s++) x += init[s] * v[s];
  return x;
}

static void evaluate_policy(void *ctx, int64_t p, int worker) {
  policy_work *w = ctx;
  const credal__mdp_summary *s = credal__mdp_describe(w->in);
  if (w->interrupt && *w->interrupt) {
    w->status[p] = CREDAL_EINTERRUPTED;
    return;
  }
  double *policy = w->scratch + (size_t)worker * (size_t)(s->choices + s->states);
  double *value = policy + s->choices;
  credal__mdp_policy(w->in, p, policy);
  int64_t n = 0, m = 0;
  double res = 0.0, res2 = 0.0;
  credal_status st =
      credal__mdp_iterate(w->model, policy, 0, w->fast, w->interrupt, value, NULL, &n, &res);
  if (!st) w->lower[p] = from_initial(w->in, value);
  if (!st && w->upper &&
      !(st = credal__mdp_iterate(w->model, policy, 1, w->fast, w->interrupt, value, NULL, &m,
                                 &res2)))
    w->upper_v[p] = from_initial(w->in, value);
  w->iterations[p] = n > m ? n : m;
  w->residual[p] = fmax(res, res2);
  w->status[p] = st;
}

/* What the run holds besides the reader. */
typedef struct {
  double *optimal_v;                             /* (S,) */
  int32_t *optimal_policy;                       /* (S,) or (T, S) */
  double *lower, *upper, *regret, *prior_column; /* (P,) (P,) (P,) (Q,) */
  int32_t *argmin; /* (P,) -1: no extreme point stands for an MDP's worst case */
  int64_t *iterations;
  double *residual;
  credal_status *status;
  double *scratch;
} buffers;

static void buffers_free(buffers *b) {
  void *all[] = {b->optimal_v, b->optimal_policy, b->lower,  b->upper,
                 b->regret,    b->prior_column,   b->argmin, b->iterations,
                 b->residual,  b->status,         b->scratch};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
  memset(b, 0, sizeof *b);
}

/* Bytes the run's buffers take for `workers` threads (what buffers_alloc allocates). */
static uint64_t buffers_bytes(const credal__mdp_summary *s, int workers) {
  const uint64_t S = (uint64_t)s->states, C = (uint64_t)s->choices, P = (uint64_t)s->policies;
  const uint64_t T = s->horizon > 0 ? (uint64_t)s->horizon : 1;
  /* each evaluation of host/mdp.c allocates about 4 S values and a choice's successors */
  return 8 * S + 4 * T * S + P * (8 * 4 + 4 + 8 + 8 + 4) + 8 * (uint64_t)s->prior_set_size +
         (uint64_t)workers * 8 * (C + S + 4 * S + 2 * (uint64_t)s->transitions / (C ? C : 1));
}

static credal_status buffers_alloc(buffers *b, const credal__mdp_summary *s, int workers) {
  const size_t S = (size_t)s->states, C = (size_t)s->choices, P = (size_t)s->policies;
  const size_t T = s->horizon > 0 ? (size_t)s->horizon : 1;
  memset(b, 0, sizeof *b);
  b->optimal_v = malloc(S * sizeof(double));
  b->optimal_policy = malloc(T * S * sizeof(int32_t));
  b->lower = malloc(P * sizeof(double));
  b->upper = malloc(P * sizeof(double));
  b->regret = malloc(P * sizeof(double));
  b->prior_column = malloc(((size_t)s->prior_set_size + 1) * sizeof(double));
  b->argmin = malloc(P * sizeof(int32_t));
  b->iterations = malloc(P * sizeof(int64_t));
  b->residual = malloc(P * sizeof(double));
  b->status = malloc(P * sizeof(credal_status));
  b->scratch = malloc((size_t)workers * (C + S) * sizeof(double));
  if (!b->optimal_v || !b->optimal_policy || !b->lower || !b->upper || !b->regret ||
      !b->prior_column || !b->argmin || !b->iterations || !b->residual || !b->status ||
      !b->scratch) {
    buffers_free(b);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the MDP run's buffers");
  }
  for (size_t p = 0; p < P; p++) b->argmin[p] = -1;
  return CREDAL_OK;
}

/* Options this version does not take with an MDP input: EUSAGE or EUNSUPPORTED saying so. */
static credal_status check_options(const credal_eval_options *o, const credal__mdp_summary *s) {
  if (o->rules)
    return credal__fail(CREDAL_EUSAGE,
                        "--rules: the decision rules compare policies over the "
                        "extreme points of one-shot credal sets; a credal-mdp input has none");
  if (o->precision_f32)
    return credal__fail(CREDAL_EUSAGE,
                        "--precision f32: credal MDPs are evaluated in float64 "
                        "only (value iteration's stopping rule needs it)");
  if (o->backend == CREDAL_BACKEND_GPU)
    return credal__fail(CREDAL_ENODEVICE,
                        "--backend gpu: this version evaluates credal MDPs "
                        "on the CPU (--backend cpu or reference)");
  if (s->objective == CREDAL_MDP_REACH && s->horizon == 0 && o->upper)
    return credal__fail(CREDAL_EUNSUPPORTED,
                        "--upper with reachability over an infinite horizon: nature's cooperative "
                        "value needs end components collapsed for nature too, which this version "
                        "does not do; give /mdp a horizon, or leave out --upper");
  return CREDAL_OK;
}

/* The policies' worst failure, with its message recomputed on this thread (the pool's threads
 * keep their own last errors). */
static credal_status policies_status(const policy_work *w, int64_t P, int64_t h) {
  for (int64_t p = 0; p < P; p++) {
    if (!w->status[p]) continue;
    if (w->status[p] == CREDAL_EINTERRUPTED) return CREDAL_EINTERRUPTED;
    policy_work one = *w;
    one.interrupt = NULL;
    evaluate_policy(&one, p, 0);
    return credal__fail_context(w->status[p], "hypothesis %lld, policy %lld", (long long)h,
                                (long long)p);
  }
  return CREDAL_OK;
}

typedef struct {
  credal__mdp_input *in;
  credal__result_writer *out;
  credal__regret acc;
  buffers b;
  credal__pool *pool;
  int threads;
  int fast; /* the cpu backend: each choice's order kept from sweep to sweep */
  int64_t policy_iterations;
  double policy_residual;
} run_state;

/* Hypothesis h: its optimum, every policy, the regret stage, its rows in the result. */
static credal_status run_hypothesis(run_state *r, const credal_eval_options *o, int64_t h,
                                    credal__problems *sink) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const int64_t P = s->policies, Q = s->prior_set_size, H = s->hypotheses;
  buffers *b = &r->b;
  credal_mdp m;
  credal_status st = credal__mdp_hypothesis(r->in, h, &m, sink);
  if (st) return credal__problems_status(sink);
  int64_t iterations = 0;
  double residual = 0.0;
  if ((st = credal__mdp_iterate(&m, NULL, 0, r->fast, o->interrupt, b->optimal_v, b->optimal_policy,
                                &iterations, &residual)))
    return st == CREDAL_EINTERRUPTED
               ? st
               : credal__fail_context(st, "hypothesis %lld, the robust optimum", (long long)h);
  const double optimum = from_initial(r->in, b->optimal_v);
  policy_work w = {&m,       r->in,    o->upper,      r->fast,     o->interrupt, b->scratch,
                   b->lower, b->upper, b->iterations, b->residual, b->status};
  credal__pool_run(r->pool, P, r->threads, evaluate_policy, &w);
  if ((st = policies_status(&w, P, h))) return st;
  for (int64_t p = 0; p < P; p++) {
    if (b->iterations[p] > r->policy_iterations) r->policy_iterations = b->iterations[p];
    r->policy_residual = fmax(r->policy_residual, b->residual[p]);
  }
  const double *prior = credal__mdp_prior(r->in), *zset = credal__mdp_prior_set(r->in);
  for (int64_t q = 0; q < Q; q++) b->prior_column[q] = zset[q * H + h];
  double best = 0.0;
  int32_t best_p = 0;
  credal__regret_chunk_against(&r->acc, h, 1, b->lower, &optimum, prior ? prior + h : NULL,
                               Q ? b->prior_column : NULL, &best, &best_p, b->regret);
  if ((st = credal__result_write_rows(r->out, h, 1, b->lower, b->argmin, o->upper ? b->upper : NULL,
                                      o->upper ? b->argmin : NULL, b->regret, &best, &best_p)) ||
      (st = credal__result_mdp_write(credal__result_hid(r->out), h, optimum, b->optimal_policy,
                                     iterations, residual)))
    return st;
  if (o->progress) o->progress(o->progress_ctx, h + 1, H);
  return CREDAL_OK;
}

static void fill_summary(credal_eval_summary *sum, const credal__mdp_summary *s, const char *name,
                         const char *device, const credal__regret *acc, const credal__choices *c,
                         const double *credal_regret, double elapsed) {
  memset(sum, 0, sizeof *sum);
  snprintf(sum->backend, sizeof sum->backend, "%s", name);
  snprintf(sum->device, sizeof sum->device, "%s", device);
  snprintf(sum->precision, sizeof sum->precision, "f64");
  sum->hypotheses = s->hypotheses, sum->policies = s->policies;
  sum->prior_set_size = s->prior_set_size;
  sum->mdp = 1, sum->states = s->states, sum->choices = s->choices;
  sum->transitions = s->transitions;
  sum->chunks = s->hypotheses, sum->chunk_rows_max = 1;
  sum->elapsed_seconds = elapsed;
  sum->maximin = c->maximin, sum->maximin_value = acc->class_lower[c->maximin];
  sum->minimax_regret = c->minimax_regret;
  sum->minimax_regret_value = acc->worst_regret[c->minimax_regret];
  sum->bayes = c->bayes, sum->bayes_value = c->bayes >= 0 ? acc->bayes_regret[c->bayes] : NAN;
  sum->credal = c->credal, sum->credal_value = c->credal >= 0 ? credal_regret[c->credal] : NAN;
  sum->set_minimax_regret = -1, sum->set_minimax_regret_value = NAN;
}

/* The per-policy criteria, the choices, the names, complete=1. */
static credal_status finish(run_state *r, double started, credal__choices *choices,
                            double *credal_regret, int32_t *credal_prior) {
  credal_status st;
  credal__regret_finish(&r->acc, credal_regret, credal_prior, choices);
  const hid_t file = credal__result_hid(r->out);
  if ((st = credal__result_write_policies(r->out, &r->acc, credal_regret, credal_prior, choices)) ||
      (st = credal__result_mdp_finish(file, r->policy_iterations, r->policy_residual)) ||
      (st = credal__copy_names(credal__mdp_file(r->in), file)))
    return st;
  st = credal__result_finish(r->out, credal__now_seconds() - started);
  r->out = NULL;
  return st;
}

/* OUTPUT and OUTPUT.partial: refused when there without --force (the partial: --resume). */
static credal_status check_paths(const char *output, const char *partial, int force, int resume) {
  if (resume && force)
    return credal__fail(CREDAL_EUSAGE,
                        "--resume and --force contradict each other: --resume "
                        "continues OUTPUT.partial, --force starts over");
  if (force) return CREDAL_OK;
  if (credal__path_exists(output))
    return credal__fail(CREDAL_EEXIST, "%s exists; use --force to replace it", output);
  if (!resume && credal__path_exists(partial))
    return credal__fail(CREDAL_EEXIST,
                        "%s exists, left by an interrupted run: continue it with "
                        "--resume (the same options), or start over with --force",
                        partial);
  return CREDAL_OK;
}

/* An interrupted run: the rows so far, the accumulators and where it stopped go into the
 * partial, so that --resume continues it exactly; CREDAL_EINTERRUPTED saying so. */
static credal_status save_interrupted(run_state *r, const char *partial, const char *fp,
                                      int64_t done) {
  const hid_t file = credal__result_hid(r->out);
  credal_status st;
  if ((st = credal__result_flush(r->out)) ||
      (st = credal__result_mdp_finish(file, r->policy_iterations, r->policy_residual)) ||
      (st = credal__resume_save(file, partial, done, fp, &r->acc)))
    return credal__fail_context(st, "interrupted, but the resume state could not be saved");
  return credal__fail(CREDAL_EINTERRUPTED,
                      "interrupted after %lld of %lld hypotheses; partial output kept in %s "
                      "(continue with --resume)",
                      (long long)done, (long long)credal__mdp_describe(r->in)->hypotheses, partial);
}

credal_status credal__mdp_eval(const char *input, const char *output, const credal_eval_options *o,
                               credal_eval_summary *summary) {
  const double started = credal__now_seconds();
  run_state r;
  memset(&r, 0, sizeof r);
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  credal__codec codec;
  char partial[4096];
  double *credal_regret = NULL;
  int32_t *credal_prior = NULL;
  int created = 0;
  credal_status st;
  if (snprintf(partial, sizeof partial, "%s.partial", output) >= (int)sizeof partial)
    return credal__fail(CREDAL_EUSAGE, "%s: the output path is too long", output);
  if ((st = credal__eval_codec(o, &codec)) ||
      (st = check_paths(output, partial, o->force, o->resume)))
    return st;
  const uint64_t budget = o->memory_bytes ? o->memory_bytes : CREDAL_DEFAULT_MEMORY;
  const credal__names_policy names = {o->allow_unknown, o->warn, o->warn_ctx};
  if ((st = credal__mdp_open(input, &names, budget, &sink, &r.in)))
    return sink.count ? credal__problems_status(&sink) : st;
  const credal__mdp_summary *s = credal__mdp_describe(r.in);
  const int reference = o->backend == CREDAL_BACKEND_REFERENCE;
  r.threads = reference ? 1 : o->threads > 0 ? o->threads : credal__pool_cores(1);
  r.fast = !reference;
  if ((st = check_options(o, s))) goto cleanup;
  if (s->resident_bytes + buffers_bytes(s, r.threads) > budget) {
    char need[32], have[32];
    st = credal__fail(
        CREDAL_EUSAGE,
        "the model, its policies and %d threads' work take %s, more "
        "than --memory %s allows",
        r.threads,
        credal__format_bytes(s->resident_bytes + buffers_bytes(s, r.threads), need, sizeof need),
        credal__format_bytes(budget, have, sizeof have));
    goto cleanup;
  }
  if ((st = buffers_alloc(&r.b, s, r.threads)) ||
      (st = credal__regret_init(&r.acc, s->policies, s->has_prior, s->prior_set_size)) ||
      (st = credal__pool_create(r.threads, &r.pool)))
    goto cleanup;
  const char *name = reference ? "reference" : "cpu";
  char device[128], cpu[80];
  credal__cpu_name(cpu, sizeof cpu);
  snprintf(device, sizeof device, "%s, %d thread%s", cpu, r.threads, r.threads == 1 ? "" : "s");
  credal__result_layout layout = {s->hypotheses,
                                  s->policies,
                                  s->prior_set_size,
                                  s->has_prior,
                                  o->upper,
                                  0,
                                  name,
                                  device,
                                  input,
                                  0,
                                  0,
                                  0,
                                  &codec,
                                  r.pool,
                                  0,
                                  o->outputs == CREDAL_OUTPUTS_POLICY,
                                  0};
  char fp[CREDAL_FINGERPRINT_MAX];
  if ((st =
           credal__mdp_fingerprint(r.in, input, name, o->upper, layout.policy_only, fp, sizeof fp)))
    goto cleanup;
  int64_t done = 0;
  if (o->resume && credal__path_exists(partial)) { /* a partial that does not match is kept */
    if ((st = credal__result_open(partial, &layout, &r.out)) ||
        (st = credal__resume_load(credal__result_hid(r.out), partial, fp, s->hypotheses, &r.acc,
                                  &done)) ||
        (st = credal__result_mdp_resume(credal__result_hid(r.out), s->hypotheses, s->states,
                                        s->horizon, &r.policy_iterations, &r.policy_residual)))
      goto cleanup;
  } else {
    if (o->force) unlink(partial); /* a stale partial or a link must not be written through */
    if ((st = credal__result_create(partial, &layout, 0, &r.out)) ||
        (created = 1, st = credal__result_mdp_create(credal__result_hid(r.out), s->hypotheses,
                                                     s->states, s->horizon)))
      goto cleanup;
  }
  created = 1;
  for (int64_t h = done; h < s->hypotheses && !st; h++) {
    if (!(st = run_hypothesis(&r, o, h, &sink))) done = h + 1;
    if (!st && done < s->hypotheses && o->interrupt && *o->interrupt) st = CREDAL_EINTERRUPTED;
  }
  if (st == CREDAL_EINTERRUPTED) st = save_interrupted(&r, partial, fp, done);
  if (st) goto cleanup;
  credal__choices choices;
  if (!(credal_regret = malloc((size_t)s->policies * sizeof(double))) ||
      !(credal_prior = malloc((size_t)s->policies * sizeof(int32_t)))) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((st = finish(&r, started, &choices, credal_regret, credal_prior)) ||
      (st = credal__sync_file(partial)) || (st = credal__publish(partial, output, o->force)))
    goto cleanup;
  created = 0;
  if (summary)
    fill_summary(summary, s, name, device, &r.acc, &choices, credal_regret,
                 credal__now_seconds() - started);
cleanup:
  credal__result_abandon(r.out);
  /* an interrupted run keeps its partial for --resume; a failed one removes it */
  if (created && st && st != CREDAL_EEXIST && st != CREDAL_EINTERRUPTED) unlink(partial);
  credal__pool_destroy(r.pool);
  credal__regret_free(&r.acc);
  buffers_free(&r.b);
  credal__mdp_close(r.in);
  free(credal_regret);
  free(credal_prior);
  return st;
}
