/* Synthetic credal-mdp inputs (`credal gen --mdp`), for tests and benchmarks: one random
 * structure shared by every hypothesis, each hypothesis drawing its own credal sets. The same
 * options and seed give the same bytes on every platform (host/gen.h's random numbers). */
#ifndef CREDAL_GEN_MDP_H
#define CREDAL_GEN_MDP_H

#include <stdint.h>

#include "credal.h"

typedef struct {
  const char *path;
  int64_t states;                 /* S >= 1 */
  int64_t actions;                /* A >= 1: choices per state (their most with ragged) */
  int64_t successors;             /* K >= 1: successors per choice (at most S), distinct, uniform */
  int64_t hypotheses;             /* H >= 1 */
  int64_t policies;               /* P >= 1 */
  int ragged;                     /* each state's actions uniform in 1 .. A instead of A */
  credal_mdp_sets sets;           /* intervals (default), TV balls or contamination */
  credal_mdp_objective objective; /* discounted (default) or reach */
  double discount;                /* discounted: default 0.95 */
  int64_t horizon;                /* 0: infinite */
  double targets;                 /* reach: the chance each state is a target (at least one is) */
  double concentration;           /* the nominal laws' Dirichlet alpha (default 1) */
  double epsilon;                 /* /mdp epsilon attribute (default 1e-9) */
  int randomised;                 /* /policies/probabilities, Dirichlet(1) per state */
  int prior;                      /* /hypotheses/prior, Dirichlet(1) */
  int64_t prior_set;              /* Q > 0: /hypotheses/prior_set, Q Dirichlet(1) priors */
  uint64_t seed;                  /* default 1 */
  int force;
  volatile int *interrupt; /* non-NULL: when it becomes non-zero, stop and remove the partial */
} credal__gen_mdp_options;

void credal__gen_mdp_options_init(credal__gen_mdp_options *opt);

/* Writes opt->path. What is drawn: each choice's K successors uniformly without repetition
 * (ascending); rewards uniform in [0, 1); per hypothesis and choice a nominal law q ~
 * Dirichlet(alpha) over its successors, and intervals lower_j = q_j U, upper_j = q_j + (1 -
 * q_j) U U' (so sum lower <= 1 <= sum upper), or a TV radius / contamination epsilon uniform in
 * [0, 0.5); deterministic policies' actions uniform per state. EUSAGE for bad options. */
credal_status credal__gen_mdp(const credal__gen_mdp_options *opt);

#endif /* CREDAL_GEN_MDP_H */
