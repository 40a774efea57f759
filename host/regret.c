/* The regret stage. Every reduction walks hypotheses and priors in a fixed order, so results
 * do not depend on how the hypotheses were chunked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regret.h"

uint64_t credal__regret_bytes(int64_t policies, int has_prior, int64_t prior_set_size) {
  const uint64_t P = (uint64_t)policies;
  return P * (2 * sizeof(double) + 2 * sizeof(int32_t)) + (has_prior ? P * sizeof(double) : 0) +
         (uint64_t)prior_set_size * P * sizeof(double);
}

credal_status credal__regret_init(credal__regret *r, int64_t policies, int has_prior,
                                  int64_t prior_set_size) {
  memset(r, 0, sizeof *r);
  r->policies = policies;
  r->has_prior = has_prior;
  r->prior_set_size = prior_set_size;
  const size_t P = (size_t)policies;
  r->class_lower = malloc(P * sizeof(double));
  r->class_lower_h = malloc(P * sizeof(int32_t));
  r->worst_regret = malloc(P * sizeof(double));
  r->worst_regret_h = malloc(P * sizeof(int32_t));
  if (has_prior) r->bayes_regret = calloc(P, sizeof(double));
  if (prior_set_size > 0) r->credal_sums = calloc((size_t)prior_set_size * P, sizeof(double));
  if (!r->class_lower || !r->class_lower_h || !r->worst_regret || !r->worst_regret_h ||
      (has_prior && !r->bayes_regret) || (prior_set_size > 0 && !r->credal_sums)) {
    credal__regret_free(r);
    return credal__fail(CREDAL_ENOMEM, "cannot allocate the per-policy accumulators (P=%lld, Q=%lld)",
                        (long long)policies, (long long)prior_set_size);
  }
  /* no hypothesis yet (_h = -1): the values are the identities of min and max, never read
   * before the first hypothesis replaces them, but defined, because an interrupted run saves
   * them in its resume state (valgrind caught uninitialised bytes written to the file) */
  for (size_t p = 0; p < P; p++) {
    r->class_lower[p] = INFINITY, r->worst_regret[p] = -INFINITY;
    r->class_lower_h[p] = r->worst_regret_h[p] = -1;
  }
  return CREDAL_OK;
}

void credal__regret_free(credal__regret *r) {
  if (!r) return;
  free(r->class_lower);
  free(r->class_lower_h);
  free(r->worst_regret);
  free(r->worst_regret_h);
  free(r->bayes_regret);
  free(r->credal_sums);
  memset(r, 0, sizeof *r);
}

void credal__regret_chunk(credal__regret *r, int64_t h0, int64_t count, const double *lower,
                          const double *prior, const double *prior_set, double *best_value,
                          int32_t *best_policy, double *regret) {
  credal__regret_chunk_against(r, h0, count, lower, NULL, prior, prior_set, best_value,
                               best_policy, regret);
}

void credal__regret_chunk_against(credal__regret *r, int64_t h0, int64_t count,
                                  const double *lower, const double *optimum, const double *prior,
                                  const double *prior_set, double *best_value,
                                  int32_t *best_policy, double *regret) {
  const int64_t P = r->policies, Q = r->prior_set_size;
  for (int64_t i = 0; i < count; i++) {
    const int32_t h = (int32_t)(h0 + i);
    const double *row = lower + i * P;
    double *reg = regret + i * P;
    /* best[h] = max_p lower[h,p], lowest p on ties */
    int64_t best_p = 0;
    for (int64_t p = 1; p < P; p++)
      if (row[p] > row[best_p]) best_p = p;
    const double best = row[best_p];
    best_value[i] = best;
    best_policy[i] = (int32_t)best_p;
    const double against = optimum ? optimum[i] : best;
    for (int64_t p = 0; p < P; p++) {
      reg[p] = against - row[p];
      if (r->class_lower_h[p] < 0 || row[p] < r->class_lower[p])
        r->class_lower[p] = row[p], r->class_lower_h[p] = h;
      if (r->worst_regret_h[p] < 0 || reg[p] > r->worst_regret[p])
        r->worst_regret[p] = reg[p], r->worst_regret_h[p] = h;
    }
    if (prior)
      for (int64_t p = 0; p < P; p++) r->bayes_regret[p] += prior[i] * reg[p];
    for (int64_t q = 0; q < Q; q++) {
      const double z = prior_set[q * count + i];
      double *sums = r->credal_sums + q * P;
      for (int64_t p = 0; p < P; p++) sums[p] += z * reg[p];
    }
  }
  r->next_hypothesis = h0 + count;
}

/* Lowest index of the smallest (sign = +1) or largest (sign = -1) value. */
static int64_t arg_extreme(const double *v, int64_t n, int sign) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; i++)
    if (sign > 0 ? v[i] < v[best] : v[i] > v[best]) best = i;
  return best;
}

void credal__regret_finish(const credal__regret *r, double *credal_regret,
                           int32_t *credal_regret_prior, credal__choices *choices) {
  const int64_t P = r->policies, Q = r->prior_set_size;
  choices->maximin = arg_extreme(r->class_lower, P, -1);
  choices->minimax_regret = arg_extreme(r->worst_regret, P, +1);
  choices->bayes = r->has_prior ? arg_extreme(r->bayes_regret, P, +1) : -1;
  choices->credal = -1;
  if (Q > 0) {
    /* credal_regret[p] = max_q sums[q,p], lowest q on ties */
    for (int64_t p = 0; p < P; p++) {
      int64_t best_q = 0;
      for (int64_t q = 1; q < Q; q++)
        if (r->credal_sums[q * P + p] > r->credal_sums[best_q * P + p]) best_q = q;
      credal_regret[p] = r->credal_sums[best_q * P + p];
      credal_regret_prior[p] = (int32_t)best_q;
    }
    choices->credal = arg_extreme(credal_regret, P, +1);
  }
}

void credal__regret_copy(credal__regret *dst, const credal__regret *src) {
  const size_t P = (size_t)src->policies;
  memcpy(dst->class_lower, src->class_lower, P * sizeof(double));
  memcpy(dst->class_lower_h, src->class_lower_h, P * sizeof(int32_t));
  memcpy(dst->worst_regret, src->worst_regret, P * sizeof(double));
  memcpy(dst->worst_regret_h, src->worst_regret_h, P * sizeof(int32_t));
  if (src->bayes_regret) memcpy(dst->bayes_regret, src->bayes_regret, P * sizeof(double));
  if (src->credal_sums)
    memcpy(dst->credal_sums, src->credal_sums, (size_t)src->prior_set_size * P * sizeof(double));
  dst->next_hypothesis = src->next_hypothesis;
}
