/* Interruption and --resume (issue 6): a run stopped at chunk boundaries (repeatedly, at many
 * points) and continued with --resume gives every dataset and choice of an uninterrupted run,
 * bit for bit, on the reference and cpu backends, with generators and structured sets, priors,
 * a prior set and --upper; a partial output that belongs to another input or other options,
 * or that is truncated or has no resume state, is refused and left as it was. */
#include <check.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "gen.h"
#include "testutil.h"

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static void make_input(const char *path, uint64_t seed) {
  credal__gen_options g;
  credal__gen_options_init(&g);
  g.path = path, g.hypotheses = 3000, g.points = 12, g.ragged = 1, g.dim = 24, g.policies = 40;
  g.prior = 1, g.prior_set = 3, g.constants = 1, g.force = 1, g.seed = seed;
  g.kind = CREDAL_KIND_MEASURE;
  g.structured[CREDAL_FAMILY_TV_BALLS] = 400, g.structured[CREDAL_FAMILY_BELIEF] = 300;
  ck_assert_msg(credal__gen(&g) == CREDAL_OK, "%s", credal_last_error());
}

/* Stops the run after `after` chunks have been written. */
typedef struct {
  volatile int stop;
  int64_t calls, after;
} stopper;

static void count_chunks(void *ctx, int64_t done, int64_t total) {
  stopper *s = ctx;
  (void)done, (void)total;
  if (++s->calls >= s->after) s->stop = 1;
}

/* Every dataset of both files equal byte for byte, and the choices. */
static void same_results(const char *a, const char *b, int upper) {
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
START_TEST(test_resume_equals_uninterrupted) {
  const credal_backend backend = _i % 2 ? CREDAL_BACKEND_CPU : CREDAL_BACKEND_REFERENCE;
  const int64_t every = 1 + _i / 2; /* 1, 2, 3, 4 chunks per run */
  char in[512], full[512], out[512], partial[600];
  snprintf(in, sizeof in, "%s", test_path("resume-in.h5"));
  snprintf(full, sizeof full, "%s", test_path("resume-full.h5"));
  snprintf(out, sizeof out, "%s", test_path("resume-out.h5"));
  snprintf(partial, sizeof partial, "%s.partial", out);
  make_input(in, 42);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = backend, o.upper = 1, o.force = 1, o.memory_bytes = 12u << 20;
  credal_eval_summary s;
  ck_assert_msg(credal_eval(in, full, &o, &s) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_gt(s.chunks, 10);
  unlink(out), unlink(partial);
  o.force = 0;
  stopper st = {0, 0, every};
  o.interrupt = &st.stop, o.progress = count_chunks, o.progress_ctx = &st;
  int runs = 0;
  credal_status rc;
  do {
    st.stop = 0, st.calls = 0;
    rc = credal_eval(in, out, &o, NULL);
    o.resume = 1;
    runs++;
    ck_assert_msg(rc == CREDAL_OK || rc == CREDAL_EINTERRUPTED, "%s", credal_last_error());
    if (rc == CREDAL_EINTERRUPTED) ck_assert(exists(partial) && !exists(out));
  } while (rc == CREDAL_EINTERRUPTED && runs < 200);
  ck_assert_int_eq(rc, CREDAL_OK);
  ck_assert_int_gt(runs, 2);
  ck_assert(!exists(partial));
  same_results(full, out, 1);
}
END_TEST

/* One interrupted run of input seed 42, leaving out.partial. */
static void interrupted_run(const char *in, const char *out, int upper) {
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_CPU, o.upper = upper, o.force = 1, o.memory_bytes = 12u << 20;
  stopper st = {0, 0, 3};
  o.interrupt = &st.stop, o.progress = count_chunks, o.progress_ctx = &st;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EINTERRUPTED);
}

static credal_status resume(const char *in, const char *out, int upper) {
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_CPU, o.upper = upper, o.resume = 1, o.memory_bytes = 12u << 20;
  return credal_eval(in, out, &o, NULL);
}

static off_t file_size(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? sb.st_size : -1;
}

START_TEST(test_refuses_foreign_or_damaged) {
  char in[512], other[512], out[512], partial[600];
  snprintf(in, sizeof in, "%s", test_path("foreign-in.h5"));
  snprintf(other, sizeof other, "%s", test_path("foreign-other.h5"));
  snprintf(out, sizeof out, "%s", test_path("foreign-out.h5"));
  snprintf(partial, sizeof partial, "%s.partial", out);
  make_input(in, 42);
  make_input(other, 43);
  interrupted_run(in, out, 1);
  const off_t size = file_size(partial);

  /* another input */
  ck_assert_int_eq(resume(other, out, 1), CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "another input or other options"));
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "--force"));
  ck_assert_int_eq(file_size(partial), size); /* left as it was */
  /* other options: without --upper the layout differs; with f32 the fingerprint */
  ck_assert_int_eq(resume(in, out, 0), CREDAL_EDATA);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_REFERENCE, o.upper = 1, o.resume = 1;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "backend="));
  /* --resume with --force is a contradiction */
  o.backend = CREDAL_BACKEND_CPU, o.force = 1;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EUSAGE);
  ck_assert_int_eq(file_size(partial), size);

  /* no resume state (a run killed outright): delete /resume */
  hid_t f = H5Fopen(partial, H5F_ACC_RDWR, H5P_DEFAULT);
  ck_assert(f >= 0 && H5Ldelete(f, "resume", H5P_DEFAULT) >= 0);
  H5Fclose(f);
  ck_assert_int_eq(resume(in, out, 1), CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "no resume state"));

  /* truncated */
  interrupted_run(in, out, 1);
  ck_assert(truncate(partial, file_size(partial) / 2) == 0);
  ck_assert_int_eq(resume(in, out, 1), CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "damaged or truncated"));
  ck_assert(exists(partial) && !exists(out));

  /* not HDF5 at all */
  FILE *fp = fopen(partial, "w");
  fputs("not a credal file", fp);
  fclose(fp);
  ck_assert_int_eq(resume(in, out, 1), CREDAL_EDATA);
  unlink(partial);

  /* nothing to resume: --resume starts afresh, and the result is the uninterrupted one */
  ck_assert_msg(resume(in, out, 1) == CREDAL_OK, "%s", credal_last_error());
  ck_assert(exists(out) && !exists(partial));
}
END_TEST

int main(void) {
  Suite *s = suite_create("resume");
  TCase *tc = tcase_create("resume");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_resume_equals_uninterrupted, 0, 8);
  tcase_add_test(tc, test_refuses_foreign_or_damaged);
  suite_add_tcase(s, tc);
  return test_run(s);
}
