/* The per-policy order that the structured credal sets' greedy passes share. */
#include <stdlib.h>

#include "backend.h"
#include "structured.h"

/* A stable merge sort by utility: ties keep increasing index, so the order (and every value
 * computed from it) is the same on every backend and every run. */
static void merge_sort(const double *u, int32_t *a, int32_t *tmp, int64_t n) {
  if (n < 2) return;
  const int64_t m = n / 2;
  merge_sort(u, a, tmp, m);
  merge_sort(u, a + m, tmp, n - m);
  int64_t i = 0, j = m, k = 0;
  while (i < m && j < n) tmp[k++] = u[a[j]] < u[a[i]] ? a[j++] : a[i++];
  while (i < m) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  for (k = 0; k < n; k++) a[k] = tmp[k];
}

void credal__utility_order(const double *u, int64_t d, int32_t *order) {
  for (int64_t j = 0; j < d; j++) order[j] = (int32_t)j;
  int32_t stack_tmp[64];
  int32_t *tmp = d <= 64 ? stack_tmp : malloc((size_t)d * sizeof(int32_t));
  if (!tmp) { /* out of memory: insertion sort in place, same order */
    for (int64_t i = 1; i < d; i++) {
      const int32_t x = order[i];
      int64_t k = i;
      while (k > 0 && u[order[k - 1]] > u[x]) order[k] = order[k - 1], k--;
      order[k] = x;
    }
    return;
  }
  merge_sort(u, order, tmp, d);
  if (tmp != stack_tmp) free(tmp);
}

credal_status credal__utility_orders(const double *utility, int64_t policies, int64_t d,
                                     int32_t **orders) {
  int32_t *o = malloc((size_t)policies * (size_t)d * sizeof(int32_t));
  *orders = o;
  if (!o) return credal__fail(CREDAL_ENOMEM, "out of memory for the policies' utility orders");
  for (int64_t p = 0; p < policies; p++)
    credal__utility_order(utility + (size_t)p * (size_t)d, d, o + (size_t)p * (size_t)d);
  return CREDAL_OK;
}

void credal__structured_rows(credal_family family, const credal_batch_f64 *batch,
                             const double *utility, const int32_t *orders, int64_t h_begin,
                             int64_t h_end, int64_t p_begin, int64_t p_end, double *lower,
                             int32_t *argmin, double *upper, int32_t *argmax) {
  const int64_t d = batch->dim, P = batch->policies;
  for (int64_t h = h_begin; h < h_end; h++) {
    const int64_t r0 = batch->offsets[h], n = batch->offsets[h + 1] - r0;
    const double *rows = batch->points + (size_t)r0 * (size_t)d;
    const double *scalars = batch->constants ? batch->constants + r0 : NULL;
    for (int64_t p = p_begin; p < p_end; p++) {
      const double *u = utility + (size_t)p * (size_t)d;
      const int32_t *order = orders + (size_t)p * (size_t)d;
      const size_t at = (size_t)h * (size_t)P + (size_t)p;
      lower[at] = credal_structured_value(family, rows, scalars, n, u, d, order, 0);
      argmin[at] = -1;
      if (upper) {
        upper[at] = credal_structured_value(family, rows, scalars, n, u, d, order, 1);
        argmax[at] = -1;
      }
    }
  }
}
