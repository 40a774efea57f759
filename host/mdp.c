/* Credal MDPs in memory (SPEC §10, docs/math.md §6): MDPs whose transition law at every
 * state-action lies in a credal set over its listed successors that nature picks from, step by
 * step: intervals, a total-variation ball or an epsilon-contamination around a nominal law.
 *
 * The inner problem of a choice c, given values V, min over the set of sum_j P_j V(succ_j), is
 * the one-shot structured families' greedy pass (host/structured.h) with the successors as the
 * outcomes and their values as the gamble, written here for a choice's few successors (one
 * pass, no blocks of 8): intervals take the lower bounds and pour the free
 * mass into the lowest values first, each up to its upper bound; a TV ball moves up to its
 * radius of mass from the highest values to the lowest; a contamination mixes the nominal
 * expectation with the lowest value.
 * The outer iteration is Jacobi: every state from the previous sweep's values, so the states
 * of a sweep are independent.
 *
 * The plain float64 reference sorts each choice's successors afresh; the cpu backend's fast
 * path solves choices of 2..16 successors several at once in SIMD lanes (mdp_lanes.c: a
 * sorting network, then each lane the scalar pass's operations) and keeps the order of every
 * other choice from sweep to sweep (credal__mdp_scratch), to the same bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/internal.h"
#include "mdp.h"
#include "structured.h"

#define MAX_SWEEPS ((int64_t)100000000)

/* The structure, the intervals, the objective's fields and the policy (when given). */
credal_status credal__mdp_check(const credal_mdp *m, const double *policy) {
  if (!m || m->states < 1 || !m->choice_offsets || !m->successor_offsets || !m->successors)
    return credal__fail(CREDAL_EUSAGE, "credal_mdp: states >= 1 and the structure are required");
  const int intervals = m->sets == CREDAL_MDP_INTERVALS;
  if (intervals ? !m->lower || !m->upper
                : (m->sets != CREDAL_MDP_TV_BALLS && m->sets != CREDAL_MDP_CONTAMINATION) ||
                      !m->nominal || !m->radius)
    return credal__fail(CREDAL_EUSAGE, "credal_mdp: the sets (%d) need %s", (int)m->sets,
                        intervals ? "lower and upper" : "nominal and radius");
  const int64_t S = m->states, *co = m->choice_offsets, *so = m->successor_offsets;
  if (co[0] != 0) return credal__fail(CREDAL_EDATA, "choice_offsets[0] is %lld, not 0", (long long)co[0]);
  for (int64_t s = 0; s < S; s++)
    if (co[s + 1] <= co[s])
      return credal__fail(CREDAL_EDATA, "state %lld has no choice (choice_offsets[%lld] = %lld, "
                          "[%lld] = %lld)", (long long)s, (long long)s, (long long)co[s],
                          (long long)(s + 1), (long long)co[s + 1]);
  const int64_t C = co[S];
  if (so[0] != 0) return credal__fail(CREDAL_EDATA, "successor_offsets[0] is %lld, not 0", (long long)so[0]);
  for (int64_t c = 0; c < C; c++) {
    if (so[c + 1] <= so[c])
      return credal__fail(CREDAL_EDATA, "choice %lld has no successor", (long long)c);
    double lo = 0.0, hi = 0.0;
    for (int64_t j = so[c]; j < so[c + 1]; j++) {
      const int64_t t = m->successors[j];
      if (t < 0 || t >= S)
        return credal__fail(CREDAL_EDATA, "successors[%lld] (choice %lld) is %lld, outside 0..%lld",
                            (long long)j, (long long)c, (long long)t, (long long)(S - 1));
      if (j > so[c] && t <= m->successors[j - 1])
        return credal__fail(CREDAL_EDATA, "successors of choice %lld are not ascending at %lld",
                            (long long)c, (long long)j);
      if (intervals && !(m->lower[j] >= 0.0 && m->lower[j] <= m->upper[j] && m->upper[j] <= 1.0))
        return credal__fail(CREDAL_EDATA, "choice %lld, successor %lld: interval [%.17g, %.17g] "
                            "is not within 0 <= lower <= upper <= 1", (long long)c, (long long)t,
                            m->lower[j], m->upper[j]);
      if (!intervals && !(m->nominal[j] >= 0.0 && m->nominal[j] <= 1.0))
        return credal__fail(CREDAL_EDATA, "nominal[%lld] (choice %lld, successor %lld) is %.17g, "
                            "not a probability", (long long)j, (long long)c, (long long)t,
                            m->nominal[j]);
      lo += intervals ? m->lower[j] : m->nominal[j], hi += intervals ? m->upper[j] : 0.0;
    }
    const double tol = 1e-9 * (double)(so[c + 1] - so[c]);
    if (intervals && !(lo <= 1.0 + tol && hi >= 1.0 - tol))
      return credal__fail(CREDAL_EDATA, "choice %lld: lower bounds sum to %.17g and upper bounds "
                          "to %.17g: no distribution fits (sum lower <= 1 <= sum upper)",
                          (long long)c, lo, hi);
    if (!intervals && !(fabs(lo - 1.0) <= tol))
      return credal__fail(CREDAL_EDATA, "choice %lld: the nominal law sums to %.17g, not 1",
                          (long long)c, lo);
    if (!intervals && !(m->radius[c] >= 0.0 && m->radius[c] <= 1.0))
      return credal__fail(CREDAL_EDATA, "radius[%lld] is %.17g, outside [0, 1]", (long long)c,
                          m->radius[c]);
    if (policy && !(policy[c] >= 0.0 && policy[c] <= 1.0))
      return credal__fail(CREDAL_EDATA, "policy[%lld] is %.17g, not a probability", (long long)c,
                          policy[c]);
  }
  if (policy)
    for (int64_t s = 0; s < S; s++) {
      double sum = 0.0;
      for (int64_t c = co[s]; c < co[s + 1]; c++) sum += policy[c];
      if (!(fabs(sum - 1.0) <= 1e-9 * (double)(co[s + 1] - co[s])))
        return credal__fail(CREDAL_EDATA, "policy: the choices of state %lld sum to %.17g, not 1",
                            (long long)s, sum);
    }
  if (m->objective == CREDAL_MDP_DISCOUNTED) {
    if (!m->reward) return credal__fail(CREDAL_EUSAGE, "credal_mdp: the discounted objective needs reward");
    for (int64_t c = 0; c < C; c++)
      if (!isfinite(m->reward[c]))
        return credal__fail(CREDAL_EDATA, "reward[%lld] is not finite", (long long)c);
    if (!(m->discount >= 0.0 && (m->horizon > 0 ? m->discount <= 1.0 : m->discount < 1.0)))
      return credal__fail(CREDAL_EDATA, "discount %.17g is outside [0, 1)%s", m->discount,
                          m->horizon > 0 ? " (or 1 with a horizon)" : "");
  } else if (m->objective == CREDAL_MDP_REACH) {
    if (!m->target) return credal__fail(CREDAL_EUSAGE, "credal_mdp: the reach objective needs target");
    for (int64_t s = 0; s < S && m->avoid; s++)
      if (m->target[s] && m->avoid[s])
        return credal__fail(CREDAL_EDATA, "state %lld is both target and avoid", (long long)s);
  } else {
    return credal__fail(CREDAL_EUSAGE, "credal_mdp: unknown objective %d", (int)m->objective);
  }
  if (m->horizon < 0) return credal__fail(CREDAL_EUSAGE, "credal_mdp: horizon %lld < 0", (long long)m->horizon);
  if (!(m->epsilon >= 0.0 && isfinite(m->epsilon)))
    return credal__fail(CREDAL_EUSAGE, "credal_mdp: epsilon %g", m->epsilon);
  return CREDAL_OK;
}


/* order[0 .. n) sorted by (g, index), from its previous contents, and gs[t] = g[order[t]]:
 * the values move with their indices, so the comparisons read them directly. */
static void insertion_sort(const double *g, int64_t n, int32_t *order, double *gs) {
  for (int64_t i = 0; i < n; i++) gs[i] = g[order[i]];
  for (int64_t i = 1; i < n; i++) {
    const int32_t x = order[i];
    const double gx = gs[i];
    int64_t k = i;
    for (; k > 0 && (gs[k - 1] > gx || (gs[k - 1] == gx && order[k - 1] > x)); k--)
      order[k] = order[k - 1], gs[k] = gs[k - 1];
    order[k] = x, gs[k] = gx;
  }
}

/* The inner problems, on g (n,) the successors' values in the order `order` (ascending;
 * cooperative: walked from the top). They are the one-shot families' greedy passes
 * (host/structured.h) written for a choice's few successors: one pass, no blocks. */

/* Intervals: the lower bounds, then the free mass to the lowest values first, each up to its
 * upper bound. */
static double intervals_extreme(const double *lo, const double *hi, const double *g, int64_t n,
                                const int32_t *order, const double *gs, int cooperative) {
  double value = 0.0, rest = 1.0;
  for (int64_t i = 0; i < n; i++) value += lo[i] * g[i], rest -= lo[i];
  /* every successor, the mass left clamped at 0: no branch on where it runs out. The mass left
   * goes down by each room in full: until it runs out that is what the take was, and after,
   * the clamp makes every take 0 as before, so the takes are the greedy pass's to the bit while
   * the chain from one successor to the next is one subtraction. */
  for (int64_t t = 0; t < n; t++) {
    const int64_t at = cooperative ? n - 1 - t : t;
    const int32_t j = order[at];
    const double left = rest > 0.0 ? rest : 0.0, room = hi[j] - lo[j];
    const double take = left < room ? left : room;
    value += take * gs[at];
    rest -= room;
  }
  return value;
}

/* TV ball of radius r: up to r of mass (at most what the best-placed successor lacks) moved
 * onto the lowest value, taken from the highest values first. */
static double tv_extreme(const double *c, double r, const double *g, int64_t n,
                         const int32_t *order, const double *gs, int cooperative) {
  const int64_t low = cooperative ? n - 1 : 0;
  const int32_t target = order[low];
  double value = 0.0, budget = r < 1.0 - c[target] ? r : 1.0 - c[target];
  for (int64_t i = 0; i < n; i++) value += c[i] * g[i];
  if (!(budget > 0.0)) return value;
  value += budget * gs[low];
  /* branch-free, as the intervals' walk: the budget goes down by each mass in full, clamped */
  for (int64_t t = 1; t < n; t++) {
    const int64_t at = cooperative ? t - 1 : n - t;
    const int32_t j = order[at];
    const double left = budget > 0.0 ? budget : 0.0;
    const double take = left < c[j] ? left : c[j];
    value -= take * gs[at];
    budget -= c[j];
  }
  return value;
}

/* Contamination: (1 - e) <nominal, g> + e min g (max when cooperative): no order needed. */
static double contamination_extreme(const double *c, double e, const double *g, int64_t n,
                                    int cooperative) {
  double dot = 0.0, extreme = g[0];
  for (int64_t i = 0; i < n; i++) {
    dot += c[i] * g[i];
    extreme = cooperative ? (g[i] > extreme ? g[i] : extreme) : (g[i] < extreme ? g[i] : extreme);
  }
  return (1.0 - e) * dot + e * extreme;
}

/* min (cooperative: max) of sum_i P_i V(succ_i) over choice c's set, the choice's successors
 * being the set's outcomes. */
static double set_extreme(const credal_mdp *m, int64_t c, const double *v, int cooperative,
                          credal__mdp_scratch *w) {
  const int64_t j0 = m->successor_offsets[c], n = m->successor_offsets[c + 1] - j0;
  for (int64_t i = 0; i < n; i++) w->g[i] = v[m->successors[j0 + i]];
  if (m->sets == CREDAL_MDP_CONTAMINATION)
    return contamination_extreme(m->nominal + j0, m->radius[c], w->g, n, cooperative);
  int32_t *order = w->kept ? w->kept + j0 : w->order;
  if (w->kept) {
    insertion_sort(w->g, n, order, w->gs);
  } else {
    credal__utility_order(w->g, n, order);
    for (int64_t t = 0; t < n; t++) w->gs[t] = w->g[order[t]];
  }
  if (m->sets == CREDAL_MDP_TV_BALLS)
    return tv_extreme(m->nominal + j0, m->radius[c], w->g, n, order, w->gs, cooperative);
  return intervals_extreme(m->lower + j0, m->upper + j0, w->g, n, order, w->gs, cooperative);
}

/* The value of choice c given its inner value. */
static double choice_of(const credal_mdp *m, int64_t c, double inner) {
  return m->objective == CREDAL_MDP_DISCOUNTED ? m->reward[c] + m->discount * inner : inner;
}

/* The value of choice c against v. */
double credal__mdp_choice_value(const credal_mdp *m, int64_t c, const double *v, int cooperative,
                           credal__mdp_scratch *w) {
  return choice_of(m, c, set_extreme(m, c, v, cooperative, w));
}

/* A reach objective's fixed states: 1 on target, 0 on avoid; zero (may be NULL) codes the
 * rest: 1 for states that cannot reach the target (0), 2 for those that reach it almost surely
 * (1); -1 elsewhere. */
int credal__mdp_fixed_value(const credal_mdp *m, const uint8_t *zero, int64_t s) {
  if (m->objective != CREDAL_MDP_REACH) return -1;
  if (m->target[s] || (zero && zero[s] == 2)) return 1;
  return (m->avoid && m->avoid[s]) || (zero && zero[s] == 1) ? 0 : -1;
}

/* The states [s0, end) whose choices fit a lane sweep's block (at least one state). */
static int64_t block_end(const credal_mdp *m, int64_t s0, const credal__mdp_scratch *w) {
  const int64_t *co = m->choice_offsets;
  if (!w->lanes) return m->states;
  int64_t s = s0 + 1;
  while (s < m->states && co[s + 1] - co[s0] <= CREDAL_MDP_BLOCK) s++;
  return s;
}

/* The choices of state s a sweep reads: [*k0, *k1) of *list, or (*list NULL) the choices
 * [*k0, *k1) themselves of which policy's with weight 0 are skipped. */
static void choices_read(const credal_mdp *m, const double *policy, const credal__mdp_scratch *w,
                         int64_t s, const int64_t **list, int64_t *k0, int64_t *k1) {
  const int picked = policy && w->picked_for == policy;
  const int64_t *at = picked ? w->picked_offsets : m->choice_offsets;
  *list = picked ? w->picked : NULL, *k0 = at[s], *k1 = at[s + 1];
}

/* The lanes gather a choice's successors and sets: the hardware prefetcher follows gathers
 * poorly, so the sweep asks for the rows of the choices it reads this many states ahead. */
#define PREFETCH_STATES 8
static void prefetch_state(const credal_mdp *m, const double *policy, const credal__mdp_scratch *w,
                           int64_t s) {
  if (s >= m->states) return;
  const int64_t *so = m->successor_offsets, *list;
  const double *sets = m->sets == CREDAL_MDP_INTERVALS ? m->lower : m->nominal;
  int64_t k0, k1;
  choices_read(m, policy, w, s, &list, &k0, &k1);
  for (int64_t k = k0; k < k1; k++) {
    const int64_t c = list ? list[k] : k;
    if (!list && policy && policy[c] == 0.0) continue;
    for (int64_t j = so[c]; j < so[c + 1]; j += 8) {
      __builtin_prefetch(m->successors + j), __builtin_prefetch(sets + j);
      if (m->sets == CREDAL_MDP_INTERVALS) __builtin_prefetch(m->upper + j);
    }
  }
}

/* w->inner[c - co[s0]] = the inner value of every choice of states [s0, s1) the sweep reads:
 * width choices of one successor count at a time in SIMD lanes, the rest one by one. */
static void block_inner(const credal_mdp *m, const uint8_t *zero, const double *policy,
                        int cooperative, const double *v, int64_t s0, int64_t s1,
                        credal__mdp_scratch *w) {
  const int64_t *so = m->successor_offsets, base = m->choice_offsets[s0];
  int64_t waiting[CREDAL_MDP_LANE_KEYS + 1][8], first[CREDAL_MDP_LANE_KEYS + 1][8];
  int count[CREDAL_MDP_LANE_KEYS + 1] = {0};
  double out[8];
  for (int64_t s = s0; s < s1; s++) {
    prefetch_state(m, policy, w, s + PREFETCH_STATES);
    if (credal__mdp_fixed_value(m, zero, s) >= 0) continue;
    const int64_t *list;
    int64_t k0, k1;
    choices_read(m, policy, w, s, &list, &k0, &k1);
    for (int64_t k = k0; k < k1; k++) {
      const int64_t c = list ? list[k] : k, n = so[c + 1] - so[c];
      if (!list && policy && policy[c] == 0.0) continue;
      if (n < 2 || n > CREDAL_MDP_LANE_KEYS) {
        w->inner[c - base] = set_extreme(m, c, v, cooperative, w);
        continue;
      }
      first[n][count[n]] = so[c], waiting[n][count[n]++] = c;
      if (count[n] < w->lanes) continue;
      credal__mdp_lanes(m, w->lanes, waiting[n], first[n], n, v, cooperative, out);
      for (int i = 0; i < w->lanes; i++) w->inner[waiting[n][i] - base] = out[i];
      count[n] = 0;
    }
  }
  for (int64_t n = 2; n <= CREDAL_MDP_LANE_KEYS; n++) { /* the rest, the free lanes repeating */
    if (!count[n]) continue;
    for (int i = count[n]; i < w->lanes; i++)
      waiting[n][i] = waiting[n][0], first[n][i] = first[n][0];
    credal__mdp_lanes(m, w->lanes, waiting[n], first[n], n, v, cooperative, out);
    for (int i = 0; i < count[n]; i++) w->inner[waiting[n][i] - base] = out[i];
  }
}

/* The value of choice c of a block starting at choice base (block_inner's, or solved now). */
static double block_value(const credal_mdp *m, int64_t c, int64_t base, const double *v,
                          int cooperative, credal__mdp_scratch *w) {
  return choice_of(m, c, w->lanes ? w->inner[c - base] : set_extreme(m, c, v, cooperative, w));
}

/* One Jacobi sweep from v into next: under policy (its mixture of choices), or (policy NULL)
 * the best choice per state into best (may be NULL). Returns the largest change. */
double credal__mdp_sweep(const credal_mdp *m, const uint8_t *zero, const double *policy,
                    int cooperative, const double *v, double *next, int32_t *best,
                    credal__mdp_scratch *w) {
  const int64_t *co = m->choice_offsets;
  const int nature = policy ? cooperative : 0; /* the optimum: nature minimises */
  double residual = 0.0;
  for (int64_t s0 = 0, s1; s0 < m->states; s0 = s1) {
    s1 = block_end(m, s0, w);
    if (w->lanes) block_inner(m, zero, policy, nature, v, s0, s1, w);
    for (int64_t s = s0; s < s1; s++) {
      const int fixed = credal__mdp_fixed_value(m, zero, s);
      double x;
      if (fixed >= 0) {
        x = fixed;
        if (best) best[s] = 0;
      } else if (policy) {
        const int64_t *list;
        int64_t k0, k1;
        choices_read(m, policy, w, s, &list, &k0, &k1);
        x = 0.0;
        for (int64_t k = k0; k < k1; k++) {
          const int64_t c = list ? list[k] : k;
          if (list || policy[c] != 0.0) x += policy[c] * block_value(m, c, co[s0], v, nature, w);
        }
      } else {
        int64_t arg = co[s];
        x = block_value(m, arg, co[s0], v, nature, w);
        for (int64_t c = co[s] + 1; c < co[s + 1]; c++) {
          const double y = block_value(m, c, co[s0], v, nature, w);
          if (y > x) x = y, arg = c; /* strictly: the lowest choice keeps ties */
        }
        if (best) best[s] = (int32_t)(arg - co[s]);
      }
      const double moved = fabs(x - v[s]);
      residual = moved > residual ? moved : residual; /* fmax's: a NaN change is not kept */
      next[s] = x;
    }
  }
  return residual;
}

credal_status credal__mdp_stopped(const credal__mdp_scratch *w) {
  return w->interrupt && *w->interrupt ? CREDAL_EINTERRUPTED : CREDAL_OK;
}
/* The most a law of choice c keeps outside the states `in` marks is below 1: for intervals,
 * min(sum of their upper bounds outside, 1 - sum of lower bounds inside). */
int credal__mdp_forces(const credal_mdp *m, int64_t c, const uint8_t *in) {
  double inside = 0.0, outside = 0.0; /* intervals: lower inside, upper outside; else nominal */
  int any_outside = 0;
  for (int64_t j = m->successor_offsets[c]; j < m->successor_offsets[c + 1]; j++) {
    const int inner = in[m->successors[j]] != 0;
    any_outside |= !inner;
    if (m->sets == CREDAL_MDP_INTERVALS) inner ? (inside += m->lower[j]) : (outside += m->upper[j]);
    else inner ? (inside += m->nominal[j]) : (outside += m->nominal[j]);
  }
  if (m->sets == CREDAL_MDP_INTERVALS) return inside > 0.0 || outside < 1.0;
  if (!any_outside) return 1;
  const double r = m->radius[c]; /* the most a law of the set keeps outside */
  const double most = m->sets == CREDAL_MDP_TV_BALLS ? outside + fmin(r, inside)
                                                     : (1.0 - r) * outside + r;
  return most < 1.0;
}

/* Whether some law of choice c puts mass on a state `in` marks. */
static int enters(const credal_mdp *m, int64_t c, const uint8_t *in) {
  for (int64_t j = m->successor_offsets[c]; j < m->successor_offsets[c + 1]; j++)
    if (in[m->successors[j]] && credal__mdp_entry_possible(m, c, j)) return 1;
  return 0;
}

/* zero[s] = 1 where nature can keep the policy's chain away from the target forever (the
 * complement of the least set R containing the target with, at each of its other states, a
 * choice the policy plays whose every law enters R): the value there is 0, and without those
 * states the Bellman operator has one fixed point, so iteration from above converges too.
 * Cooperative: a choice some law of which enters R. Then zero[s] = 2 where the target is
 * reached almost surely whatever nature does (mdp_sure.c): the value there is 1, minimising or
 * cooperating. */
typedef struct {
  const credal_mdp *m;
  const double *policy;
  int cooperative;
} reaching;

/* Whether state s joins R: not an avoid state, with a played choice that enters it. */
static int joins_reaching(void *ctx, int64_t s, const uint8_t *in) {
  const reaching *r = ctx;
  const credal_mdp *m = r->m;
  if (m->avoid && m->avoid[s]) return 0;
  for (int64_t c = m->choice_offsets[s]; c < m->choice_offsets[s + 1]; c++)
    if ((!r->policy || r->policy[c] > 0.0) &&
        (r->cooperative ? enters(m, c, in) : credal__mdp_forces(m, c, in)))
      return 1;
  return 0;
}

void credal__mdp_unreachable(const credal_mdp *m, const double *policy, int cooperative,
                             uint8_t *zero) {
  const int64_t S = m->states;
  uint8_t *in = zero; /* R, complemented at the end */
  reaching r = {m, policy, cooperative};
  for (int64_t s = 0; s < S; s++) in[s] = m->target[s] != 0;
  credal__mdp_grow(m, in, joins_reaching, &r);
  for (int64_t s = 0; s < S; s++) zero[s] = !in[s];
  credal__mdp_mark_sure(m, policy, zero); /* sure against nature, so sure with its help */
}

/* Infinite-horizon reachability of a policy, nature minimising or cooperating: interval
 * iteration, a lower bound from 0 and an upper bound from 1 (0 where the target cannot be
 * reached; cooperating, each end component nature could keep the play in collapsed onto its
 * best exit, mdp_upper.c), until they are within 2 epsilon; the value is their midpoint. */
static credal_status interval_iteration(const credal_mdp *m, const double *policy, int cooperative,
                                        double *value, int64_t *iterations, double *residual,
                                        credal__mdp_scratch *w) {
  const int64_t S = m->states;
  double *lo = malloc((size_t)S * 8), *hi = malloc((size_t)S * 8), *next = malloc((size_t)S * 8);
  uint8_t *zero = malloc((size_t)S);
  credal__mdp_upper_exits x = {0, NULL, NULL, NULL};
  double *best = NULL;
  credal_status st = lo && hi && next && zero
                         ? CREDAL_OK
                         : credal__fail(CREDAL_ENOMEM, "out of memory for %lld states", (long long)S);
  if (!st) credal__mdp_unreachable(m, policy, cooperative, zero);
  if (!st && cooperative && (st = credal__mdp_upper_mecs(m, zero, policy, &x)) == CREDAL_OK &&
      x.mecs > 0 && !(best = malloc((size_t)x.mecs * 8)))
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the end components");
  for (int64_t s = 0; !st && s < S; s++) {
    const int fixed = credal__mdp_fixed_value(m, zero, s);
    lo[s] = fixed > 0 ? 1.0 : 0.0;
    hi[s] = fixed == 0 ? 0.0 : 1.0;
  }
  const double eps = m->epsilon > 0.0 ? m->epsilon : 1e-12;
  double gap = 1.0, earlier = 2.0;
  int64_t n = 0;
  for (; !st && n < MAX_SWEEPS; n++) {
    gap = 0.0;
    for (int64_t s = 0; s < S; s++) gap = fmax(gap, hi[s] - lo[s]);
    if (gap <= 2.0 * eps || credal__mdp_stopped(w)) break;
    /* the gap closes geometrically: one that has not shrunk by 1% in 100,000 sweeps will not
     * close within the budget (rounding on a near-singular chain) */
    if (n % 100000 == 0) {
      if (gap > 0.99 * earlier) break;
      earlier = gap;
    }
    int32_t *kept = w->kept; /* each bound keeps its own orders */
    credal__mdp_sweep(m, zero, policy, cooperative, lo, next, NULL, w);
    memcpy(lo, next, (size_t)S * 8);
    if (kept) w->kept = kept + m->successor_offsets[m->choice_offsets[S]];
    credal__mdp_sweep(m, zero, policy, cooperative, hi, next, NULL, w);
    if (x.mecs > 0) credal__mdp_upper_collapse(&x, hi, next, S, best);
    memcpy(hi, next, (size_t)S * 8);
    w->kept = kept;
  }
  if (!st) st = credal__mdp_stopped(w);
  if (!st && gap > 2.0 * eps)
    st = credal__fail(CREDAL_EDATA, "interval iteration did not close in %lld sweeps (gap %.3g)",
                      (long long)n, gap);
  else if (!st)
    for (int64_t s = 0; s < S; s++) value[s] = 0.5 * (lo[s] + hi[s]);
  if (iterations) *iterations = n;
  if (residual) *residual = gap;
  free(lo), free(hi), free(next), free(zero), free(best);
  credal__mdp_upper_free(&x);
  return st;
}

/* The scratch of iterate: fast keeps every choice's order, twice (interval iteration's two
 * bounds), from the identity. */
credal_status credal__mdp_scratch_alloc(const credal_mdp *m, int fast, credal__mdp_scratch *w) {
  const int64_t C = m->choice_offsets[m->states], N = m->successor_offsets[C];
  int64_t widest = 1;
  for (int64_t c = 0; c < C; c++)
    if (m->successor_offsets[c + 1] - m->successor_offsets[c] > widest)
      widest = m->successor_offsets[c + 1] - m->successor_offsets[c];
  w->g = malloc((size_t)widest * sizeof(double));
  w->gs = malloc((size_t)widest * sizeof(double));
  w->order = malloc((size_t)widest * sizeof(int32_t));
  int64_t block = CREDAL_MDP_BLOCK; /* a lane sweep's block holds at least one state */
  for (int64_t s = 0; s < m->states; s++)
    if (m->choice_offsets[s + 1] - m->choice_offsets[s] > block)
      block = m->choice_offsets[s + 1] - m->choice_offsets[s];
  w->lanes = fast && m->sets != CREDAL_MDP_CONTAMINATION ? credal__mdp_lanes_width() : 0;
  w->inner = w->lanes ? malloc((size_t)block * sizeof(double)) : NULL;
  /* the orders are kept for the choices the lanes leave to the scalar sort */
  const int keep = fast && (!w->lanes || widest > CREDAL_MDP_LANE_KEYS);
  w->kept = keep ? malloc(2 * (size_t)N * sizeof(int32_t)) : NULL;
  w->picked_for = NULL;
  w->picked = fast ? malloc((size_t)C * sizeof(int64_t)) : NULL;
  w->picked_offsets = fast ? malloc((size_t)(m->states + 1) * sizeof(int64_t)) : NULL;
  w->interrupt = NULL;
  if (!w->g || !w->gs || !w->order || (keep && !w->kept) || (w->lanes && !w->inner) ||
      (fast && (!w->picked || !w->picked_offsets))) {
    free(w->g), free(w->gs), free(w->order), free(w->kept), free(w->inner);
    free(w->picked), free(w->picked_offsets);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the choices' orders (%lld successors)",
                        (long long)N);
  }
  for (int64_t c = 0; keep && c < C; c++)
    for (int64_t j = m->successor_offsets[c]; j < m->successor_offsets[c + 1]; j++)
      w->kept[j] = w->kept[N + j] = (int32_t)(j - m->successor_offsets[c]);
  return CREDAL_OK;
}

void credal__mdp_scratch_free(credal__mdp_scratch *w) {
  free(w->g), free(w->gs), free(w->order), free(w->kept), free(w->inner);
  free(w->picked), free(w->picked_offsets);
  w->g = NULL, w->gs = NULL, w->order = NULL, w->kept = NULL, w->inner = NULL;
  w->picked = NULL, w->picked_offsets = NULL, w->picked_for = NULL;
}

/* w->picked: policy's choices of non-zero weight, state by state, for this run's sweeps. */
static void pick(const credal_mdp *m, const double *policy, credal__mdp_scratch *w) {
  int64_t k = 0;
  for (int64_t s = 0; s < m->states; s++) {
    w->picked_offsets[s] = k;
    for (int64_t c = m->choice_offsets[s]; c < m->choice_offsets[s + 1]; c++)
      if (policy[c] != 0.0) w->picked[k++] = c;
  }
  w->picked_offsets[m->states] = k;
  w->picked_for = policy;
}

credal_status credal__mdp_run(const credal_mdp *m, const double *policy, int cooperative,
                              credal__mdp_scratch *w, double *value, int32_t *optimal,
                              int64_t *iterations, double *residual) {
  const int64_t S = m->states;
  double *v = malloc((size_t)S * sizeof *v), *next = malloc((size_t)S * sizeof *next);
  if (!v || !next) {
    free(v), free(next);
    return credal__fail(CREDAL_ENOMEM, "out of memory for %lld states", (long long)S);
  }
  for (int64_t s = 0; s < S; s++) v[s] = credal__mdp_fixed_value(m, NULL, s) > 0 ? 1.0 : 0.0;
  if (policy && w->picked) pick(m, policy, w);
  credal_status st = CREDAL_OK;
  int64_t n = 0;
  double moved = 0.0;
  if (m->objective == CREDAL_MDP_REACH && m->horizon == 0) {
    if (!policy && cooperative)
      st = credal__fail(CREDAL_EUNSUPPORTED, "infinite-horizon reachability: the optimum with "
                        "nature cooperating is not computed");
    else if (!policy)
      st = credal__mdp_reach_optimum(m, w, v, optimal, &n, &moved);
    else
      st = interval_iteration(m, policy, cooperative, v, &n, &moved, w);
  } else if (m->horizon > 0) { /* backward induction: step horizon-1 first, step 0 last */
    for (n = 0; n < m->horizon && !(st = credal__mdp_stopped(w)); n++) {
      int32_t *row = optimal ? optimal + (m->horizon - 1 - n) * S : NULL;
      moved = credal__mdp_sweep(m, NULL, policy, cooperative, v, next, row, w);
      memcpy(v, next, (size_t)S * sizeof *v);
    }
  } else { /* discounted: until within epsilon of the fixed point */
    const double stop = credal__mdp_stop_residual(m), g = m->discount;
    do {
      moved = credal__mdp_sweep(m, NULL, policy, cooperative, v, next, optimal, w);
      memcpy(v, next, (size_t)S * sizeof *v);
      n++;
    } while (!(moved < stop) && n < MAX_SWEEPS && !(st = credal__mdp_stopped(w)));
    if (!st && !(moved < stop))
      st = credal__fail(CREDAL_EDATA, "value iteration did not settle in %lld sweeps (residual "
                        "%.3g, discount %.17g)", (long long)n, moved, g);
  }
  if (!st) memcpy(value, v, (size_t)S * sizeof *v);
  if (iterations) *iterations = n;
  if (residual) *residual = moved;
  w->picked_for = NULL;
  free(v), free(next);
  return st;
}

double credal__mdp_expectation(const double *initial, const double *v, int64_t states) {
  double x = 0.0;
  for (int64_t s = 0; s < states; s++) x += initial[s] * v[s];
  return x;
}

double credal__mdp_stop_residual(const credal_mdp *m) {
  const double eps = m->epsilon > 0.0 ? m->epsilon : 1e-12, g = m->discount;
  return g > 0.0 ? eps * (1.0 - g) / (2.0 * g) : INFINITY;
}

credal_status credal__mdp_iterate(const credal_mdp *m, const double *policy, int cooperative,
                                  int fast, volatile int *interrupt, double *value,
                                  int32_t *optimal, int64_t *iterations, double *residual) {
  credal_status st = credal__mdp_check(m, policy);
  if (st) return st;
  credal__mdp_scratch w;
  if ((st = credal__mdp_scratch_alloc(m, fast, &w))) return st;
  w.interrupt = interrupt;
  st = credal__mdp_run(m, policy, cooperative, &w, value, optimal, iterations, residual);
  credal__mdp_scratch_free(&w);
  return st;
}

credal_status credal_mdp_policy_value_f64(const credal_mdp *m, const double *policy,
                                          int cooperative, double *value, int64_t *iterations,
                                          double *residual) {
  credal__clear_error();
  if (!policy || !value) return credal__fail(CREDAL_EUSAGE, "credal_mdp_policy_value_f64: policy and value are required");
  return credal__mdp_iterate(m, policy, cooperative != 0, 1, NULL, value, NULL, iterations,
                             residual);
}

credal_status credal_mdp_optimal_f64(const credal_mdp *m, double *value, int32_t *optimal,
                                     int64_t *iterations, double *residual) {
  credal__clear_error();
  if (!value) return credal__fail(CREDAL_EUSAGE, "credal_mdp_optimal_f64: value is required");
  return credal__mdp_iterate(m, NULL, 0, 1, NULL, value, optimal, iterations, residual);
}
