/* E-admissibility of one policy in one set (SPEC §9), by column generation.
 *
 * p is E-admissible with tolerance tau iff the matrix game
 *   value = max_{m in C} min_r <m, u_p - u_r>
 * has value >= -tau (the column r = p contributes 0, so value <= 0). The columns r need only
 * range over the maximal policies: at any m the best policy is optimal at m, hence
 * E-admissible, hence maximal, so the other columns never bind. The game is solved on a
 * few vertices S of C (host/game.h): its value v_lo <= value, and its minimiser's mixture mu
 * gives the gamble g = u_p - sum_r mu_r u_r whose upper expectation v_hi = max_{m in C} <m, g>
 * bounds the value from above (it is one term of the min over mu). The maximising vertex is
 * added to S until v_lo >= -tau (kept) or v_hi < -tau (rejected). For generators the vertices
 * are the rows; for the structured families the greedy pass that gives their upper expectation
 * also gives the vertex. Each new vertex differs from those in S while v_hi > v_lo, so the
 * loop ends; a loop that stops moving in floating point keeps p (v_hi >= -tau). */
#include <stdlib.h>
#include <string.h>

#include "game.h"
#include "rules.h"
#include "structured.h"

/* Sets of at most this many generators are solved as one game over all of them (column
 * generation pays once a set has more vertices than a game needs rows). */
#define WHOLE_GAME_ROWS 8

struct credal__eadm_scratch {
  int64_t policies, dim, cap; /* cap: vertices the buffers hold */
  double *vertices;           /* (cap, d) */
  double *payoff;             /* (cap, P): <m_i, u_p - u_r> */
  double *mu, *g, *m;         /* (P,), (d,), (d,) */
  double *lambda;             /* (cap,) */
  int64_t *columns;           /* (P,) */
  int64_t *ids, ids_cap;      /* (K,) the game's rows as generator indices (value matrix path) */
  double *acc;                /* (K,) */
  int32_t *order;             /* (d,) */
  credal__game game;
};

credal__eadm_scratch *credal__eadm_scratch_new(int64_t policies, int64_t dim) {
  credal__eadm_scratch *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->policies = policies, s->dim = dim;
  s->mu = malloc((size_t)policies * sizeof(double));
  s->g = malloc((size_t)dim * sizeof(double));
  s->m = malloc((size_t)dim * sizeof(double));
  s->order = malloc((size_t)dim * sizeof(int32_t));
  s->columns = malloc((size_t)policies * sizeof(int64_t));
  if (!s->mu || !s->g || !s->m || !s->order || !s->columns) {
    credal__eadm_scratch_free(s);
    return NULL;
  }
  return s;
}

void credal__eadm_scratch_free(credal__eadm_scratch *s) {
  if (!s) return;
  free(s->vertices);
  free(s->payoff);
  free(s->mu);
  free(s->g);
  free(s->m);
  free(s->order);
  free(s->lambda);
  free(s->columns);
  free(s->ids);
  free(s->acc);
  credal__game_free(&s->game);
  free(s);
}

static int reserve(credal__eadm_scratch *s, int64_t n) {
  if (n <= s->cap) return 0;
  const int64_t cap = n + n / 2 + 8;
  double *v = realloc(s->vertices, (size_t)cap * (size_t)s->dim * sizeof(double));
  if (v) s->vertices = v;
  double *a = realloc(s->payoff, (size_t)cap * (size_t)s->policies * sizeof(double));
  if (a) s->payoff = a;
  double *l = realloc(s->lambda, (size_t)cap * sizeof(double));
  if (l) s->lambda = l;
  if (!v || !a || !l) return -1;
  s->cap = cap;
  return 0;
}

static double dot(const double *a, const double *b, int64_t d) {
  double sum = 0.0;
  for (int64_t j = 0; j < d; j++) sum += a[j] * b[j];
  return sum;
}

/* The policies the game's columns stand for. */
typedef struct {
  const int64_t *index;
  int64_t count;
} columns;

/* Appends a vertex as row n of the game: payoff[n, c] = <m, u_p> - <m, u_index[c]>. With the
 * set's value matrix, the vertex is generator k (its values are there); else it is m. */
static int add_vertex(credal__eadm_scratch *s, int64_t n, const credal__set *set, const double *m,
                      int64_t k, const double *utility, int64_t p, const columns *cols) {
  const int64_t d = s->dim;
  if (reserve(s, n + 1)) return -1;
  double *row = s->payoff + n * cols->count;
  if (set->values) {
    const double *v = set->values;
    s->ids[n] = k;
    for (int64_t c = 0; c < cols->count; c++)
      row[c] = v[p * set->nrows + k] - v[cols->index[c] * set->nrows + k];
    return 0;
  }
  memcpy(s->vertices + n * d, m, (size_t)d * sizeof(double));
  const double own = dot(m, utility + p * d, d);
  for (int64_t c = 0; c < cols->count; c++) row[c] = own - dot(m, utility + cols->index[c] * d, d);
  return 0;
}

/* The candidates other than p and its exact copies: columns of zeros add nothing but
 * degeneracy (the value with them is min(0, the value without), and tau >= 0). */
static int64_t other_columns(credal__eadm_scratch *s, const double *utility, int64_t p,
                             const int64_t *candidates, int64_t n) {
  const int64_t d = s->dim;
  int64_t count = 0;
  for (int64_t c = 0; c < n; c++) {
    const int64_t r = candidates[c];
    if (r == p || !memcmp(utility + r * d, utility + p * d, (size_t)d * sizeof(double))) continue;
    s->columns[count++] = r;
  }
  return count;
}

static int known_vertex(const credal__eadm_scratch *s, const credal__set *set, int64_t n,
                        const double *m, int64_t k) {
  for (int64_t i = 0; i < n; i++)
    if (set->values ? s->ids[i] == k
                    : !memcmp(s->vertices + i * s->dim, m, (size_t)s->dim * sizeof(double)))
      return 1;
  return 0;
}

/* The generator maximising <x_k, u_p - sum_c mu_c u_c> from the value matrix (a few columns
 * instead of d multiply-adds per generator); returns that maximum and its index in *k. */
static double best_generator(const credal__eadm_scratch *s, const credal__set *set, int64_t p,
                             const columns *cols, int64_t *k) {
  const int64_t K = set->nrows;
  double *acc = s->acc;
  memcpy(acc, set->values + p * K, (size_t)K * sizeof(double));
  for (int64_t c = 0; c < cols->count; c++) {
    const double w = s->mu[c];
    if (w == 0.0) continue;
    const double *v = set->values + cols->index[c] * K;
    for (int64_t i = 0; i < K; i++) acc[i] -= w * v[i];
  }
  int64_t best = 0;
  for (int64_t i = 1; i < K; i++)
    if (acc[i] > acc[best]) best = i;
  *k = best;
  return acc[best];
}

/* The vertex of the set maximising <m, g> into s->m; returns that maximum. */
static double best_vertex(credal__eadm_scratch *s, const credal__set *set, const double *g) {
  const int64_t d = set->dim;
  if (set->family == CREDAL_FAMILY_GENERATORS) {
    int64_t best = 0;
    double top = dot(set->rows, g, d);
    for (int64_t k = 1; k < set->nrows; k++) {
      const double v = dot(set->rows + k * d, g, d);
      if (v > top) top = v, best = k;
    }
    memcpy(s->m, set->rows + best * d, (size_t)d * sizeof(double));
    return top;
  }
  credal__utility_order(g, d, s->order);
  credal__structured_vertex(set->family, set->rows, set->scalars, set->nrows, g, d, s->order, 1,
                            s->m);
  return dot(s->m, g, d);
}

/* Room for the generator indices of the game's rows and the oracle's accumulator. */
static int reserve_ids(credal__eadm_scratch *s, int64_t K) {
  if (K <= s->ids_cap) return 0;
  int64_t *ids = realloc(s->ids, (size_t)K * sizeof(int64_t));
  if (ids) s->ids = ids;
  double *acc = realloc(s->acc, (size_t)K * sizeof(double));
  if (acc) s->acc = acc;
  if (!ids || !acc) return -1;
  s->ids_cap = K;
  return 0;
}

int credal__eadm_decide(credal__eadm_scratch *s, const credal__set *set, const double *utility,
                        int64_t p, const int64_t *candidates, int64_t n_candidates,
                        const double *seeds, int64_t n_seeds, int64_t seed_row, double tau) {
  const int64_t d = set->dim;
  const columns cols = {s->columns, other_columns(s, utility, p, candidates, n_candidates)};
  if (cols.count == 0) return 1; /* every candidate is p itself */
  int64_t n = 0;
  const int whole = set->family == CREDAL_FAMILY_GENERATORS && set->nrows <= WHOLE_GAME_ROWS;
  if (set->values && reserve_ids(s, set->nrows)) return -1;
  if (whole) {
    for (int64_t k = 0; k < set->nrows; k++)
      if (add_vertex(s, n++, set, set->rows + k * d, k, utility, p, &cols)) return -1;
  } else {
    for (int64_t i = 0; i < n_seeds; i++)
      if (add_vertex(s, n++, set, seeds + i * d, seed_row, utility, p, &cols)) return -1;
  }
  const int64_t max_rounds = 4 * (d + cols.count) + 64;
  int careful = 0; /* a second opinion once the generation stalls */
  for (int64_t round = 0;; round++) {
    double value, v_lo, v_up;
    if (credal__game_solve(&s->game, s->payoff, n, cols.count, &value, s->mu, s->lambda, careful) <
        -1)
      return -1;
    /* what the mixtures prove, whether or not the simplex settled */
    credal__game_bounds(s->payoff, n, cols.count, s->lambda, s->mu, &v_lo, &v_up);
    if (v_lo >= -tau) return 1;
    if (whole && v_up < -tau) return 0; /* every vertex is in the game */
    if (whole && !careful) {
      careful = 1;
      continue;
    }
    if (whole) return 1; /* undecided within rounding of -tau: keep (docs/math.md) */
    /* the best vertex against the gamble the minimiser's mixture leaves against p */
    double v_hi;
    int64_t k = -1;
    if (set->values) {
      v_hi = best_generator(s, set, p, &cols, &k);
    } else {
      credal__mixture_gamble(utility, d, p, cols.index, s->mu, cols.count, s->g);
      v_hi = best_vertex(s, set, s->g);
    }
    if (v_hi < -tau) return 0;
    /* a vertex already in S: in exact arithmetic then v_hi <= v_lo, so the game's solution was
     * spoilt by rounding; solve it again carefully, and if that stalls too (or out of rounds)
     * the value is within rounding of -tau and the upper bound says keep */
    if (round >= max_rounds) return 1;
    if (known_vertex(s, set, n, s->m, k)) {
      if (careful) return 1;
      careful = 1;
      continue;
    }
    if (add_vertex(s, n++, set, s->m, k, utility, p, &cols)) return -1;
  }
}

void credal__mixture_gamble(const double *utility, int64_t d, int64_t p, const int64_t *cols,
                            const double *mu, int64_t n, double *g) {
  memcpy(g, utility + p * d, (size_t)d * sizeof(double));
  for (int64_t c = 0; c < n; c++)
    if (mu[c] != 0.0)
      for (int64_t j = 0; j < d; j++) g[j] -= mu[c] * utility[cols[c] * d + j];
}

double credal__rules_tau(credal_family family, const double *rows, const double *scalars,
                         int64_t nrows, int64_t dim, double max_abs_u, double tolerance) {
  if (family != CREDAL_FAMILY_GENERATORS) return tolerance * (max_abs_u * (double)dim);
  double x = 0.0, b = 0.0;
  for (int64_t i = 0; i < nrows * dim; i++) {
    const double a = rows[i] < 0 ? -rows[i] : rows[i];
    if (a > x) x = a;
  }
  for (int64_t i = 0; scalars && i < nrows; i++) {
    const double a = scalars[i] < 0 ? -scalars[i] : scalars[i];
    if (a > b) b = a;
  }
  return tolerance * (x * max_abs_u * (double)dim + b);
}

/* The structured families' extreme members, walking g's order as their value functions do. */
static void tv_vertex(const double *c, double r, int64_t d, const int32_t *order, int upper,
                      double *m) {
  const int32_t target = credal_walk(order, d, 0, upper);
  const double room = 1.0 - c[target];
  double budget = r < room ? r : room;
  if (!(budget > 0.0)) budget = 0.0;
  memcpy(m, c, (size_t)d * sizeof(double));
  m[target] += budget;
  for (int64_t t = d - 1; t >= 1 && budget > 0.0; t--) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double have = c[j] > 0.0 ? c[j] : 0.0, take = budget < have ? budget : have;
    m[j] -= take;
    budget -= take;
  }
}

static void intervals_vertex(const double *lo, const double *hi, int64_t d, const int32_t *order,
                             int upper, double *m) {
  double rest = credal_intervals_rest(lo, d);
  memcpy(m, lo, (size_t)d * sizeof(double));
  for (int64_t t = 0; t < d && rest > 0.0; t++) {
    const int32_t j = credal_walk(order, d, t, upper);
    const double room = hi[j] - lo[j], take = rest < room ? rest : room;
    m[j] += take;
    rest -= take;
  }
}

static void belief_vertex(const double *focal, const double *mass, int64_t sets, int64_t d,
                          const int32_t *order, int upper, double *m) {
  memset(m, 0, (size_t)d * sizeof(double));
  for (int64_t r = 0; r < sets; r++)
    for (int64_t t = 0; t < d; t++) {
      const int32_t j = credal_walk(order, d, t, upper);
      if (focal[r * d + j] != 0.0) {
        m[j] += mass[r];
        break;
      }
    }
}

void credal__structured_vertex(credal_family family, const double *rows, const double *scalars,
                               int64_t nrows, const double *g, int64_t d, const int32_t *order,
                               int upper, double *m) {
  (void)g;
  switch (family) {
    case CREDAL_FAMILY_TV_BALLS:
      tv_vertex(rows, scalars[0], d, order, upper, m);
      break;
    case CREDAL_FAMILY_CONTAMINATION: {
      const double e = scalars[0];
      for (int64_t j = 0; j < d; j++) m[j] = (1.0 - e) * rows[j];
      m[credal_walk(order, d, 0, upper)] += e;
      break;
    }
    case CREDAL_FAMILY_INTERVALS:
      intervals_vertex(rows, rows + d, d, order, upper, m);
      break;
    case CREDAL_FAMILY_BELIEF:
      belief_vertex(rows, scalars, nrows, d, order, upper, m);
      break;
    default:
      memset(m, 0, (size_t)d * sizeof(double));
      break;
  }
}
