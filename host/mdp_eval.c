/* credal eval on a credal-mdp input (SPEC §10, docs/math.md §6):
 *
 *   open + check the model, policies, priors -> create OUTPUT.partial -> per hypothesis: read
 *   and check its sets, the robust optimum (value iteration: the agent maximises, nature
 *   minimises), every policy's robust value from the initial distribution (and nature's
 *   cooperative one with --upper), the regret stage against the optimum -> per-policy criteria
 *   and choices -> complete=1 -> rename to OUTPUT
 *
 * A hypothesis's computation is host/mdp_hypothesis.c's, the hypotheses' order over MPI ranks
 * host/mdp_ranks.c's (host/mdp_job.h); here: the options, the buffers, the output, the regret
 * stage and rules per hypothesis, the criteria at the end, interruption and resume. */
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
#include "engine.h"
#include "mdp_job.h"
#include "ranks.h"
#include "rules.h"

static void buffers_free(credal__mdp_buffers *b) {
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
  const uint64_t N = (uint64_t)s->transitions;
  /* each evaluation of host/mdp.c allocates about 4 S values, a choice's successors and (the
   * cpu backend) every choice's order twice; an MPI message holds the rows of a hypothesis */
  return 8 * S + 8 * T * S + P * (8 * 6 + 4 + 8 + 8 + 4) + 8 * (uint64_t)s->prior_set_size +
         (uint64_t)workers * (8 * (C + 5 * S) + 8 * N + 16 * (N / (C ? C : 1) + 1)) +
         CREDAL_MSG_MAX;
}

static credal_status buffers_alloc(credal__mdp_buffers *b, const credal__mdp_summary *s,
                                   int workers) {
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
static credal_status check_options(const credal_eval_options *o) {
  const unsigned pairwise =
      (1u << CREDAL_RULE_MAXIMAL) | (1u << CREDAL_RULE_E_ADMISSIBLE) | CREDAL_RULES_SET_REGRET;
  if (o->rules & pairwise)
    return credal__fail(CREDAL_EUSAGE,
                        "--rules: maximality, E-admissibility and the regret within the sets "
                        "compare two policies under one law of nature at a time, which the "
                        "sequential worst case of an MDP does not give; the rules of the values' "
                        "intervals apply: --rules gamma_maximin,gamma_maximax,hurwicz,"
                        "interval_dominance");
  if (o->rules && !(o->hurwicz >= 0.0 && o->hurwicz <= 1.0))
    return credal__fail(CREDAL_EUSAGE, "--hurwicz wants ALPHA in [0, 1], got %g", o->hurwicz);
  if (o->precision_f32)
    return credal__fail(CREDAL_EUSAGE,
                        "--precision f32: credal MDPs are evaluated in float64 "
                        "only (value iteration's stopping rule needs it)");
  return CREDAL_OK;
}

/* The tolerance of hypothesis h's comparisons: each value is within epsilon of its fixed
 * point over an infinite horizon (two values: 2 epsilon), exact but for rounding over a finite
 * one (SPEC §6's 1e-12 relative to the largest value). */
static double rules_tau(const credal__mdp_summary *s, const double *lower, const double *upper) {
  double big = 1.0;
  for (int64_t p = 0; p < s->policies; p++) big = fmax(big, fmax(fabs(lower[p]), fabs(upper[p])));
  return 1e-12 * big + (s->horizon == 0 ? 2.0 * s->epsilon : 0.0);
}

/* --rules for hypothesis h: Γ-maximin, Γ-maximax, Hurwicz and interval dominance of its
 * values' intervals [lower, upper] (host/rules.h), and the class accumulators. */
static credal_status record_rules(credal__mdp_run_state *r, const credal_eval_options *o,
                                  int64_t h) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const int64_t P = s->policies;
  const double tau = rules_tau(s, r->b.lower, r->b.upper);
  uint8_t *m = r->masks;
  credal__interval_rules(r->b.lower, r->b.upper, P, o->hurwicz, tau,
                         m + CREDAL_RULE_GAMMA_MAXIMIN * P, m + CREDAL_RULE_GAMMA_MAXIMAX * P,
                         m + CREDAL_RULE_HURWICZ * P, m + CREDAL_RULE_INTERVAL_DOMINANCE * P);
  for (int64_t p = 0; p < P; p++)
    r->class_upper[p] =
        h == 0 || r->b.upper[p] > r->class_upper[p] ? r->b.upper[p] : r->class_upper[p];
  r->tau = fmax(r->tau, tau);
  return credal__result_write_rules(r->out, h, 1, r->masks, NULL);
}

/* --rules for the class: the same rules on [min_h lower, max_h upper]. */
static credal_status finish_rules(credal__mdp_run_state *r, const credal_eval_options *o,
                                  credal__rules_class *c) {
  const int64_t P = credal__mdp_describe(r->in)->policies;
  memset(c, 0, sizeof *c);
  c->masks = r->masks, c->set_minimax_regret = -1;
  uint8_t *m = r->masks;
  memset(m, 0, (size_t)(CREDAL_RULE_COUNT * P));
  credal__interval_rules(r->acc.class_lower, r->class_upper, P, o->hurwicz, r->tau,
                         m + CREDAL_RULE_GAMMA_MAXIMIN * P, m + CREDAL_RULE_GAMMA_MAXIMAX * P,
                         m + CREDAL_RULE_HURWICZ * P, m + CREDAL_RULE_INTERVAL_DOMINANCE * P);
  return credal__result_write_class_rules(r->out, c, o->hurwicz, r->tau);
}

/* Hypothesis h, computed: the regret stage and its rows in the result. */
credal_status credal__mdp_record_hypothesis(credal__mdp_run_state *r, const credal_eval_options *o,
                                            int64_t h, const credal__mdp_outcome *x) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const int64_t Q = s->prior_set_size, H = s->hypotheses;
  credal__mdp_buffers *b = &r->b;
  if (x->policy_iterations > r->policy_iterations) r->policy_iterations = x->policy_iterations;
  r->content += x->digest;
  r->policy_residual = fmax(r->policy_residual, x->policy_residual);
  const double *prior = credal__mdp_prior(r->in), *zset = credal__mdp_prior_set(r->in);
  for (int64_t q = 0; q < Q; q++) b->prior_column[q] = zset[q * H + h];
  double best = 0.0;
  int32_t best_p = 0;
  credal__regret_chunk_against(&r->acc, h, 1, b->lower, &x->optimum, prior ? prior + h : NULL,
                               Q ? b->prior_column : NULL, &best, &best_p, b->regret);
  credal_status st;
  if (o->rules && (st = record_rules(r, o, h))) return st;
  if ((st = credal__result_write_rows(r->out, h, 1, b->lower, b->argmin, o->upper ? b->upper : NULL,
                                      o->upper ? b->argmin : NULL, b->regret, &best, &best_p)) ||
      (st = credal__result_mdp_write(credal__result_hid(r->out), h, x->optimum, b->optimal_policy,
                                     x->iterations, x->residual)))
    return st;
  if (o->progress) o->progress(o->progress_ctx, h + 1, H);
  return CREDAL_OK;
}

static void fill_summary(credal_eval_summary *sum, const credal__mdp_summary *s, const char *name,
                         const char *device, const credal__regret *acc, const credal__choices *c,
                         const double *credal_regret, double elapsed,
                         const credal__rules_class *rules) {
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
  for (int r = 0; rules && r < CREDAL_RULE_COUNT; r++)
    for (int64_t p = 0; p < s->policies; p++)
      sum->class_kept[r] += rules->masks[r * s->policies + p];
}

/* The per-policy criteria, the choices, the names, complete=1. */
static credal_status finish(credal__mdp_run_state *r, const credal_eval_options *o, double started,
                            credal__choices *choices, double *credal_regret, int32_t *credal_prior,
                            credal__rules_class *rules) {
  credal_status st;
  credal__regret_finish(&r->acc, credal_regret, credal_prior, choices);
  const hid_t file = credal__result_hid(r->out);
  if ((o->rules && (st = finish_rules(r, o, rules))) ||
      (st = credal__result_write_policies(r->out, &r->acc, credal_regret, credal_prior, choices)) ||
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

static int64_t s_policies(const credal__mdp_run_state *r) {
  return credal__mdp_describe(r->in)->policies;
}

/* An interrupted run: the rows so far, the accumulators and where it stopped go into the
 * partial, so that --resume continues it exactly; CREDAL_EINTERRUPTED saying so. */
static credal_status save_interrupted(credal__mdp_run_state *r, const char *partial, const char *fp,
                                      int64_t done) {
  const hid_t file = credal__result_hid(r->out);
  credal_status st;
  if ((st = credal__result_flush(r->out)) ||
      (st = credal__result_mdp_finish(file, r->policy_iterations, r->policy_residual)) ||
      (st = credal__resume_save(file, partial, done, fp, r->content, &r->acc)) ||
      (r->class_upper &&
       (st = credal__result_mdp_save_rules(file, s_policies(r), r->class_upper, r->tau))))
    return credal__fail_context(st, "interrupted, but the resume state could not be saved");
  return credal__fail(CREDAL_EINTERRUPTED,
                      "interrupted after %lld of %lld hypotheses; partial output kept in %s "
                      "(continue with --resume)",
                      (long long)done, (long long)credal__mdp_describe(r->in)->hypotheses, partial);
}

/* The GPU of this rank: --device, or (left at 0 under MPI) the node's ranks spread over the
 * node's GPUs, as for batches (host/distributed.c). */
static int rank_device(int device) {
  const credal__ranks *w = credal__ranks_get();
  const int gpus = w->size > 1 && device == 0 ? credal__gpu_count() : 0;
  return gpus > 0 ? w->local_rank % gpus : device;
}

/* Every rank: the input, the options, the buffers and threads (within the budget). */
static credal_status prepare(credal__mdp_run_state *r, const char *input,
                             const credal_eval_options *o, credal__problems *sink) {
  const uint64_t budget = o->memory_bytes ? o->memory_bytes : CREDAL_DEFAULT_MEMORY;
  const credal__names_policy names = {o->allow_unknown, o->warn, o->warn_ctx};
  credal_status st = credal__mdp_open(input, &names, budget, sink, &r->in);
  if (st) return sink->count ? credal__problems_status(sink) : st;
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const int reference = o->backend == CREDAL_BACKEND_REFERENCE;
  r->threads = reference        ? 1
               : o->threads > 0 ? o->threads
                                : credal__pool_cores(credal__ranks_get()->local_size);
  r->fast = !reference;
  if ((st = check_options(o))) return st;
  const int upper = o->upper || o->rules;
  const uint64_t zero_bytes =
      o->backend == CREDAL_BACKEND_GPU && s->objective == CREDAL_MDP_REACH && s->horizon == 0
          ? (uint64_t)(1 + upper) * (uint64_t)s->policies * (uint64_t)s->states
          : 0;
  const uint64_t need = s->resident_bytes + buffers_bytes(s, r->threads) + zero_bytes;
  if (need > budget) {
    char a[32], b[32];
    return credal__fail(CREDAL_EUSAGE,
                        "the model, its policies and %d threads' work take %s, "
                        "more than --memory %s allows",
                        r->threads, credal__format_bytes(need, a, sizeof a),
                        credal__format_bytes(budget, b, sizeof b));
  }
  if ((st = buffers_alloc(&r->b, s, r->threads)) ||
      (st = credal__regret_init(&r->acc, s->policies, s->has_prior, s->prior_set_size)) ||
      (st = credal__pool_create(r->threads, &r->pool)))
    return st;
  if (o->backend == CREDAL_BACKEND_GPU &&
      (st = credal__gpu_mdp_create(rank_device(o->device), r->gpu_name, sizeof r->gpu_name,
                                   &r->gpu)))
    return st;
  if (zero_bytes && !(r->zero = malloc((size_t)zero_bytes)))
    return credal__fail(CREDAL_ENOMEM, "out of memory for the policies' zero sets");
  if (o->rules && (!(r->masks = calloc((size_t)(CREDAL_RULE_COUNT * s->policies), 1)) ||
                   !(r->class_upper = calloc((size_t)s->policies, sizeof(double)))))
    return credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules");
  return CREDAL_OK;
}

/* --resume: the sets of the hypotheses done, read again, must be those they were computed
 * from (their digest, r->content); whatever the file's size and time stamps. */
static credal_status check_done_sets(credal__mdp_run_state *r, const char *partial, int64_t done) {
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  uint64_t now = 0;
  credal_mdp m;
  for (int64_t h = 0; h < done; h++) {
    if (credal__mdp_hypothesis(r->in, h, &m, &sink)) return credal__problems_status(&sink);
    now += credal__mdp_sets_digest(r->in, h);
  }
  if (now == r->content) return CREDAL_OK;
  return credal__fail(CREDAL_EDATA, "%s: hypotheses 0 to %lld, done, were computed from other "
                      "sets than the input holds now (it was changed in place since); refusing "
                      "to continue it (start over with --force)",
                      partial, (long long)(done - 1));
}

/* Rank 0: OUTPUT.partial created, or opened to continue (--resume: *done its hypotheses
 * recorded; a partial that does not match is kept). *created once there is one to remove. */
static credal_status open_output(credal__mdp_run_state *r, const credal__result_layout *layout,
                                 const char *partial, const char *fp, int force, int resume,
                                 int64_t *done, int *created) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  credal_status st;
  *done = 0;
  if (resume && credal__path_exists(partial)) {
    if ((st = credal__result_open(partial, layout, &r->out)) ||
        (st = credal__resume_load(credal__result_hid(r->out), partial, fp, s->hypotheses, &r->acc,
                                  done, &r->content)) ||
        (st = check_done_sets(r, partial, *done)) ||
        (st = credal__result_mdp_resume(credal__result_hid(r->out), s->hypotheses, s->states,
                                        s->horizon, &r->policy_iterations, &r->policy_residual)) ||
        (r->class_upper && (st = credal__result_mdp_load_rules(
                                credal__result_hid(r->out), s->policies, r->class_upper, &r->tau))))
      return st;
    *created = 1;
    return CREDAL_OK;
  }
  if (force) unlink(partial); /* a stale partial or a link must not be written through */
  if ((st = credal__result_create(partial, layout, 0, &r->out))) return st;
  *created = 1;
  return credal__result_mdp_create(credal__result_hid(r->out), s->hypotheses, s->states,
                                   s->horizon);
}

/* The end of an MPI run: rank 0's status to every rank (each other rank's error is reported by
 * rank 0, which names it). */
static credal_status conclude(credal_status st) {
  const credal__ranks *w = credal__ranks_get();
  if (w->size == 1) return st;
  int64_t final = st;
  credal__ranks_bcast(&final, sizeof final, 0);
  if (w->rank == 0) return st;
  credal__error_set_remote(final != CREDAL_OK);
  return final ? credal__fail((credal_status) final, "see rank 0's message") : CREDAL_OK;
}

credal_status credal__mdp_eval(const char *input, const char *output, const credal_eval_options *o,
                               credal_eval_summary *summary) {
  const double started = credal__now_seconds();
  const int root = credal__ranks_get()->rank == 0;
  credal__mdp_run_state r;
  memset(&r, 0, sizeof r);
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  credal__codec codec;
  char partial[4096], fp[CREDAL_FINGERPRINT_MAX], device[128], cpu[80];
  double *credal_regret = NULL;
  int32_t *credal_prior = NULL;
  int created = 0;
  int64_t done = 0;
  credal__choices choices;
  credal__rules_class rules;
  memset(&rules, 0, sizeof rules);
  credal_status st = snprintf(partial, sizeof partial, "%s.partial", output) >= (int)sizeof partial
                         ? credal__fail(CREDAL_EUSAGE, "%s: the output path is too long", output)
                         : credal__eval_codec(o, &codec);
  if (!st && root) st = check_paths(output, partial, o->force, o->resume);
  if (!st) st = prepare(&r, input, o, &sink);
  if ((st = credal__ranks_agree(st, "reading the input"))) goto cleanup;
  const credal__mdp_summary *s = credal__mdp_describe(r.in);
  const char *name = o->backend == CREDAL_BACKEND_REFERENCE ? "reference" : r.gpu ? "gpu" : "cpu";
  credal__cpu_name(cpu, sizeof cpu);
  if (r.gpu)
    snprintf(device, sizeof device, "%s", r.gpu_name);
  else
    snprintf(device, sizeof device, "%s, %d thread%s", cpu, r.threads, r.threads == 1 ? "" : "s");
  const credal__result_layout layout = {s->hypotheses,
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
                                        o->rules,
                                        o->outputs == CREDAL_OUTPUTS_POLICY,
                                        0};
  if (root && !(st = credal__mdp_fingerprint(r.in, input, name, o->upper, o->rules, o->hurwicz,
                                             layout.policy_only, fp, sizeof fp)))
    st = open_output(&r, &layout, partial, fp, o->force, o->resume, &done, &created);
  if ((st = credal__ranks_agree(st, "opening the output"))) goto cleanup;
  credal__ranks_bcast(&done, sizeof done, 0);
  st = credal__mdp_run_hypotheses(&r, o, &sink, &done);
  if (!root) goto cleanup;
  if (st == CREDAL_EINTERRUPTED) st = save_interrupted(&r, partial, fp, done);
  if (st) goto cleanup;
  if (!(credal_regret = malloc((size_t)s->policies * sizeof(double))) ||
      !(credal_prior = malloc((size_t)s->policies * sizeof(int32_t)))) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((st = finish(&r, o, started, &choices, credal_regret, credal_prior, &rules)) ||
      (st = credal__sync_file(partial)) || (st = credal__publish(partial, output, o->force)))
    goto cleanup;
  created = 0;
  if (summary)
    fill_summary(summary, s, name, device, &r.acc, &choices, credal_regret,
                 credal__now_seconds() - started, o->rules ? &rules : NULL);
cleanup:
  credal__result_abandon(r.out);
  /* an interrupted run keeps its partial for --resume; a failed one removes it */
  if (created && st && st != CREDAL_EEXIST && st != CREDAL_EINTERRUPTED) unlink(partial);
  credal__pool_destroy(r.pool);
  credal__mdp_free_orders(&r);
  credal__gpu_mdp_free(r.gpu);
  free(r.zero);
  credal__regret_free(&r.acc);
  buffers_free(&r.b);
  free(r.masks);
  free(r.class_upper);
  credal__mdp_close(r.in);
  free(credal_regret);
  free(credal_prior);
  return conclude(st);
}
