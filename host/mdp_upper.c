/* Nature's cooperative value of a policy over an infinite reach horizon (`--upper`,
 * docs/math.md §6) where a law may leave listed successors out (zero lower bounds, TV radii
 * that can empty an entry, contaminations of laws with zeros).
 *
 * Nature then plays alone against a fixed policy, maximising, and may keep the play for ever in
 * an *end component*: states where every choice the policy plays has a law that stays inside.
 * There 1 is a self-consistent upper bound, so interval iteration's upper bound would not come
 * down. As for the optimum (mdp_reach.c), each maximal end component (MEC) is collapsed for the
 * upper bound: all its members take the largest value among its *exits*, the states outside it
 * that a played choice of a member can put mass on. That is sound for any set of states (the
 * largest value in a set must flow in from outside it) and exact for a MEC: each member's played
 * choices can stay inside, so mixing a staying law with a small mass on one exit leaves towards
 * that exit alone (every family allows it: a choice that can stay has no lower bound outside),
 * and nature, retrying, reaches the best exit almost surely. With the MECs collapsed no end
 * component is left and the two bounds meet. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdp.h"

/* Whether some law of choice c puts mass on its entry j. */
int credal__mdp_entry_possible(const credal_mdp *m, int64_t c, int64_t j) {
  if (m->sets == CREDAL_MDP_TV_BALLS) return m->nominal[j] > 0.0 || m->radius[c] > 0.0;
  if (m->sets == CREDAL_MDP_CONTAMINATION)
    return (m->radius[c] < 1.0 && m->nominal[j] > 0.0) || m->radius[c] > 0.0;
  double others = 0.0; /* the lower bounds the other entries must keep */
  for (int64_t i = m->successor_offsets[c]; i < m->successor_offsets[c + 1]; i++)
    others += i == j ? 0.0 : m->lower[i];
  return m->upper[j] > 0.0 && others < 1.0;
}

/* Whether some law of choice c puts all its mass on the entries inside[0 .. n) marks. */
static int can_stay(const credal_mdp *m, int64_t c, const uint8_t *inside) {
  const int64_t j0 = m->successor_offsets[c], n = m->successor_offsets[c + 1] - j0;
  double kept_out = 0.0, room_in = 0.0; /* intervals: lower outside, upper inside; else nominal */
  int any_in = 0;
  for (int64_t e = 0; e < n; e++) {
    any_in |= inside[e];
    if (m->sets == CREDAL_MDP_INTERVALS)
      inside[e] ? (room_in += m->upper[j0 + e]) : (kept_out += m->lower[j0 + e]);
    else if (!inside[e])
      kept_out += m->nominal[j0 + e];
  }
  if (!any_in) return 0;
  if (m->sets == CREDAL_MDP_INTERVALS) /* the tolerance credal__mdp_check gives the sums */
    return kept_out == 0.0 && room_in >= 1.0 - 1e-9 * (double)n;
  if (m->sets == CREDAL_MDP_TV_BALLS) return kept_out <= m->radius[c]; /* moved inside */
  return kept_out == 0.0 || m->radius[c] == 1.0;
}

/* The entries of s's played choices inside the component comp (-1: among the candidates), into
 * inside (N,); whether every played choice can stay there. */
static int mark_inside(const credal_mdp *m, const double *policy, const uint8_t *cand,
                       const int64_t *scc, int64_t s, int64_t comp, uint8_t *inside) {
  const int64_t *so = m->successor_offsets;
  int stays = 1;
  for (int64_t c = m->choice_offsets[s]; c < m->choice_offsets[s + 1]; c++) {
    if (!(policy[c] > 0.0)) continue;
    for (int64_t j = so[c]; j < so[c + 1]; j++) {
      const int64_t t = m->successors[j];
      inside[j] = cand[t] && (comp < 0 || scc[t] == comp);
    }
    stays &= can_stay(m, c, inside + so[c]);
  }
  return stays;
}

/* The MECs of the MDP in which nature, alone, picks the laws of policy's played choices:
 * de Alfaro's algorithm, the edges of a state being the entries its played choices can reach
 * while staying in its component. */
static credal_status find_mecs(const credal_mdp *m, const uint8_t *zero, const double *policy,
                               uint8_t *cand, uint8_t *played, uint8_t *inside, uint8_t *on,
                               int64_t *scc, int64_t *mecs) {
  const int64_t S = m->states, *co = m->choice_offsets, *so = m->successor_offsets;
  for (int64_t s = 0; s < S; s++) {
    cand[s] = credal__mdp_fixed_value(m, zero, s) < 0, scc[s] = -1;
    for (int64_t c = co[s]; c < co[s + 1]; c++) played[c] = cand[s] && policy[c] > 0.0;
  }
  for (int changed = 1; changed;) {
    changed = 0;
    for (int64_t s = 0; s < S; s++) { /* stay in the component found last, or drop out */
      if (!cand[s]) continue;
      if (!mark_inside(m, policy, cand, scc, s, scc[s], inside)) {
        cand[s] = 0, changed = 1;
        for (int64_t c = co[s]; c < co[s + 1]; c++) played[c] = 0;
        continue;
      }
      for (int64_t c = co[s]; c < co[s + 1]; c++)
        for (int64_t j = so[c]; played[c] && j < so[c + 1]; j++) {
          const uint8_t edge = inside[j] && credal__mdp_entry_possible(m, c, j);
          changed |= edge != on[j], on[j] = edge;
        }
    }
    if (changed && (*mecs = credal__mdp_strong_components(m, cand, played, on, scc)) < 0)
      return credal__fail(CREDAL_ENOMEM, "out of memory for the end components");
  }
  *mecs = 0;
  for (int64_t s = 0; s < S; s++) {
    if (!cand[s]) scc[s] = -1;
    else if (scc[s] + 1 > *mecs) *mecs = scc[s] + 1;
  }
  return CREDAL_OK;
}

/* Whether entry j of played choice c (of a member of MEC i) leaves i for a state nature can
 * put mass on. */
static int exits(const credal_mdp *m, const int64_t *mec, int64_t i, int64_t c, int64_t j) {
  return mec[m->successors[j]] != i && credal__mdp_entry_possible(m, c, j);
}

/* x->first, x->exit: the exits of each MEC of x->mec, its members' played choices' entries
 * that leave it, as the states they lead to. */
static credal_status collect_exits(const credal_mdp *m, const uint8_t *played,
                                   credal__mdp_upper_exits *x) {
  const int64_t S = m->states, *co = m->choice_offsets, *so = m->successor_offsets;
  int64_t *at = malloc((size_t)(x->mecs + 1) * 8);
  x->first = calloc((size_t)x->mecs + 1, 8);
  for (int64_t s = 0; x->first && s < S; s++)
    for (int64_t c = co[s]; x->mec[s] >= 0 && c < co[s + 1]; c++)
      for (int64_t j = so[c]; played[c] && j < so[c + 1]; j++)
        x->first[x->mec[s] + 1] += exits(m, x->mec, x->mec[s], c, j);
  for (int64_t i = 0; x->first && i < x->mecs; i++) x->first[i + 1] += x->first[i];
  x->exit = x->first ? malloc((size_t)(x->first[x->mecs] + 1) * 8) : NULL;
  if (!at || !x->exit) {
    free(at);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the end components' exits");
  }
  memcpy(at, x->first, (size_t)(x->mecs + 1) * 8);
  for (int64_t s = 0; s < S; s++)
    for (int64_t c = co[s]; x->mec[s] >= 0 && c < co[s + 1]; c++)
      for (int64_t j = so[c]; played[c] && j < so[c + 1]; j++)
        if (exits(m, x->mec, x->mec[s], c, j)) x->exit[at[x->mec[s]]++] = m->successors[j];
  free(at);
  return CREDAL_OK;
}

credal_status credal__mdp_upper_mecs(const credal_mdp *m, const uint8_t *zero,
                                     const double *policy, credal__mdp_upper_exits *x) {
  const int64_t S = m->states, C = m->choice_offsets[S], N = m->successor_offsets[C];
  uint8_t *cand = malloc((size_t)S), *played = malloc((size_t)C), *inside = malloc((size_t)N);
  uint8_t *on = calloc((size_t)N, 1);
  memset(x, 0, sizeof *x);
  x->mec = malloc((size_t)S * 8);
  credal_status st = cand && played && inside && on && x->mec
                         ? find_mecs(m, zero, policy, cand, played, inside, on, x->mec, &x->mecs)
                         : credal__fail(CREDAL_ENOMEM, "out of memory for the end components");
  if (!st && x->mecs > 0) st = collect_exits(m, played, x);
  free(cand), free(played), free(inside), free(on);
  if (st) credal__mdp_upper_free(x);
  return st;
}

void credal__mdp_upper_collapse(const credal__mdp_upper_exits *x, const double *v, double *next,
                                int64_t states, double *best) {
  for (int64_t i = 0; i < x->mecs; i++) {
    best[i] = 0.0; /* no exit: nature keeps the play inside for ever */
    for (int64_t e = x->first[i]; e < x->first[i + 1]; e++) best[i] = fmax(best[i], v[x->exit[e]]);
  }
  for (int64_t s = 0; s < states; s++)
    if (x->mec[s] >= 0) next[s] = best[x->mec[s]];
}

void credal__mdp_upper_free(credal__mdp_upper_exits *x) {
  free(x->mec), free(x->first), free(x->exit);
  memset(x, 0, sizeof *x);
}
