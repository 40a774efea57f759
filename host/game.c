/* A dense simplex for the value of a matrix game; see game.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "game.h"

#define PIVOT_EPS 1e-12      /* entries of B lie in [1, 3]: an absolute threshold suffices */
#define DEGENERATE_RUN 50    /* degenerate pivots in a row before Bland's rule takes over */

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
                       int64_t col) {
  int64_t best = -1;
  double ratio = 0.0;
  for (int64_t i = 0; i < rows; i++) {
    const double a = t[i * width + col];
    if (a <= PIVOT_EPS) continue;
    const double r = t[i * width + width - 1] / a;
    if (best < 0 || r < ratio - 1e-15 * (1.0 + ratio) ||
        (r <= ratio + 1e-15 * (1.0 + ratio) && basis[i] < basis[best]))
      best = i, ratio = r;
  }
  return best;
}

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

int credal__game_solve(credal__game *g, const double *A, int64_t rows, int64_t cols,
                       double *value, double *mu) {
  if (credal__game_reserve(g, rows, cols)) return -1;
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
  int settled = 0, degenerate = 0;
  const int64_t max_pivots = 50 * (rows + cols) + 1000;
  for (int64_t it = 0; it < max_pivots; it++) {
    const int64_t col = entering(obj, cols + rows, degenerate >= DEGENERATE_RUN);
    if (col < 0) {
      settled = 1;
      break;
    }
    const int64_t row = leaving(t, g->basis, rows, width, col);
    if (row < 0) break;
    degenerate = t[row * width + width - 1] <= 1e-15 ? degenerate + 1 : 0;
    pivot(t, rows, width, row, col);
    g->basis[row] = col;
  }
  double sum = 0.0; /* sum y = 1 / value of B */
  if (mu) memset(mu, 0, (size_t)cols * sizeof(double));
  for (int64_t i = 0; i < rows; i++) {
    if (g->basis[i] >= cols) continue;
    const double y = t[i * width + width - 1];
    if (mu) mu[g->basis[i]] = y;
    sum += y;
  }
  if (mu && sum > 0.0)
    for (int64_t j = 0; j < cols; j++) mu[j] /= sum;
  *value = sum > 0.0 ? (1.0 / sum - 1.0) * scale + lo : hi;
  return settled ? 0 : -1;
}
