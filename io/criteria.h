/* The per-policy criteria as the output and the resume state store them (SPEC §1): the
 * regret stage's accumulators (host/regret.h computes them) and the four choices. Plain data,
 * so that io/ can write and read them without reaching up into host/. */
#ifndef CREDAL_CRITERIA_H
#define CREDAL_CRITERIA_H

#include <stdint.h>

typedef struct {
  int64_t policies;       /* P */
  int64_t prior_set_size; /* Q (0: no prior set) */
  int has_prior;
  int64_t next_hypothesis; /* chunks must arrive in order; this is the next expected h */
  double *class_lower;     /* (P,) min_h lower[h,p] */
  int32_t *class_lower_h;  /* (P,) its hypothesis, lowest on ties */
  double *worst_regret;    /* (P,) max_h regret[h,p] */
  int32_t *worst_regret_h; /* (P,) its hypothesis, lowest on ties */
  double *bayes_regret;    /* (P,) sum_h prior[h] regret[h,p], or NULL */
  double *credal_sums;     /* (Q, P) sum_h Z[q,h] regret[h,p], or NULL */
} credal__regret;

typedef struct {
  int64_t maximin, minimax_regret, bayes, credal; /* policy indices; -1 when unavailable */
} credal__choices;

#endif /* CREDAL_CRITERIA_H */
