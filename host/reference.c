/* The reference backend: plain float64 loops that read like SPEC §1. Every other backend is
 * tested against this file; keep it obvious rather than fast.
 *
 *   lower[h,p]  = min_{k in h} <x_k, u_p> + b_k     argmin: lowest k (within h) on exact ties
 *   upper[h,p]  = max_{k in h} <x_k, u_p> + b_k     argmax: likewise
 */
#include "credal_math.h"
#include "../io/internal.h"

void credal__reference_lower(const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                             double *upper, int32_t *argmax) {
  const int64_t H = batch->hypotheses, d = batch->dim, P = batch->policies;
  for (int64_t h = 0; h < H; h++) {
    const int64_t first = batch->offsets[h], end = batch->offsets[h + 1];
    for (int64_t p = 0; p < P; p++) {
      const double *u = batch->utility + p * d;
      double lo = 0.0, hi = 0.0;
      int32_t lo_k = -1, hi_k = -1;
      for (int64_t k = first; k < end; k++) {
        const double b = batch->constants ? batch->constants[k] : 0.0;
        const double v = credal_value_f64(batch->points + k * d, u, d, b);
        if (lo_k < 0 || credal_improves_min(v, lo)) lo = v, lo_k = (int32_t)(k - first);
        if (hi_k < 0 || credal_improves_max(v, hi)) hi = v, hi_k = (int32_t)(k - first);
      }
      if (lower) lower[h * P + p] = lo, argmin[h * P + p] = lo_k;
      if (upper) upper[h * P + p] = hi, argmax[h * P + p] = hi_k;
    }
  }
}
