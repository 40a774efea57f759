/* The cpu backend: the fast CPU path. Multi-threaded, cache-blocked, and fused: the
 * (rows x P) matrix of values is never materialised, only (ROWS x POLICIES) tiles of it.
 *
 * A chunk is cut into work items = (a range of whole hypotheses) x (a block of policies); each
 * item belongs to one thread, which walks its rows in order, ROWS at a time:
 *   values (ROWS, block) = X_rows * U_block^T   -- SIMD register tiles (cpu_tile.c)
 *   then a scan in row order keeping (min, index) per policy of the current hypothesis
 * so every (h, p) is computed by one thread in one fixed order, and every value by the same
 * FMA chain: results do not depend on the number of threads, on scheduling or on chunking.
 * The regret stage is host/regret.c, after the chunk's lower expectations. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cpu_tile.h"
#include "credal_math.h"
#include "structured.h"

#define ROWS 128           /* generator rows per tile */
#define POLICIES 256       /* policies per block (a multiple of every panel width) */

typedef struct cpu_backend cpu_backend;

/* One unit of work: hypotheses [h_begin, h_end) of the chunk, policies [p_begin, p_end). */
typedef struct {
  int64_t h_begin, h_end, p_begin, p_end;
} work_item;

typedef struct {
  cpu_backend *owner;
  pthread_t thread;
  int index;
  /* thread-local buffers */
  double *values;          /* (ROWS, POLICIES) */
  float *values_f, *rows_f; /* float32 path */
  double *lo, *hi;         /* (POLICIES,) running extremes of the current hypothesis */
  int32_t *lo_k, *hi_k;
} worker;

/* The batch being evaluated (one chunk, or a batch of the public API). */
typedef struct {
  credal_family family;
  int64_t count, dim, policies;
  const int64_t *offsets;
  const double *points, *constants;
  double *lower, *upper;
  int32_t *argmin, *argmax;
} job;

struct cpu_backend {
  credal__backend_config config;
  double *utility;          /* (P, d) */
  int32_t *orders;          /* (P, d) utility orders, with config.structured */
  credal__tile_policies tiles; /* the policies packed into SIMD panels */
  credal__regret regret;
  int nthreads;
  worker *workers;
  /* the job: items handed out through next_item under mu */
  pthread_mutex_t mu;
  pthread_cond_t start, done;
  const job *job;
  work_item *items;
  int64_t nitems, next_item, items_done;
  uint64_t generation;      /* bumped per job; workers wait for a new one */
  int quit;
};

/* Values of rows [r0, r0+n) against policies [p0, p1) into v (n, p1-p0), plus b. */
static void values_f64(const cpu_backend *cb, const job *j, int64_t r0, int64_t n, int64_t p0,
                       int64_t p1, double *v) {
  const int64_t np = p1 - p0;
  credal__tile_values(&cb->tiles, j->points + r0 * j->dim, n, p0, p1, v);
  if (j->constants)
    for (int64_t i = 0; i < n; i++) {
      const double b = j->constants[r0 + i];
      for (int64_t q = 0; q < np; q++) v[i * np + q] += b;
    }
}

static void values_f32(const cpu_backend *cb, worker *w, const job *j, int64_t r0, int64_t n,
                       int64_t p0, int64_t p1, double *v) {
  const int64_t d = j->dim, np = p1 - p0;
  float *x = w->rows_f, *vf = w->values_f;
  for (int64_t i = 0; i < n * d; i++) x[i] = (float)j->points[r0 * d + i];
  credal__tile_values_f32(&cb->tiles, x, n, p0, p1, vf);
  for (int64_t i = 0; i < n; i++) {
    const float b = j->constants ? (float)j->constants[r0 + i] : 0.0f;
    for (int64_t q = 0; q < np; q++) v[i * np + q] = (double)(vf[i * np + q] + b);
  }
}

/* A work item of a one- or two-row structured family: the inner products of centers (or lower
 * bounds) come from the SIMD tiles, ROWS rows at a time, then each (h, p) gets its greedy
 * correction (structured.h). Belief functions have no inner product: plain greedy passes. */
static void run_structured_item(cpu_backend *cb, worker *w, const job *j, const work_item *it) {
  const int64_t P = j->policies, d = j->dim, p0 = it->p_begin, np = it->p_end - it->p_begin;
  const credal_family f = j->family;
  if (f == CREDAL_FAMILY_BELIEF) {
    const credal_batch_f64 b = {j->count, d, P, j->offsets, j->points, j->constants, NULL};
    credal__structured_rows(f, &b, cb->utility, cb->orders, it->h_begin, it->h_end, p0,
                            it->p_end, j->lower, j->argmin, j->upper, j->argmax);
    if (cb->config.f32) /* the value the output stores, for the regret stage too */
      for (int64_t h = it->h_begin; h < it->h_end; h++)
        for (int64_t p = p0; p < it->p_end; p++) {
          j->lower[h * P + p] = (double)(float)j->lower[h * P + p];
          if (j->upper) j->upper[h * P + p] = (double)(float)j->upper[h * P + p];
        }
    return;
  }
  const int64_t per = credal__family_rows(f), group = ROWS / per;
  for (int64_t h0 = it->h_begin; h0 < it->h_end; h0 += group) {
    const int64_t nh = it->h_end - h0 < group ? it->h_end - h0 : group;
    const int64_t r0 = j->offsets[h0];
    credal__tile_values(&cb->tiles, j->points + r0 * d, nh * per, p0, it->p_end, w->values);
    for (int64_t i = 0; i < nh; i++) {
      const int64_t h = h0 + i, r = r0 + i * per;
      const double *x = j->points + r * d, *dots = w->values + i * per * np;
      const double scalar = j->constants ? j->constants[r] : 0.0;
      const double rest = f == CREDAL_FAMILY_INTERVALS ? credal_intervals_rest(x, d) : 0.0;
      for (int64_t q = 0; q < np; q++) {
        const int64_t p = p0 + q;
        const double *u = cb->utility + p * d;
        const int32_t *order = cb->orders + p * d;
        double lo = credal_structured_finish(f, dots[q], rest, x, scalar, u, d, order, 0);
        /* --precision f32: the value the output stores, for the regret stage too */
        j->lower[h * P + p] = cb->config.f32 ? (double)(float)lo : lo;
        j->argmin[h * P + p] = -1;
        if (j->upper) {
          const double hi = credal_structured_finish(f, dots[q], rest, x, scalar, u, d, order, 1);
          j->upper[h * P + p] = cb->config.f32 ? (double)(float)hi : hi;
          j->argmax[h * P + p] = -1;
        }
      }
    }
  }
}

/* One work item: rows of its hypotheses in order, ROWS at a time. */
static void run_item(cpu_backend *cb, worker *w, const job *j, const work_item *it) {
  const int64_t P = j->policies, p0 = it->p_begin, np = it->p_end - it->p_begin;
  if (j->family != CREDAL_FAMILY_GENERATORS) {
    run_structured_item(cb, w, j, it);
    return;
  }
  const int upper = j->upper != NULL;
  int64_t h = it->h_begin;
  const int64_t r_end = j->offsets[it->h_end];
  for (int64_t r0 = j->offsets[it->h_begin]; r0 < r_end; r0 += ROWS) {
    const int64_t n = r_end - r0 < ROWS ? r_end - r0 : ROWS;
    if (cb->config.f32) values_f32(cb, w, j, r0, n, p0, it->p_end, w->values);
    else values_f64(cb, j, r0, n, p0, it->p_end, w->values);
    for (int64_t i = 0; i < n; i++) {
      const int64_t r = r0 + i;
      const int32_t k = (int32_t)(r - j->offsets[h]);
      const double *row = w->values + i * np;
      if (k == 0) {
        for (int64_t q = 0; q < np; q++) w->lo[q] = row[q], w->lo_k[q] = 0;
        if (upper)
          for (int64_t q = 0; q < np; q++) w->hi[q] = row[q], w->hi_k[q] = 0;
      } else {
        /* branch-free, so the compiler vectorises it: credal_improves_min/max spelled out */
        double *lo = w->lo, *hi = w->hi;
        int32_t *lo_k = w->lo_k, *hi_k = w->hi_k;
        for (int64_t q = 0; q < np; q++) {
          const double x = row[q], m = lo[q];
          const int better = (m - m == 0.0) & ((x < m) | (x - x != 0.0));
          lo[q] = better ? x : m;
          lo_k[q] = better ? k : lo_k[q];
        }
        if (upper)
          for (int64_t q = 0; q < np; q++) {
            const double x = row[q], m = hi[q];
            const int better = (m - m == 0.0) & ((x > m) | (x - x != 0.0));
            hi[q] = better ? x : m;
            hi_k[q] = better ? k : hi_k[q];
          }
      }
      if (r + 1 == j->offsets[h + 1]) { /* the hypothesis ends here */
        memcpy(j->lower + h * P + p0, w->lo, (size_t)np * sizeof(double));
        memcpy(j->argmin + h * P + p0, w->lo_k, (size_t)np * sizeof(int32_t));
        if (upper) {
          memcpy(j->upper + h * P + p0, w->hi, (size_t)np * sizeof(double));
          memcpy(j->argmax + h * P + p0, w->hi_k, (size_t)np * sizeof(int32_t));
        }
        h++;
      }
    }
  }
}

static void *worker_main(void *arg) {
  worker *w = arg;
  cpu_backend *cb = w->owner;
  uint64_t seen = 0;
  pthread_mutex_lock(&cb->mu);
  for (;;) {
    while (!cb->quit && cb->generation == seen) pthread_cond_wait(&cb->start, &cb->mu);
    if (cb->quit) break;
    seen = cb->generation;
    while (cb->next_item < cb->nitems) {
      const work_item it = cb->items[cb->next_item++];
      const job *j = cb->job;
      pthread_mutex_unlock(&cb->mu);
      run_item(cb, w, j, &it);
      pthread_mutex_lock(&cb->mu);
      if (++cb->items_done == cb->nitems) pthread_cond_broadcast(&cb->done);
    }
  }
  pthread_mutex_unlock(&cb->mu);
  return NULL;
}

/* Cuts a job into items: policy blocks of POLICIES, hypothesis ranges of about
 * rows / (4 * threads) rows each (whole hypotheses), so threads balance by generator count.
 * Built privately: a worker that wakes late from the previous job still reads the shared list
 * under mu, so the new one is installed only there (run_job). */
static work_item *make_items(const cpu_backend *cb, const job *j, int64_t *count) {
  const int64_t rows = j->offsets[j->count], pblocks = (j->policies + POLICIES - 1) / POLICIES;
  int64_t target = rows / (4 * (int64_t)cb->nthreads);
  if (target < ROWS) target = ROWS;
  /* a range ends only when the next hypothesis would pass `target`, so two consecutive ranges
   * hold more than `target` rows: at most 2 * rows / target + 1 ranges */
  const int64_t max_items = (2 * rows / target + 2) * pblocks;
  work_item *items = malloc((size_t)max_items * sizeof(work_item));
  if (!items) return NULL;
  int64_t n = 0;
  for (int64_t h0 = 0; h0 < j->count;) {
    int64_t h1 = h0 + 1;
    while (h1 < j->count && j->offsets[h1 + 1] - j->offsets[h0] <= target) h1++;
    for (int64_t b = 0; b < pblocks; b++) {
      const int64_t p0 = b * POLICIES, p1 = p0 + POLICIES < j->policies ? p0 + POLICIES : j->policies;
      items[n++] = (work_item){h0, h1, p0, p1};
    }
    h0 = h1;
  }
  *count = n;
  return items;
}

static credal_status run_job(cpu_backend *cb, const job *j) {
  int64_t n = 0;
  work_item *items = make_items(cb, j, &n);
  if (!items) return credal__fail(CREDAL_ENOMEM, "out of memory for the work list");
  pthread_mutex_lock(&cb->mu);
  work_item *old = cb->items;
  cb->items = items;
  cb->nitems = n;
  cb->job = j;
  cb->next_item = cb->items_done = 0;
  cb->generation++;
  pthread_cond_broadcast(&cb->start);
  while (cb->items_done < cb->nitems) pthread_cond_wait(&cb->done, &cb->mu);
  cb->job = NULL;
  pthread_mutex_unlock(&cb->mu);
  free(old);
  return CREDAL_OK;
}

static credal_status cpu_lower(credal__backend *b, credal_family family,
                               const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                               double *upper, int32_t *argmax) {
  cpu_backend *cb = b->state;
  if (family != CREDAL_FAMILY_GENERATORS && !cb->orders)
    return credal__fail(CREDAL_EINTERNAL, "cpu backend created without utility orders");
  const job j = {family, batch->hypotheses, batch->dim, batch->policies, batch->offsets, batch->points,
                 batch->constants, lower, upper, argmin, argmax};
  return run_job(cb, &j);
}

static credal_status cpu_submit(credal__backend *b, credal__chunk *c) {
  cpu_backend *cb = b->state;
  if (!c->lower_given) {
    const job j = {c->family, c->count, cb->config.dim, cb->config.policies, c->offsets, c->points,
                   c->constants, c->lower, cb->config.upper ? c->upper : NULL, c->argmin,
                   cb->config.upper ? c->argmax : NULL};
    credal_status st = run_job(cb, &j);
    if (st) return st;
  }
  credal__regret_chunk(&cb->regret, c->h0, c->count, c->lower, c->prior, c->prior_set,
                       c->best_value, c->best_policy, c->regret);
  return CREDAL_OK;
}

static credal_status cpu_wait(credal__backend *b, credal__chunk *c) {
  (void)b, (void)c;
  return CREDAL_OK;
}

static credal_status cpu_finish(credal__backend *b, const credal__regret **acc) {
  cpu_backend *cb = b->state;
  *acc = &cb->regret;
  return CREDAL_OK;
}

static credal_status cpu_restore(credal__backend *b, const credal__regret *state) {
  cpu_backend *s = b->state;
  credal__regret_copy(&s->regret, state);
  return CREDAL_OK;
}

static void cpu_destroy(credal__backend *b) {
  cpu_backend *cb = b->state;
  if (cb) {
    if (cb->workers) {
      pthread_mutex_lock(&cb->mu);
      cb->quit = 1;
      pthread_cond_broadcast(&cb->start);
      pthread_mutex_unlock(&cb->mu);
      for (int i = 0; i < cb->nthreads; i++) {
        worker *w = &cb->workers[i];
        if (w->thread) pthread_join(w->thread, NULL);
        free(w->values), free(w->values_f), free(w->rows_f);
        free(w->lo), free(w->hi), free(w->lo_k), free(w->hi_k);
      }
      free(cb->workers);
      pthread_mutex_destroy(&cb->mu);
      pthread_cond_destroy(&cb->start);
      pthread_cond_destroy(&cb->done);
    }
    credal__regret_free(&cb->regret);
    free(cb->utility);
    free(cb->orders);
    credal__tile_free(&cb->tiles);
    free(cb->items);
    free(cb);
  }
  free(b);
}

credal_status credal__cpu_backend_create(const credal__backend_config *config,
                                         credal__backend **out) {
  *out = NULL;
  credal__backend *b = calloc(1, sizeof *b);
  cpu_backend *cb = calloc(1, sizeof *cb);
  if (!b || !cb) {
    free(b), free(cb);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the cpu backend");
  }
  b->name = "cpu";
  b->depth = 1;
  b->state = cb;
  b->lower = cpu_lower;
  b->submit = cpu_submit;
  b->wait = cpu_wait;
  b->finish = cpu_finish;
  b->restore = cpu_restore;
  b->host_alloc = malloc;
  b->host_free = free;
  b->destroy = cpu_destroy;
  cb->config = *config;
  const size_t P = (size_t)config->policies, d = (size_t)config->dim;
  credal_status st = CREDAL_OK;
  if (!(cb->utility = malloc(P * d * sizeof(double)))) goto oom;
  memcpy(cb->utility, config->utility, P * d * sizeof(double));
  cb->config.utility = cb->utility;
  if (credal__tile_pack(&cb->tiles, cb->utility, config->policies, config->dim, config->f32))
    goto oom;
  if (config->structured &&
      (st = credal__utility_orders(cb->utility, config->policies, config->dim, &cb->orders)))
    goto fail;
  if ((st = credal__regret_init(&cb->regret, config->policies, config->has_prior,
                                config->prior_set_size)))
    goto fail;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  cb->nthreads = config->threads > 0 ? config->threads : (cores > 0 ? (int)cores : 1);
  if (pthread_mutex_init(&cb->mu, NULL) || pthread_cond_init(&cb->start, NULL) ||
      pthread_cond_init(&cb->done, NULL)) {
    st = credal__fail(CREDAL_EINTERNAL, "cannot initialise the cpu backend's locks");
    goto fail;
  }
  if (!(cb->workers = calloc((size_t)cb->nthreads, sizeof *cb->workers))) goto oom;
  for (int i = 0; i < cb->nthreads; i++) {
    worker *w = &cb->workers[i];
    w->owner = cb, w->index = i;
    w->values = malloc(ROWS * POLICIES * sizeof(double));
    w->lo = malloc(POLICIES * sizeof(double)), w->hi = malloc(POLICIES * sizeof(double));
    w->lo_k = malloc(POLICIES * sizeof(int32_t)), w->hi_k = malloc(POLICIES * sizeof(int32_t));
    if (config->f32) {
      w->values_f = malloc(ROWS * POLICIES * sizeof(float));
      w->rows_f = malloc(ROWS * d * sizeof(float));
    }
    if (!w->values || !w->lo || !w->hi || !w->lo_k || !w->hi_k ||
        (config->f32 && (!w->values_f || !w->rows_f)))
      goto oom;
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
      w->thread = 0;
      st = credal__fail(CREDAL_EINTERNAL, "cannot start cpu worker thread %d", i);
      goto fail;
    }
  }
  snprintf(b->device, sizeof b->device, "%d thread%s, %s", cb->nthreads,
           cb->nthreads == 1 ? "" : "s", cb->tiles.isa);
  *out = b;
  return CREDAL_OK;
oom:
  st = credal__fail(CREDAL_ENOMEM, "out of memory for the cpu backend");
fail:
  cpu_destroy(b);
  return st;
}
