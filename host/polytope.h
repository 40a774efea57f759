/* Polytopes within the simplex, {q : A q <= b, q >= 0, sum q = 1}, through cddlib: their
 * vertices (the double description method) and linear programs over them. `exact` computes
 * in GMP rationals (the inputs' doubles are exact rationals, so degenerate inputs cannot
 * confuse it), else in cddlib's floating point. Used by `credal convert` and by the tests that
 * check the structured families' greedy values against vertex enumeration and an LP.
 * Without cddlib (CREDAL_HAVE_CDD undefined) every call answers CREDAL_EUNSUPPORTED. */
#ifndef CREDAL_POLYTOPE_H
#define CREDAL_POLYTOPE_H

#include "../io/internal.h"

/* A is (m, d) row-major, b (m,); m may be 0 (the simplex itself). On success *vertices is a
 * malloc'ed (*count, d) array, sorted lexicographically (so the output does not depend on
 * cddlib's enumeration order). EDATA when the set is empty (the message says so), ENOMEM,
 * EINTERNAL when cddlib fails. */
credal_status credal__polytope_vertices(const double *A, const double *b, int64_t m, int64_t d,
                                        int exact, double **vertices, int64_t *count);

/* min (or max) of <u, q> over the polytope by cddlib's dual simplex; EDATA when empty. */
credal_status credal__polytope_lp(const double *A, const double *b, int64_t m, int64_t d,
                                  const double *u, int maximize, int exact, double *value);

/* Whether this build has cddlib. */
int credal__polytope_available(void);

#endif /* CREDAL_POLYTOPE_H */
