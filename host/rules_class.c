/* The decision rules for the whole class (SPEC §9): the convex hull of every hypothesis's set,
 * whose lower expectation is min_h lower_h. Gamma-maximin, Gamma-maximax, Hurwicz and interval
 * dominance follow from class_lower and class_upper; maximality from the accumulated
 * min_h lower_h(u_q - u_p); the set regret is max_h set_regret[h, p]. E-admissibility is
 * screened (not maximal: out; Gamma-maximax or E-admissible in one hypothesis: in) and what
 * stays open is decided by column generation over the class's vertices, each round one more
 * pass over the input for the vertex each open policy's gamble asks for. Also the in-memory
 * credal_rules_f64. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_tile.h"
#include "game.h"
#include "rules.h"
#include "structured.h"

typedef struct {
  credal__rules *r;
  const credal__rules_state *s;
  int64_t P, d;
  int64_t *open; /* (n_open,) policies still open */
  int64_t n_open;
  double *vertices; /* (n, d) the class members found so far */
  double *values;   /* (n, P) <m_i, u_r> */
  int64_t n, cap;
  double *gamble;         /* (n_open, d) u_p - sum_r mu_r u_r */
  int32_t *orders;        /* (n_open, d) */
  double *best;           /* (n_open,) max over the class of <m, gamble> */
  double *best_vertex;    /* (n_open, d) */
  int8_t *verdict;        /* (n_open,) -1 open, 0 out, 1 in */
  const uint8_t *maximal; /* (P,) the class-maximal policies: the games' columns */
  uint8_t *careful;       /* (n_open,) the game stalled once: solve it with Bland's rule */
  int64_t **rows_of;      /* (n_open,) each open policy's game: member ids */
  int64_t *rows_n, *rows_cap;
  credal__game *games; /* (threads,) */
  int threads;
  /* one block of the input being scanned */
  credal_family family;
  const double *rows, *scalars;
  const int64_t *offsets; /* (count+1,) relative; NULL for generator rows */
  int64_t count;
  double *scratch; /* (threads, d) */
  int failed;
  /* the input's blocks kept in memory after the first pass, when they fit cache_budget */
  struct cached_block {
    credal_family family;
    double *rows, *scalars;
    int64_t *offsets; /* NULL for generator rows */
    int64_t count;
  } * cache;
  int64_t cached;
  uint64_t cache_used, cache_budget;
  int cache_state; /* 0 filling, 1 complete, -1 abandoned (does not fit) */
} class_eadm;

static void drop_cache(class_eadm *c) {
  for (int64_t i = 0; i < c->cached; i++)
    free(c->cache[i].rows), free(c->cache[i].scalars), free(c->cache[i].offsets);
  free(c->cache);
  c->cache = NULL, c->cached = 0, c->cache_used = 0;
}

/* Keeps a copy of the block just scanned while the whole input may still fit the budget. */
static void cache_block(class_eadm *c) {
  if (c->cache_state != 0) return;
  const int64_t d = c->d, nrows = c->offsets ? c->offsets[c->count] : c->count;
  const uint64_t bytes = (uint64_t)nrows * (uint64_t)(d + 1) * 8 + (uint64_t)(c->count + 1) * 8;
  struct cached_block *grown = c->cache_used + bytes <= c->cache_budget
                                   ? realloc(c->cache, (size_t)(c->cached + 1) * sizeof *grown)
                                   : NULL;
  struct cached_block b = {c->family, malloc((size_t)(nrows * d) * 8),
                           c->scalars ? malloc((size_t)nrows * 8) : NULL,
                           c->offsets ? malloc((size_t)(c->count + 1) * 8) : NULL, c->count};
  if (grown) c->cache = grown;
  if (!grown || !b.rows || (c->scalars && !b.scalars) || (c->offsets && !b.offsets)) {
    free(b.rows), free(b.scalars), free(b.offsets);
    drop_cache(c);
    c->cache_state = -1;
    return;
  }
  memcpy(b.rows, c->rows, (size_t)(nrows * d) * 8);
  if (b.scalars) memcpy(b.scalars, c->scalars, (size_t)nrows * 8);
  if (b.offsets) memcpy(b.offsets, c->offsets, (size_t)(c->count + 1) * 8);
  c->cache[c->cached++] = b;
  c->cache_used += bytes;
}

static double dot(const double *a, const double *b, int64_t d) {
  double s = 0.0;
  for (int64_t j = 0; j < d; j++) s += a[j] * b[j];
  return s;
}

/* The id of member m in the store of members found, added (with its values against every
 * policy) when new; -1 when out of memory. */
static int64_t member_id(class_eadm *c, const double *m) {
  for (int64_t i = 0; i < c->n; i++)
    if (!memcmp(c->vertices + i * c->d, m, (size_t)c->d * 8)) return i;
  if (c->n == c->cap) {
    const int64_t cap = c->cap * 2 + 16;
    double *v = realloc(c->vertices, (size_t)(cap * c->d) * 8);
    if (v) c->vertices = v;
    double *w = realloc(c->values, (size_t)(cap * c->P) * 8);
    if (w) c->values = w;
    if (!v || !w) return -1;
    c->cap = cap;
  }
  memcpy(c->vertices + c->n * c->d, m, (size_t)c->d * 8);
  for (int64_t r = 0; r < c->P; r++)
    c->values[c->n * c->P + r] = dot(m, credal__rules_utility(c->r) + r * c->d, c->d);
  return c->n++;
}

/* Adds member m to open policy i's game; 1 when it was there already, -1 out of memory. Each
 * game grows from its own seed by its own vertices: a few rows, not every member found. */
static int add_row(class_eadm *c, int64_t i, const double *m) {
  const int64_t id = member_id(c, m);
  if (id < 0) return -1;
  for (int64_t k = 0; k < c->rows_n[i]; k++)
    if (c->rows_of[i][k] == id) return 1;
  if (c->rows_n[i] == c->rows_cap[i]) {
    const int64_t cap = c->rows_cap[i] * 2 + 4;
    int64_t *grown = realloc(c->rows_of[i], (size_t)cap * 8);
    if (!grown) return -1;
    c->rows_of[i] = grown, c->rows_cap[i] = cap;
  }
  c->rows_of[i][c->rows_n[i]++] = id;
  return 0;
}

/* Solves open policy i's game on the members found, against the class-maximal policies other
 * than p and its copies (host/rules_eadm.c says why they suffice); settles it, or leaves the
 * gamble its minimiser's mixture poses. Decisions rest on what the mixtures prove. */
static void solve_task(void *ctx, int64_t i, int thread) {
  class_eadm *c = ctx;
  if (c->verdict[i] >= 0) return;
  const int64_t P = c->P, d = c->d, p = c->open[i], R = c->rows_n[i];
  const int64_t *rows = c->rows_of[i];
  const double *u = credal__rules_utility(c->r);
  double *A = malloc((size_t)(R * P) * 8);
  double *mix = malloc((size_t)P * 8), *lambda = malloc((size_t)R * 8);
  int64_t *cols = malloc((size_t)P * 8), n_cols = 0;
  if (!A || !mix || !lambda || !cols) {
    c->failed = 1;
    goto cleanup;
  }
  for (int64_t r = 0; r < P; r++)
    if (c->maximal[r] && r != p && memcmp(u + r * d, u + p * d, (size_t)d * 8)) cols[n_cols++] = r;
  if (n_cols == 0) {
    c->verdict[i] = 1;
    goto cleanup;
  }
  for (int64_t k = 0; k < R; k++) {
    const double *v = c->values + rows[k] * P;
    for (int64_t j = 0; j < n_cols; j++) A[k * n_cols + j] = v[p] - v[cols[j]];
  }
  double value, v_lo, v_up;
  if (credal__game_solve(&c->games[thread], A, R, n_cols, &value, mix, lambda, c->careful[i]) <
      -1) {
    c->failed = 1;
    goto cleanup;
  }
  credal__game_bounds(A, R, n_cols, lambda, mix, &v_lo, &v_up);
  if (v_lo >= -c->s->tau) {
    c->verdict[i] = 1;
    goto cleanup;
  }
  credal__mixture_gamble(u, d, p, cols, mix, n_cols, c->gamble + i * d);
  credal__utility_order(c->gamble + i * d, d, c->orders + i * d);
  c->best[i] = -INFINITY;
cleanup:
  free(A), free(mix), free(lambda), free(cols);
}

/* Generator rows: every open gamble against slices of the block's rows through the cpu tiles
 * (a GEMM, not one dot product per row and gamble); each slice keeps its best row per gamble,
 * and the slices merge in order, so the lowest row wins ties whatever the threads did. */
#define SLICE_ROWS 256

typedef struct {
  class_eadm *c;
  credal__tile_policies tiles; /* the open gambles, packed */
  int64_t n_act, slices;
  int64_t *act;      /* (n_act,) open policy slots i */
  double *best;      /* (slices, n_act) */
  int64_t *best_row; /* (slices, n_act) */
  double *values;    /* (threads, SLICE_ROWS, n_act) */
} generator_scan;

static void generator_slice(void *ctx, int64_t s, int thread) {
  generator_scan *g = ctx;
  const class_eadm *c = g->c;
  const int64_t A = g->n_act, k0 = c->count * s / g->slices, k1 = c->count * (s + 1) / g->slices;
  double *v = g->values + (int64_t)thread * SLICE_ROWS * A, *best = g->best + s * A;
  int64_t *row = g->best_row + s * A;
  for (int64_t a = 0; a < A; a++) best[a] = -INFINITY, row[a] = -1;
  for (int64_t k = k0; k < k1; k += SLICE_ROWS) {
    const int64_t n = k1 - k < SLICE_ROWS ? k1 - k : SLICE_ROWS;
    credal__tile_values(&g->tiles, c->rows + k * c->d, n, 0, A, v);
    for (int64_t r = 0; r < n; r++)
      for (int64_t a = 0; a < A; a++)
        if (v[r * A + a] > best[a]) best[a] = v[r * A + a], row[a] = k + r;
  }
}

static credal_status scan_generators(class_eadm *c) {
  generator_scan g;
  memset(&g, 0, sizeof g);
  g.c = c;
  const int64_t d = c->d, threads = credal__rules_threads(c->r);
  g.act = malloc((size_t)c->n_open * 8);
  double *gambles = malloc((size_t)(c->n_open * d) * 8);
  credal_status st = CREDAL_OK;
  if (!g.act || !gambles) goto oom;
  for (int64_t i = 0; i < c->n_open; i++)
    if (c->verdict[i] < 0) {
      memcpy(gambles + g.n_act * d, c->gamble + i * d, (size_t)d * 8);
      g.act[g.n_act++] = i;
    }
  g.slices = c->count / SLICE_ROWS < 4 * threads ? c->count / SLICE_ROWS + 1 : 4 * threads;
  g.best = malloc((size_t)(g.slices * g.n_act) * 8);
  g.best_row = malloc((size_t)(g.slices * g.n_act) * 8);
  g.values = malloc((size_t)(threads * SLICE_ROWS * g.n_act) * 8);
  if (!g.best || !g.best_row || !g.values || credal__tile_pack(&g.tiles, gambles, g.n_act, d, 0))
    goto oom;
  credal__pool_run(credal__rules_pool(c->r), g.slices, 0, generator_slice, &g);
  for (int64_t s = 0; s < g.slices; s++)
    for (int64_t a = 0; a < g.n_act; a++) {
      const int64_t i = g.act[a], k = g.best_row[s * g.n_act + a];
      if (k >= 0 && g.best[s * g.n_act + a] > c->best[i])
        c->best[i] = g.best[s * g.n_act + a],
        memcpy(c->best_vertex + i * d, c->rows + k * d, (size_t)d * 8);
    }
  goto cleanup;
oom:
  st = credal__fail(CREDAL_ENOMEM, "out of memory for the class E-admissibility");
cleanup:
  credal__tile_free(&g.tiles);
  free(g.act), free(gambles), free(g.best), free(g.best_row), free(g.values);
  return st;
}

/* One open policy's best member within the block of structured sets being scanned. */
static void scan_task(void *ctx, int64_t i, int thread) {
  class_eadm *c = ctx;
  if (c->verdict[i] >= 0) return;
  const int64_t d = c->d;
  const double *g = c->gamble + i * d;
  double *m = c->scratch + (int64_t)thread * d;
  for (int64_t h = 0; h < c->count; h++) {
    const int64_t k0 = c->offsets[h], nrows = c->offsets[h + 1] - k0;
    credal__structured_vertex(c->family, c->rows + k0 * d, c->scalars ? c->scalars + k0 : NULL,
                              nrows, g, d, c->orders + i * d, 1, m);
    const double v = dot(m, g, d);
    if (v > c->best[i]) c->best[i] = v, memcpy(c->best_vertex + i * d, m, (size_t)d * 8);
  }
}

/* One pass over the input (or its copy in memory): every open policy's best member of the
 * class for its gamble. */
static credal_status scan_input(class_eadm *c, credal_input *in, uint64_t chunk_bytes) {
  if (c->cache_state == 1) {
    credal_status st = CREDAL_OK;
    for (int64_t i = 0; i < c->cached && !st; i++) {
      const struct cached_block *b = &c->cache[i];
      c->family = b->family, c->rows = b->rows, c->scalars = b->scalars;
      c->offsets = b->offsets, c->count = b->count;
      if (!c->offsets)
        st = scan_generators(c);
      else
        credal__pool_run(credal__rules_pool(c->r), c->n_open, 0, scan_task, c);
    }
    return st;
  }
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t d = c->d;
  int64_t rows_cap = (int64_t)(chunk_bytes / (uint64_t)(d * 8 + 8));
  if (rows_cap < 2) rows_cap = 2;
  double *rows = malloc((size_t)(rows_cap * d) * 8), *scalars = malloc((size_t)rows_cap * 8);
  int64_t *offsets = malloc((size_t)(rows_cap + 1) * 8);
  credal_status st = CREDAL_OK;
  if (!rows || !scalars || !offsets)
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the class E-admissibility");
  c->rows = rows, c->scalars = scalars;
  for (int f = 0; !st && f < CREDAL_FAMILY_COUNT; f++) {
    const int64_t Hf = s->family_hypotheses[f];
    c->family = (credal_family)f;
    if (f == CREDAL_FAMILY_GENERATORS) {
      c->offsets = NULL;
      for (int64_t k0 = 0; !st && k0 < s->generators && Hf > 0; k0 += rows_cap) {
        c->count = s->generators - k0 < rows_cap ? s->generators - k0 : rows_cap;
        if (!(st = credal__input_family_rows(in, CREDAL_FAMILY_GENERATORS, k0, c->count, rows,
                                             NULL))) {
          c->scalars = NULL;
          if (!(st = scan_generators(c))) cache_block(c);
        }
      }
      continue;
    }
    for (int64_t i0 = 0; !st && i0 < Hf;) {
      /* as many hypotheses as fit (a structured set has at least one row; one always goes) */
      int64_t n = Hf - i0 < rows_cap / 2 ? Hf - i0 : rows_cap / 2;
      if (n < 1) n = 1;
      if ((st = credal__input_family_offsets(in, c->family, i0, n, offsets))) break;
      while (n > 1 && offsets[n] - offsets[0] > rows_cap) n /= 2;
      const int64_t first = offsets[0], nrows = offsets[n] - first;
      if (nrows > rows_cap) {
        st = credal__fail(CREDAL_EUSAGE,
                          "%s hypothesis %lld has %lld rows, more than the class "
                          "E-admissibility holds at this --memory; raise --memory",
                          credal_family_name(c->family), (long long)i0, (long long)nrows);
        break;
      }
      for (int64_t h = 0; h <= n; h++) offsets[h] -= first;
      c->offsets = offsets, c->count = n;
      c->scalars = f == CREDAL_FAMILY_INTERVALS ? NULL : scalars;
      if (!(st = credal__input_family_rows(in, c->family, first, nrows, rows,
                                           f == CREDAL_FAMILY_INTERVALS ? NULL : scalars))) {
        credal__pool_run(credal__rules_pool(c->r), c->n_open, 0, scan_task, c);
        cache_block(c);
      }
      i0 += n;
    }
  }
  free(rows), free(scalars), free(offsets);
  if (!st && c->cache_state == 0) c->cache_state = 1;
  return st;
}

static void class_eadm_free(class_eadm *c) {
  free(c->open), free(c->vertices), free(c->values), free(c->gamble), free(c->orders);
  free(c->best), free(c->best_vertex), free(c->verdict), free(c->scratch);
  for (int64_t i = 0; c->rows_of && i < c->n_open; i++) free(c->rows_of[i]);
  free(c->rows_of), free(c->rows_n), free(c->rows_cap), free(c->careful);
  for (int t = 0; c->games && t < c->threads; t++) credal__game_free(&c->games[t]);
  free(c->games);
  drop_cache(c);
}

/* Decides the policies left open (e[p] == 2) by column generation over the class's members,
 * starting from the members attaining each policy's class upper expectation. */
static credal_status class_e_admissibility(credal__rules *r, credal_input *in, uint64_t chunk_bytes,
                                           uint64_t cache_bytes, const uint8_t *maximal, uint8_t *e,
                                           int64_t *passes) {
  const credal__rules_state *s = credal__rules_accumulated(r);
  class_eadm c;
  memset(&c, 0, sizeof c);
  c.r = r, c.s = s, c.P = s->policies, c.d = s->dim, c.maximal = maximal;
  c.cache_budget = cache_bytes;
  const int64_t P = c.P, d = c.d;
  credal_status st = CREDAL_OK;
  c.threads = credal__rules_threads(r);
  c.open = malloc((size_t)P * 8), c.gamble = malloc((size_t)(P * d) * 8);
  c.orders = malloc((size_t)(P * d) * 4), c.best = malloc((size_t)P * 8);
  c.best_vertex = malloc((size_t)(P * d) * 8), c.verdict = malloc((size_t)P);
  c.scratch = malloc((size_t)(c.threads * d) * 8);
  c.games = calloc((size_t)c.threads, sizeof *c.games);
  c.rows_of = calloc((size_t)P, sizeof *c.rows_of);
  c.rows_n = calloc((size_t)P, 8), c.rows_cap = calloc((size_t)P, 8);
  c.careful = calloc((size_t)P, 1);
  if (!c.careful || !c.open || !c.gamble || !c.orders || !c.best || !c.best_vertex || !c.verdict ||
      !c.scratch || !c.games || !c.rows_of || !c.rows_n || !c.rows_cap) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the class E-admissibility");
    goto cleanup;
  }
  for (int64_t p = 0; p < P; p++) /* each game starts at its policy's class-upper member */
    if (e[p] == 2) {
      c.open[c.n_open] = p, c.verdict[c.n_open] = -1;
      if (add_row(&c, c.n_open++, s->upper_vertex + p * d) < 0) {
        st = credal__fail(CREDAL_ENOMEM, "out of memory for the class E-admissibility");
        goto cleanup;
      }
    }
  const int64_t max_passes = 4 * (d + P) + 64;
  for (*passes = 0;; ++*passes) {
    if (credal__rules_interrupted(r)) { /* each pass may read the whole input again */
      st = credal__fail(CREDAL_EINTERRUPTED, "interrupted in the class's E-admissibility");
      goto cleanup;
    }
    credal__pool_run(credal__rules_pool(r), c.n_open, 0, solve_task, &c);
    if (c.failed) {
      st = credal__fail(CREDAL_ENOMEM, "out of memory for the class E-admissibility games");
      goto cleanup;
    }
    int64_t left = 0;
    for (int64_t i = 0; i < c.n_open; i++) left += c.verdict[i] < 0;
    if (!left) break;
    if ((st = scan_input(&c, in, chunk_bytes))) goto cleanup;
    for (int64_t i = 0; i < c.n_open; i++) {
      if (c.verdict[i] >= 0) continue;
      if (c.best[i] < -s->tau) {
        c.verdict[i] = 0;
        continue;
      }
      /* a member already in the game, or out of rounds: within rounding of -tau; keep */
      const int known = *passes >= max_passes ? 1 : add_row(&c, i, c.best_vertex + i * d);
      if (known < 0) {
        st = credal__fail(CREDAL_ENOMEM, "out of memory for the class E-admissibility");
        goto cleanup;
      }
      if (known && c.careful[i])
        c.verdict[i] = 1;
      else if (known)
        c.careful[i] = 1; /* rounding spoilt the game: a second opinion first */
    }
  }
  for (int64_t i = 0; i < c.n_open; i++) e[c.open[i]] = (uint8_t)c.verdict[i];
cleanup:
  class_eadm_free(&c);
  return st;
}

void credal__rules_class_free(credal__rules_class *c) {
  if (!c) return;
  free(c->masks);
  free(c->set_regret);
  memset(c, 0, sizeof *c);
}

credal_status credal__rules_finish(credal__rules *r, const double *class_lower, credal_input *in,
                                   uint64_t chunk_bytes, uint64_t cache_bytes,
                                   credal__rules_class *out) {
  const credal__rules_state *s = credal__rules_accumulated(r);
  const int64_t P = s->policies;
  const double tau = s->tau, *lo = class_lower, *up = s->class_upper;
  memset(out, 0, sizeof *out);
  out->set_minimax_regret = -1;
  out->masks = calloc((size_t)(CREDAL_RULE_COUNT * P), 1);
  if (!out->masks) return credal__fail(CREDAL_ENOMEM, "out of memory for the class rules");
  uint8_t *m[CREDAL_RULE_COUNT];
  for (int rule = 0; rule < CREDAL_RULE_COUNT; rule++) m[rule] = out->masks + rule * P;
  credal__interval_rules(lo, up, P, credal__rules_hurwicz(r), tau, m[CREDAL_RULE_GAMMA_MAXIMIN],
                         m[CREDAL_RULE_GAMMA_MAXIMAX], m[CREDAL_RULE_HURWICZ],
                         m[CREDAL_RULE_INTERVAL_DOMINANCE]);
  for (int64_t p = 0; p < P; p++) {
    uint8_t maximal = m[CREDAL_RULE_INTERVAL_DOMINANCE][p];
    if (maximal && s->pair_min && !m[CREDAL_RULE_GAMMA_MAXIMIN][p] &&
        !m[CREDAL_RULE_GAMMA_MAXIMAX][p])
      for (int64_t q = 0; q < P && maximal; q++)
        if (q != p && s->pair_min[q * P + p] > tau) maximal = 0;
    m[CREDAL_RULE_MAXIMAL][p] = maximal;
    /* E-admissible: out when not maximal, in when Gamma-maximax or so in one hypothesis */
    m[CREDAL_RULE_E_ADMISSIBLE][p] = !maximal                                                ? 0
                                     : m[CREDAL_RULE_GAMMA_MAXIMAX][p] || s->e_admissible[p] ? 1
                                                                                             : 2;
  }
  const unsigned asked = credal__rules_asked(r);
  credal_status st = CREDAL_OK;
  if (asked & (1u << CREDAL_RULE_E_ADMISSIBLE))
    st = class_e_admissibility(r, in, chunk_bytes, cache_bytes, m[CREDAL_RULE_MAXIMAL],
                               m[CREDAL_RULE_E_ADMISSIBLE], &out->passes);
  for (int rule = 0; rule < CREDAL_RULE_COUNT; rule++)
    if (!(asked & (1u << rule))) memset(m[rule], 0, (size_t)P);
  if (!st && (asked & CREDAL_RULES_SET_REGRET)) {
    if (!(out->set_regret = malloc((size_t)P * 8)))
      return credal__fail(CREDAL_ENOMEM, "out of memory");
    memcpy(out->set_regret, s->set_regret, (size_t)P * 8);
    out->set_minimax_regret = 0;
    for (int64_t p = 1; p < P; p++)
      if (s->set_regret[p] < s->set_regret[out->set_minimax_regret]) out->set_minimax_regret = p;
  }
  return st;
}

credal_status credal_rules_f64(credal_family family, const credal_batch_f64 *batch, unsigned rules,
                               double hurwicz, uint8_t *masks, double *set_regret) {
  credal__clear_error();
  if (!batch || !masks || family < 0 || family >= CREDAL_FAMILY_COUNT || batch->hypotheses < 0 ||
      batch->policies < 1 || batch->dim < 1 || !(hurwicz >= 0.0 && hurwicz <= 1.0) ||
      (rules & ~CREDAL_RULES_ALL))
    return credal__fail(CREDAL_EUSAGE, "credal_rules_f64: invalid arguments");
  const int64_t H = batch->hypotheses, P = batch->policies;
  const size_t hp = (size_t)(H * P);
  double *lower = malloc((hp ? hp : 1) * 8), *upper = malloc((hp ? hp : 1) * 8);
  int32_t *argmin = malloc((hp ? hp : 1) * 4), *argmax = malloc((hp ? hp : 1) * 4);
  double *sr = set_regret ? set_regret : malloc((hp ? hp : 1) * 8);
  credal__rules *r = NULL;
  credal_status st = CREDAL_OK;
  if (!lower || !upper || !argmin || !argmax || !sr) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((st = credal_family_lower_f64(CREDAL_BACKEND_REFERENCE, family, batch, lower, argmin, upper,
                                    argmax)))
    goto cleanup;
  const credal__rules_config config = {P, batch->dim, batch->utility, rules, hurwicz, 1e-12, 1, 0, NULL};
  if ((st = credal__rules_create(&config, &r))) goto cleanup;
  st = credal__rules_chunk(r, family, H, batch->offsets, batch->points, batch->constants, lower,
                           upper, argmax, masks, sr, NULL);
cleanup:
  credal__rules_destroy(r);
  free(lower), free(upper), free(argmin), free(argmax);
  if (sr != set_regret) free(sr);
  return st;
}
