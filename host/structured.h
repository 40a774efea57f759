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
  double budget = r < 1.0 - c[target] ? r : 1.0 - c[target];
  double value = credal_dot(c, u, d) + budget * u[target];
  for (int64_t t = d - 1; t >= 1 && budget > 0.0; t--) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double take = budget < c[j] ? budget : c[j];
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

/* The outcomes of u (d,) by increasing utility, ties by increasing index, into order (d,). */
void credal__utility_order(const double *u, int64_t d, int32_t *order);

#endif /* CREDAL_STRUCTURED_H */
