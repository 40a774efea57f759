/* credal_eval: one input file to one output file, streamed in chunks of hypotheses.
 *
 *   open + check structure -> read and check policies and priors -> create OUTPUT.partial
 *   -> for each chunk: read generators, check their values, lower/argmin, regret, write rows
 *   -> per-policy criteria and choices -> complete=1 -> rename OUTPUT.partial to OUTPUT
 *
 * Nothing is created before the structure, the policies and the priors are known good; a
 * value problem found later removes the partial file, so a failed run leaves no output. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "../io/batch_reader.h"
#include "../io/result_writer.h"
#include "credal_math.h"
#include "plan.h"
#include "regret.h"

void credal_eval_options_init(credal_eval_options *o) {
  memset(o, 0, sizeof *o);
  o->backend = CREDAL_BACKEND_AUTO;
  o->memory_bytes = CREDAL_DEFAULT_MEMORY;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int path_exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

/* The CPU's model name, for the `device` attribute. */
static void cpu_name(char *out, size_t n) {
  snprintf(out, n, "host CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      const char *colon = strchr(line, ':');
      if (colon) {
        colon++;
        while (*colon == ' ') colon++;
        snprintf(out, n, "%.*s", (int)strcspn(colon, "\n"), colon);
      }
      break;
    }
  }
  fclose(f);
}

/* Picks the backend that will run; only `reference` is built so far. */
static credal_status choose_backend(const credal_eval_options *o, credal_backend *out) {
  switch (o->backend) {
    case CREDAL_BACKEND_AUTO:
    case CREDAL_BACKEND_REFERENCE:
      if (o->precision_f32)
        return credal__fail(CREDAL_EUSAGE,
                            "--precision f32 needs a float32 backend (cpu or gpu), and this build "
                            "has only the float64 reference backend");
      *out = CREDAL_BACKEND_REFERENCE;
      return CREDAL_OK;
    case CREDAL_BACKEND_CPU:
      return credal__fail(CREDAL_ENODEVICE,
                          "--backend cpu: the fast CPU backend is not built yet; use --backend "
                          "reference or auto");
    case CREDAL_BACKEND_GPU:
      return credal__fail(CREDAL_ENODEVICE,
                          "--backend gpu: this build has no GPU backend (built without CUDA)");
  }
  return credal__fail(CREDAL_EUSAGE, "unknown backend %d", (int)o->backend);
}

/* Fsyncs a closed file so the rename that publishes it cannot overtake its data. */
static credal_status sync_file(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return credal__fail(CREDAL_EIO, "%s: cannot reopen to sync: %s", path, strerror(errno));
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return credal__fail(CREDAL_EIO, "%s: fsync failed: %s", path, strerror(errno));
  return CREDAL_OK;
}

/* Moves partial to output; without force, never replaces an output that appeared meanwhile. */
static credal_status publish(const char *partial, const char *output, int force) {
  if (force) {
    if (rename(partial, output) != 0)
      return credal__fail(CREDAL_ECANTCREATE, "cannot rename %s to %s: %s", partial, output,
                          strerror(errno));
    return CREDAL_OK;
  }
  if (link(partial, output) == 0) {
    unlink(partial);
    return CREDAL_OK;
  }
  if (errno == EEXIST)
    return credal__fail(CREDAL_EEXIST, "%s appeared during the run; the result is kept in %s",
                        output, partial);
  /* File systems without hard links: check, then rename. */
  if (path_exists(output))
    return credal__fail(CREDAL_EEXIST, "%s appeared during the run; the result is kept in %s",
                        output, partial);
  if (rename(partial, output) != 0)
    return credal__fail(CREDAL_ECANTCREATE, "cannot rename %s to %s: %s", partial, output,
                        strerror(errno));
  return CREDAL_OK;
}

/* Per-chunk buffers carved from one arena of plan.arena_bytes. */
typedef struct {
  char *arena;
  double *points, *constants, *lower, *upper, *regret, *best_value, *prior, *prior_set;
  int32_t *argmin, *argmax, *best_policy;
  int64_t *offsets; /* (count+1,) of the chunk, absolute */
} chunk_buffers;

static void *carve(char **cursor, uint64_t bytes) {
  void *p = *cursor;
  *cursor += (bytes + 63) & ~(uint64_t)63;
  return p;
}

static void layout_chunk(chunk_buffers *b, int64_t count, int64_t rows, int64_t P, int64_t d,
                         int64_t Q, int upper) {
  char *c = b->arena;
  const uint64_t hp = (uint64_t)count * (uint64_t)P;
  b->lower = carve(&c, hp * 8);
  b->argmin = carve(&c, hp * 4);
  b->regret = carve(&c, hp * 8);
  b->upper = upper ? carve(&c, hp * 8) : NULL;
  b->argmax = upper ? carve(&c, hp * 4) : NULL;
  b->best_value = carve(&c, (uint64_t)count * 8);
  b->best_policy = carve(&c, (uint64_t)count * 4);
  b->prior = carve(&c, (uint64_t)count * 8);
  b->prior_set = carve(&c, (uint64_t)Q * (uint64_t)count * 8);
  b->points = carve(&c, (uint64_t)rows * (uint64_t)d * 8);
  b->constants = carve(&c, (uint64_t)rows * 8);
}

/* Arena slack for 64-byte alignment of the 11 carved buffers. */
#define ARENA_SLACK (11 * 64)

/* Evaluates one hypothesis too large for the arena, rows piece by piece, merging running
 * minima (and maxima) so that the lowest generator index wins exact ties, as in one pass. */
static credal_status lower_in_pieces(credal_input *in, credal_backend backend, int64_t first,
                                     int64_t end, int64_t piece_rows, const double *utility,
                                     chunk_buffers *b, int upper, credal__problems *sink,
                                     int64_t h) {
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t P = s->policies, d = s->dim;
  /* (P,) results of one piece, merged into the chunk's single output row */
  double *lo = malloc((size_t)P * 2 * sizeof(double));
  int32_t *lo_k = malloc((size_t)P * 2 * sizeof(int32_t));
  if (!lo || !lo_k) {
    free(lo), free(lo_k);
    return credal__fail(CREDAL_ENOMEM, "out of memory for hypothesis %lld", (long long)h);
  }
  double *hi = lo + P;
  int32_t *hi_k = lo_k + P;
  credal_status st = CREDAL_OK;
  for (int64_t k0 = first; k0 < end && !st; k0 += piece_rows) {
    const int64_t rows = end - k0 < piece_rows ? end - k0 : piece_rows;
    const int64_t offs[2] = {0, rows};
    if ((st = credal__input_points(in, k0, rows, b->points)) ||
        (st = credal__input_constants(in, k0, rows, b->constants)))
      break;
    credal__check_piece(s, h, first, k0, rows, b->points, s->has_constants ? b->constants : NULL,
                        sink);
    if (sink->count) return free(lo), free(lo_k), credal__problems_status(sink);
    const credal_batch_f64 piece = {1, d, P, offs, b->points, s->has_constants ? b->constants : NULL,
                                    utility};
    if ((st = credal_lower_f64(backend, &piece, lo, lo_k, upper ? hi : NULL, upper ? hi_k : NULL)))
      break;
    const int32_t base = (int32_t)(k0 - first);
    for (int64_t p = 0; p < P; p++) {
      if (k0 == first || credal_improves_min(lo[p], b->lower[p]))
        b->lower[p] = lo[p], b->argmin[p] = base + lo_k[p];
      if (upper && (k0 == first || credal_improves_max(hi[p], b->upper[p])))
        b->upper[p] = hi[p], b->argmax[p] = base + hi_k[p];
    }
  }
  free(lo);
  free(lo_k);
  return st;
}

/* A lower (or upper) value that overflowed is refused, never written. */
static credal_status check_finite(const double *v, int64_t h0, int64_t count, int64_t P,
                                  const char *what) {
  for (int64_t i = 0; i < count * P; i++)
    if (!isfinite(v[i]))
      return credal__fail(CREDAL_EDATA,
                          "%s[%lld, %lld] is not finite: <x_k, u_p> + b_k overflows float64 for "
                          "hypothesis %lld, policy %lld (rescale the points or utilities)",
                          what, (long long)(h0 + i / P), (long long)(i % P),
                          (long long)(h0 + i / P), (long long)(i % P));
  return CREDAL_OK;
}

credal_status credal_eval(const char *input_path, const char *output_path,
                          const credal_eval_options *options, credal_eval_summary *summary) {
  credal_eval_options defaults;
  if (!options) credal_eval_options_init(&defaults), options = &defaults;
  const double started = now_seconds();
  credal_status st = CREDAL_OK;
  credal_input *in = NULL;
  credal__result_writer *out = NULL;
  credal__regret regret = {0};
  double *utility = NULL, *credal_regret = NULL;
  int32_t *credal_prior = NULL;
  int64_t *window = NULL;
  chunk_buffers buf = {0};
  char *partial = NULL;
  int partial_created = 0;
  credal_backend backend;
  credal__problems sink;
  credal__clear_error();
  credal__problems_init(&sink, NULL, NULL, 0);

  if (!input_path || !output_path) return credal__fail(CREDAL_EUSAGE, "input and output paths are required");
  if ((st = choose_backend(options, &backend))) return st;
  if (options->resume)
    return credal__fail(CREDAL_EUSAGE, "--resume is not supported yet; rerun with --force to start over");
  const size_t plen = strlen(output_path) + sizeof ".partial";
  if (!(partial = malloc(plen))) return credal__fail(CREDAL_ENOMEM, "out of memory");
  snprintf(partial, plen, "%s.partial", output_path);
  if (!options->force && path_exists(output_path)) {
    st = credal__fail(CREDAL_EEXIST, "%s exists; use --force to replace it", output_path);
    goto cleanup;
  }
  if (!options->force && path_exists(partial)) {
    st = credal__fail(CREDAL_EEXIST,
                      "%s exists (left by an interrupted run?); use --force to start over",
                      partial);
    goto cleanup;
  }

  /* Structure, policies and priors: all checked before any output exists. */
  if ((st = credal__input_open(input_path, &sink, &in))) {
    if (sink.count) st = credal__problems_status(&sink);
    goto cleanup;
  }
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t H = s->hypotheses, P = s->policies, d = s->dim, Q = s->prior_set_size;
  const int upper = options->upper;

  credal__result_layout layout = {H, P, Q, s->has_prior, upper, options->precision_f32,
                                  credal_backend_name(backend), "", input_path};
  char device[128];
  cpu_name(device, sizeof device);
  layout.device = device;
  credal__plan plan;
  if ((st = credal__plan_make(&plan, options->memory_bytes ? options->memory_bytes
                                                            : CREDAL_DEFAULT_MEMORY,
                              P, d, Q, s->has_prior, upper,
                              credal__result_cache_bytes(&layout) + ARENA_SLACK)))
    goto cleanup;

  if (!(utility = malloc((size_t)P * (size_t)d * sizeof(double)))) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the (%lld, %lld) policies", (long long)P,
                      (long long)d);
    goto cleanup;
  }
  if ((st = credal__input_utility(in, utility))) goto cleanup;
  credal__check_utility(s, utility, &sink);
  if (!sink.count) {
    /* Prior windows borrow the arena's size: Q+1 doubles per hypothesis. */
    int64_t window_h = (int64_t)(plan.arena_bytes / (8 * (uint64_t)(Q + 1)));
    if (window_h > 65536) window_h = 65536;
    if (window_h < 1) window_h = 1;
    if ((st = credal__check_priors(in, window_h, &sink))) goto cleanup;
  }
  if (sink.count) {
    st = credal__problems_status(&sink);
    goto cleanup;
  }

  if ((st = credal__regret_init(&regret, P, s->has_prior, Q))) goto cleanup;
  credal_regret = malloc((size_t)P * sizeof(double));
  credal_prior = malloc((size_t)P * sizeof(int32_t));
  /* the slack for alignment was charged to the resident part by credal__plan_make */
  buf.arena = malloc(plan.arena_bytes + ARENA_SLACK);
  const int64_t window_cap = 65536;
  window = malloc((size_t)(window_cap + 1) * sizeof(int64_t));
  if (!credal_regret || !credal_prior || !buf.arena || !window) {
    st = credal__fail(CREDAL_ENOMEM, "cannot allocate the %llu-byte chunk arena",
                      (unsigned long long)plan.arena_bytes);
    goto cleanup;
  }

  if (options->force) {
    unlink(partial); /* a stale partial or a link must not be written through */
  }
  if ((st = credal__result_create(partial, &layout, 0, &out))) goto cleanup;
  partial_created = 1;

  int64_t chunks = 0, chunk_rows_max = 0;
  for (int64_t h0 = 0; h0 < H;) {
    if (options->interrupt && *options->interrupt) {
      st = credal__fail(CREDAL_EINTERRUPTED,
                        "interrupted after %lld of %lld hypotheses; partial output kept in %s",
                        (long long)h0, (long long)H, partial);
      goto cleanup;
    }
    const int64_t available = H - h0 < window_cap ? H - h0 : window_cap;
    if ((st = credal__input_offsets(in, h0, available, window))) goto cleanup;
    int64_t piece_rows;
    const int64_t count = credal__plan_chunk(&plan, window, available, &piece_rows);
    const int64_t first = window[0], rows = window[count] - first;
    layout_chunk(&buf, count, piece_rows ? piece_rows : rows, P, d, Q, upper);

    if (piece_rows) {
      if ((st = lower_in_pieces(in, backend, first, window[count], piece_rows, utility, &buf,
                                upper, &sink, h0)))
        goto cleanup;
    } else {
      if ((st = credal__input_points(in, first, rows, buf.points)) ||
          (s->has_constants && (st = credal__input_constants(in, first, rows, buf.constants))))
        goto cleanup;
      credal__check_points(s, h0, count, window, buf.points,
                           s->has_constants ? buf.constants : NULL, &sink);
      if (sink.count) {
        st = credal__problems_status(&sink);
        goto cleanup;
      }
      /* the batch wants offsets relative to the chunk's first row */
      for (int64_t i = 0; i <= count; i++) window[i] -= first;
      const credal_batch_f64 batch = {count, d, P, window, buf.points,
                                      s->has_constants ? buf.constants : NULL, utility};
      if ((st = credal_lower_f64(backend, &batch, buf.lower, buf.argmin,
                                 upper ? buf.upper : NULL, upper ? buf.argmax : NULL)))
        goto cleanup;
    }
    if ((st = check_finite(buf.lower, h0, count, P, "/lower")) ||
        (upper && (st = check_finite(buf.upper, h0, count, P, "/upper"))))
      goto cleanup;

    if ((s->has_prior && (st = credal__input_prior(in, h0, count, buf.prior))) ||
        (Q > 0 && (st = credal__input_prior_set(in, h0, count, buf.prior_set))))
      goto cleanup;
    credal__regret_chunk(&regret, h0, count, buf.lower, s->has_prior ? buf.prior : NULL,
                         Q > 0 ? buf.prior_set : NULL, buf.best_value, buf.best_policy,
                         buf.regret);
    if ((st = credal__result_write_rows(out, h0, count, buf.lower, buf.argmin, buf.upper,
                                        buf.argmax, buf.regret, buf.best_value,
                                        buf.best_policy)))
      goto cleanup;
    h0 += count;
    chunks++;
    if (count > chunk_rows_max) chunk_rows_max = count;
    if (options->progress) options->progress(options->progress_ctx, h0, H);
  }

  credal__choices choices;
  credal__regret_finish(&regret, credal_regret, credal_prior, &choices);
  if ((st = credal__result_write_policies(out, &regret, credal_regret, credal_prior, &choices)))
    goto cleanup;
  const double elapsed = now_seconds() - started;
  st = credal__result_finish(out, elapsed);
  out = NULL;
  if (st || (st = sync_file(partial)) || (st = publish(partial, output_path, options->force)))
    goto cleanup;
  partial_created = 0;

  if (summary) {
    memset(summary, 0, sizeof *summary);
    snprintf(summary->backend, sizeof summary->backend, "%s", credal_backend_name(backend));
    snprintf(summary->device, sizeof summary->device, "%s", device);
    snprintf(summary->precision, sizeof summary->precision, "%s", options->precision_f32 ? "f32" : "f64");
    summary->hypotheses = H, summary->generators = s->generators, summary->dim = d;
    summary->policies = P, summary->prior_set_size = Q;
    summary->chunks = chunks, summary->chunk_rows_max = chunk_rows_max;
    summary->elapsed_seconds = elapsed;
    summary->maximin = choices.maximin;
    summary->maximin_value = regret.class_lower[choices.maximin];
    summary->minimax_regret = choices.minimax_regret;
    summary->minimax_regret_value = regret.worst_regret[choices.minimax_regret];
    summary->bayes = choices.bayes;
    summary->bayes_value = choices.bayes >= 0 ? regret.bayes_regret[choices.bayes] : NAN;
    summary->credal = choices.credal;
    summary->credal_value = choices.credal >= 0 ? credal_regret[choices.credal] : NAN;
  }

cleanup:
  credal__result_abandon(out);
  /* Keep an interrupted run's partial output; remove a failed one so nothing half-written stays. */
  if (partial_created && st != CREDAL_OK && st != CREDAL_EINTERRUPTED && st != CREDAL_EEXIST)
    unlink(partial);
  credal_input_close(in);
  credal__regret_free(&regret);
  free(utility);
  free(credal_regret);
  free(credal_prior);
  free(window);
  free(buf.arena);
  free(partial);
  return st;
}
