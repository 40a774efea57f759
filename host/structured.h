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

/* epsilon-contamination {(1-e) c + e q : q any distribution}: (1-e) <c,u> + e min_j u_j. */
CREDAL_HD double credal_contamination_value(const double *c, double e, const double *u, int64_t d,
                                            const int32_t *order, int upper) {
  return (1.0 - e) * credal_dot(c, u, d) + e * u[credal_walk(order, d, 0, upper)];
}

/* Total-variation ball {q in the simplex : 0.5 sum_j |q_j - c_j| <= r}: move mass
 * b = min(r, 1 - c[j*]) onto the outcome j* of least utility, taking it from the outcomes of
 * greatest utility first (each down to 0). */
CREDAL_HD double credal_tv_value(const double *c, double r, const double *u, int64_t d,
                                 const int32_t *order, int upper) {
  const int32_t target = credal_walk(order, d, 0, upper);
  const double room = 1.0 - c[target];
  /* entries may be off the simplex by the tolerance: never move a negative amount */
  double budget = r < room ? r : room;
  if (!(budget > 0.0)) budget = 0.0;
  double value = credal_dot(c, u, d) + budget * u[target];
  for (int64_t t = d - 1; t >= 1 && budget > 0.0; t--) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double have = c[j] > 0.0 ? c[j] : 0.0, take = budget < have ? budget : have;
    value -= take * u[j];
    budget -= take;
  }
  return value;
}

/* Probability intervals {q : lo <= q <= hi, sum q = 1}: start from lo and give the remaining
 * mass 1 - sum lo to the outcomes of least utility first, each up to hi. */
CREDAL_HD double credal_intervals_value(const double *lo, const double *hi, const double *u,
                                        int64_t d, const int32_t *order, int upper) {
  double value = credal_dot(lo, u, d), rest = 1.0;
  for (int64_t j = 0; j < d; j++) rest -= lo[j];
  for (int64_t t = 0; t < d && rest > 0.0; t++) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double room = hi[j] - lo[j], take = rest < room ? rest : room;
    value += take * u[j];
    rest -= take;
  }
  return value;
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
    for (int64_t t = 0; t < d; t++) {
      const int32_t j = credal_walk(order, d, t, upper);
      if (a[j] != 0.0) {
        value += mass[r] * u[j];
        break;
      }
    }
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
