/* The credal MDP iteration behind credal_mdp_*_f64 (mdp.c), for the batch (mdp_eval.c). */
#ifndef CREDAL_MDP_H
#define CREDAL_MDP_H

#include <stdint.h>

#include "../io/internal.h"

/* Scratch for one choice at a time: its successors' values and their order. With kept (the
 * fast path), each choice's order is kept from sweep to sweep in kept[j0 .. j0+n): values move
 * little between sweeps, so an insertion sort puts it right in a few comparisons. Ties go to
 * the lower successor either way, so both paths find the same order and the same bits. */
typedef struct {
  double *g;      /* (widest,) g[i] = V(succ_i) */
  double *gs;     /* (widest,) g in the order's order */
  int32_t *order; /* (widest,) */
  int32_t *kept;  /* (N,), or NULL: a fresh sort per choice (the reference; fast where every
                   * choice the sweep sorts fits the lanes) */
  int lanes;      /* fast, intervals and TV balls: choices a sweep solves at once (mdp_lanes.c) */
  double *inner;  /* (CREDAL_MDP_BLOCK or a state's choices,) with lanes: a block's inner values */
  /* fast, during a run of policy picked_for: its choices of non-zero weight, state by state
   * (picked[picked_offsets[s] .. picked_offsets[s + 1]), ascending), so a sweep reads neither
   * the other choices' weights nor branches on them */
  const double *picked_for;
  int64_t *picked, *picked_offsets; /* (C,), (S + 1,) */
  volatile int *interrupt; /* non-NULL: checked every sweep (CREDAL_EINTERRUPTED) */
} credal__mdp_scratch;

/* The most successors a choice solved in SIMD lanes has; a block's choices in a lane sweep. */
#define CREDAL_MDP_LANE_KEYS 16
#define CREDAL_MDP_BLOCK 512

/* The SIMD lanes this machine gives the inner problems: 8 (AVX-512), 4 (AVX2) or 0 (none). */
int credal__mdp_lanes_width(void);
/* The inner problems (min over the set, cooperative: max) of choices[0 .. width), whose
 * successors start at firsts[0 .. width), all of the intervals or TV balls family with n
 * successors each, 2 <= n <= CREDAL_MDP_LANE_KEYS, against v, into out[0 .. width):
 * set_extreme's values (mdp.c) to the bit. */
void credal__mdp_lanes(const credal_mdp *m, int width, const int64_t *choices,
                       const int64_t *firsts, int64_t n, const double *v, int cooperative,
                       double *out);

/* The scratch of one iteration: fast solves choices of 2..16 successors in SIMD lanes where
 * the machine has them, and keeps every choice's order, twice (interval iteration's two bounds:
 * kept and kept + N), from the identity, where a choice is left to the scalar sort. */
credal_status credal__mdp_scratch_alloc(const credal_mdp *m, int fast, credal__mdp_scratch *w);
void credal__mdp_scratch_free(credal__mdp_scratch *w);

/* CREDAL_EINTERRUPTED once *w->interrupt is set, else CREDAL_OK. */
credal_status credal__mdp_stopped(const credal__mdp_scratch *w);

/* The value of choice c against v: its reward plus discount times the set's worst (cooperative:
 * best) expectation of v, or for reach the expectation alone. */
double credal__mdp_choice_value(const credal_mdp *m, int64_t c, const double *v, int cooperative,
                                credal__mdp_scratch *w);
/* A reach objective's fixed states: 1 on target and where zero[s] == 2, 0 on avoid and where
 * zero[s] == 1 (zero may be NULL); -1 elsewhere (and always for the discounted objective). */
int credal__mdp_fixed_value(const credal_mdp *m, const uint8_t *zero, int64_t s);
/* One Jacobi sweep from v into next under policy, or (policy NULL) the best choice per state
 * (into best, may be NULL); the largest change. */
double credal__mdp_sweep(const credal_mdp *m, const uint8_t *zero, const double *policy,
                         int cooperative, const double *v, double *next, int32_t *best,
                         credal__mdp_scratch *w);
/* zero[s] = 1 where nature can keep the play away from the target for ever, whatever the agent
 * does among policy's choices (policy NULL: among every choice); cooperative: where the play
 * cannot reach it even with nature's help. Then zero[s] = 2 where the target is reached almost
 * surely whatever nature does (credal__mdp_mark_sure). */
void credal__mdp_unreachable(const credal_mdp *m, const double *policy, int cooperative,
                             uint8_t *zero);
/* Whether state s joins a growing set `in` (monotone: once true, true for any larger set; true
 * only when a successor of s is in the set). */
typedef int (*credal__mdp_joins)(void *ctx, int64_t s, const uint8_t *in);
/* in (S,) grown to the least set holding it closed under joins: a worklist over the states
 * that list a state that joined (mdp_sure.c). */
void credal__mdp_grow(const credal_mdp *m, uint8_t *in, credal__mdp_joins joins, void *ctx);
/* zero[s] = 2 at the free states (credal__mdp_fixed_value < 0) from which the target is reached
 * almost surely whatever nature does: under policy's played choices, or (policy NULL) by the
 * agent's choice (mdp_sure.c). */
void credal__mdp_mark_sure(const credal_mdp *m, const double *policy, uint8_t *zero);
/* optimal[s] at the states zero marks 2: a choice that reaches the target almost surely. */
credal_status credal__mdp_sure_policy(const credal_mdp *m, const uint8_t *zero, int32_t *optimal);
/* Whether every law of choice c puts positive mass on the states `in` marks. */
int credal__mdp_forces(const credal_mdp *m, int64_t c, const uint8_t *in);
/* Whether some law of choice c puts positive mass on its entry j. */
int credal__mdp_entry_possible(const credal_mdp *m, int64_t c, int64_t j);
/* Whether every law of every choice of a free state (zero may be NULL) puts mass on every listed
 * successor: then nature's supports never change the end components. */
int credal__mdp_supports_fixed(const credal_mdp *m, const uint8_t *zero);
/* Tarjan's strongly connected components of the free states over the alive choices' entries
 * that `on` marks (NULL: every entry), iteratively (a path of a million states must not
 * overflow the stack): scc[s] >= 0 for free states. Returns the number of components, or -1
 * when out of memory. */
int64_t credal__mdp_strong_components(const credal_mdp *m, const uint8_t *free_state,
                                      const uint8_t *alive, const uint8_t *on, int64_t *scc);

/* Nature's cooperative value of a policy over an infinite reach horizon (mdp_upper.c): the
 * maximal end components of the MDP in which nature alone picks the laws of the policy's
 * choices (mecs 0 where every law reaches every listed successor), and where each may exit. */
typedef struct {
  int64_t mecs;
  int64_t *mec;   /* (S,) the state's MEC, or -1 */
  int64_t *first; /* (mecs + 1,) MEC i's exits are exit[first[i] .. first[i + 1]) */
  int64_t *exit;  /* the states a member's played choice can leave i for */
} credal__mdp_upper_exits;

/* The MECs of policy's choices among the states neither fixed nor zero, into *x (freed by
 * credal__mdp_upper_free, also after a failure). */
credal_status credal__mdp_upper_mecs(const credal_mdp *m, const uint8_t *zero,
                                     const double *policy, credal__mdp_upper_exits *x);
/* The upper bound's collapse after a sweep from v into next: every member of a MEC takes the
 * largest v among its exits (0 without one); best (mecs,) is scratch. */
void credal__mdp_upper_collapse(const credal__mdp_upper_exits *x, const double *v, double *next,
                                int64_t states, double *best);
void credal__mdp_upper_free(credal__mdp_upper_exits *x);

/* Infinite-horizon reachability's robust optimum (mdp_reach.c): interval iteration with the
 * maximal end components of nature's worst laws collapsed; an epsilon-optimal policy into
 * optimal (S,) when non-NULL. */
credal_status credal__mdp_reach_optimum(const credal_mdp *m, credal__mdp_scratch *w,
                                        double *value, int32_t *optimal, int64_t *iterations,
                                        double *residual);

/* sum_s initial[s] v[s], in state order (every backend's value from the initial distribution). */
double credal__mdp_expectation(const double *initial, const double *v, int64_t states);

/* The structure, the sets, the objective's fields and policy (C,) when non-NULL: CREDAL_EDATA
 * or EUSAGE naming the first problem. */
credal_status credal__mdp_check(const credal_mdp *m, const double *policy);

/* The discounted objective's stopping rule: a sweep that moves V by less than this leaves it
 * within epsilon of the fixed point (infinite when the discount is 0). */
double credal__mdp_stop_residual(const credal_mdp *m);

/* credal__mdp_iterate on a checked model (credal__mdp_check) with the caller's scratch (made
 * for m's structure; its kept orders may hold any earlier run's: the order found is the same). */
credal_status credal__mdp_run(const credal_mdp *m, const double *policy, int cooperative,
                              credal__mdp_scratch *w, double *value, int32_t *optimal,
                              int64_t *iterations, double *residual);

/* Value iteration for policy (C,) (NULL: the optimum, its choices into optimal, (S,) or
 * (horizon, S)); fast keeps each choice's successor order from sweep to sweep (the cpu
 * backend; the same values to the last bit as a fresh sort, which the reference does); when
 * *interrupt becomes non-zero, CREDAL_EINTERRUPTED within a sweep. */
credal_status credal__mdp_iterate(const credal_mdp *m, const double *policy, int cooperative,
                                  int fast, volatile int *interrupt, double *value,
                                  int32_t *optimal, int64_t *iterations, double *residual);

#endif /* CREDAL_MDP_H */
