/* The value of a finite two-person zero-sum game, by a small dense simplex: what
 * E-admissibility asks of each (hypothesis, policy) (host/rules_eadm.c).
 *
 *   value = max_{lambda in simplex(R)} min_{mu in simplex(C)} lambda^T A mu
 *
 * A is (R, C) row-major: the maximiser picks a row (a distribution), the minimiser a column
 * (a policy). The minimiser's LP, max sum y s.t. B y <= 1, y >= 0 with B = A rescaled and
 * shifted to [1, 2], starts feasible at y = 0 (no phase one); Dantzig's rule, switching to
 * Bland's once the objective stalls (degenerate pivots, where rounding could cycle). */
#ifndef CREDAL_GAME_H
#define CREDAL_GAME_H

#include <stdint.h>

typedef struct {
  int64_t rows_cap, cols_cap;
  double *tableau; /* (rows_cap + 1, cols_cap + rows_cap + 1) */
  int64_t *basis;  /* (rows_cap,) */
} credal__game;

/* Workspace for games of up to rows x cols; 0, or -1 when out of memory. Grows on demand. */
int credal__game_reserve(credal__game *g, int64_t rows, int64_t cols);
void credal__game_free(credal__game *g); /* zeroed structs are fine */

/* Solves the game A (rows, cols): *value, the minimiser's optimal mixture mu (cols,) and the
 * maximiser's lambda (rows,) (either may be NULL). 0; -1 when the pivots did not settle (then
 * mu and lambda are the last ones); -2 when out of memory. Rounding can spoil a simplex
 * on a degenerate game: decisions should rest on credal__game_bounds, not on *value. careful:
 * Bland's rule from the first pivot (slower; for a second opinion). */
int credal__game_solve(credal__game *g, const double *A, int64_t rows, int64_t cols, double *value,
                       double *mu, double *lambda, int careful);

/* What any two mixtures prove, whatever produced them: lower = min_j (lambda^T A)_j <= value
 * <= upper = max_i (A mu)_i. */
void credal__game_bounds(const double *A, int64_t rows, int64_t cols, const double *lambda,
                         const double *mu, double *lower, double *upper);

#endif /* CREDAL_GAME_H */
