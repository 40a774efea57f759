/* Infinite-horizon reachability's robust optimum (docs/math.md §6): the agent maximises the
 * probability of reaching the target, nature minimises it, for ever.
 *
 * Value iteration from below converges to the value, but alone it has no sound stopping rule.
 * From above, iteration converges to the greatest fixed point, which exceeds the value on an
 * end component: states where the agent can keep the play for ever, so 1 there is
 * self-consistent. As in interval iteration for MDPs (Haddad and Monmege; Baier et al., CAV
 * 2017), the upper bound is iterated with each maximal end component (MEC) collapsed into one
 * value, the best of its exits: then the two bounds meet, and the run stops when they are
 * within 2 epsilon.
 *
 * Which choices stay in a component depends on nature's law where a law may leave out a
 * listed successor (a zero lower bound). The MECs are then those of the MDP where nature plays
 * a fixed law tau per choice, its worst against the lower bound, and they are found again
 * whenever tau's supports change. Any tau keeps the upper bound sound, and once the lower bound
 * orders the successors as the value does, tau is optimal for nature and the bounds close
 * (docs/math.md §6 proves both). Where every law reaches every listed successor, tau's supports
 * never change and this is the classic collapse. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdp.h"
#include "structured.h"

/* Whether every law of choice c puts mass on every listed successor. */
static int one_support(const credal_mdp *m, int64_t c) {
  for (int64_t j = m->successor_offsets[c]; j < m->successor_offsets[c + 1]; j++) {
    const int ok = m->sets == CREDAL_MDP_INTERVALS  ? m->lower[j] > 0.0
                   : m->sets == CREDAL_MDP_TV_BALLS ? m->nominal[j] > m->radius[c]
                                                    : m->nominal[j] > 0.0 && m->radius[c] < 1.0;
    if (!ok) return 0;
  }
  return 1;
}

/* The free states (neither fixed nor zero) and the MECs among them. */
typedef struct {
  int64_t *mec;   /* (S,) the state's MEC, or -1 */
  uint8_t *alive; /* (C,) a choice that stays inside its state's MEC */
  int64_t mecs;
} components;

int64_t credal__mdp_strong_components(const credal_mdp *m, const uint8_t *free_state,
                                 const uint8_t *alive, const uint8_t *on, int64_t *scc) {
  const int64_t S = m->states, *co = m->choice_offsets, *so = m->successor_offsets;
  int64_t *index = malloc((size_t)S * 8), *low = malloc((size_t)S * 8);
  int64_t *stack = malloc((size_t)S * 8), *call = malloc((size_t)S * 8),
          *edge = malloc((size_t)S * 8);
  uint8_t *on_stack = calloc((size_t)S, 1);
  int64_t count = 0, next = 0;
  if (!index || !low || !stack || !call || !edge || !on_stack) count = -1;
  for (int64_t s = 0; s < S && count >= 0; s++) index[s] = -1, scc[s] = -1;
  for (int64_t root = 0; root < S && count >= 0; root++) {
    if (!free_state[root] || index[root] >= 0) continue;
    int64_t depth = 0, top = 0;
    call[depth] = root, edge[depth] = 0;
    index[root] = low[root] = next++, stack[top++] = root, on_stack[root] = 1;
    while (depth >= 0) {
      const int64_t s = call[depth];
      /* edges of s: the successors of its alive choices, numbered across them */
      int64_t e = edge[depth], t = -1, found = 0;
      for (int64_t c = co[s]; c < co[s + 1] && !found; c++) {
        const int64_t n = so[c + 1] - so[c];
        if (!alive[c]) continue;
        if (e < n)
          found = 1, edge[depth]++, t = !on || on[so[c] + e] ? m->successors[so[c] + e] : -1;
        else
          e -= n;
      }
      if (found && t < 0) continue; /* an entry nature's law leaves out */
      if (t >= 0) {
        if (index[t] < 0) {
          index[t] = low[t] = next++, stack[top++] = t, on_stack[t] = 1;
          call[++depth] = t, edge[depth] = 0;
        } else if (on_stack[t] && index[t] < low[s]) {
          low[s] = index[t];
        }
        continue;
      }
      if (low[s] == index[s]) { /* s roots a component */
        int64_t x;
        do x = stack[--top], on_stack[x] = 0, scc[x] = count;
        while (x != s);
        count++;
      }
      if (--depth >= 0 && low[s] < low[call[depth]]) low[call[depth]] = low[s];
    }
  }
  free(index), free(low), free(stack), free(call), free(edge), free(on_stack);
  return count;
}

/* The MECs among the free states, the entries `on` marks (NULL: every entry) being a choice's
 * successors: repeatedly, the strongly connected components over the choices that stay among
 * the candidates, dropping the choices that leave their component and the states left without
 * one (de Alfaro's algorithm). */
static credal_status find_mecs(const credal_mdp *m, const uint8_t *zero, const uint8_t *on,
                               components *k) {
  const int64_t S = m->states, C = m->choice_offsets[S];
  const int64_t *co = m->choice_offsets, *so = m->successor_offsets;
  if (S < 1) return credal__fail(CREDAL_EINTERNAL, "find_mecs: no states");
  uint8_t *cand = malloc((size_t)S);
  int64_t *scc = malloc((size_t)S * 8);
  k->mec = malloc((size_t)S * 8), k->alive = malloc((size_t)C), k->mecs = 0;
  if (!cand || !scc || !k->mec || !k->alive) {
    free(cand), free(scc);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the end components");
  }
  for (int64_t s = 0; s < S; s++) cand[s] = credal__mdp_fixed_value(m, zero, s) < 0;
  for (int64_t c = 0; c < C; c++) k->alive[c] = 1;
  for (int changed = 1; changed;) {
    changed = 0;
    const int64_t n = credal__mdp_strong_components(m, cand, k->alive, on, scc);
    if (n < 0) {
      free(cand), free(scc);
      return credal__fail(CREDAL_ENOMEM, "out of memory for the end components");
    }
    for (int64_t s = 0; s < S; s++) {
      if (!cand[s]) continue;
      int any = 0;
      for (int64_t c = co[s]; c < co[s + 1]; c++) {
        for (int64_t j = so[c]; j < so[c + 1] && k->alive[c]; j++) {
          const int64_t t = m->successors[j];
          if (on && !on[j]) continue;
          if (!cand[t] || scc[t] != scc[s]) k->alive[c] = 0, changed = 1;
        }
        any |= k->alive[c];
      }
      if (!any) cand[s] = 0, changed = 1;
    }
  }
  const int64_t n = credal__mdp_strong_components(m, cand, k->alive, on, scc);
  for (int64_t s = 0; s < S; s++) k->mec[s] = cand[s] ? scc[s] : -1;
  k->mecs = n;
  free(cand), free(scc);
  return n < 0 ? credal__fail(CREDAL_ENOMEM, "out of memory for the end components") : CREDAL_OK;
}

/* The upper bound's sweep: every free state outside a MEC as usual; a MEC's members all take
 * the best of its exits (the choices of its members that leave it), 0 when it has none. */
static double collapsed_sweep(const credal_mdp *m, const uint8_t *zero, const components *k,
                              const double *v, double *next, double *best_exit,
                              credal__mdp_scratch *w) {
  const int64_t S = m->states, *co = m->choice_offsets;
  for (int64_t i = 0; i < k->mecs; i++) best_exit[i] = 0.0;
  for (int64_t s = 0; s < S; s++)
    if (k->mec[s] >= 0)
      for (int64_t c = co[s]; c < co[s + 1]; c++)
        if (!k->alive[c])
          best_exit[k->mec[s]] =
              fmax(best_exit[k->mec[s]], credal__mdp_choice_value(m, c, v, 0, w));
  credal__mdp_sweep(m, zero, NULL, 0, v, next, NULL, w);
  double moved = 0.0;
  for (int64_t s = 0; s < S; s++) {
    if (k->mec[s] >= 0) next[s] = best_exit[k->mec[s]];
    moved = fmax(moved, fabs(next[s] - v[s]));
  }
  return moved;
}

/* An epsilon-optimal policy from the lower bound: outside the MECs the best choice (lowest on
 * ties); in a MEC, its best exit at the member that owns it, and at every other member a
 * choice inside the MEC one step closer to that owner (reverse breadth-first search), so the
 * play reaches the exit almost surely. */
static credal_status extract_policy(const credal_mdp *m, const uint8_t *zero, const components *k,
                                    const double *lo, int32_t *optimal, credal__mdp_scratch *w) {
  const int64_t S = m->states, C = m->choice_offsets[S], N = m->successor_offsets[C];
  const int64_t *co = m->choice_offsets, *so = m->successor_offsets;
  double *scratch = malloc((size_t)S * 8), *exit_value = malloc((size_t)(k->mecs + 1) * 8);
  int64_t *exit_choice = malloc((size_t)(k->mecs + 1) * 8), *count = calloc((size_t)S + 1, 8);
  int64_t *from = malloc((size_t)N * 8), *queue = malloc((size_t)S * 8),
          *owner = malloc((size_t)C * 8);
  uint8_t *done = calloc((size_t)S, 1);
  credal_status st = CREDAL_OK;
  if (!scratch || !exit_value || !exit_choice || !count || !from || !queue || !owner || !done) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the optimal policy");
    goto cleanup;
  }
  credal__mdp_sweep(m, zero, NULL, 0, lo, scratch, optimal, w); /* outside the MECs */
  for (int64_t i = 0; i < k->mecs; i++) exit_value[i] = -1.0, exit_choice[i] = -1;
  for (int64_t s = 0; s < S; s++)
    for (int64_t c = co[s]; c < co[s + 1]; c++) {
      owner[c] = s;
      if (k->mec[s] < 0 || k->alive[c]) continue;
      const double x = credal__mdp_choice_value(m, c, lo, 0, w);
      if (x > exit_value[k->mec[s]]) exit_value[k->mec[s]] = x, exit_choice[k->mec[s]] = c;
    }
  /* reverse edges of the alive choices: who can step to t, through which choice */
  for (int64_t c = 0; c < C; c++)
    for (int64_t j = so[c]; k->alive[c] && j < so[c + 1]; j++) count[m->successors[j] + 1]++;
  for (int64_t s = 0; s < S; s++) count[s + 1] += count[s];
  for (int64_t c = 0; c < C; c++)
    for (int64_t j = so[c]; k->alive[c] && j < so[c + 1]; j++) from[count[m->successors[j]]++] = c;
  for (int64_t s = S; s > 0; s--) count[s] = count[s - 1];
  count[0] = 0;
  int64_t head = 0, tail = 0;
  for (int64_t i = 0; i < k->mecs; i++) {
    const int64_t c = exit_choice[i];
    if (c < 0) continue; /* no exit: the play stays for ever, every choice is as good */
    optimal[owner[c]] = (int32_t)(c - co[owner[c]]), done[owner[c]] = 1, queue[tail++] = owner[c];
  }
  while (head < tail) {
    const int64_t t = queue[head++];
    for (int64_t e = count[t]; e < count[t + 1]; e++) {
      const int64_t c = from[e], s = owner[c];
      if (done[s] || k->mec[s] != k->mec[t]) continue;
      optimal[s] = (int32_t)(c - co[s]), done[s] = 1, queue[tail++] = s;
    }
  }
cleanup:
  free(scratch), free(exit_value), free(exit_choice), free(count), free(from), free(queue);
  free(owner), free(done);
  return st;
}

/* on[j] for choice c's entries: whether nature's worst law against v (the greedy pass of
 * mdp.c's inner problem, in the same order) puts mass on the entry. */
static void worst_support(const credal_mdp *m, int64_t c, const double *v, credal__mdp_scratch *w,
                          uint8_t *on) {
  const int64_t j0 = m->successor_offsets[c], n = m->successor_offsets[c + 1] - j0;
  const double *nominal = m->nominal ? m->nominal + j0 : NULL;
  int32_t *order = w->order;
  for (int64_t i = 0; i < n; i++) w->g[i] = v[m->successors[j0 + i]];
  credal__utility_order(w->g, n, order);
  if (m->sets == CREDAL_MDP_INTERVALS) {
    const double *lo = m->lower + j0, *hi = m->upper + j0;
    double rest = 1.0;
    for (int64_t i = 0; i < n; i++) rest -= lo[i];
    for (int64_t t = 0; t < n; t++) {
      const int32_t j = order[t];
      const double room = hi[j] - lo[j];
      on[j] = lo[j] > 0.0 || (rest > 0.0 && room > 0.0);
      rest -= room;
    }
  } else if (m->sets == CREDAL_MDP_TV_BALLS) { /* mass moved from the top onto order[0] */
    const double r = m->radius[c];
    double budget = r < 1.0 - nominal[order[0]] ? r : 1.0 - nominal[order[0]];
    on[order[0]] = nominal[order[0]] > 0.0 || budget > 0.0;
    for (int64_t t = n - 1; t >= 1; t--) {
      const int32_t j = order[t];
      on[j] = nominal[j] > (budget > 0.0 ? budget : 0.0);
      budget -= nominal[j];
    }
  } else { /* (1 - e) nominal + e on the lowest value */
    const double e = m->radius[c];
    for (int64_t j = 0; j < n; j++) on[j] = (e < 1.0 && nominal[j] > 0.0) || (e > 0.0 && j == order[0]);
  }
}

int credal__mdp_supports_fixed(const credal_mdp *m, const uint8_t *zero) {
  for (int64_t s = 0; s < m->states; s++)
    for (int64_t c = m->choice_offsets[s];
         credal__mdp_fixed_value(m, zero, s) < 0 && c < m->choice_offsets[s + 1]; c++)
      if (!one_support(m, c)) return 0;
  return 1;
}

/* on (N,): the supports of nature's worst laws against v at the free states' choices (every
 * entry elsewhere). Whether they differ from what on held. */
static int worst_supports(const credal_mdp *m, const uint8_t *zero, const double *v,
                          credal__mdp_scratch *w, uint8_t *on, uint8_t *fresh) {
  const int64_t S = m->states, *co = m->choice_offsets, *so = m->successor_offsets;
  int changed = 0;
  for (int64_t s = 0; s < S; s++)
    for (int64_t c = co[s]; c < co[s + 1]; c++) {
      if (credal__mdp_fixed_value(m, zero, s) >= 0)
        memset(fresh + so[c], 1, (size_t)(so[c + 1] - so[c]));
      else
        worst_support(m, c, v, w, fresh + so[c]);
      changed |= memcmp(fresh + so[c], on + so[c], (size_t)(so[c + 1] - so[c])) != 0;
      memcpy(on + so[c], fresh + so[c], (size_t)(so[c + 1] - so[c]));
    }
  return changed;
}

typedef struct {
  const credal_mdp *m;
  const uint8_t *zero;
  const double *lo, *best;
  double tol;
  int32_t *optimal;
  credal__mdp_scratch *w;
} attracting;

/* Whether free state s joins the attractor `in`: by its best near-best choice that forces it,
 * into optimal[s]. */
static int joins_attractor(void *ctx, int64_t s, const uint8_t *in) {
  const attracting *a = ctx;
  const credal_mdp *m = a->m;
  const int64_t *co = m->choice_offsets;
  if (credal__mdp_fixed_value(m, a->zero, s) >= 0) return 0;
  int64_t pick = -1;
  double x = 0.0;
  for (int64_t c = co[s]; c < co[s + 1]; c++) {
    const double y = credal__mdp_choice_value(m, c, a->lo, 0, a->w);
    if (y >= a->best[s] - a->tol && (pick < 0 || y > x) && credal__mdp_forces(m, c, in))
      pick = c, x = y;
  }
  if (pick >= 0) a->optimal[s] = (int32_t)(pick - co[s]);
  return pick >= 0;
}

/* An epsilon-optimal policy where nature may leave successors out: the attractor of the
 * target, a free state joining it by a near-best choice (within tol of the best against lo)
 * every law of which puts mass on the attractor so far, the best such choice; the states left
 * (value 0: nature can keep them from the target) keep their best choice. Played, the value
 * never drops in expectation and every visit to the attractor moves one layer closer with a
 * probability nature cannot take to 0, so the target is reached with the value's probability
 * (docs/math.md §6). */
static credal_status attractor_policy(const credal_mdp *m, const uint8_t *zero, const double *lo,
                                      double tol, int32_t *optimal, credal__mdp_scratch *w) {
  const int64_t S = m->states;
  double *best = malloc((size_t)S * 8);
  uint8_t *in = malloc((size_t)S);
  if (!best || !in) {
    free(best), free(in);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the optimal policy");
  }
  credal__mdp_sweep(m, zero, NULL, 0, lo, best, optimal, w); /* the best choices, their values */
  for (int64_t s = 0; s < S; s++) /* the target, and the states that reach it almost surely */
    in[s] = m->target[s] || zero[s] == 2;
  attracting a = {m, zero, lo, best, tol, optimal, w};
  credal__mdp_grow(m, in, joins_attractor, &a);
  free(best), free(in);
  return CREDAL_OK;
}

/* The end components of nature's laws `on` marks (NULL: every law's), in place of k's. */
static credal_status refind_mecs(const credal_mdp *m, const uint8_t *zero, const uint8_t *on,
                                 components *k, double **best_exit) {
  free(k->mec), free(k->alive), free(*best_exit);
  k->mec = NULL, k->alive = NULL, *best_exit = NULL;
  credal_status st = find_mecs(m, zero, on, k);
  if (!st && !(*best_exit = malloc((size_t)(k->mecs + 1) * 8)))
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the end components");
  return st;
}

/* How often (sweeps) the supports of nature's worst laws are looked at again. */
#define SUPPORTS_EVERY 8

credal_status credal__mdp_reach_optimum(const credal_mdp *m, credal__mdp_scratch *w, double *value,
                                        int32_t *optimal, int64_t *iterations, double *residual) {
  const int64_t S = m->states, C = m->choice_offsets[S], N = m->successor_offsets[C];
  double *lo = malloc((size_t)S * 8), *hi = malloc((size_t)S * 8), *next = malloc((size_t)S * 8);
  uint8_t *zero = malloc((size_t)S), *on = NULL, *fresh = NULL;
  components k = {NULL, NULL, 0};
  double *best_exit = NULL;
  credal_status st =
      lo && hi && next && zero ? CREDAL_OK : credal__fail(CREDAL_ENOMEM, "out of memory");
  if (!st) credal__mdp_unreachable(m, NULL, 0, zero);
  for (int64_t s = 0; !st && s < S; s++) {
    const int fixed = credal__mdp_fixed_value(m, zero, s);
    lo[s] = fixed > 0 ? 1.0 : 0.0, hi[s] = fixed == 0 ? 0.0 : 1.0;
  }
  const int supports_move = !st && !credal__mdp_supports_fixed(m, zero);
  if (supports_move && (!(on = calloc((size_t)N, 1)) || !(fresh = malloc((size_t)N))))
    st = credal__fail(CREDAL_ENOMEM, "out of memory for nature's supports");
  if (supports_move && !st) worst_supports(m, zero, lo, w, on, fresh);
  if (!st) st = refind_mecs(m, zero, on, &k, &best_exit);
  const double eps = m->epsilon > 0.0 ? m->epsilon : 1e-12;
  double gap = 1.0;
  int64_t n = 0;
  int32_t *kept = w->kept;
  for (double earlier = 2.0; !st && n < 100000000; n++) {
    gap = 0.0;
    for (int64_t s = 0; s < S; s++) gap = fmax(gap, hi[s] - lo[s]);
    if (gap <= 2.0 * eps || (st = credal__mdp_stopped(w))) break;
    if (n % 100000 == 0) { /* stalled: rounding on a near-singular model */
      if (gap > 0.99 * earlier) break;
      earlier = gap;
    }
    credal__mdp_sweep(m, zero, NULL, 0, lo, next, NULL, w);
    memcpy(lo, next, (size_t)S * 8);
    if (supports_move && n % SUPPORTS_EVERY == SUPPORTS_EVERY - 1 &&
        worst_supports(m, zero, lo, w, on, fresh) &&
        (st = refind_mecs(m, zero, on, &k, &best_exit)))
      break;
    if (kept) w->kept = kept + N; /* each bound keeps its own orders */
    collapsed_sweep(m, zero, &k, hi, next, best_exit, w);
    w->kept = kept;
    for (int64_t s = 0; s < S; s++) /* another tau's bound may be above the last one's */
      hi[s] = supports_move && hi[s] < next[s] ? hi[s] : next[s];
  }
  if (!st && gap > 2.0 * eps)
    st = credal__fail(CREDAL_EDATA, "interval iteration did not close in %lld sweeps (gap %.3g)",
                      (long long)n, gap);
  if (!st && optimal)
    st = supports_move ? attractor_policy(m, zero, lo, 4.0 * eps, optimal, w)
                       : extract_policy(m, zero, &k, lo, optimal, w);
  if (!st && optimal) st = credal__mdp_sure_policy(m, zero, optimal);
  if (!st)
    for (int64_t s = 0; s < S; s++) value[s] = 0.5 * (lo[s] + hi[s]);
  if (iterations) *iterations = n;
  if (residual) *residual = gap;
  free(lo), free(hi), free(next), free(zero), free(on), free(fresh), free(best_exit);
  free(k.mec), free(k.alive);
  return st;
}
