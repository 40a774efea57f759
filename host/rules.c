/* Imprecise decision rules per hypothesis and their class accumulators; see rules.h. */
#include "backend.h"
#include "rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_tile.h"
#include "structured.h"

/* Every value here is finite (the pipeline refuses others first): plain comparisons, which
 * inline and vectorise, rather than libm's NaN-aware fmin/fmax calls. */
static inline double max2(double a, double b) {
  return a > b ? a : b;
}
static inline double min2(double a, double b) {
  return a < b ? a : b;
}

#define V_BLOCK_BYTES ((uint64_t)512 << 10) /* the value matrix is computed this much at a time */

static const char *const rule_names[CREDAL_RULE_COUNT] = {
    "gamma_maximin", "gamma_maximax", "hurwicz", "interval_dominance", "maximal", "e_admissible"};

const char *credal_rule_name(credal_rule rule) {
  return (unsigned)rule < CREDAL_RULE_COUNT ? rule_names[rule] : NULL;
}

credal_status credal_rules_parse(const char *text, unsigned *rules) {
  *rules = 0;
  if (!text) return CREDAL_OK;
  if (!strcmp(text, "all")) return *rules = CREDAL_RULES_ALL, CREDAL_OK;
  if (!strcmp(text, "none")) return CREDAL_OK;
  const char *word = text;
  while (*word) {
    const size_t len = strcspn(word, ",");
    unsigned flag = 0;
    for (int r = 0; r < CREDAL_RULE_COUNT && !flag; r++)
      if (strlen(rule_names[r]) == len && !strncmp(word, rule_names[r], len)) flag = 1u << r;
    if (!flag && len == strlen("set_regret") && !strncmp(word, "set_regret", len))
      flag = CREDAL_RULES_SET_REGRET;
    if (!flag)
      return credal__fail(CREDAL_EUSAGE,
                          "--rules: unknown rule '%.*s' (want all, none, or a comma-separated "
                          "list of gamma_maximin, gamma_maximax, hurwicz, interval_dominance, "
                          "maximal, e_admissible, set_regret)",
                          (int)len, word);
    *rules |= flag;
    word += len;
    if (*word == ',') word++;
  }
  return CREDAL_OK;
}

int credal__rules_pairwise(unsigned rules) {
  return (rules & ((1u << CREDAL_RULE_MAXIMAL) | (1u << CREDAL_RULE_E_ADMISSIBLE) |
                   CREDAL_RULES_SET_REGRET)) != 0;
}

/* One thread's scratch. */
typedef struct {
  double *values;        /* (block, P) v[k, p] of a block of generators */
  double *columns;       /* (P, block) the same transposed: a pair reads two contiguous rows */
  double *pair;          /* (P, P) [q*P+p] = lower_h(u_q - u_p) where evaluated */
  uint8_t *need;         /* (P, P) which of them to evaluate */
  double *pair_min;      /* (P, P) this thread's copy of the class accumulator */
  uint8_t *flags;        /* (P,) per policy: bit 0 optimal at some generator */
  int64_t *candidates;   /* (P,) the maximal policies */
  double *diff, *vertex; /* (d,) */
  int32_t *order;        /* (d,) */
  credal__eadm_scratch *eadm;
} worker;

struct credal__rules {
  credal__rules_config config;
  double *utility; /* (P, d) */
  double max_abs_u;
  unsigned rules; /* asked, plus what they need */
  int64_t block;  /* generators per block of the value matrix */
  credal__tile_policies tiles;
  credal__pool *pool;
  int threads;
  worker *workers;
  credal__rules_state state;
};

uint64_t credal__rules_bytes_per_hypothesis(int64_t policies, unsigned rules) {
  return (uint64_t)policies * (CREDAL_RULE_COUNT + ((rules & CREDAL_RULES_SET_REGRET) ? 8 : 0)) + 8;
}

static int64_t block_of(int64_t P) {
  const int64_t b = (int64_t)(V_BLOCK_BYTES / 8) / (P > 0 ? P : 1);
  return b < 8 ? 8 : b;
}

uint64_t credal__rules_bytes(int64_t policies, int64_t dim, unsigned rules, int threads) {
  const uint64_t P = (uint64_t)policies, d = (uint64_t)dim,
                 pairs = credal__rules_pairwise(rules) ? P * P : 0;
  const uint64_t per_thread =
      2 * V_BLOCK_BYTES + P * 8 * 8 + pairs * 17 + P + d * 24 +
      /* E-admissibility's games: a few hundred vertices of P */
      (rules & (1u << CREDAL_RULE_E_ADMISSIBLE) ? (256 + d) * (P + d) * 16 : 0);
  return P * d * 8 * 3 + P * 24 + pairs * 8 + (uint64_t)(threads > 0 ? threads : 1) * per_thread;
}

static void worker_free(worker *w) {
  free(w->values), free(w->columns), free(w->pair), free(w->need), free(w->pair_min);
  free(w->flags), free(w->diff), free(w->vertex), free(w->order), free(w->candidates);
  credal__eadm_scratch_free(w->eadm);
}

static int worker_init(worker *w, const credal__rules *r) {
  const size_t P = (size_t)r->config.policies, d = (size_t)r->config.dim, B = (size_t)r->block;
  const size_t pairs = credal__rules_pairwise(r->rules) ? P * P : 1;
  memset(w, 0, sizeof *w);
  w->values = malloc(B * P * 8), w->columns = malloc(B * P * 8);
  w->pair = malloc(pairs * 8), w->need = malloc(pairs), w->pair_min = malloc(pairs * 8);
  w->flags = malloc(P), w->diff = malloc(d * 8), w->vertex = malloc(d * 8);
  w->order = malloc(d * 4), w->candidates = malloc(P * 8);
  w->eadm = credal__eadm_scratch_new((int64_t)P, (int64_t)d);
  return w->values && w->columns && w->pair && w->need && w->pair_min && w->flags && w->diff &&
                 w->vertex && w->order && w->eadm && w->candidates
             ? 0
             : -1;
}

static credal_status state_init(const credal__rules *r, credal__rules_state *s) {
  const size_t P = (size_t)r->config.policies, d = (size_t)r->config.dim;
  s->policies = (int64_t)P, s->dim = (int64_t)d, s->rules = r->rules, s->tau = 0.0;
  s->class_upper = malloc(P * 8), s->set_regret = malloc(P * 8), s->e_admissible = calloc(P, 1);
  s->upper_vertex = calloc(P * d, 8);
  s->pair_min = credal__rules_pairwise(r->rules) ? malloc(P * P * 8) : NULL;
  if (!s->class_upper || !s->set_regret || !s->e_admissible || !s->upper_vertex ||
      (credal__rules_pairwise(r->rules) && !s->pair_min))
    return credal__fail(CREDAL_ENOMEM,
                        "out of memory for the decision rules' (%zu, %zu) "
                        "accumulators",
                        P, P);
  for (size_t p = 0; p < P; p++) s->class_upper[p] = -INFINITY, s->set_regret[p] = 0.0;
  for (size_t i = 0; s->pair_min && i < P * P; i++) s->pair_min[i] = INFINITY;
  for (size_t p = 0; s->pair_min && p < P; p++) s->pair_min[p * P + p] = 0.0;
  return CREDAL_OK;
}

credal_status credal__rules_create(const credal__rules_config *config, credal__rules **out) {
  *out = NULL;
  credal__rules *r = calloc(1, sizeof *r);
  if (!r) return credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules");
  r->config = *config;
  r->rules = config->rules;
  /* E-admissibility is screened by maximality, maximality by interval dominance and the
   * Gamma rules */
  if (r->rules & (1u << CREDAL_RULE_E_ADMISSIBLE)) r->rules |= 1u << CREDAL_RULE_MAXIMAL;
  if (r->rules & (1u << CREDAL_RULE_MAXIMAL))
    r->rules |= (1u << CREDAL_RULE_INTERVAL_DOMINANCE) | (1u << CREDAL_RULE_GAMMA_MAXIMIN) |
                (1u << CREDAL_RULE_GAMMA_MAXIMAX);
  const int64_t P = config->policies, d = config->dim;
  r->block = block_of(P);
  credal_status st = CREDAL_OK;
  r->utility = malloc((size_t)P * (size_t)d * sizeof(double));
  if (!r->utility || credal__tile_pack(&r->tiles, config->utility, P, d, 0)) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules' policies");
    goto fail;
  }
  memcpy(r->utility, config->utility, (size_t)P * (size_t)d * sizeof(double));
  for (int64_t i = 0; i < P * d; i++) r->max_abs_u = max2(r->max_abs_u, fabs(r->utility[i]));
  r->threads = config->threads > 0 ? config->threads : credal__pool_cores(1);
  if ((st = credal__pool_create(r->threads, &r->pool))) goto fail;
  if (!(r->workers = calloc((size_t)r->threads, sizeof *r->workers))) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules");
    goto fail;
  }
  for (int t = 0; t < r->threads; t++)
    if (worker_init(&r->workers[t], r)) {
      st = credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules' scratch (P=%lld)",
                        (long long)P);
      goto fail;
    }
  if ((st = state_init(r, &r->state))) goto fail;
  *out = r;
  return CREDAL_OK;
fail:
  credal__rules_destroy(r);
  return st;
}

void credal__rules_destroy(credal__rules *r) {
  if (!r) return;
  for (int t = 0; r->workers && t < r->threads; t++) worker_free(&r->workers[t]);
  free(r->workers);
  credal__pool_destroy(r->pool);
  credal__tile_free(&r->tiles);
  free(r->utility);
  credal__rules_state_free(&r->state);
  free(r);
}

void credal__rules_state_free(credal__rules_state *s) {
  free(s->class_upper), free(s->set_regret), free(s->pair_min), free(s->e_admissible);
  free(s->upper_vertex);
  memset(s, 0, sizeof *s);
}

credal_status credal__rules_state_alloc(const credal__rules *r, credal__rules_state *s) {
  memset(s, 0, sizeof *s);
  const credal_status st = state_init(r, s);
  if (st) credal__rules_state_free(s);
  return st;
}

void credal__rules_merge(credal__rules *r, const credal__rules_state *later) {
  credal__rules_state *s = &r->state;
  const int64_t P = s->policies, d = s->dim;
  s->tau = max2(s->tau, later->tau);
  for (int64_t p = 0; p < P; p++) {
    if (later->class_upper[p] >
        s->class_upper[p]) { /* strictly: the earlier hypothesis keeps ties */
      s->class_upper[p] = later->class_upper[p];
      memcpy(s->upper_vertex + p * d, later->upper_vertex + p * d, (size_t)d * sizeof(double));
    }
    s->set_regret[p] = max2(s->set_regret[p], later->set_regret[p]);
    s->e_admissible[p] |= later->e_admissible[p];
  }
  for (int64_t a = 0; s->pair_min && a < P * P; a++)
    s->pair_min[a] = min2(s->pair_min[a], later->pair_min[a]);
}

credal__rules_state *credal__rules_accumulated(credal__rules *r) {
  return &r->state;
}
int credal__rules_interrupted(const credal__rules *r) {
  return r->config.interrupt && *r->config.interrupt;
}

const double *credal__rules_utility(const credal__rules *r) {
  return r->utility;
}
credal__pool *credal__rules_pool(const credal__rules *r) {
  return r->pool;
}
int credal__rules_threads(const credal__rules *r) {
  return r->threads;
}
unsigned credal__rules_asked(const credal__rules *r) {
  return r->config.rules;
}
double credal__rules_hurwicz(const credal__rules *r) {
  return r->config.hurwicz;
}

/* ---- one chunk ---- */

typedef struct {
  credal__rules *r;
  credal_family family;
  int64_t count;
  const int64_t *offsets;
  const double *rows, *scalars, *lower, *upper;
  const int32_t *argmax;
  uint8_t *masks;     /* (CREDAL_RULE_COUNT, count, P) */
  double *set_regret; /* (count, P) or NULL */
  double *tau;        /* (count,) */
  volatile int failed;
  const credal__pairs_job *device; /* the pairs a backend evaluated (NULL: the host does) */
} chunk_job;

static uint8_t *mask_row(const chunk_job *j, int rule, int64_t i) {
  return j->masks + ((int64_t)rule * j->count + i) * j->r->config.policies;
}

void credal__interval_rules(const double *lo, const double *up, int64_t P, double alpha, double tau,
                            uint8_t *gmin, uint8_t *gmax, uint8_t *hur, uint8_t *idom) {
  double max_lo = -INFINITY, max_up = -INFINITY, max_mix = -INFINITY;
  for (int64_t p = 0; p < P; p++) {
    max_lo = max2(max_lo, lo[p]), max_up = max2(max_up, up[p]);
    max_mix = max2(max_mix, alpha * up[p] + (1.0 - alpha) * lo[p]);
  }
  for (int64_t p = 0; p < P; p++) {
    gmin[p] = lo[p] >= max_lo - tau;
    gmax[p] = up[p] >= max_up - tau;
    hur[p] = alpha * up[p] + (1.0 - alpha) * lo[p] >= max_mix - tau;
    idom[p] = !(max_lo > up[p] + tau);
  }
}

/* The rules that compare lower, upper and the Hurwicz mix with their maxima. */
static void interval_rules(const chunk_job *j, int64_t i, double tau) {
  const int64_t P = j->r->config.policies;
  credal__interval_rules(
      j->lower + i * P, j->upper + i * P, P, j->r->config.hurwicz, tau,
      mask_row(j, CREDAL_RULE_GAMMA_MAXIMIN, i), mask_row(j, CREDAL_RULE_GAMMA_MAXIMAX, i),
      mask_row(j, CREDAL_RULE_HURWICZ, i), mask_row(j, CREDAL_RULE_INTERVAL_DOMINANCE, i));
}

/* Bounds on lower_h(u_q - u_p) from the interval [lower, upper] of each policy. */
static double pair_upper_bound(const double *lo, const double *up, int64_t q, int64_t p) {
  return min2(up[q] - up[p], lo[q] - lo[p]);
}

/* Whether p still needs pairs to settle its maximality (the Gamma rules and interval
 * dominance settle the rest without any). */
static int maximality_open(const chunk_job *j, int64_t i, int64_t p) {
  return mask_row(j, CREDAL_RULE_INTERVAL_DOMINANCE, i)[p] &&
         !mask_row(j, CREDAL_RULE_GAMMA_MAXIMIN, i)[p] &&
         !mask_row(j, CREDAL_RULE_GAMMA_MAXIMAX, i)[p];
}

/* The lower bound on set_regret[p]: max_q max(upper[q] - upper[p], lower[q] - lower[p]) >= 0. */
static double set_regret_bound(const double *lo, const double *up, int64_t P, int64_t p) {
  double lb = 0.0;
  for (int64_t q = 0; q < P; q++) lb = max2(lb, max2(up[q] - up[p], lo[q] - lo[p]));
  return lb;
}

/* What the class accumulator needs of pair (q, p): nothing (0), to learn that q cannot
 * dominate p in the class (1: the bound says so), or the pair's value (2). */
static int class_need(const worker *w, const double *lo, const double *up, int64_t P, int64_t q,
                      int64_t p) {
  const double pm = w->pair_min[q * P + p];
  if (q == p || !(pm > 0.0)) return 0;
  if (pair_upper_bound(lo, up, q, p) <= 0.0) return 1;
  return lo[q] - up[p] < pm ? 2 : 0; /* else it cannot lower the minimum */
}

/* The candidates for the set regret of p: upper_h(u_q - u_p) may exceed the bound lb. */
static int set_regret_candidate(const double *lo, const double *up, int64_t q, int64_t p,
                                double lb) {
  return q != p && up[q] - lo[p] > lb;
}

/* Marks in w->need every pair the rules may ask for, when they must be evaluated up front (a
 * hypothesis too large for one block of the value matrix: the blocks pass once). */
static void plan_pairs(const chunk_job *j, worker *w, int64_t i, double tau) {
  const int64_t P = j->r->config.policies;
  const double *lo = j->lower + i * P, *up = j->upper + i * P;
  memset(w->need, 0, (size_t)(P * P));
  for (int64_t p = 0; p < P; p++) {
    const double lb = j->set_regret ? set_regret_bound(lo, up, P, p) : 0.0;
    for (int64_t q = 0; q < P; q++) {
      if (maximality_open(j, i, p) && q != p && pair_upper_bound(lo, up, q, p) > tau)
        w->need[q * P + p] = 1;
      if (j->set_regret && set_regret_candidate(lo, up, q, p, lb)) w->need[p * P + q] = 1;
      if (class_need(w, lo, up, P, q, p) == 2) w->need[q * P + p] = 1;
    }
  }
}

/* min and max over k of a[k] - b[k], four lanes at a time (cloned per vector width). */
CREDAL_VECTOR_CLONES
static void min_max_difference(const double *a, const double *b, int64_t n, double *mn,
                               double *mx) {
  double lo[4] = {INFINITY, INFINITY, INFINITY, INFINITY},
         hi[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int64_t k = 0;
  for (; k + 4 <= n; k += 4)
    for (int l = 0; l < 4; l++) {
      const double v = a[k + l] - b[k + l];
      lo[l] = v < lo[l] ? v : lo[l];
      hi[l] = v > hi[l] ? v : hi[l];
    }
  for (; k < n; k++) {
    const double v = a[k] - b[k];
    lo[0] = v < lo[0] ? v : lo[0];
    hi[0] = v > hi[0] ? v : hi[0];
  }
  *mn = min2(min2(lo[0], lo[1]), min2(lo[2], lo[3]));
  *mx = max2(max2(hi[0], hi[1]), max2(hi[2], hi[3]));
}

/* Generators: the value matrix a block of generators at a time, transposed into w->columns
 * (P, block); flags the policies optimal (within tau) at some generator, E-admissible without
 * more. A hypothesis of one block keeps it for pair_lower; a larger one evaluates the planned
 * pairs block by block. */
static void generator_values(const chunk_job *j, worker *w, const double *rows, int64_t nrows,
                             double tau, int planned) {
  const credal__rules *r = j->r;
  const int64_t P = r->config.policies, d = r->config.dim;
  if (planned)
    for (int64_t a = 0; a < P * P; a++)
      if (w->need[a]) w->pair[a] = INFINITY, w->pair[(a % P) * P + a / P] = INFINITY;
  memset(w->flags, 0, (size_t)P);
  for (int64_t k0 = 0; k0 < nrows; k0 += r->block) {
    const int64_t n = nrows - k0 < r->block ? nrows - k0 : r->block;
    credal__tile_values(&r->tiles, rows + k0 * d, n, 0, P, w->values);
    for (int64_t k = 0; k < n; k++) {
      const double *v = w->values + k * P;
      double top = v[0];
      for (int64_t p = 1; p < P; p++) top = max2(top, v[p]);
      for (int64_t p = 0; p < P; p++) {
        w->flags[p] |= v[p] >= top - tau;
        w->columns[p * n + k] = v[p];
      }
    }
    for (int64_t a = 0; planned && a < P; a++)
      for (int64_t b = a + 1; b < P; b++) {
        if (!w->need[a * P + b] && !w->need[b * P + a]) continue;
        double mn, mx;
        min_max_difference(w->columns + a * n, w->columns + b * n, n, &mn, &mx);
        w->pair[a * P + b] = min2(w->pair[a * P + b], mn);  /* lower_h(u_a - u_b) */
        w->pair[b * P + a] = min2(w->pair[b * P + a], -mx); /* lower_h(u_b - u_a) */
      }
  }
  if (planned) /* every planned pair now holds both directions */
    for (int64_t a = 0; a < P * P; a++)
      if (w->need[a]) w->need[(a % P) * P + a / P] = 1;
}

/* lower_h(u_q - u_p), evaluated on first use with its mirror lower_h(u_p - u_q) (w->need marks
 * what is known): from the value matrix for generators, by the greedy pass on the difference
 * gamble for the structured sets. */
static double pair_lower(const chunk_job *j, worker *w, const double *rows, const double *scalars,
                         int64_t nrows, int64_t q, int64_t p) {
  const int64_t P = j->r->config.policies, d = j->r->config.dim;
  if (w->need[q * P + p]) return w->pair[q * P + p];
  if (j->family == CREDAL_FAMILY_GENERATORS) {
    double mn, mx;
    min_max_difference(w->columns + q * nrows, w->columns + p * nrows, nrows, &mn, &mx);
    w->pair[q * P + p] = mn, w->pair[p * P + q] = -mx;
  } else {
    const double *u = j->r->utility;
    for (int64_t k = 0; k < d; k++) w->diff[k] = u[q * d + k] - u[p * d + k];
    credal__utility_order(w->diff, d, w->order);
    w->pair[q * P + p] =
        credal_structured_value(j->family, rows, scalars, nrows, w->diff, d, w->order, 0);
    w->pair[p * P + q] =
        -credal_structured_value(j->family, rows, scalars, nrows, w->diff, d, w->order, 1);
  }
  w->need[q * P + p] = w->need[p * P + q] = 1;
  return w->pair[q * P + p];
}

/* Maximality (the first dominator found settles p), the set regret (candidates by branch and
 * bound: the one with the largest bound first, then only those whose bound still beats the
 * best found) and the class minima. Only the pairs the bounds leave open are evaluated. */
static void conclude_pairs(const chunk_job *j, worker *w, int64_t i, double tau, const double *rows,
                           const double *scalars, int64_t nrows) {
  const int64_t P = j->r->config.policies;
  const double *lo = j->lower + i * P, *up = j->upper + i * P;
  uint8_t *maximal = mask_row(j, CREDAL_RULE_MAXIMAL, i);
  for (int64_t p = 0; p < P; p++) {
    maximal[p] = mask_row(j, CREDAL_RULE_INTERVAL_DOMINANCE, i)[p];
    if (maximality_open(j, i, p))
      for (int64_t q = 0; q < P && maximal[p]; q++)
        if (q != p && pair_upper_bound(lo, up, q, p) > tau &&
            pair_lower(j, w, rows, scalars, nrows, q, p) > tau)
          maximal[p] = 0;
  }
  for (int64_t p = 0; j->set_regret && p < P; p++) {
    const double lb = set_regret_bound(lo, up, P, p);
    int64_t first = -1; /* upper_h(u_q - u_p) = -lower_h(u_p - u_q) <= upper[q] - lower[p] */
    for (int64_t q = 0; q < P; q++)
      if (set_regret_candidate(lo, up, q, p, lb) && (first < 0 || up[q] > up[first])) first = q;
    double best = lb;
    if (first >= 0) best = max2(best, -pair_lower(j, w, rows, scalars, nrows, p, first));
    for (int64_t q = 0; q < P; q++)
      if (q != first && set_regret_candidate(lo, up, q, p, best))
        best = max2(best, -pair_lower(j, w, rows, scalars, nrows, p, q));
    j->set_regret[i * P + p] = best;
  }
  for (int64_t p = 0; p < P; p++)
    for (int64_t q = 0; q < P; q++) {
      const int need = class_need(w, lo, up, P, q, p);
      double *pm = &w->pair_min[q * P + p];
      if (need == 1)
        *pm = pair_upper_bound(lo, up, q, p); /* q cannot dominate p */
      else if (need == 2)
        *pm = min2(*pm, pair_lower(j, w, rows, scalars, nrows, q, p));
    }
}

/* The generator attaining upper[p] (0 when unknown). */
static int64_t upper_generator(const chunk_job *j, int64_t i, int64_t nrows, int64_t p) {
  const int64_t k = j->argmax ? j->argmax[i * j->r->config.policies + p] : 0;
  return k >= 0 && k < nrows ? k : 0;
}

/* The member of the set attaining upper[p], a first vertex for p's E-admissibility game. */
static const double *upper_vertex(const chunk_job *j, worker *w, int64_t i, const double *rows,
                                  const double *scalars, int64_t nrows, int64_t p) {
  const int64_t d = j->r->config.dim;
  if (j->family == CREDAL_FAMILY_GENERATORS) return rows + upper_generator(j, i, nrows, p) * d;
  const double *u = j->r->utility + p * d;
  credal__utility_order(u, d, w->order);
  credal__structured_vertex(j->family, rows, scalars, nrows, u, d, w->order, 1, w->vertex);
  return w->vertex;
}

static void e_admissibility(chunk_job *j, worker *w, int64_t i, const credal__set *set,
                            double tau) {
  const int64_t P = j->r->config.policies;
  uint8_t *e = mask_row(j, CREDAL_RULE_E_ADMISSIBLE, i);
  const uint8_t *maximal = mask_row(j, CREDAL_RULE_MAXIMAL, i),
                *gmax = mask_row(j, CREDAL_RULE_GAMMA_MAXIMAX, i);
  int64_t n_candidates = 0; /* the maximal policies: the only ones that can beat p somewhere */
  for (int64_t p = 0; p < P; p++)
    if (maximal[p]) w->candidates[n_candidates++] = p;
  for (int64_t p = 0; p < P; p++) {
    if (!maximal[p] || gmax[p] || (set->family == CREDAL_FAMILY_GENERATORS && w->flags[p])) {
      e[p] =
          maximal[p]; /* not maximal: not E-admissible; Gamma-maximax or optimal at a vertex: is */
      continue;
    }
    const double *seed = upper_vertex(j, w, i, set->rows, set->scalars, set->nrows, p);
    const int kept =
        credal__eadm_decide(w->eadm, set, j->r->utility, p, w->candidates, n_candidates, seed, 1,
                            upper_generator(j, i, set->nrows, p), tau);
    if (kept < 0) j->failed = 1;
    e[p] = kept > 0;
  }
}

/* The tolerance and the four interval rules of hypothesis i. */
static double hypothesis_intervals(chunk_job *j, int64_t i) {
  const credal__rules *r = j->r;
  const int64_t d = r->config.dim, k0 = j->offsets[i], nrows = j->offsets[i + 1] - k0;
  const double tau = credal__rules_tau(j->family, j->rows + k0 * d, j->scalars ? j->scalars + k0 : NULL,
                                       nrows, d, r->max_abs_u, r->config.tolerance);
  j->tau[i] = tau;
  interval_rules(j, i, tau);
  return tau;
}

/* Before a backend evaluates the pairs: the tolerances, the interval rules, and which
 * policies' maximality needs pairs (job->open). */
static void intervals_task(void *ctx, int64_t i, int thread) {
  (void)thread;
  chunk_job *j = ctx;
  hypothesis_intervals(j, i);
  const int64_t P = j->r->config.policies;
  uint8_t *open = (uint8_t *)j->device->open + i * P;
  for (int64_t p = 0; p < P; p++) open[p] = (uint8_t)maximality_open(j, i, p);
}

/* After: maximality, the set regret (its interval bound or the exact value, the larger) and
 * E-admissibility (optimal at a generator settles it, as on the host) of hypothesis i. */
static void device_pairs_task(void *ctx, int64_t i, int thread) {
  chunk_job *j = ctx;
  credal__rules *r = j->r;
  worker *w = &r->workers[thread];
  const credal__pairs_job *dev = j->device;
  const int64_t P = r->config.policies, d = r->config.dim, k0 = j->offsets[i],
                nrows = j->offsets[i + 1] - k0;
  const double *lo = j->lower + i * P, *up = j->upper + i * P;
  uint8_t *maximal = mask_row(j, CREDAL_RULE_MAXIMAL, i);
  for (int64_t p = 0; p < P; p++) {
    maximal[p] = mask_row(j, CREDAL_RULE_INTERVAL_DOMINANCE, i)[p] &&
                 !(dev->open[i * P + p] && dev->dominated[i * P + p]);
    w->flags[p] = dev->optimal[i * P + p];
    if (j->set_regret)
      j->set_regret[i * P + p] = max2(set_regret_bound(lo, up, P, p), dev->regret_max[i * P + p]);
  }
  if (r->rules & (1u << CREDAL_RULE_E_ADMISSIBLE)) {
    const credal__set set = {j->family, j->rows + k0 * d, NULL, nrows, d, NULL};
    e_admissibility(j, w, i, &set, j->tau[i]);
  }
}

static void hypothesis_task(void *ctx, int64_t i, int thread) {
  chunk_job *j = ctx;
  credal__rules *r = j->r;
  worker *w = &r->workers[thread];
  const int64_t d = r->config.dim, k0 = j->offsets[i], nrows = j->offsets[i + 1] - k0;
  const double *rows = j->rows + k0 * d, *scalars = j->scalars ? j->scalars + k0 : NULL;
  const double tau = hypothesis_intervals(j, i);
  if (!credal__rules_pairwise(r->rules)) return;
  /* pairs on demand, unless the value matrix takes several blocks: then all up front */
  const int64_t P = r->config.policies;
  const int planned =
      j->family == CREDAL_FAMILY_GENERATORS && (nrows > r->block || r->config.exhaustive);
  if (planned && r->config.exhaustive)
    memset(w->need, 1, (size_t)(P * P));
  else if (planned)
    plan_pairs(j, w, i, tau);
  else
    memset(w->need, 0, (size_t)(P * P));
  if (j->family == CREDAL_FAMILY_GENERATORS)
    generator_values(j, w, rows, nrows, tau, planned);
  else
    memset(w->flags, 0, (size_t)P);
  for (int64_t q = 0; r->config.exhaustive && !planned && q < P; q++)
    for (int64_t p = q + 1; p < P; p++) pair_lower(j, w, rows, scalars, nrows, q, p);
  conclude_pairs(j, w, i, tau, rows, scalars, nrows);
  if (r->rules & (1u << CREDAL_RULE_E_ADMISSIBLE)) {
    /* one block of the value matrix is still in w->columns: the games read it */
    const int values = j->family == CREDAL_FAMILY_GENERATORS && nrows <= r->block;
    const credal__set set = {j->family, rows, scalars, nrows, d, values ? w->columns : NULL};
    e_admissibility(j, w, i, &set, tau);
  }
}

/* Folds the chunk's hypotheses into the class accumulators, in hypothesis order. */
static void accumulate(chunk_job *j) {
  credal__rules *r = j->r;
  credal__rules_state *s = &r->state;
  const int64_t P = r->config.policies, d = r->config.dim;
  worker *w = &r->workers[0];
  for (int64_t i = 0; i < j->count; i++) {
    const int64_t k0 = j->offsets[i], nrows = j->offsets[i + 1] - k0;
    const double *rows = j->rows + k0 * d, *scalars = j->scalars ? j->scalars + k0 : NULL;
    const double *up = j->upper + i * P;
    s->tau = max2(s->tau, j->tau[i]);
    for (int64_t p = 0; p < P; p++) {
      if (up[p] > s->class_upper[p]) { /* strictly: the lowest hypothesis keeps ties */
        s->class_upper[p] = up[p];
        memcpy(s->upper_vertex + p * d, upper_vertex(j, w, i, rows, scalars, nrows, p),
               (size_t)d * sizeof(double));
      }
      if (j->set_regret) s->set_regret[p] = max2(s->set_regret[p], j->set_regret[i * P + p]);
      if (r->rules & (1u << CREDAL_RULE_E_ADMISSIBLE))
        s->e_admissible[p] |= mask_row(j, CREDAL_RULE_E_ADMISSIBLE, i)[p];
    }
  }
  if (s->pair_min)
    for (int t = 0; t < r->threads; t++)
      for (int64_t a = 0; a < P * P; a++)
        s->pair_min[a] = min2(s->pair_min[a], r->workers[t].pair_min[a]);
  if (s->pair_min && j->device) /* the exact minima: the host's bounds say no more than these */
    for (int64_t a = 0; a < P * P; a++) s->pair_min[a] = min2(s->pair_min[a], j->device->pair_min[a]);
}

/* The pairs of a generator chunk through the backend: the interval rules first (they decide
 * which pairs matter), then the backend's kernels, then the rest per hypothesis. 1 when the
 * backend took them; 0 when it could not (the host evaluates them); -1 on failure. */
static int pairs_on_device(chunk_job *j, credal__backend *b, credal_status *st) {
  const int64_t P = j->r->config.policies, n = j->count * P;
  credal__pairs_job job = {j->count, j->offsets[j->count], j->offsets, j->rows, j->lower,
                           j->upper, j->tau, NULL, NULL, NULL, NULL, NULL};
  uint8_t *bytes = malloc((size_t)(3 * n + 1));
  double *doubles = malloc((size_t)(n + P * P + 1) * sizeof(double));
  if (!bytes || !doubles) {
    free(bytes), free(doubles);
    *st = credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules' pairs");
    return -1;
  }
  job.open = bytes, job.dominated = bytes + n, job.optimal = bytes + 2 * n;
  job.regret_max = doubles, job.pair_min = doubles + n;
  j->device = &job;
  credal__pool_run(j->r->pool, j->count, 0, intervals_task, j);
  *st = b->rules_pairs(b, &job);
  int took = 0;
  if (*st == CREDAL_EUNSUPPORTED) {
    credal__clear_error();
    *st = CREDAL_OK;
  } else if (*st == CREDAL_OK) {
    credal__pool_run(j->r->pool, j->count, 0, device_pairs_task, j);
    took = 1;
    if (j->failed) *st = credal__fail(CREDAL_ENOMEM, "out of memory for the E-admissibility games");
    else accumulate(j);
  }
  j->device = NULL;
  free(bytes), free(doubles);
  return *st ? -1 : took;
}

credal_status credal__rules_chunk(credal__rules *r, credal_family family, int64_t count,
                                  const int64_t *offsets, const double *rows, const double *scalars,
                                  const double *lower, const double *upper, const int32_t *argmax,
                                  uint8_t *masks, double *set_regret, credal__backend *backend) {
  const int64_t P = r->config.policies;
  chunk_job j = {r,
                 family,
                 count,
                 offsets,
                 rows,
                 scalars,
                 lower,
                 upper,
                 argmax,
                 masks,
                 (r->rules & CREDAL_RULES_SET_REGRET) ? set_regret : NULL,
                 NULL,
                 0,
                 NULL};
  if (!(j.tau = malloc((size_t)(count > 0 ? count : 1) * sizeof(double))))
    return credal__fail(CREDAL_ENOMEM, "out of memory for the decision rules");
  if (r->state.pair_min)
    for (int t = 0; t < r->threads; t++)
      memcpy(r->workers[t].pair_min, r->state.pair_min, (size_t)(P * P) * sizeof(double));
  credal_status st = CREDAL_OK;
  int done = 0;
  if (backend && backend->rules_pairs && family == CREDAL_FAMILY_GENERATORS &&
      credal__rules_pairwise(r->rules) && !r->config.exhaustive)
    done = pairs_on_device(&j, backend, &st);
  if (!done) {
    credal__pool_run(r->pool, count, 0, hypothesis_task, &j);
    if (j.failed)
      st = credal__fail(CREDAL_ENOMEM, "out of memory for the E-admissibility games");
    else
      accumulate(&j);
  }
  if (done < 0) st = st ? st : CREDAL_EINTERNAL;
  free(j.tau);
  /* rules only computed because others need them are not reported */
  for (int rule = 0; rule < CREDAL_RULE_COUNT; rule++)
    if (!(r->config.rules & (1u << rule)))
      memset(masks + (int64_t)rule * count * P, 0, (size_t)(count * P));
  return st;
}
