/* The chunk pipeline; see pipeline.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../io/digest.h"
#include "../io/paths.h"
#include "credal_math.h"
#include "pipeline.h"

typedef enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE } slot_state;

typedef struct {
  slot_state state;
  int64_t seq;          /* chunk number */
  int64_t first_row;    /* the chunk's first generator row in the file */
  int64_t piece_rows;   /* > 0: one hypothesis read and evaluated in pieces of this many rows */
  char *arena;          /* plan->arena_bytes + slack, from backend->host_alloc */
  int64_t *offsets;     /* (count+1,) relative */
  double *constants;    /* the arena's (rows,) scalars, whether or not the chunk has any */
  uint8_t *masks;       /* (CREDAL_RULE_COUNT, count, P) with rules */
  double *set_regret;   /* (count, P) with rules */
  uint64_t digest;      /* of the chunk's input (io/digest.h), for --resume */
  credal__chunk chunk;
} slot;

typedef struct {
  const credal__pipeline_config *cfg;
  const credal_input_summary *s;
  slot *slots;
  int n;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  /* guarded by mu */
  int64_t read_seq;     /* chunks read so far */
  int64_t write_seq;    /* chunks written so far */
  int64_t final_seq;    /* chunks the main thread completed, once it stopped (-1 before) */
  int read_all;         /* the I/O thread has read every hypothesis */
  int stop_reading;
  int io_exited;
  int64_t hypotheses_written;
  uint64_t digest_written; /* of the hypotheses written */
  credal_status error;  /* first error of either thread */
  char error_message[CREDAL_MSG_MAX];
  /* I/O thread only */
  int64_t next_read_h;
  int64_t end;          /* one past the last hypothesis to read */
  int64_t *window;      /* offsets window for planning, (65536+1,) */
  /* HDF5 calls of the two threads (the I/O thread's reads and writes, the main thread's
   * pieces) take turns: a parallel HDF5 build is not thread-safe */
  pthread_mutex_t hdf5;
} pipeline;

#define WINDOW 65536

static void set_error(pipeline *p, credal_status st) {
  /* caller holds mu */
  if (p->error == CREDAL_OK) {
    p->error = st;
    snprintf(p->error_message, sizeof p->error_message, "%s", credal_last_error());
  }
  p->stop_reading = 1;
  pthread_cond_broadcast(&p->cv);
}

static void *carve(char **cursor, uint64_t bytes) {
  void *ptr = *cursor;
  *cursor += (bytes + 63) & ~(uint64_t)63;
  return ptr;
}

/* Points a slot's chunk at its arena for `count` hypotheses and `rows` generator rows. */
static void layout(pipeline *p, slot *sl, int64_t count, int64_t rows) {
  const credal_input_summary *s = p->s;
  const uint64_t P = (uint64_t)s->policies, hp = (uint64_t)count * P, Q = (uint64_t)s->prior_set_size;
  credal__chunk *c = &sl->chunk;
  char *cur = sl->arena;
  memset(c, 0, sizeof *c);
  sl->offsets = carve(&cur, ((uint64_t)count + 1) * 8);
  c->lower = carve(&cur, hp * 8);
  c->argmin = carve(&cur, hp * 4);
  c->regret = carve(&cur, hp * 8);
  if (p->cfg->upper) c->upper = carve(&cur, hp * 8), c->argmax = carve(&cur, hp * 4);
  c->best_value = carve(&cur, (uint64_t)count * 8);
  c->best_policy = carve(&cur, (uint64_t)count * 4);
  double *prior = carve(&cur, (uint64_t)count * 8);
  double *prior_set = carve(&cur, Q * (uint64_t)count * 8);
  double *points = carve(&cur, (uint64_t)rows * (uint64_t)s->dim * 8);
  double *constants = carve(&cur, (uint64_t)rows * 8);
  if (p->cfg->rules) {
    sl->masks = carve(&cur, hp * CREDAL_RULE_COUNT);
    sl->set_regret = carve(&cur, hp * 8);
  }
  c->offsets = sl->offsets;
  c->points = points;
  c->constants = NULL;
  sl->constants = constants;
  c->prior = s->has_prior ? prior : NULL;
  c->prior_set = Q ? prior_set : NULL;
}

/* The digest of hypotheses a .. b-1 of a chunk read whole (io/digest.h). */
static uint64_t digest_chunk(const credal__chunk *c, int64_t a, int64_t b, int64_t d, int64_t Q) {
  uint64_t sum = 0;
  const int64_t base = c->offsets[0];
  for (int64_t i = a; i < b; i++) {
    const int64_t r0 = c->offsets[i] - base, rows = c->offsets[i + 1] - c->offsets[i];
    sum += credal__digest_rows(c->h0 + i, 0, rows, d, c->points + r0 * d,
                               c->constants ? c->constants + r0 : NULL);
    sum += credal__digest_hypothesis(c->h0 + i, c->family, rows, c->prior ? c->prior + i : NULL,
                                     c->prior_set ? c->prior_set + i : NULL,
                                     c->prior_set ? Q : 0, c->count);
  }
  return sum;
}

/* The value checks of a chunk, in pieces of hypotheses on the pool: each piece gathers its own
 * problems; the first piece with any speaks for all, as one pass would. */
#define CHECK_PIECES 64

typedef struct {
  const credal_input *in;
  const credal_input_summary *s;
  credal_family family;
  int64_t h0, i0, count, pieces; /* h0: the first hypothesis, i0: its index in the family */
  const int64_t *offsets;        /* rows of the family, (count+1,) */
  const double *rows, *scalars;
  const credal__chunk *chunk;
  credal__problems sinks[CHECK_PIECES];
  uint64_t digests[CHECK_PIECES];
} check_job;

/* Checks and digests hypotheses a .. b-1 of the job's chunk. */
static void check_range(check_job *j, int64_t a, int64_t b, credal__problems *sink,
                        uint64_t *digest) {
  const int64_t row = j->offsets[a] - j->offsets[0];
  const double *rows = j->rows + row * j->s->dim, *scalars = j->scalars ? j->scalars + row : NULL;
  if (j->family == CREDAL_FAMILY_GENERATORS)
    credal__check_points(j->s, j->h0 + a, b - a, j->offsets + a, rows, scalars, sink);
  else
    credal__check_family(j->in, j->family, j->i0 + a, b - a, j->offsets + a, rows, scalars, sink);
  *digest += digest_chunk(j->chunk, a, b, j->s->dim, j->s->prior_set_size);
}

/* Values a piece checks and digests while they are in the cache. */
#define CHECK_BLOCK_VALUES 32768

static void check_task(void *ctx, int64_t i, int worker) {
  check_job *j = ctx;
  (void)worker;
  const int64_t a = j->count * i / j->pieces, b = j->count * (i + 1) / j->pieces;
  const int64_t width = j->s->dim + 1;
  credal__problems_init(&j->sinks[i], NULL, NULL, 0);
  j->digests[i] = 0;
  for (int64_t x = a, y; x < b; x = y) { /* at least one hypothesis a block */
    for (y = x + 1; y < b && (j->offsets[y + 1] - j->offsets[x]) * width <= CHECK_BLOCK_VALUES;) y++;
    check_range(j, x, y, &j->sinks[i], &j->digests[i]);
  }
}

/* ... and the chunk's digest, a piece at a time. */
static credal_status check_values(pipeline *p, const credal__chunk *c, int64_t i0,
                                  uint64_t *digest) {
  check_job *j = malloc(sizeof *j);
  if (!j) return credal__fail(CREDAL_ENOMEM, "out of memory for the value checks");
  const int64_t threads = credal__pool_threads(p->cfg->pool);
  j->in = p->cfg->input, j->s = p->s, j->family = c->family;
  j->h0 = c->h0, j->i0 = i0, j->count = c->count, j->offsets = p->window;
  j->rows = c->points, j->scalars = c->constants, j->chunk = c;
  j->pieces = c->count < 4 * threads ? c->count : 4 * threads;
  if (j->pieces > CHECK_PIECES) j->pieces = CHECK_PIECES;
  credal__pool_run(p->cfg->pool, j->pieces, 0, check_task, j);
  credal__problems all = {0};
  *digest = 0;
  for (int64_t i = 0; i < j->pieces; i++) {
    if (j->sinks[i].count && !all.count) all = j->sinks[i], all.count = 0;
    all.count += j->sinks[i].count;
    *digest += j->digests[i];
  }
  free(j);
  return credal__problems_status(&all);
}

/* I/O thread: plans the next chunk (within one family) and reads it, with its priors, into
 * sl, checking values. */
static credal_status read_chunk(pipeline *p, slot *sl) {
  credal_input *in = p->cfg->input;
  const credal_input_summary *s = p->s;
  const int64_t h0 = p->next_read_h;
  int64_t i0;
  const credal_family family = credal__input_family_of(in, h0, &i0);
  int64_t left = s->family_hypotheses[family] - i0;
  if (left > p->end - h0) left = p->end - h0;
  const int64_t available = left < WINDOW ? left : WINDOW;
  credal_status st = credal__input_family_offsets(in, family, i0, available, p->window);
  if (st) return st;
  int64_t piece_rows;
  const int64_t count = credal__plan_chunk(p->cfg->plan, p->window, available, &piece_rows);
  const int64_t first = p->window[0], rows = p->window[count] - first;
  if (piece_rows && p->cfg->rules)
    return credal__fail(CREDAL_EUSAGE,
                        "hypothesis %lld has %lld generators, more than one chunk holds at this "
                        "--memory (%llu bytes per generator); --rules needs each hypothesis whole: "
                        "raise --memory",
                        (long long)h0, (long long)(p->window[1] - p->window[0]),
                        (unsigned long long)p->cfg->plan->bytes_per_generator);
  if (piece_rows && family != CREDAL_FAMILY_GENERATORS)
    return credal__fail(CREDAL_EUSAGE,
                        "hypothesis %lld (belief function %lld) has %lld focal sets, more than "
                        "one chunk holds at this --memory (%llu bytes per focal set); raise "
                        "--memory",
                        (long long)h0, (long long)i0, (long long)(p->window[1] - p->window[0]),
                        (unsigned long long)p->cfg->plan->bytes_per_generator);
  layout(p, sl, count, piece_rows ? piece_rows : rows);
  for (int64_t i = 0; i <= count; i++) sl->offsets[i] = p->window[i] - first;
  credal__chunk *c = &sl->chunk;
  const int scalars = family == CREDAL_FAMILY_GENERATORS ? s->has_constants
                                                         : family != CREDAL_FAMILY_INTERVALS;
  c->constants = scalars ? sl->constants : NULL;
  c->family = family;
  c->h0 = h0, c->count = count, c->rows = rows;
  sl->first_row = first;
  sl->piece_rows = piece_rows;
  if ((s->has_prior && (st = credal__input_prior(in, h0, count, (double *)c->prior))) ||
      (s->prior_set_size && (st = credal__input_prior_set(in, h0, count, (double *)c->prior_set))))
    return st;
  if (piece_rows) { /* the main thread reads the pieces (and adds their rows' digests) */
    sl->digest = credal__digest_hypothesis(h0, family, rows, c->prior, c->prior_set,
                                           s->prior_set_size, 1);
    return CREDAL_OK;
  }
  if ((st = credal__input_family_rows(in, family, first, rows, (double *)c->points,
                                      (double *)c->constants)))
    return st;
  return check_values(p, c, i0, &sl->digest);
}

static credal_status write_chunk(pipeline *p, slot *sl) {
  const credal__chunk *c = &sl->chunk;
  credal_status st = credal__result_write_rows(p->cfg->output, c->h0, c->count, c->lower,
                                               c->argmin, c->upper, c->argmax, c->regret,
                                               c->best_value, c->best_policy);
  if (!st && p->cfg->rules)
    st = credal__result_write_rules(p->cfg->output, c->h0, c->count, sl->masks, sl->set_regret);
  return st;
}

/* The size guard: the bytes the output has taken so far, projected over every hypothesis it
 * will hold, must fit the free space left on its file system (checked once the file is large
 * enough for the projection to mean something). */
static credal_status check_space(const pipeline *p, int64_t written) {
  const credal__pipeline_config *c = p->cfg;
  struct stat sb;
  uint64_t free_bytes;
  const int64_t done = c->start + written - c->space_first;
  const int64_t total = p->end - c->space_first;
  if (!c->space_path || done <= 0 || stat(c->space_path, &sb) != 0 ||
      (uint64_t)sb.st_size < ((uint64_t)4 << 20) || credal__free_bytes(c->space_path, &free_bytes))
    return CREDAL_OK;
  const double size = (double)sb.st_size, projected = size * (double)total / (double)done;
  if (projected - size <= 0.98 * (double)free_bytes) return CREDAL_OK;
  char a[32], b[32], f[32], pol[32];
  return credal__fail(CREDAL_ECANTCREATE,
                      "%s: the result would not fit: %s written for %lld of %lld hypotheses "
                      "projects to %s in all, and its file system has %s free (stopped, nothing "
                      "kept): free space, write it elsewhere, or --outputs policy (about %s)",
                      c->space_path, credal__format_bytes((uint64_t)size, a, sizeof a),
                      (long long)done, (long long)total,
                      credal__format_bytes((uint64_t)projected, b, sizeof b),
                      credal__format_bytes(free_bytes, f, sizeof f),
                      credal__format_bytes(c->policy_bytes, pol, sizeof pol));
}

static void *io_main(void *arg) {
  pipeline *p = arg;
  const int64_t H = p->end;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    if (p->error) break;
    slot *w = &p->slots[p->write_seq % p->n];
    if (w->state == SLOT_DONE && w->seq == p->write_seq) {
      pthread_mutex_unlock(&p->mu);
      pthread_mutex_lock(&p->hdf5);
      credal_status st = write_chunk(p, w);
      pthread_mutex_unlock(&p->hdf5);
      /* (only this thread changes hypotheses_written) */
      if (!st) st = check_space(p, p->hypotheses_written + w->chunk.count);
      pthread_mutex_lock(&p->mu);
      if (st) {
        set_error(p, st);
        break;
      }
      w->state = SLOT_FREE;
      p->write_seq++;
      p->hypotheses_written += w->chunk.count;
      p->digest_written += w->digest;
      const int64_t done = p->cfg->start + p->hypotheses_written;
      pthread_cond_broadcast(&p->cv);
      if (p->cfg->progress) {
        pthread_mutex_unlock(&p->mu);
        p->cfg->progress(p->cfg->progress_ctx, done, H);
        pthread_mutex_lock(&p->mu);
      }
      continue;
    }
    if (p->final_seq >= 0 && p->write_seq >= p->final_seq) break; /* everything completed is written */
    slot *r = &p->slots[p->read_seq % p->n];
    if (!p->stop_reading && !p->read_all && r->state == SLOT_FREE) {
      pthread_mutex_unlock(&p->mu);
      pthread_mutex_lock(&p->hdf5);
      credal_status st = read_chunk(p, r);
      pthread_mutex_unlock(&p->hdf5);
      pthread_mutex_lock(&p->mu);
      if (st) {
        set_error(p, st);
        break;
      }
      r->seq = p->read_seq++;
      r->state = SLOT_READY;
      p->next_read_h += r->chunk.count;
      if (p->next_read_h >= p->end) p->read_all = 1;
      pthread_cond_broadcast(&p->cv);
      continue;
    }
    pthread_cond_wait(&p->cv, &p->mu);
  }
  p->io_exited = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Main thread, pipeline drained: evaluates a hypothesis too large for a slot piece by piece
 * and merges the pieces' extremes (a strictly better value wins, so the lowest generator index
 * keeps exact ties, as in one pass); the chunk then goes through the regret stage as usual. */
static credal_status evaluate_in_pieces(pipeline *p, slot *sl) {
  const credal_input_summary *s = p->s;
  credal__chunk *c = &sl->chunk;
  credal__backend *b = p->cfg->backend;
  const int64_t P = s->policies, d = s->dim, h = c->h0, first = sl->first_row;
  const int64_t end = first + c->rows, piece_rows = sl->piece_rows;
  const int upper = p->cfg->upper;
  double *points = (double *)c->points, *constants = (double *)c->constants;
  double *lo = malloc((size_t)P * 2 * sizeof(double));
  int32_t *lo_k = malloc((size_t)P * 2 * sizeof(int32_t));
  credal_status st = CREDAL_OK;
  if (!lo || !lo_k) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for hypothesis %lld", (long long)h);
    goto cleanup;
  }
  double *hi = lo + P;
  int32_t *hi_k = lo_k + P;
  for (int64_t k0 = first; k0 < end; k0 += piece_rows) {
    const int64_t rows = end - k0 < piece_rows ? end - k0 : piece_rows;
    const int64_t offs[2] = {0, rows};
    pthread_mutex_lock(&p->hdf5);
    if ((st = credal__input_points(p->cfg->input, k0, rows, points)) ||
        (constants && (st = credal__input_constants(p->cfg->input, k0, rows, constants)))) {
      pthread_mutex_unlock(&p->hdf5);
      goto cleanup;
    }
    pthread_mutex_unlock(&p->hdf5);
    credal__problems sink;
    credal__problems_init(&sink, NULL, NULL, 0);
    credal__check_piece(s, h, first, k0, rows, points, constants, &sink);
    if ((st = credal__problems_status(&sink))) goto cleanup;
    sl->digest += credal__digest_rows(h, k0 - first, rows, d, points, constants);
    const credal_batch_f64 piece = {1, d, P, offs, points, constants, NULL};
    if ((st = b->lower(b, CREDAL_FAMILY_GENERATORS, &piece, lo, lo_k, upper ? hi : NULL,
                       upper ? hi_k : NULL)))
      goto cleanup;
    const int32_t base = (int32_t)(k0 - first);
    for (int64_t q = 0; q < P; q++) {
      if (k0 == first || credal_improves_min(lo[q], c->lower[q]))
        c->lower[q] = lo[q], c->argmin[q] = base + lo_k[q];
      if (upper && (k0 == first || credal_improves_max(hi[q], c->upper[q])))
        c->upper[q] = hi[q], c->argmax[q] = base + hi_k[q];
    }
  }
  c->lower_given = 1;
cleanup:
  free(lo);
  free(lo_k);
  return st;
}

/* A lower (or upper) value that overflowed is refused, never written. */
static credal_status check_finite(const double *v, int64_t h0, int64_t count, int64_t P,
                                  const char *what) {
  for (int64_t i = 0; i < count * P; i++)
    if (!(v[i] - v[i] == 0.0)) /* false for NaN and +-inf */
      return credal__fail(CREDAL_EDATA,
                          "%s[%lld, %lld] is not finite: <x_k, u_p> + b_k overflows the compute "
                          "precision for hypothesis %lld, policy %lld (rescale the points or "
                          "utilities)",
                          what, (long long)(h0 + i / P), (long long)(i % P),
                          (long long)(h0 + i / P), (long long)(i % P));
  return CREDAL_OK;
}

/* Main thread: the backend finished chunk sl; refuse overflow, then hand it to the writer. */
static credal_status complete(pipeline *p, slot *sl) {
  credal__backend *b = p->cfg->backend;
  credal_status st = b->wait(b, &sl->chunk);
  const credal__chunk *c = &sl->chunk;
  const int64_t P = p->s->policies;
  if (!st) st = check_finite(c->lower, c->h0, c->count, P, "/lower");
  if (!st && c->upper) st = check_finite(c->upper, c->h0, c->count, P, "/upper");
  if (!st && p->cfg->rules)
    st = credal__rules_chunk(p->cfg->rules, c->family, c->count, c->offsets, c->points,
                             c->constants, c->lower, c->upper, c->argmax, sl->masks,
                             sl->set_regret, b);
  pthread_mutex_lock(&p->mu);
  if (st) set_error(p, st);
  else sl->state = SLOT_DONE;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return st;
}

credal_status credal__pipeline_run(const credal__pipeline_config *cfg,
                                   credal__pipeline_stats *stats) {
  pipeline p;
  memset(&p, 0, sizeof p);
  memset(stats, 0, sizeof *stats);
  p.cfg = cfg;
  p.s = credal_input_describe(cfg->input);
  p.n = cfg->slots;
  p.final_seq = -1;
  p.next_read_h = cfg->start;
  p.end = cfg->end > 0 ? cfg->end : p.s->hypotheses;
  p.read_all = cfg->start >= p.end;
  credal__backend *b = cfg->backend;
  credal_status st = CREDAL_OK;
  int threads_ready = 0, io_started = 0;
  pthread_t io;

  p.slots = calloc((size_t)p.n, sizeof *p.slots);
  p.window = malloc((WINDOW + 1) * sizeof(int64_t));
  if (!p.slots || !p.window) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the pipeline");
    goto cleanup;
  }
  for (int i = 0; i < p.n; i++) {
    p.slots[i].arena = b->host_alloc(cfg->plan->arena_bytes + CREDAL_SLOT_SLACK);
    if (!p.slots[i].arena) {
      st = credal__fail(CREDAL_ENOMEM, "cannot allocate %d chunk buffers of %llu bytes", p.n,
                        (unsigned long long)cfg->plan->arena_bytes);
      goto cleanup;
    }
  }
  if (pthread_mutex_init(&p.mu, NULL) || pthread_cond_init(&p.cv, NULL) ||
      pthread_mutex_init(&p.hdf5, NULL)) {
    st = credal__fail(CREDAL_EINTERNAL, "cannot initialise the pipeline's lock");
    goto cleanup;
  }
  threads_ready = 1;
  if (pthread_create(&io, NULL, io_main, &p)) {
    st = credal__fail(CREDAL_EINTERNAL, "cannot start the I/O thread");
    goto cleanup;
  }
  io_started = 1;

  int64_t seq = 0, oldest = 0; /* next chunk to submit; oldest chunk in flight */
  int interrupted = 0;
  for (;;) {
    if (cfg->interrupt && *cfg->interrupt) {
      interrupted = 1;
      break;
    }
    slot *sl = &p.slots[seq % p.n];
    pthread_mutex_lock(&p.mu);
    while (!p.error && !(sl->state == SLOT_READY && sl->seq == seq) &&
           !(p.read_all && p.read_seq == seq) && !p.io_exited)
      pthread_cond_wait(&p.cv, &p.mu);
    const int stop = p.error || (p.read_all && p.read_seq == seq) ||
                     !(sl->state == SLOT_READY && sl->seq == seq);
    if (!stop) sl->state = SLOT_BUSY;
    pthread_mutex_unlock(&p.mu);
    if (stop) break;

    if (sl->piece_rows) {
      /* the backend's synchronous path must not overlap chunks in flight */
      for (; oldest < seq; oldest++)
        if ((st = complete(&p, &p.slots[oldest % p.n]))) goto stop;
      if ((st = evaluate_in_pieces(&p, sl))) goto fail;
    }
    if ((st = b->submit(b, &sl->chunk))) goto fail;
    stats->chunks++;
    if (sl->chunk.count > stats->chunk_rows_max) stats->chunk_rows_max = sl->chunk.count;
    seq++;
    if (seq - oldest >= b->depth && (st = complete(&p, &p.slots[oldest++ % p.n]))) goto stop;
  }
  for (; oldest < seq; oldest++)
    if ((st = complete(&p, &p.slots[oldest % p.n]))) goto stop;
  /* every submitted chunk is done: let the I/O thread write them and stop */
  pthread_mutex_lock(&p.mu);
  p.final_seq = seq;
  p.stop_reading = 1;
  pthread_cond_broadcast(&p.cv);
  pthread_mutex_unlock(&p.mu);
  pthread_join(io, NULL);
  io_started = 0;
  if (p.error) {
    st = credal__fail(p.error, "%s", p.error_message);
  } else if (interrupted) {
    st = credal__fail(CREDAL_EINTERRUPTED, "interrupted after %lld of %lld hypotheses",
                      (long long)(cfg->start + p.hypotheses_written), (long long)p.end);
  }
  goto cleanup;

fail:
  pthread_mutex_lock(&p.mu);
  set_error(&p, st);
  pthread_mutex_unlock(&p.mu);
stop:
  /* an error in this thread: the I/O thread stops at once; finish what is in flight first */
  for (; oldest < seq; oldest++) b->wait(b, &p.slots[oldest % p.n].chunk);
  pthread_mutex_lock(&p.mu);
  st = p.error;
  pthread_mutex_unlock(&p.mu);
  credal__fail(st, "%s", p.error_message);

cleanup:
  if (io_started) {
    pthread_mutex_lock(&p.mu);
    p.stop_reading = 1;
    if (p.final_seq < 0) p.final_seq = 0;
    if (!p.error) p.error = st ? st : CREDAL_EINTERNAL;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    pthread_join(io, NULL);
  }
  stats->hypotheses_done = cfg->start + p.hypotheses_written;
  stats->digest = p.digest_written;
  if (threads_ready) {
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.hdf5);
  }
  if (p.slots)
    for (int i = 0; i < p.n; i++)
      if (p.slots[i].arena) b->host_free(p.slots[i].arena);
  free(p.slots);
  free(p.window);
  return st;
}
