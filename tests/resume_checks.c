/* Interruption and --resume checks shared by check_resume (reference, cpu) and check_gpu. */
#include "resume_checks.h"

#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen.h"
#include "testutil.h"

int resume_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

void resume_make_input(const char *path, uint64_t seed) {
  credal__gen_options g;
  credal__gen_options_init(&g);
  g.path = path, g.hypotheses = 3000, g.points = 12, g.ragged = 1, g.dim = 24, g.policies = 40;
  g.prior = 1, g.prior_set = 3, g.constants = 1, g.force = 1, g.seed = seed;
  g.kind = CREDAL_KIND_MEASURE;
  g.structured[CREDAL_FAMILY_TV_BALLS] = 400, g.structured[CREDAL_FAMILY_BELIEF] = 300;
  ck_assert_msg(credal__gen(&g) == CREDAL_OK, "%s", credal_last_error());
}

void resume_count_chunks(void *ctx, int64_t done, int64_t total) {
  resume_stopper *s = ctx;
  (void)done, (void)total;
  if (++s->calls >= s->after) s->stop = 1;
}

/* Every dataset of both files equal byte for byte, and the choices. */
void resume_same_results(const char *a, const char *b, int upper) {
  static const char *const names[] = {
      "/lower", "/argmin", "/regret", "/best/value", "/best/policy", "/policy/class_lower",
      "/policy/class_lower_hypothesis", "/policy/worst_regret", "/policy/worst_regret_hypothesis",
      "/policy/bayes_regret", "/policy/credal_regret", "/policy/credal_regret_prior", "/upper",
      "/argmax"};
  hid_t fa = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT), fb = H5Fopen(b, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert(fa >= 0 && fb >= 0);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!upper && i >= 12) break;
    hid_t da = H5Dopen2(fa, names[i], H5P_DEFAULT), db = H5Dopen2(fb, names[i], H5P_DEFAULT);
    ck_assert_msg(da >= 0 && db >= 0, "%s missing", names[i]);
    hid_t sa = H5Dget_space(da);
    const hssize_t n = H5Sget_simple_extent_npoints(sa);
    hid_t type = H5Dget_type(da);
    const size_t size = H5Tget_size(type);
    char *va = malloc((size_t)n * size), *vb = malloc((size_t)n * size);
    ck_assert(H5Dread(da, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, va) >= 0);
    ck_assert(H5Dread(db, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, vb) >= 0);
    ck_assert_msg(!memcmp(va, vb, (size_t)n * size), "%s differs after resuming", names[i]);
    free(va), free(vb);
    H5Tclose(type), H5Sclose(sa), H5Dclose(da), H5Dclose(db);
  }
  static const char *const choices[] = {"maximin", "minimax_regret", "bayes", "credal"};
  for (int i = 0; i < 4; i++) {
    int64_t ca = -2, cb = -3;
    hid_t x = H5Aopen_by_name(fa, "/choice", choices[i], H5P_DEFAULT, H5P_DEFAULT);
    hid_t y = H5Aopen_by_name(fb, "/choice", choices[i], H5P_DEFAULT, H5P_DEFAULT);
    ck_assert(x >= 0 && y >= 0);
    H5Aread(x, H5T_NATIVE_INT64, &ca), H5Aread(y, H5T_NATIVE_INT64, &cb);
    H5Aclose(x), H5Aclose(y);
    ck_assert_int_eq(ca, cb);
  }
  ck_assert(H5Lexists(fb, "resume", H5P_DEFAULT) == 0); /* the state goes with completion */
  H5Fclose(fa), H5Fclose(fb);
}

/* Interrupted after `every` chunks, then resumed and interrupted again every `every` chunks,
 * until it completes: the same results as one uninterrupted run. */
/* The paths of a check (PREFIX-in.h5, -full.h5, -out.h5 and its partial), the input, and its
 * uninterrupted run into `full` with the options *o the interrupted runs use (--upper, 12 MiB,
 * many chunks); no output or partial left at `out`. */
typedef struct {
  char in[512], full[512], out[512], partial[600];
} run_paths;

static void prepare(const char *prefix, credal_backend backend, run_paths *p,
                    credal_eval_options *o) {
  char name[64];
  snprintf(name, sizeof name, "%s-in.h5", prefix);
  snprintf(p->in, sizeof p->in, "%s", test_path(name));
  snprintf(name, sizeof name, "%s-full.h5", prefix);
  snprintf(p->full, sizeof p->full, "%s", test_path(name));
  snprintf(name, sizeof name, "%s-out.h5", prefix);
  snprintf(p->out, sizeof p->out, "%s", test_path(name));
  snprintf(p->partial, sizeof p->partial, "%s.partial", p->out);
  resume_make_input(p->in, 42);
  credal_eval_options_init(o);
  o->backend = backend, o->upper = 1, o->force = 1, o->memory_bytes = 18u << 20;
  credal_eval_summary s;
  ck_assert_msg(credal_eval(p->in, p->full, o, &s) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_gt(s.chunks, 10);
  unlink(p->out), unlink(p->partial);
  o->force = 0;
}

void resume_check_equals_uninterrupted(credal_backend backend, int64_t every) {
  run_paths paths;
  credal_eval_options o;
  prepare("resume", backend, &paths, &o);
  const char *in = paths.in, *full = paths.full, *out = paths.out, *partial = paths.partial;
  resume_stopper st = {0, 0, every};
  o.interrupt = &st.stop, o.progress = resume_count_chunks, o.progress_ctx = &st;
  int runs = 0;
  credal_status rc;
  do {
    st.stop = 0, st.calls = 0;
    rc = credal_eval(in, out, &o, NULL);
    o.resume = 1;
    runs++;
    ck_assert_msg(rc == CREDAL_OK || rc == CREDAL_EINTERRUPTED, "%s", credal_last_error());
    if (rc == CREDAL_EINTERRUPTED) ck_assert(resume_exists(partial) && !resume_exists(out));
  } while (rc == CREDAL_EINTERRUPTED && runs < 200);
  ck_assert_int_eq(rc, CREDAL_OK);
  ck_assert_int_gt(runs, 2);
  ck_assert(!resume_exists(partial));
  resume_same_results(full, out, 1);
}

/* Interrupted before its first chunk: the saved state is the defined initial one (no heap
 * bytes in the file: valgrind caught the per-policy accumulators written uninitialised), and
 * --resume from it gives the uninterrupted run. */
void resume_check_before_any_chunk(credal_backend backend) {
  run_paths paths;
  credal_eval_options o;
  prepare("early", backend, &paths, &o);
  const char *in = paths.in, *full = paths.full, *out = paths.out, *partial = paths.partial;
  volatile int stop = 1; /* set before the run starts */
  o.interrupt = &stop;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EINTERRUPTED);
  hid_t f = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert(f >= 0);
  double lower[40], worst[40];
  int32_t lower_h[40], worst_h[40];
  const struct {
    const char *name;
    hid_t type;
    void *out;
  } sets[] = {{"/resume/class_lower", H5T_NATIVE_DOUBLE, lower},
              {"/resume/worst_regret", H5T_NATIVE_DOUBLE, worst},
              {"/resume/class_lower_hypothesis", H5T_NATIVE_INT32, lower_h},
              {"/resume/worst_regret_hypothesis", H5T_NATIVE_INT32, worst_h}};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    hid_t d = H5Dopen2(f, sets[i].name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "%s missing", sets[i].name);
    ck_assert(H5Dread(d, sets[i].type, H5S_ALL, H5S_ALL, H5P_DEFAULT, sets[i].out) >= 0);
    H5Dclose(d);
  }
  H5Fclose(f);
  for (int p = 0; p < 40; p++) {
    ck_assert(lower[p] == INFINITY && worst[p] == -INFINITY);
    ck_assert(lower_h[p] == -1 && worst_h[p] == -1);
  }
  o.interrupt = NULL, o.force = 0, o.resume = 1;
  ck_assert_msg(credal_eval(in, out, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  resume_same_results(full, out, 1);
}

