// The per-state arithmetic of the GPU's credal MDP sweeps (kernels/mdp.cu), host/mdp.c's
// operation for operation: each choice's successors in the reference's order (value, then
// index), the inner problems' loops, a state's mixture or best choice. A header of its own so
// that the host compiler can build it too (CREDAL_HD empty there): tests/check_mdp_inner.cc
// holds it against host/mdp.c bit for bit on machines without a GPU. Built without fused
// multiply-adds (nvcc --fmad=false; the host's -ffp-contract=off).
#ifndef CREDAL_MDP_INNER_H
#define CREDAL_MDP_INNER_H

#include <math.h>
#include <stdint.h>

#include "credal_kernels.h"

#ifdef __CUDACC__
#define CREDAL_HD __host__ __device__
#else
#define CREDAL_HD
#endif

namespace credal_mdp_inner {

constexpr int SMALL = 16;

CREDAL_HD inline bool before(double a, int32_t i, double b, int32_t j) {
  return a < b || (a == b && i < j);
}

// A choice's successors in the reference's order, walked from either end.
struct Sorted {  // at most SMALL successors: sorted once in registers
  double gs[SMALL];
  int32_t order[SMALL];
  int n;
  CREDAL_HD Sorted(const double *v, const int32_t *succ, int n_) : n(n_) {
    for (int i = 0; i < n; i++) {
      const double x = v[succ[i]];
      int k = i;
      for (; k > 0 && before(x, i, gs[k - 1], order[k - 1]); k--)
        gs[k] = gs[k - 1], order[k] = order[k - 1];
      gs[k] = x, order[k] = i;
    }
  }
  CREDAL_HD int32_t index(int at) const { return order[at]; }
  CREDAL_HD double value(int at) const { return gs[at]; }
};

// A wider choice: the element at a position found by selection. Walks ask for positions one
// after another from one end, so the walker keeps where it is and steps once per call.
struct Selected {
  const double *v;
  const int32_t *succ;
  int n;
  int at;  // position of (gx, ix); -1 before the first
  double gx;
  int32_t ix;
  CREDAL_HD Selected(const double *v_, const int32_t *succ_, int n_)
      : v(v_), succ(succ_), n(n_), at(-1), gx(0.0), ix(-1) {}
  // the smallest (value, index) after (gx, ix), or the largest before it
  CREDAL_HD void step(bool up) {
    bool found = false;
    double best = 0.0;
    int32_t bi = -1;
    for (int i = 0; i < n; i++) {
      const double x = v[succ[i]];
      const bool beyond = at < 0 || (up ? before(gx, ix, x, i) : before(x, i, gx, ix));
      if (beyond && (!found || (up ? before(x, i, best, bi) : before(best, bi, x, i))))
        best = x, bi = i, found = true;
    }
    gx = best, ix = bi;
  }
  CREDAL_HD void seek(int target) {
    if (target == at) return;
    if (at < 0 || (target != at + 1 && target != at - 1)) {  // a walk's first position: an end
      at = -1;
      step(target == 0);
      at = target;
      return;
    }
    step(target == at + 1);
    at = target;
  }
  CREDAL_HD int32_t index(int t) {
    seek(t);
    return ix;
  }
  CREDAL_HD double value(int t) {
    seek(t);
    return gx;
  }
};

// host/mdp.c's intervals_extreme.
template <class Order>
CREDAL_HD double intervals_extreme(const double *lo, const double *hi, const double *v,
                                   const int32_t *succ, int n, Order &o, bool cooperative) {
  double value = 0.0, rest = 1.0;
  for (int i = 0; i < n; i++) value += lo[i] * v[succ[i]], rest -= lo[i];
  for (int t = 0; t < n; t++) {
    const int at = cooperative ? n - 1 - t : t;
    const int32_t j = o.index(at);
    const double gj = o.value(at);
    const double left = rest > 0.0 ? rest : 0.0, room = hi[j] - lo[j];
    const double take = left < room ? left : room;
    value += take * gj;
    rest -= room;  // host/mdp.c: the same takes, a shorter chain
  }
  return value;
}

// host/mdp.c's tv_extreme.
template <class Order>
CREDAL_HD double tv_extreme(const double *c, double r, const double *v, const int32_t *succ, int n,
                            Order &o, bool cooperative) {
  const int low = cooperative ? n - 1 : 0;
  const int32_t target = o.index(low);
  const double g_low = o.value(low);
  double value = 0.0, budget = r < 1.0 - c[target] ? r : 1.0 - c[target];
  for (int i = 0; i < n; i++) value += c[i] * v[succ[i]];
  if (!(budget > 0.0)) return value;
  value += budget * g_low;
  for (int t = 1; t < n; t++) {  // host/mdp.c: branch-free, the same takes
    const int at = cooperative ? t - 1 : n - t;
    const int32_t j = o.index(at);
    const double left = budget > 0.0 ? budget : 0.0;
    const double take = left < c[j] ? left : c[j];
    value -= take * o.value(at);
    budget -= c[j];
  }
  return value;
}

// host/mdp.c's contamination_extreme.
CREDAL_HD double contamination_extreme(const double *c, double e, const double *v,
                                       const int32_t *succ, int n, bool cooperative) {
  double dot = 0.0, extreme = v[succ[0]];
  for (int i = 0; i < n; i++) {
    const double g = v[succ[i]];
    dot += c[i] * g;
    extreme = cooperative ? (g > extreme ? g : extreme) : (g < extreme ? g : extreme);
  }
  return (1.0 - e) * dot + e * extreme;
}

// host/mdp.c's credal__mdp_choice_value.
CREDAL_HD double choice_value(const credal_kernel_mdp &m, int64_t c, const double *v,
                              bool cooperative) {
  const int64_t j0 = m.successor_offsets[c];
  const int n = static_cast<int>(m.successor_offsets[c + 1] - j0);
  const int32_t *succ = m.successors + j0;
  double inner;
  if (m.sets == CREDAL_KERNEL_MDP_CONTAMINATION) {
    inner = contamination_extreme(m.a + j0, m.b[c], v, succ, n, cooperative);
  } else if (n <= SMALL) {
    Sorted o(v, succ, n);
    inner = m.sets == CREDAL_KERNEL_MDP_TV_BALLS
                ? tv_extreme(m.a + j0, m.b[c], v, succ, n, o, cooperative)
                : intervals_extreme(m.a + j0, m.b + j0, v, succ, n, o, cooperative);
  } else {
    Selected o(v, succ, n);
    inner = m.sets == CREDAL_KERNEL_MDP_TV_BALLS
                ? tv_extreme(m.a + j0, m.b[c], v, succ, n, o, cooperative)
                : intervals_extreme(m.a + j0, m.b + j0, v, succ, n, o, cooperative);
  }
  return m.discounted ? m.reward[c] + m.discount * inner : inner;
}

// The policy's weight on choice c (k-th of its state's choices).
CREDAL_HD double weight(const credal_kernel_mdp_batch &b, int32_t p, int64_t s, int64_t c,
                        int64_t k, int64_t S, int64_t C) {
  if (b.actions) return b.actions[static_cast<int64_t>(p) * S + s] == k ? 1.0 : 0.0;
  return b.probabilities[static_cast<int64_t>(p) * C + c];
}

// State s's new value in problem q (host/mdp.c's credal__mdp_sweep for one state): fixed on a
// reach objective's target, avoid and zero states; the policy's mixture of its choices; or
// (policy -1) the best choice, into *arg (the lowest on ties).
CREDAL_HD double state_value(const credal_kernel_mdp &m, const credal_kernel_mdp_batch &b,
                             int64_t q, int64_t s, const double *v, int32_t *arg) {
  const int64_t S = m.states, C = m.choice_offsets[S];
  const uint8_t *zero = b.zero ? b.zero + q * S : nullptr;
  *arg = 0;
  if (!m.discounted) {
    if (m.target[s] || (zero && zero[s] == 2)) return 1.0;  // 2: reached almost surely
    if ((m.avoid && m.avoid[s]) || (zero && zero[s] == 1)) return 0.0;
  }
  const int32_t p = b.policy[q];
  const int64_t c0 = m.choice_offsets[s], c1 = m.choice_offsets[s + 1];
  if (p >= 0) {
    const bool cooperative = b.cooperative[q] != 0;
    double x = 0.0;
    for (int64_t c = c0; c < c1; c++) {
      const double w = weight(b, p, s, c, c - c0, S, C);
      if (w != 0.0) x += w * choice_value(m, c, v, cooperative);
    }
    return x;
  }
  double x = choice_value(m, c0, v, false);
  for (int64_t c = c0 + 1; c < c1; c++) {
    const double y = choice_value(m, c, v, false);
    if (y > x) x = y, *arg = static_cast<int32_t>(c - c0);  // the lowest choice keeps ties
  }
  return x;
}

}  // namespace credal_mdp_inner

#endif  // CREDAL_MDP_INNER_H
