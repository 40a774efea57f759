/* A dense simplex for the value of a matrix game; see game.h. */
#include "credal_math.h"
#include "game.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PIVOT_EPS 1e-12 /* entries of B lie in [1, 3]: an absolute threshold suffices */
#define STALL_RUN 20    /* pivots without progress before Bland's rule takes over */

int credal__game_reserve(credal__game *g, int64_t rows, int64_t cols) {
  if (rows <= g->rows_cap && cols <= g->cols_cap) return 0;
  if (rows < g->rows_cap) rows = g->rows_cap;
  if (cols < g->cols_cap) cols = g->cols_cap;
  rows += rows / 2 + 4; /* room to grow: column generation adds rows one by one */
  double *t = malloc((size_t)(rows + 1) * (size_t)(cols + rows + 1) * sizeof(double));
  int64_t *b = malloc((size_t)rows * sizeof(int64_t));
  if (!t || !b) {
    free(t);
    free(b);
    return -1;
  }
  free(g->tableau);
  free(g->basis);
  g->tableau = t, g->basis = b, g->rows_cap = rows, g->cols_cap = cols;
  return 0;
}

void credal__game_free(credal__game *g) {
  free(g->tableau);
  free(g->basis);
  memset(g, 0, sizeof *g);
}

/* Entering column: the largest reduced cost (Dantzig), or the first positive one (Bland);
 * -1 at the optimum. The objective row holds reduced costs with the sign of "gain". */
static int64_t entering(const double *obj, int64_t n, int bland) {
  int64_t best = -1;
  double gain = PIVOT_EPS;
  for (int64_t j = 0; j < n; j++) {
    if (obj[j] > gain) {
      best = j, gain = obj[j];
      if (bland) break;
    }
  }
  return best;
}

/* Leaving row by the ratio test; ties go to the lowest basic variable (Bland). -1: unbounded
 * (cannot happen here: B > 0 bounds every y). */
static int64_t leaving(const double *t, const int64_t *basis, int64_t rows, int64_t width,
                       int64_t col, int bland) {
  int64_t best = -1;
  double ratio = 0.0;
  for (int64_t i = 0; i < rows; i++) {
    const double a = t[i * width + col];
    if (a <= PIVOT_EPS) continue;
    const double rhs = t[i * width + width - 1];
    const double r = (rhs > 0.0 ? rhs : 0.0) / a; /* rounding may leave -1e-16 for 0 */
    const int tie = best >= 0 && r <= ratio + 1e-15 * (1.0 + ratio);
    /* among ties: the lowest basic variable (Bland), else the largest pivot (stability) */
    if (best < 0 || r < ratio - 1e-15 * (1.0 + ratio) ||
        (tie && (bland ? basis[i] < basis[best] : a > t[best * width + col])))
      best = i, ratio = r;
  }
  return best;
}

/* The pivots are most of a game's time: cloned per vector width (credal_math.h). */
CREDAL_VECTOR_CLONES
static void pivot(double *t, int64_t rows, int64_t width, int64_t row, int64_t col) {
  double *pr = t + row * width;
  const double inv = 1.0 / pr[col];
  for (int64_t j = 0; j < width; j++) pr[j] *= inv;
  pr[col] = 1.0;
  for (int64_t i = 0; i <= rows; i++) { /* the objective row is row `rows` */
    if (i == row) continue;
    double *ri = t + i * width;
    const double f = ri[col];
    if (f == 0.0) continue;
    for (int64_t j = 0; j < width; j++) ri[j] -= f * pr[j];
    ri[col] = 0.0;
  }
}

/* A mixture from nonnegative weights w (n,): clamped at 0 and normalised; uniform if all 0. */
static void normalise(double *w, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) sum += w[i] = w[i] > 0.0 ? w[i] : 0.0;
  for (int64_t i = 0; i < n; i++) w[i] = sum > 0.0 ? w[i] / sum : 1.0 / (double)n;
}

/* Static: GCC exports the dispatcher of an extern function's clones whatever -fvisibility
 * says, and libcredal.so exports only CREDAL_API. */
CREDAL_VECTOR_CLONES
static void game_bounds(const double *A, int64_t rows, int64_t cols, const double *lambda,
                        const double *mu, double *lower, double *upper) {
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t j = 0; j < cols; j++) { /* the row mixture's worst column */
    double s = 0.0;
    for (int64_t i = 0; i < rows; i++) s += lambda[i] * A[i * cols + j];
    lo = s < lo ? s : lo;
  }
  for (int64_t i = 0; i < rows; i++) { /* the column mixture's worst row */
    double s = 0.0;
    for (int64_t j = 0; j < cols; j++) s += A[i * cols + j] * mu[j];
    hi = s > hi ? s : hi;
  }
  *lower = lo, *upper = hi;
}

void credal__game_bounds(const double *A, int64_t rows, int64_t cols, const double *lambda,
                         const double *mu, double *lower, double *upper) {
  game_bounds(A, rows, cols, lambda, mu, lower, upper);
}

/* Solves M z = r (transposed: M^T z = r) for the (n, n) matrix M by Gaussian elimination with
 * partial pivoting; M and r are overwritten, z = r on return. -1 when M is singular. */
static int solve_dense(double *M, double *r, int64_t n, int transposed) {
  if (transposed)
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = i + 1; j < n; j++) {
        const double x = M[i * n + j];
        M[i * n + j] = M[j * n + i], M[j * n + i] = x;
      }
  for (int64_t k = 0; k < n; k++) {
    int64_t piv = k;
    for (int64_t i = k + 1; i < n; i++)
      if (fabs(M[i * n + k]) > fabs(M[piv * n + k])) piv = i;
    if (fabs(M[piv * n + k]) < 1e-13) return -1;
    if (piv != k) {
      for (int64_t j = 0; j < n; j++) {
        const double x = M[k * n + j];
        M[k * n + j] = M[piv * n + j], M[piv * n + j] = x;
      }
      const double x = r[k];
      r[k] = r[piv], r[piv] = x;
    }
    for (int64_t i = k + 1; i < n; i++) {
      const double f = M[i * n + k] / M[k * n + k];
      if (f == 0.0) continue;
      for (int64_t j = k; j < n; j++) M[i * n + j] -= f * M[k * n + j];
      r[i] -= f * r[k];
    }
  }
  for (int64_t k = n - 1; k >= 0; k--) {
    double x = r[k];
    for (int64_t j = k + 1; j < n; j++) x -= M[k * n + j] * r[j];
    r[k] = x / M[k * n + k];
  }
  return 0;
}

/* The final basis's primal (y) and dual (the row weights) solved afresh from B itself: the
 * tableau carries the rounding of every pivot, the basis system only its own. Leaves mu and
 * lambda as they are when the basis matrix is singular or memory is short. */
static void polish(const credal__game *g, const double *A, int64_t rows, int64_t cols, double lo,
                   double scale, double *value, double *mu, double *lambda) {
  const int64_t n = rows;
  double *M = malloc((size_t)(n * n) * sizeof(double)), *z = malloc((size_t)n * sizeof(double));
  if (!M || !z) goto cleanup;
  for (int pass = 0; pass < 2; pass++) {
    for (int64_t i = 0; i < n; i++) /* column k of M: basic variable basis[k] */
      for (int64_t k = 0; k < n; k++) {
        const int64_t v = g->basis[k];
        M[i * n + k] =
            v < cols ? (A[i * cols + v] - lo) / scale + 1.0 : (v - cols == i ? 1.0 : 0.0);
      }
    for (int64_t k = 0; k < n; k++) z[k] = pass == 0 ? 1.0 : (g->basis[k] < cols ? 1.0 : 0.0);
    if (solve_dense(M, z, n, pass)) goto cleanup;
    if (pass == 0) {
      double sum = 0.0;
      for (int64_t k = 0; k < n; k++)
        if (g->basis[k] < cols) sum += z[k];
      if (sum > 0.0) *value = (1.0 / sum - 1.0) * scale + lo;
      if (mu) {
        memset(mu, 0, (size_t)cols * sizeof(double));
        for (int64_t k = 0; k < n; k++)
          if (g->basis[k] < cols) mu[g->basis[k]] = z[k];
      }
    } else if (lambda) {
      memcpy(lambda, z, (size_t)n * sizeof(double));
    }
  }
cleanup:
  free(M);
  free(z);
}

int credal__game_solve(credal__game *g, const double *A, int64_t rows, int64_t cols, double *value,
                       double *mu, double *lambda, int careful) {
  if (credal__game_reserve(g, rows, cols)) return -2;
  double lo = A[0], hi = A[0];
  for (int64_t i = 0; i < rows * cols; i++) lo = A[i] < lo ? A[i] : lo, hi = A[i] > hi ? A[i] : hi;
  /* B = (A - lo) / scale + 1 lies in [1, 2]: every row constraint binds y */
  const double scale = hi > lo ? hi - lo : 1.0;
  const int64_t width = cols + rows + 1;
  double *t = g->tableau;
  memset(t, 0, (size_t)(rows + 1) * (size_t)width * sizeof(double));
  for (int64_t i = 0; i < rows; i++) {
    double *ri = t + i * width;
    for (int64_t j = 0; j < cols; j++) ri[j] = (A[i * cols + j] - lo) / scale + 1.0;
    ri[cols + i] = 1.0;
    ri[width - 1] = 1.0;
    g->basis[i] = cols + i;
  }
  double *obj = t + rows * width; /* gains: maximise sum y */
  for (int64_t j = 0; j < cols; j++) obj[j] = 1.0;
  /* Dantzig's rule until the objective stalls (a run of pivots that do not raise it: at a
   * degenerate vertex, where rounding can make it cycle), then Bland's rule, which cannot */
  int settled = 0, bland = careful;
  int64_t stalled = 0;
  double best = 0.0; /* sum y so far; the objective row's last entry holds -sum y */
  const int64_t max_pivots = 200 * (rows + cols) + 1000;
  for (int64_t it = 0; it < max_pivots; it++) {
    const int64_t col = entering(obj, cols + rows, bland);
    if (col < 0) {
      settled = 1;
      break;
    }
    const int64_t row = leaving(t, g->basis, rows, width, col, bland);
    if (row < 0) break;
    pivot(t, rows, width, row, col);
    g->basis[row] = col;
    const double now = -obj[width - 1];
    if (now > best * (1.0 + 1e-14) + 1e-300)
      best = now, stalled = 0;
    else if (++stalled >= STALL_RUN)
      bland = 1;
  }
  double sum = 0.0; /* sum y = 1 / value of B */
  for (int64_t i = 0; i < rows; i++)
    if (g->basis[i] < cols) sum += t[i * width + width - 1];
  *value = sum > 0.0 ? (1.0 / sum - 1.0) * scale + lo : hi;
  if (mu) {
    memset(mu, 0, (size_t)cols * sizeof(double));
    for (int64_t i = 0; i < rows; i++)
      if (g->basis[i] < cols) mu[g->basis[i]] = t[i * width + width - 1];
  }
  if (lambda) /* the row player's mixture: the duals, minus the slacks' reduced costs */
    for (int64_t i = 0; i < rows; i++) lambda[i] = -obj[cols + i];
  if (settled) polish(g, A, rows, cols, lo, scale, value, mu, lambda);
  if (mu) normalise(mu, cols);
  if (lambda) normalise(lambda, rows);
  return settled ? 0 : -1;
}
