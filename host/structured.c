/* The per-policy order that the structured credal sets' greedy passes share. */
#include <stdlib.h>

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
