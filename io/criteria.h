/* The per-policy criteria as the output and the resume state store them (SPEC §1): the
 * regret stage's accumulators (host/regret.h computes them) and the four choices. Plain data,
 * so that io/ can write and read them without reaching up into host/. */
#ifndef CREDAL_CRITERIA_H
#define CREDAL_CRITERIA_H

#include <stdint.h>

#include "credal.h"

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

/* The decision rules' class accumulators (SPEC §9; host/rules.h fills them, hypothesis by
 * hypothesis): what the class masks need once every hypothesis has been seen. */
typedef struct {
  int64_t policies, dim;
  unsigned rules;          /* CREDAL_RULE_* flags asked */
  double tau;              /* max_h tau_h so far: the class's tolerance */
  double *class_upper;     /* (P,) max_h upper[h,p] */
  double *set_regret;      /* (P,) max_h set_regret[h,p] */
  double *pair_min;        /* (P, P) [q*P+p]: min_h lower_h(u_q - u_p); a value <= 0 stands for
                            * any value <= 0 (q cannot dominate p in the class) */
  uint8_t *e_admissible;   /* (P,) 1 when p is E-admissible in some hypothesis */
  double *upper_vertex;    /* (P, d) a distribution of the class attaining class_upper[p] */
} credal__rules_state;

/* The class masks and the within-set minimax regret choice. */
typedef struct {
  uint8_t *masks;          /* (CREDAL_RULE_COUNT, P), 0 for rules not asked */
  double *set_regret;      /* (P,) max_h set_regret[h,p], or NULL */
  int64_t set_minimax_regret; /* argmin_p set_regret (lowest on ties); -1 without */
  int64_t passes;          /* extra passes over the input the class E-admissibility took */
} credal__rules_class;

#endif /* CREDAL_CRITERIA_H */
