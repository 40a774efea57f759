/* Exact lower (and upper) expectations of the structured credal sets of SPEC §2, with no vertex
 * enumeration: each is a greedy pass over the policy's outcomes in increasing order of
 * utility, O(d) per (hypothesis, policy) once that order is known (sorting each policy once,
 * O(P d log d), serves every hypothesis). Shared by every backend (CREDAL_HD), like
 * credal_math.h, so the CPU and GPU paths cannot drift apart.
 *
 * `order` lists the outcomes by increasing utility, ties by increasing index
 * (credal__utility_order); `upper` walks it backwards, giving max instead of min. */
#ifndef CREDAL_STRUCTURED_H
#define CREDAL_STRUCTURED_H

#include <stdint.h>

#include "../include/credal.h"
#include "credal_math.h"

/* The t-th outcome when walking towards the extreme sought: lowest utility first for the lower
 * expectation, highest first for the upper. */
CREDAL_HD int32_t credal_walk(const int32_t *order, int64_t d, int64_t t, int upper) {
  return upper ? order[d - 1 - t] : order[t];
}

CREDAL_HD double credal_dot(const double *a, const double *b, int64_t d) {
  double s = 0.0;
  for (int64_t j = 0; j < d; j++) s += a[j] * b[j];
  return s;
}

/* The index of the lowest set bit of bits != 0. */
CREDAL_HD int credal_lowest_bit(unsigned bits) {
#if defined(__CUDA_ARCH__)
  return __ffs((int)bits) - 1;
#else
  return __builtin_ctz(bits);
#endif
}

/* a[0] + ... + a[7] as a tree: three dependent additions instead of seven. */
CREDAL_HD double credal_sum8(const double *a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* Each family's value is an inner product (the center's or the lower bounds') plus a greedy
 * correction; the _finish forms take that inner product precomputed, so the cpu backend can
 * take it from its SIMD tiles and every backend still applies the same correction. */

/* epsilon-contamination {(1-e) c + e q : q any distribution}: (1-e) <c,u> + e min_j u_j. */
CREDAL_HD double credal_contamination_finish(double dot, double e, const double *u, int64_t d,
                                             const int32_t *order, int upper) {
  return (1.0 - e) * dot + e * u[credal_walk(order, d, 0, upper)];
}

CREDAL_HD double credal_contamination_value(const double *c, double e, const double *u, int64_t d,
                                            const int32_t *order, int upper) {
  return credal_contamination_finish(credal_dot(c, u, d), e, u, d, order, upper);
}

/* Total-variation ball {q in the simplex : 0.5 sum_j |q_j - c_j| <= r}: move mass
 * b = min(r, 1 - c[j*]) onto the outcome j* of least utility, taking it from the outcomes of
 * greatest utility first (each down to 0). dot = <c, u>. */
CREDAL_HD double credal_tv_finish(double dot, const double *c, double r, const double *u,
                                  int64_t d, const int32_t *order, int upper) {
  const int32_t target = credal_walk(order, d, 0, upper);
  const double room = 1.0 - c[target];
  /* entries may be off the simplex by the tolerance: never move a negative amount */
  double budget = r < room ? r : room;
  if (!(budget > 0.0)) budget = 0.0;
  double value = dot + budget * u[target];
  int64_t t = d - 1;
  /* whole blocks of 8 outcomes while the budget covers them (no dependency chain inside) */
  for (; t >= 8 && budget > 0.0; t -= 8) {
    double have[8], worth[8];
    for (int k = 0; k < 8; k++) {
      const int32_t j = credal_walk(order, d, t - k, upper);
      have[k] = c[j] > 0.0 ? c[j] : 0.0;
      worth[k] = have[k] * u[j];
    }
    const double mass = credal_sum8(have);
    if (mass > budget) break;
    value -= credal_sum8(worth);
    budget -= mass;
  }
  for (; t >= 1 && budget > 0.0; t--) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double have = c[j] > 0.0 ? c[j] : 0.0, take = budget < have ? budget : have;
    value -= take * u[j];
    budget -= take;
  }
  return value;
}

CREDAL_HD double credal_tv_value(const double *c, double r, const double *u, int64_t d,
                                 const int32_t *order, int upper) {
  return credal_tv_finish(credal_dot(c, u, d), c, r, u, d, order, upper);
}

/* The mass 1 - sum lo that probability intervals leave to distribute. */
CREDAL_HD double credal_intervals_rest(const double *lo, int64_t d) {
  double rest = 1.0;
  for (int64_t j = 0; j < d; j++) rest -= lo[j];
  return rest;
}

/* Probability intervals {q : lo <= q <= hi, sum q = 1}: start from lo and give the remaining
 * mass rest = 1 - sum lo to the outcomes of least utility first, each up to hi.
 * dot = <lo, u>. */
CREDAL_HD double credal_intervals_finish(double dot, double rest, const double *lo,
                                         const double *hi, const double *u, int64_t d,
                                         const int32_t *order, int upper) {
  double value = dot;
  int64_t t = 0;
  for (; t + 8 <= d && rest > 0.0; t += 8) { /* whole blocks of 8, as in credal_tv_finish */
    double room[8], worth[8];
    for (int k = 0; k < 8; k++) {
      const int32_t j = credal_walk(order, d, t + k, upper);
      room[k] = hi[j] - lo[j];
      worth[k] = room[k] * u[j];
    }
    const double mass = credal_sum8(room);
    if (mass > rest) break;
    value += credal_sum8(worth);
    rest -= mass;
  }
  for (; t < d && rest > 0.0; t++) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double room = hi[j] - lo[j], take = rest < room ? rest : room;
    value += take * u[j];
    rest -= take;
  }
  return value;
}

CREDAL_HD double credal_intervals_value(const double *lo, const double *hi, const double *u,
                                        int64_t d, const int32_t *order, int upper) {
  return credal_intervals_finish(credal_dot(lo, u, d), credal_intervals_rest(lo, d), lo, hi, u,
                                 d, order, upper);
}

/* Belief function with Moebius masses m(A) >= 0 over focal sets A (rows of 0/1 indicators):
 * the lower expectation is the Choquet integral sum_A m(A) min_{j in A} u_j (the upper, with
 * max, is the plausibility's). The first member of A met along the order is its extreme. */
CREDAL_HD double credal_belief_value(const double *focal, const double *mass, int64_t sets,
                                     const double *u, int64_t d, const int32_t *order,
                                     int upper) {
  double value = 0.0;
  for (int64_t r = 0; r < sets; r++) {
    const double *a = focal + r * d;
    int64_t t = 0;
    int32_t first = -1;
    /* blocks of 8 outcomes: membership as a bit mask, the first member by its lowest bit
     * (a branch per block, not per outcome: membership is as good as random) */
    for (; first < 0 && t + 8 <= d; t += 8) {
      unsigned bits = 0;
      for (int k = 0; k < 8; k++) bits |= (unsigned)(a[credal_walk(order, d, t + k, upper)] != 0.0) << k;
      if (bits) first = credal_walk(order, d, t + credal_lowest_bit(bits), upper);
    }
    for (; first < 0 && t < d; t++)
      if (a[credal_walk(order, d, t, upper)] != 0.0) first = credal_walk(order, d, t, upper);
    if (first >= 0) value += mass[r] * u[first];
  }
  return value;
}

/* One structured hypothesis in the row layout of credal_family_lower_f64: rows and scalars
 * start at its first row, nrows of them. */
CREDAL_HD double credal_structured_value(int family, const double *rows, const double *scalars,
                                         int64_t nrows, const double *u, int64_t d,
                                         const int32_t *order, int upper) {
  switch (family) {
    case CREDAL_FAMILY_TV_BALLS: return credal_tv_value(rows, scalars[0], u, d, order, upper);
    case CREDAL_FAMILY_CONTAMINATION:
      return credal_contamination_value(rows, scalars[0], u, d, order, upper);
    case CREDAL_FAMILY_INTERVALS: return credal_intervals_value(rows, rows + d, u, d, order, upper);
    case CREDAL_FAMILY_BELIEF: return credal_belief_value(rows, scalars, nrows, u, d, order, upper);
    default: return 0.0 / 0.0; /* not a structured family: NaN, which the host refuses */
  }
}

/* The one-row and two-row families from a precomputed dot (<center, u> or <lower, u>) and,
 * for intervals, rest = credal_intervals_rest(lower). */
CREDAL_HD double credal_structured_finish(int family, double dot, double rest, const double *rows,
                                          double scalar, const double *u, int64_t d,
                                          const int32_t *order, int upper) {
  switch (family) {
    case CREDAL_FAMILY_TV_BALLS: return credal_tv_finish(dot, rows, scalar, u, d, order, upper);
    case CREDAL_FAMILY_CONTAMINATION:
      return credal_contamination_finish(dot, scalar, u, d, order, upper);
    case CREDAL_FAMILY_INTERVALS:
      return credal_intervals_finish(dot, rest, rows, rows + d, u, d, order, upper);
    default: return 0.0 / 0.0;
  }
}

/* Rows per hypothesis of a structured family (0: as many as its offsets say). */
static inline int64_t credal__family_rows(int family) {
  return family == CREDAL_FAMILY_INTERVALS ? 2
         : family == CREDAL_FAMILY_TV_BALLS || family == CREDAL_FAMILY_CONTAMINATION ? 1
                                                                                    : 0;
}

/* The outcomes of u (d,) by increasing utility, ties by increasing index, into order (d,). */
void credal__utility_order(const double *u, int64_t d, int32_t *order);
/* The orders of all P policies of utility (P, d) into orders (P, d); ENOMEM on failure. */
credal_status credal__utility_orders(const double *utility, int64_t policies, int64_t d,
                                     int32_t **orders);

#endif /* CREDAL_STRUCTURED_H */
