/* End to end: credal_eval from an HDF5 input file to an HDF5 result file, as `credal eval
 * IN -o OUT --force --backend B` runs it (open and structure checks, policies, value checks
 * chunk by chunk, lower expectations, regret stage, compressed writing, fsync and rename).
 *
 * Inputs (kind payoff, float64, no constants) are written once per run of credal_bench into a
 * temporary directory (TMPDIR or /tmp, credal-bench-XXXXXX, removed at exit) with the batch
 * writer, from the same deterministic data as bench_lower (bench_common.c):
 *   compute  H=2,000 x 200, d=64, P=256
 *   mem      H=20,000 x 100, d=64, P=4   (memory-bound: 1 GB of float64 points)
 *   small    H=100 x 200, d=64, P=256    (1/20 of compute: the only file the reference runs)
 * Runs: eval/reference/small, eval/cpu/small, eval/cpu/compute, eval/cpu/mem; each iteration
 * replaces its output (force). Checked once before the timing: the result's /lower and
 * /argmin against the reference backend on 256 sampled (h, p) (bench_check_lower) and the
 * summary's sizes and maximin / minimax-regret choices against the ones recomputed from /lower.
 * Counters: pairs/s, GFLOP/s, GB/s as bench_lower (the in-memory equivalent), and MB/s of
 * input file read (its size on disk, compressed, per second). */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_writer.h"
#include "bench_common.h"

#define SAMPLES 256

typedef struct {
  const char *tag;
  int64_t H, K, d, P;
  char path[512]; /* "" until written */
  double mbytes;  /* its size, 1e6 bytes */
  char error[512];
} eval_file;

static eval_file files[] = {
    {"compute", 2000, 200, 64, 256, "", 0, ""},
    {"mem", 20000, 100, 64, 4, "", 0, ""},
    {"small", 100, 200, 64, 256, "", 0, ""},
};

typedef struct {
  eval_file *file;
  credal_backend backend;
  char output[600];
  int checked; /* 0 not yet, 1 passed, -1 failed (error holds why) */
  char error[512];
} eval_case;

static eval_case cases[4];
static int ncases;
static char tmpdir[256];

/* The temporary directory, made on first use; NULL when it cannot be. */
static const char *temp_dir(void) {
  if (tmpdir[0]) return tmpdir;
  const char *base = getenv("TMPDIR");
  if (!base || !base[0]) base = "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/credal-bench-XXXXXX", base);
  if (!mkdtemp(tmpdir)) {
    tmpdir[0] = '\0';
    return NULL;
  }
  return tmpdir;
}

/* Writes f's input file (once); f->error says why when it could not. */
static int write_input(eval_file *f) {
  if (f->path[0]) return 0;
  if (f->error[0]) return 1;
  const char *dir = temp_dir();
  if (!dir) {
    snprintf(f->error, sizeof f->error, "cannot create a temporary directory");
    return 1;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/%s_H%lldxK%lld_d%lld_P%lld.h5", dir, f->tag, (long long)f->H,
           (long long)f->K, (long long)f->d, (long long)f->P);
  const int64_t rows = f->H * f->K;
  const int64_t *offsets = bench_offsets(f->H, f->K);
  const double *points = bench_points(rows, f->d), *utility = bench_utility(f->P, f->d);
  if (!offsets || !points || !utility) {
    snprintf(f->error, sizeof f->error, "out of memory for the input data");
    return 1;
  }
  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  spec.hypotheses = f->H, spec.generators = rows, spec.dim = f->d, spec.policies = f->P;
  spec.kind = CREDAL_KIND_PAYOFF;
  spec.force = 1;
  credal__batch_writer *w = NULL;
  credal_status st = credal__batch_writer_create(path, &spec, &w);
  /* in blocks of hypotheses, as a producer would */
  const int64_t block = 4096;
  for (int64_t h0 = 0; st == CREDAL_OK && h0 < f->H; h0 += block) {
    const int64_t n = f->H - h0 < block ? f->H - h0 : block;
    st = credal__batch_writer_append_offsets(w, n + (h0 + n == f->H), offsets + h0);
    if (st == CREDAL_OK)
      st = credal__batch_writer_append_points(w, n * f->K, points + offsets[h0] * f->d);
  }
  if (st == CREDAL_OK) st = credal__batch_writer_append_utility(w, f->P, utility);
  if (st == CREDAL_OK) {
    st = credal__batch_writer_finish(w);
  } else if (w) {
    credal__batch_writer_abort(w);
  }
  if (st != CREDAL_OK) {
    snprintf(f->error, sizeof f->error, "writing the input file: %s", credal_last_error());
    return 1;
  }
  struct stat sb;
  f->mbytes = stat(path, &sb) == 0 ? (double)sb.st_size * 1e-6 : 0.0;
  snprintf(f->path, sizeof f->path, "%s", path);
  return 0;
}

/* Reads the whole (H, P) dataset name of a result into out (native type mem_type). */
static int read_result(const char *path, const char *name, hid_t mem_type, int64_t H, int64_t P,
                       void *out, char *msg, size_t cap) {
  int bad = 1;
  hid_t file = H5I_INVALID_HID, set = H5I_INVALID_HID, space = H5I_INVALID_HID;
  H5E_auto2_t old_fn;
  void *old_data;
  H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hsize_t dims[2] = {0, 0};
  if ((file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0 ||
      (set = H5Dopen2(file, name, H5P_DEFAULT)) < 0 || (space = H5Dget_space(set)) < 0 ||
      H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
      dims[0] != (hsize_t)H || dims[1] != (hsize_t)P ||
      H5Dread(set, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    snprintf(msg, cap, "check: cannot read %s (%lld, %lld) from %s", name, (long long)H,
             (long long)P, path);
  else
    bad = 0;
  if (space >= 0) H5Sclose(space);
  if (set >= 0) H5Dclose(set);
  if (file >= 0) H5Fclose(file);
  H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
  return bad;
}

/* The result of c's first run against the data it came from; "" in msg when it agrees. */
static void check(const eval_case *c, const credal_eval_summary *sum, char *msg, size_t cap) {
  const eval_file *f = c->file;
  const int64_t H = f->H, P = f->P, rows = H * f->K;
  msg[0] = '\0';
  if (sum->hypotheses != H || sum->policies != P || sum->dim != f->d || sum->generators != rows) {
    snprintf(msg, cap, "check: summary sizes H=%lld K=%lld d=%lld P=%lld, expected %lld %lld %lld %lld",
             (long long)sum->hypotheses, (long long)sum->generators, (long long)sum->dim,
             (long long)sum->policies, (long long)H, (long long)rows, (long long)f->d, (long long)P);
    return;
  }
  double *lower = NULL;
  int32_t *argmin = NULL;
  if (bench_outputs(H * P, &lower, &argmin)) {
    snprintf(msg, cap, "check: out of memory");
    return;
  }
  bench_poison(H * P, lower, argmin);
  if (read_result(c->output, "/lower", H5T_NATIVE_DOUBLE, H, P, lower, msg, cap) ||
      read_result(c->output, "/argmin", H5T_NATIVE_INT32, H, P, argmin, msg, cap))
    return;
  const credal_batch_f64 b = {H, f->d, P, bench_offsets(H, f->K), bench_points(rows, f->d), NULL,
                              bench_utility(P, f->d)};
  if (!b.offsets || !b.points || !b.utility) {
    snprintf(msg, cap, "check: out of memory");
    return;
  }
  if (bench_check_lower(&b, 0, lower, argmin, SAMPLES, msg, cap)) return;
  /* maximin = argmax_p min_h lower; minimax regret = argmin_p max_h (best[h] - lower[h,p]) */
  double *best = malloc((size_t)H * sizeof *best);
  if (!best) {
    snprintf(msg, cap, "check: out of memory");
    return;
  }
  for (int64_t h = 0; h < H; h++) {
    best[h] = lower[h * P];
    for (int64_t q = 1; q < P; q++) best[h] = lower[h * P + q] > best[h] ? lower[h * P + q] : best[h];
  }
  int64_t maximin = 0, minimax = 0;
  double best_class = 0, best_worst = 0;
  for (int64_t p = 0; p < P; p++) {
    double class_lower = 0, worst = 0;
    for (int64_t h = 0; h < H; h++) {
      const double v = lower[h * P + p];
      if (h == 0 || v < class_lower) class_lower = v;
      if (h == 0 || best[h] - v > worst) worst = best[h] - v;
    }
    if (p == 0 || class_lower > best_class) best_class = class_lower, maximin = p;
    if (p == 0 || worst < best_worst) best_worst = worst, minimax = p;
  }
  free(best);
  if (sum->maximin != maximin || sum->minimax_regret != minimax)
    snprintf(msg, cap, "check: summary maximin %lld, minimax_regret %lld; from /lower %lld, %lld",
             (long long)sum->maximin, (long long)sum->minimax_regret, (long long)maximin,
             (long long)minimax);
}

static credal_status run_once(const eval_case *c, credal_eval_summary *sum) {
  credal_eval_options opt;
  credal_eval_options_init(&opt);
  opt.backend = c->backend;
  opt.force = 1;
  return credal_eval(c->file->path, c->output, &opt, sum);
}

static void bm_eval(credal_bench_state *st, void *ctx) {
  eval_case *c = ctx;
  eval_file *f = c->file;
  if (c->checked < 0) {
    credal_bench_skip_with_error(st, c->error);
    return;
  }
  if (write_input(f)) {
    credal_bench_skip_with_error(st, f->error);
    return;
  }
  credal_eval_summary sum;
  if (!c->checked) { /* the check run, also the warm-up */
    snprintf(c->output, sizeof c->output, "%s/%s.%s.result.h5", tmpdir, f->tag,
             credal_backend_name(c->backend));
    const credal_status rc = run_once(c, &sum);
    if (rc != CREDAL_OK)
      snprintf(c->error, sizeof c->error, "%s: %s", credal_strerror(rc), credal_last_error());
    else
      check(c, &sum, c->error, sizeof c->error);
    c->checked = c->error[0] ? -1 : 1;
    if (c->checked < 0) {
      credal_bench_skip_with_error(st, c->error);
      return;
    }
  }
  while (credal_bench_keep_running(st)) {
    const credal_status rc = run_once(c, &sum);
    if (rc != CREDAL_OK) {
      snprintf(c->error, sizeof c->error, "%s: %s", credal_strerror(rc), credal_last_error());
      credal_bench_skip_with_error(st, c->error);
      break;
    }
  }
  bench_lower_counters(st, f->H, f->H * f->K, f->d, f->P);
  credal_bench_set_counter(st, "MB/s", f->mbytes, CREDAL_BENCH_INVARIANT_RATE);
  char label[160];
  snprintf(label, sizeof label, "%s, %lld chunk(s), input %.0f MB", sum.device,
           (long long)sum.chunks, f->mbytes);
  credal_bench_set_label(st, label);
}

static void add(eval_file *f, credal_backend backend) {
  eval_case *c = &cases[ncases++];
  memset(c, 0, sizeof *c);
  c->file = f, c->backend = backend;
  char name[160];
  snprintf(name, sizeof name, "eval/%s/%s_H%lldxK%lld_d%lld_P%lld", credal_backend_name(backend),
           f->tag, (long long)f->H, (long long)f->K, (long long)f->d, (long long)f->P);
  credal_bench_def *def = credal_bench_register(name, bm_eval, c);
  credal_bench_use_real_time(def);
  credal_bench_unit(def, CREDAL_BENCH_MS);
}

void bench_eval_register(void) {
  add(&files[2], CREDAL_BACKEND_REFERENCE);
  add(&files[2], CREDAL_BACKEND_CPU);
  add(&files[0], CREDAL_BACKEND_CPU);
  add(&files[1], CREDAL_BACKEND_CPU);
}

void bench_eval_cleanup(void) {
  if (!tmpdir[0]) return;
  for (int i = 0; i < ncases; i++)
    if (cases[i].output[0]) {
      char partial[640];
      snprintf(partial, sizeof partial, "%s.partial", cases[i].output);
      unlink(cases[i].output);
      unlink(partial);
    }
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (files[i].path[0]) unlink(files[i].path);
  if (rmdir(tmpdir) != 0) fprintf(stderr, "credal_bench: could not remove %s\n", tmpdir);
  tmpdir[0] = '\0';
}
