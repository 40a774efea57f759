/* Vertices and LPs of polytopes within the simplex through cddlib; see polytope.h. */
#include "polytope.h"

#include <stdlib.h>
#include <string.h>

#ifdef CREDAL_HAVE_CDD
#include <pthread.h>

#define GMPRATIONAL /* dd_* in GMP rationals; ddf_* in floating point (libcddgmp has both) */
#include <setoper.h>
#include <cdd.h>
#include <cdd_f.h>

#define CDD(name) dd_##name
#include "polytope_cdd.inc"
#undef CDD
#define CDD(name) ddf_##name
#include "polytope_cdd.inc"
#undef CDD

/* cddlib keeps global constants and state: one caller at a time. */
static pthread_mutex_t cdd_lock = PTHREAD_MUTEX_INITIALIZER;
static int cdd_ready;

static void cdd_enter(void) {
  pthread_mutex_lock(&cdd_lock);
  if (!cdd_ready) {
    dd_set_global_constants();
    ddf_set_global_constants();
    cdd_ready = 1;
  }
}

static int64_t sort_d; /* the row length for compare_rows (under cdd_lock) */
static int compare_rows(const void *a, const void *b) {
  const double *x = a, *y = b;
  for (int64_t j = 0; j < sort_d; j++)
    if (x[j] != y[j]) return x[j] < y[j] ? -1 : 1;
  return 0;
}

static credal_status check_args(int64_t m, int64_t d) {
  if (m < 0 || d < 1 || m > INT32_MAX || d > INT32_MAX)
    return credal__fail(CREDAL_EUSAGE, "polytope: %lld constraints over d = %lld", (long long)m,
                        (long long)d);
  return CREDAL_OK;
}

credal_status credal__polytope_vertices(const double *A, const double *b, int64_t m, int64_t d,
                                        int exact, double **vertices, int64_t *count) {
  credal_status st = check_args(m, d);
  if (st) return st;
  cdd_enter();
  st = exact ? dd_vertices(A, b, m, d, vertices, count) : ddf_vertices(A, b, m, d, vertices, count);
  if (!st) {
    sort_d = d;
    qsort(*vertices, (size_t)*count, (size_t)d * sizeof(double), compare_rows);
  }
  pthread_mutex_unlock(&cdd_lock);
  return st;
}

credal_status credal__polytope_lp(const double *A, const double *b, int64_t m, int64_t d,
                                  const double *u, int maximize, int exact, double *value) {
  credal_status st = check_args(m, d);
  if (st) return st;
  cdd_enter();
  st = exact ? dd_lp(A, b, m, d, u, maximize, value) : ddf_lp(A, b, m, d, u, maximize, value);
  pthread_mutex_unlock(&cdd_lock);
  return st;
}

int credal__polytope_available(void) { return 1; }

#else /* no cddlib */

static credal_status unavailable(void) {
  return credal__fail(CREDAL_EUNSUPPORTED,
                      "this credal was built without cddlib (install libcdd-dev and rebuild)");
}

credal_status credal__polytope_vertices(const double *A, const double *b, int64_t m, int64_t d,
                                        int exact, double **vertices, int64_t *count) {
  (void)A, (void)b, (void)m, (void)d, (void)exact;
  *vertices = NULL, *count = 0;
  return unavailable();
}

credal_status credal__polytope_lp(const double *A, const double *b, int64_t m, int64_t d,
                                  const double *u, int maximize, int exact, double *value) {
  (void)A, (void)b, (void)m, (void)d, (void)u, (void)maximize, (void)exact, (void)value;
  return unavailable();
}

int credal__polytope_available(void) { return 0; }

#endif
