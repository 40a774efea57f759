/* The states of a reach objective from which the target is reached almost surely whatever
 * nature does (docs/math.md §6): their value is exactly 1, so interval iteration fixes them
 * there instead of creeping up to 1 from below. Where nature can slow the play down (a TV ball
 * that moves most of the mass away from the target, every step), the creep takes millions of
 * sweeps while the answer is known from the graph alone (Storm's prob1 precomputation).
 *
 * They are the greatest set X (holding the target) such that from every other member the
 * target is reached inside X with a positive probability nature cannot take away: the
 * attractor of the target within X, a state joining by a choice (the policy's played choices:
 * all of them) no law of which can leave X, and one every law of which enters the attractor so
 * far. Played, such choices keep the play in X and move it one layer closer with probability
 * bounded away from 0, so it reaches the target with probability 1. */
#include <stdlib.h>
#include <string.h>

#include "mdp.h"

/* Whether some law of choice c puts mass outside the states x marks. */
static int can_leave(const credal_mdp *m, int64_t c, const uint8_t *x) {
  for (int64_t j = m->successor_offsets[c]; j < m->successor_offsets[c + 1]; j++)
    if (!x[m->successors[j]] && credal__mdp_entry_possible(m, c, j)) return 1;
  return 0;
}

/* The choice by which state s joins the attractor y within x: under policy, its first played
 * choice when none of them can leave x and one forces y; else (policy NULL) its first choice
 * that cannot leave x and forces y. -1 when none. */
static int64_t joining_choice(const credal_mdp *m, const double *policy, int64_t s,
                              const uint8_t *x, const uint8_t *y) {
  int64_t forcing = -1, first = -1;
  for (int64_t c = m->choice_offsets[s]; c < m->choice_offsets[s + 1]; c++) {
    if (policy && !(policy[c] > 0.0)) continue;
    const int leaves = can_leave(m, c, x);
    if (policy && leaves) return -1;
    if (!leaves && forcing < 0 && credal__mdp_forces(m, c, y)) forcing = c;
    if (first < 0) first = c;
  }
  return forcing >= 0 ? (policy ? first : forcing) : -1;
}

void credal__mdp_grow(const credal_mdp *m, uint8_t *in, credal__mdp_joins joins, void *ctx) {
  const int64_t S = m->states, C = m->choice_offsets[S], N = m->successor_offsets[C];
  const int64_t *co = m->choice_offsets, *so = m->successor_offsets;
  int64_t *first = calloc((size_t)S + 1, 8), *from = malloc((size_t)N * 8 + 8);
  int64_t *queue = malloc((size_t)S * 8);
  if (!first || !from || !queue) { /* without the memory: pass after pass until none grows */
    free(first), free(from), free(queue);
    for (int grew = 1; grew;) {
      grew = 0;
      for (int64_t s = 0; s < S; s++)
        if (!in[s] && joins(ctx, s, in)) in[s] = 1, grew = 1;
    }
    return;
  }
  for (int64_t j = 0; j < N; j++) first[m->successors[j] + 1]++; /* who lists t: from[...] */
  for (int64_t s = 0; s < S; s++) first[s + 1] += first[s];
  for (int64_t s = 0; s < S; s++)
    for (int64_t j = so[co[s]]; j < so[co[s + 1]]; j++) from[first[m->successors[j]]++] = s;
  for (int64_t s = S; s > 0; s--) first[s] = first[s - 1];
  first[0] = 0;
  int64_t head = 0, tail = 0;
  for (int64_t s = 0; s < S; s++)
    if (in[s]) queue[tail++] = s;
  while (head < tail) { /* a state can join only once one of its successors has */
    const int64_t t = queue[head++];
    for (int64_t e = first[t]; e < first[t + 1]; e++) {
      const int64_t s = from[e];
      if (!in[s] && joins(ctx, s, in)) in[s] = 1, queue[tail++] = s;
    }
  }
  free(first), free(from), free(queue);
}

typedef struct {
  const credal_mdp *m;
  const double *policy;
  const uint8_t *x;
  int64_t *choice; /* may be NULL */
} within;

static int joins_within(void *ctx, int64_t s, const uint8_t *y) {
  within *w = ctx;
  if (!w->x[s]) return 0;
  const int64_t c = joining_choice(w->m, w->policy, s, w->x, y);
  if (c >= 0 && w->choice) w->choice[s] = c;
  return c >= 0;
}

/* y: the attractor of the target within x (choice[s] the joining choice, when non-NULL). */
static void attractor_within(const credal_mdp *m, const double *policy, const uint8_t *x,
                             uint8_t *y, int64_t *choice) {
  within w = {m, policy, x, choice};
  for (int64_t s = 0; s < m->states; s++) y[s] = m->target[s] != 0;
  credal__mdp_grow(m, y, joins_within, &w);
}

void credal__mdp_mark_sure(const credal_mdp *m, const double *policy, uint8_t *zero) {
  const int64_t S = m->states;
  uint8_t *x = malloc((size_t)S), *y = malloc((size_t)S);
  if (x && y) { /* without the memory, iteration alone still gets there */
    for (int64_t s = 0; s < S; s++) x[s] = m->target[s] || credal__mdp_fixed_value(m, zero, s) < 0;
    for (int shrank = 1; shrank;) {
      attractor_within(m, policy, x, y, NULL);
      shrank = memcmp(x, y, (size_t)S) != 0;
      memcpy(x, y, (size_t)S);
    }
    for (int64_t s = 0; s < S; s++)
      if (x[s] && !m->target[s]) zero[s] = 2;
  }
  free(x), free(y);
}

credal_status credal__mdp_sure_policy(const credal_mdp *m, const uint8_t *zero, int32_t *optimal) {
  const int64_t S = m->states;
  uint8_t *x = malloc((size_t)S), *y = malloc((size_t)S);
  int64_t *choice = malloc((size_t)S * sizeof *choice);
  credal_status st = x && y && choice ? CREDAL_OK
                                      : credal__fail(CREDAL_ENOMEM, "out of memory for the policy");
  for (int64_t s = 0; !st && s < S; s++)
    x[s] = m->target[s] || credal__mdp_fixed_value(m, zero, s) == 1, choice[s] = -1;
  if (!st) attractor_within(m, NULL, x, y, choice);
  for (int64_t s = 0; !st && s < S; s++)
    if (!m->target[s] && x[s] && choice[s] >= 0)
      optimal[s] = (int32_t)(choice[s] - m->choice_offsets[s]);
  free(x), free(y), free(choice);
  return st;
}
