/* One hypothesis of a credal-mdp evaluation (host/mdp_job.h): its sets read and checked, the
 * robust optimum, every policy's robust value from the initial distribution (and nature's
 * cooperative one with --upper or --rules). The policies are independent problems: the cpu
 * backend evaluates them on the pool's threads, reference one after another, gpu all at once on
 * the device (host/mdp_gpu.h); each is the same float64 computation, so every backend gives the
 * same bits and no result depends on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdp_job.h"

/* One hypothesis's policy evaluations, shared by the pool's threads. */
typedef struct {
  const credal_mdp *model;
  const credal__mdp_input *in;
  int upper;
  credal__mdp_scratch *orders; /* per worker: the choices' orders, kept across policies */
  double *scratch;             /* per worker: a policy (C,) then values (S,) */
  double *lower, *upper_v;     /* (P,) from the initial distribution */
  int64_t *iterations;         /* (P,) the most sweeps of the policy's evaluations */
  double *residual;            /* (P,) */
  credal_status *status;       /* (P,) */
  uint8_t *zero;               /* the GPU's zero sets (the run's), or NULL */
  /* the robust optimum, the pool's first task beside the policies (cpu and reference) */
  double *optimal_v;
  int32_t *optimal_policy;
  int64_t optimum_iterations;
  double optimum_residual;
  credal_status optimum_status;
} policy_work;

static double from_initial(const credal__mdp_input *in, const double *v) {
  return credal__mdp_expectation(credal__mdp_initial(in), v, credal__mdp_describe(in)->states);
}

static void evaluate_policy(void *ctx, int64_t p, int worker) {
  policy_work *w = ctx;
  const credal__mdp_summary *s = credal__mdp_describe(w->in);
  credal__mdp_scratch *orders = w->orders + worker;
  if (credal__mdp_stopped(orders)) {
    w->status[p] = CREDAL_EINTERRUPTED;
    return;
  }
  double *policy = w->scratch + (size_t)worker * (size_t)(s->choices + s->states);
  double *value = policy + s->choices;
  credal__mdp_policy(w->in, p, policy); /* checked when the input was opened */
  int64_t n = 0, m = 0;
  double res = 0.0, res2 = 0.0;
  credal_status st = credal__mdp_run(w->model, policy, 0, orders, value, NULL, &n, &res);
  if (!st) w->lower[p] = from_initial(w->in, value);
  if (!st && w->upper &&
      !(st = credal__mdp_run(w->model, policy, 1, orders, value, NULL, &m, &res2)))
    w->upper_v[p] = from_initial(w->in, value);
  w->iterations[p] = n > m ? n : m;
  w->residual[p] = fmax(res, res2);
  w->status[p] = st;
}

/* Task 0: the optimum (it sweeps every choice, so the longest task starts first); task i > 0:
 * policy i - 1. */
static void evaluate_task(void *ctx, int64_t i, int worker) {
  policy_work *w = ctx;
  if (i > 0) {
    evaluate_policy(ctx, i - 1, worker);
    return;
  }
  w->optimum_status = credal__mdp_run(w->model, NULL, 0, w->orders + worker, w->optimal_v,
                                      w->optimal_policy, &w->optimum_iterations,
                                      &w->optimum_residual);
}

/* The policies' worst failure, with its message recomputed on this thread (the pool's threads
 * keep their own last errors). */
static credal_status policies_status(const policy_work *w, int64_t P, int64_t h) {
  for (int64_t p = 0; p < P; p++) {
    if (!w->status[p]) continue;
    if (w->status[p] == CREDAL_EINTERRUPTED) return CREDAL_EINTERRUPTED;
    policy_work one = *w;
    volatile int *interrupt = w->orders[0].interrupt;
    w->orders[0].interrupt = NULL;
    evaluate_policy(&one, p, 0);
    w->orders[0].interrupt = interrupt;
    return credal__fail_context(w->status[p], "hypothesis %lld, policy %lld", (long long)h,
                                (long long)p);
  }
  return CREDAL_OK;
}

/* Every worker's scratch, made once for the structure (which the hypotheses share). */
static credal_status make_orders(credal__mdp_run_state *r, const credal_mdp *m,
                                 volatile int *interrupt) {
  if (r->orders) return CREDAL_OK;
  if (!(r->orders = calloc((size_t)r->threads, sizeof *r->orders)))
    return credal__fail(CREDAL_ENOMEM, "out of memory for the workers' scratch");
  for (int t = 0; t < r->threads; t++) {
    credal_status st = credal__mdp_scratch_alloc(m, r->fast, r->orders + t);
    if (st) return st;
    r->orders[t].interrupt = interrupt;
  }
  return CREDAL_OK;
}

void credal__mdp_free_orders(credal__mdp_run_state *r) {
  for (int t = 0; r->orders && t < r->threads; t++) credal__mdp_scratch_free(r->orders + t);
  free(r->orders);
  r->orders = NULL;
}

/* Policy p's zero sets (host/mdp.h: where nature keeps the play from the target for ever),
 * minimising and (with upper) cooperating, for the GPU's interval iteration. */
static void zero_sets(void *ctx, int64_t p, int worker) {
  policy_work *w = ctx;
  const credal__mdp_summary *s = credal__mdp_describe(w->in);
  const int64_t S = s->states, P = s->policies;
  double *policy = w->scratch + (size_t)worker * (size_t)(s->choices + S);
  credal__mdp_policy(w->in, p, policy);
  credal__mdp_unreachable(w->model, policy, 0, w->zero + p * S);
  w->status[p] = CREDAL_OK;
  if (w->upper) credal__mdp_unreachable(w->model, policy, 1, w->zero + (P + p) * S);
}

/* Every policy's values (and, unless the host computed it, the optimum) on the GPU; failures
 * named as the cpu backend names them. */
static credal_status gpu_policies(credal__mdp_run_state *r, policy_work *w, int optimum,
                                  credal__mdp_outcome *out, volatile int *interrupt, int64_t h) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  credal__mdp_buffers *b = &r->b;
  if (r->zero) {
    w->zero = r->zero;
    credal__pool_run(r->pool, s->policies, r->threads, zero_sets, w);
    for (int64_t p = 0; p < s->policies; p++)
      if (w->status[p]) { /* the message, on this thread */
        zero_sets(w, p, 0);
        return credal__fail_context(w->status[p], "hypothesis %lld, policy %lld", (long long)h,
                                    (long long)p);
      }
  }
  credal__gpu_mdp_job j;
  memset(&j, 0, sizeof j);
  j.model = w->model, j.initial = credal__mdp_initial(r->in), j.policies = s->policies;
  credal__mdp_policy_arrays(r->in, &j.actions, &j.probabilities);
  j.optimum = optimum, j.upper = w->upper, j.zero = r->zero, j.interrupt = interrupt;
  j.optimum_value = b->optimal_v, j.optimal = b->optimal_policy;
  j.lower = b->lower, j.upper_value = b->upper;
  j.iterations = b->iterations, j.residual = b->residual, j.status = b->status;
  credal_status st = credal__gpu_mdp_solve(r->gpu, &j);
  if (st == CREDAL_EINTERRUPTED) return st;
  if (st) return credal__fail_context(st, "hypothesis %lld", (long long)h);
  if (j.optimum_status)
    return credal__fail_context(j.optimum_status, "hypothesis %lld, the robust optimum",
                                (long long)h);
  if (optimum) out->iterations = j.optimum_iterations, out->residual = j.optimum_residual;
  return CREDAL_OK;
}

/* Hypothesis h's optimum and every policy's values into the buffers and *out. */
credal_status credal__mdp_compute_hypothesis(credal__mdp_run_state *r, const credal_eval_options *o,
                                             int64_t h, credal__problems *sink,
                                             credal__mdp_outcome *out) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const int64_t P = s->policies;
  credal__mdp_buffers *b = &r->b;
  credal_mdp m;
  memset(out, 0, sizeof *out);
  credal_status st = credal__mdp_hypothesis(r->in, h, &m, sink);
  if (st) return credal__problems_status(sink);
  out->digest = credal__mdp_sets_digest(r->in, h);
  if ((st = credal__mdp_check(&m, NULL)) || (st = make_orders(r, &m, o->interrupt)))
    return credal__fail_context(st, "hypothesis %lld", (long long)h);
  policy_work w = {.model = &m,
                   .in = r->in,
                   .upper = o->upper || o->rules,
                   .orders = r->orders,
                   .scratch = b->scratch,
                   .lower = b->lower,
                   .upper_v = b->upper,
                   .iterations = b->iterations,
                   .residual = b->residual,
                   .status = b->status,
                   .optimal_v = b->optimal_v,
                   .optimal_policy = b->optimal_policy};
  /* the GPU's interval iteration has no end components to collapse: nature cooperating where
   * a law may leave a successor out is left to the host (mdp_upper.c), as is the optimum */
  const int reach_for_ever = s->objective == CREDAL_MDP_REACH && s->horizon == 0;
  const int on_gpu = r->gpu && !(reach_for_ever && w.upper && !credal__mdp_supports_fixed(&m, NULL));
  if (!on_gpu) { /* the optimum and the policies as the pool's tasks */
    credal__pool_run(r->pool, P + 1, r->threads, evaluate_task, &w);
    if (w.optimum_status && w.optimum_status != CREDAL_EINTERRUPTED) /* its message, here */
      w.optimum_status = credal__mdp_run(&m, NULL, 0, r->orders, b->optimal_v,
                                         b->optimal_policy, NULL, NULL);
  } else if (reach_for_ever) {
    /* the GPU leaves the infinite-horizon reach optimum (end components) to the host */
    evaluate_task(&w, 0, 0);
  }
  if ((st = w.optimum_status))
    return st == CREDAL_EINTERRUPTED
               ? st
               : credal__fail_context(st, "hypothesis %lld, the robust optimum", (long long)h);
  out->iterations = w.optimum_iterations, out->residual = w.optimum_residual;
  if (on_gpu && (st = gpu_policies(r, &w, !reach_for_ever,
                                   out, o->interrupt, h)))
    return st;
  out->optimum = from_initial(r->in, b->optimal_v);
  if ((st = policies_status(&w, P, h))) return st;
  for (int64_t p = 0; p < P; p++) {
    if (b->iterations[p] > out->policy_iterations) out->policy_iterations = b->iterations[p];
    out->policy_residual = fmax(out->policy_residual, b->residual[p]);
  }
  return CREDAL_OK;
}
