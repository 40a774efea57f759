/* Interruption and --resume (issue 6): a run stopped at chunk boundaries (repeatedly, at many
 * points) and continued with --resume gives every dataset and choice of an uninterrupted run,
 * bit for bit, on the reference and cpu backends, with generators and structured sets, priors,
 * a prior set and --upper; a partial output that belongs to another input or other options,
 * or that is truncated or has no resume state, is refused and left as it was. */
#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "gen.h"
#include "resume_checks.h"
#include "testutil.h"

START_TEST(test_resume_equals_uninterrupted) {
  /* 1, 2, 3, 4 chunks per run, reference and cpu */
  resume_check_equals_uninterrupted(_i % 2 ? CREDAL_BACKEND_CPU : CREDAL_BACKEND_REFERENCE,
                                    1 + _i / 2);
}
END_TEST

/* One interrupted run of input seed 42, leaving out.partial. */
static void interrupted_run(const char *in, const char *out, int upper) {
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_CPU, o.upper = upper, o.force = 1, o.memory_bytes = 18u << 20;
  resume_stopper st = {0, 0, 3};
  o.interrupt = &st.stop, o.progress = resume_count_chunks, o.progress_ctx = &st;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EINTERRUPTED);
}

static credal_status resume(const char *in, const char *out, int upper) {
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_CPU, o.upper = upper, o.resume = 1, o.memory_bytes = 18u << 20;
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
  resume_make_input(in, 42);
  resume_make_input(other, 43);
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
  ck_assert(resume_exists(partial) && !resume_exists(out));

  /* not HDF5 at all */
  FILE *fp = fopen(partial, "w");
  fputs("not a credal file", fp);
  fclose(fp);
  ck_assert_int_eq(resume(in, out, 1), CREDAL_EDATA);
  unlink(partial);

  /* nothing to resume: --resume starts afresh, and the result is the uninterrupted one */
  ck_assert_msg(resume(in, out, 1) == CREDAL_OK, "%s", credal_last_error());
  ck_assert(resume_exists(out) && !resume_exists(partial));
}
END_TEST

/* A hypothesis larger than a chunk, read and evaluated in pieces, among small ones: its
 * digest (rows piece by piece) is the one --resume recomputes from the input, so runs
 * interrupted after every chunk resume to the uninterrupted results. */
START_TEST(test_resume_across_pieces) {
  char in[512], full[512], out[512];
  snprintf(in, sizeof in, "%s", test_path("pieces-in.h5"));
  snprintf(full, sizeof full, "%s", test_path("pieces-full.h5"));
  snprintf(out, sizeof out, "%s", test_path("pieces-out.h5"));
  credal__gen_options g;
  credal__gen_options_init(&g);
  g.path = in, g.hypotheses = 4 + test_scaled(8), g.points = 100000, g.ragged = 1, g.dim = 6;
  g.policies = 4;
  g.prior = 1, g.prior_set = 2, g.constants = 1, g.force = 1, g.seed = 7;
  g.kind = CREDAL_KIND_MEASURE;
  ck_assert_msg(credal__gen(&g) == CREDAL_OK, "%s", credal_last_error());
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_CPU, o.force = 1, o.memory_bytes = 11u << 20;
  credal_eval_summary sum;
  ck_assert_msg(credal_eval(in, full, &o, &sum) == CREDAL_OK, "%s", credal_last_error());
  o.force = 0;
  resume_stopper st = {0, 0, 1};
  o.interrupt = &st.stop, o.progress = resume_count_chunks, o.progress_ctx = &st;
  credal_status rc;
  int runs = 0;
  do {
    st.stop = 0, st.calls = 0;
    rc = credal_eval(in, out, &o, NULL);
    o.resume = 1, runs++;
    ck_assert_msg(rc == CREDAL_OK || rc == CREDAL_EINTERRUPTED, "%s", credal_last_error());
  } while (rc == CREDAL_EINTERRUPTED && runs < 50);
  ck_assert_int_eq(rc, CREDAL_OK);
  ck_assert_int_gt(runs, 2);
  resume_same_results(full, out, 0);
}
END_TEST

START_TEST(test_interrupted_before_any_chunk) {
  resume_check_before_any_chunk(_i ? CREDAL_BACKEND_CPU : CREDAL_BACKEND_REFERENCE);
}
END_TEST

/* Stops the run once every hypothesis is written: the interruption then lands after the last
 * chunk, or in the class's decision rules, and either way the partial resumes. */
static void stop_at_the_end(void *ctx, int64_t done, int64_t total) {
  if (done == total) *(volatile int *)ctx = 1;
}

START_TEST(test_interrupted_at_the_end_with_rules) {
  char in[512], full[512], out[512];
  snprintf(in, sizeof in, "%s", test_path("end-in.h5"));
  snprintf(full, sizeof full, "%s", test_path("end-full.h5"));
  snprintf(out, sizeof out, "%s", test_path("end-out.h5"));
  resume_make_input(in, 44);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_CPU, o.force = 1, o.rules = CREDAL_RULES_ALL;
  ck_assert_msg(credal_eval(in, full, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  volatile int stop = 0;
  o.interrupt = &stop, o.progress = stop_at_the_end, o.progress_ctx = (void *)&stop;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EINTERRUPTED);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "3700 of 3700"));
  o.force = 0, o.resume = 1, o.interrupt = NULL, o.progress = NULL;
  ck_assert_msg(credal_eval(in, out, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  resume_same_results(full, out, 0);
  static const char *const rules[] = {"maximal", "e_admissible", "interval_dominance",
                                      "set_regret"};
  const int64_t P = 40;
  double a[40], b[40];
  for (int i = 0; i < 4; i++) {
    char name[64];
    snprintf(name, sizeof name, "/rules/class/%s", rules[i]);
    compare_read_doubles(full, name, a);
    compare_read_doubles(out, name, b);
    ck_assert_msg(!memcmp(a, b, (size_t)P * sizeof a[0]), "%s differs after resuming", name);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("resume");
  TCase *tc = tcase_create("resume");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_resume_equals_uninterrupted, 0, test_scaled(8));
  tcase_add_test(tc, test_refuses_foreign_or_damaged);
  tcase_add_test(tc, test_resume_across_pieces);
  tcase_add_loop_test(tc, test_interrupted_before_any_chunk, 0, 2);
  tcase_add_test(tc, test_interrupted_at_the_end_with_rules);
  suite_add_tcase(s, tc);
  return test_run(s);
}
