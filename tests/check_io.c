/* io/: credal-batch written by the batch writer and read back through the reader (offset
 * windows, float32 conversion, prior-set columns), the validator's counting, and a result
 * file read back by the result reader. Malformed inputs are covered by test_malformed.py. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_reader.h"
#include "batch_writer.h"
#include "result_reader.h"
#include "regret.h"
#include "result_writer.h"
#include "testutil.h"

/* H hypotheses of (h % 3) + 1 rows each, d = 2, P = 2, values that encode their position. */
static void write_file(const char *path, int64_t H, int f32, int64_t Q, int64_t nan_rows) {
  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  int64_t *offsets = malloc((size_t)(H + 1) * sizeof(int64_t));
  offsets[0] = 0;
  for (int64_t h = 0; h < H; h++) offsets[h + 1] = offsets[h] + h % 3 + 1;
  const int64_t K = offsets[H];
  spec.hypotheses = H, spec.generators = K, spec.dim = 2, spec.policies = 2;
  spec.kind = CREDAL_KIND_PAYOFF, spec.points_f32 = f32, spec.prior_set_size = Q;
  spec.has_prior = 1, spec.force = 1;
  double *x = malloc((size_t)K * 2 * sizeof(double));
  for (int64_t k = 0; k < K; k++) x[2 * k] = (double)k + 0.5, x[2 * k + 1] = -(double)k;
  for (int64_t i = 0; i < nan_rows; i++) x[2 * (K - 1 - 5 * i) + 1] = NAN;
  double *prior = malloc((size_t)H * sizeof(double)), *Z = malloc((size_t)(Q * H) * sizeof(double));
  for (int64_t h = 0; h < H; h++) prior[h] = 1.0 / (double)H;
  for (int64_t q = 0; q < Q; q++)
    for (int64_t h = 0; h < H; h++) Z[q * H + h] = h == q % H ? 1.0 : 0.0;
  const double u[] = {1, 0, 0, 1};
  credal__batch_writer *w;
  ck_assert_int_eq(credal__batch_writer_create(path, &spec, &w), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_offsets(w, H + 1, offsets), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_points(w, K, x), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_utility(w, 2, u), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_prior(w, H, prior), CREDAL_OK);
  if (Q) ck_assert_int_eq(credal__batch_writer_append_prior_set(w, H, Z), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_finish(w), CREDAL_OK);
  free(offsets), free(x), free(prior), free(Z);
}

START_TEST(test_offsets_windows_and_rows) {
  const char *path = test_path("windows.h5");
  const int64_t H = 70001; /* more offsets than one 65536-entry window */
  write_file(path, H, 0, 0, 0);
  credal_input *in;
  ck_assert_int_eq(credal_input_open(path, &in), CREDAL_OK);
  const credal_input_summary *s = credal_input_describe(in);
  ck_assert_int_eq(s->hypotheses, H);
  ck_assert_int_eq(s->dim, 2);
  ck_assert_int_eq(s->max_generators, 3);
  ck_assert_int_eq(s->kind, CREDAL_KIND_PAYOFF);
  int64_t offs[41];
  /* sequential, then across the window edge, then backwards */
  const int64_t starts[] = {0, 65520, 69960, 10};
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(credal__input_offsets(in, starts[i], 40, offs), CREDAL_OK);
    for (int64_t j = 0; j <= 40; j++) {
      const int64_t h = starts[i] + j; /* offsets[h] = sum_{g<h} (g%3 + 1) */
      const int64_t want = (h / 3) * 6 + (h % 3 == 1 ? 1 : h % 3 == 2 ? 3 : 0);
      ck_assert_int_eq(offs[j], want);
    }
  }
  double rows[6];
  ck_assert_int_eq(credal__input_points(in, 100, 3, rows), CREDAL_OK);
  for (int k = 0; k < 3; k++) ck_assert(rows[2 * k] == 100.5 + k && rows[2 * k + 1] == -(100.0 + k));
  double b[3] = {9, 9, 9};
  ck_assert_int_eq(credal__input_constants(in, 100, 3, b), CREDAL_OK); /* absent: zeros */
  ck_assert(b[0] == 0 && b[1] == 0 && b[2] == 0);
  credal_input_close(in);
  credal_input_close(NULL);
}
END_TEST

START_TEST(test_float32_points_and_prior_set_columns) {
  const char *path = test_path("f32.h5");
  write_file(path, 10, 1, 4, 0);
  credal_input *in;
  ck_assert_int_eq(credal_input_open(path, &in), CREDAL_OK);
  const credal_input_summary *s = credal_input_describe(in);
  ck_assert(s->points_f32 && s->tolerance == 1e-5);
  ck_assert_int_eq(s->prior_set_size, 4);
  double rows[4];
  ck_assert_int_eq(credal__input_points(in, 3, 2, rows), CREDAL_OK);
  ck_assert(rows[0] == 3.5 && rows[1] == -3.0 && rows[2] == 4.5);
  double z[4 * 3];
  ck_assert_int_eq(credal__input_prior_set(in, 2, 3, z), CREDAL_OK); /* (Q=4, 3) columns 2..4 */
  for (int q = 0; q < 4; q++)
    for (int i = 0; i < 3; i++) ck_assert(z[q * 3 + i] == (q == 2 + i ? 1.0 : 0.0));
  double prior[2];
  ck_assert_int_eq(credal__input_prior(in, 8, 2, prior), CREDAL_OK);
  ck_assert(prior[0] == 0.1 && prior[1] == 0.1);
  credal_input_close(in);
}
END_TEST

static void count_reports(void *ctx, credal_status st, const char *msg) {
  (void)st;
  ck_assert_ptr_nonnull(strstr(msg, "/hypotheses/points"));
  ck_assert_ptr_nonnull(strstr(msg, "column 1"));
  (*(int *)ctx)++;
}

START_TEST(test_validate_counts_every_problem) {
  const char *path = test_path("nans.h5");
  write_file(path, 50, 0, 0, 7);
  int reported = 0;
  int64_t problems = 0;
  ck_assert_int_eq(credal_validate(path, count_reports, &reported, 3, &problems), CREDAL_EDATA);
  ck_assert_int_eq(problems, 7);
  ck_assert_int_eq(reported, 3);
  write_file(path, 50, 0, 0, 0);
  ck_assert_int_eq(credal_validate(path, NULL, NULL, 0, &problems), CREDAL_OK);
  ck_assert_int_eq(problems, 0);
  ck_assert_int_eq(credal_validate(test_path("absent.h5"), NULL, NULL, 0, &problems),
                   CREDAL_ENOINPUT);
}
END_TEST

START_TEST(test_result_round_trip) {
  const char *path = test_path("result.h5");
  credal__result_layout layout = {3, 2, 0, 0, 0, 0, "reference", "test cpu", "in.h5", 0, 0, 0, NULL, NULL, 0, 0, 0};
  credal__result_writer *w;
  ck_assert_int_eq(credal__result_create(path, &layout, 1, &w), CREDAL_OK);
  const double lower[] = {1, 2, 3, 4, 5, 6}, regret[] = {1, 0, 1, 0, 1, 0};
  const int32_t argmin[] = {0, 0, 0, 0, 0, 0};
  const double best[] = {2, 4, 6};
  const int32_t best_p[] = {1, 1, 1};
  ck_assert_int_eq(credal__result_write_rows(w, 0, 2, lower, argmin, NULL, NULL, regret, best,
                                             best_p), CREDAL_OK);
  ck_assert_int_eq(credal__result_write_rows(w, 2, 1, lower + 4, argmin, NULL, NULL, regret + 4,
                                             best + 2, best_p + 2), CREDAL_OK);
  credal__regret r;
  ck_assert_int_eq(credal__regret_init(&r, 2, 0, 0), CREDAL_OK);
  double bv[3], reg[6];
  int32_t bp[3];
  credal__regret_chunk(&r, 0, 3, lower, NULL, NULL, bv, bp, reg);
  credal__choices c;
  credal__regret_finish(&r, NULL, NULL, &c);
  ck_assert_int_eq(credal__result_write_policies(w, &r, NULL, NULL, &c), CREDAL_OK);
  ck_assert_int_eq(credal__result_finish(w, 1.5), CREDAL_OK);
  credal__result_info info;
  ck_assert_int_eq(credal__result_read_info(path, &info), CREDAL_OK);
  ck_assert_int_eq(info.complete, 1);
  ck_assert_int_eq(info.hypotheses, 3);
  ck_assert_int_eq(info.policies, 2);
  ck_assert_str_eq(info.backend, "reference");
  ck_assert_str_eq(info.precision, "f64");
  ck_assert(info.elapsed_seconds == 1.5);
  ck_assert_int_eq(info.choice[0], c.maximin);
  ck_assert_int_eq(info.choice[2], -1); /* no prior, no bayes choice */
  double v[2];
  ck_assert_int_eq(credal__result_read_vector(path, "/policy/class_lower", 2, v), CREDAL_OK);
  ck_assert(v[0] == 1 && v[1] == 2);
  char schema[32];
  ck_assert_int_eq(credal__file_schema(path, schema, sizeof schema), CREDAL_OK);
  ck_assert_str_eq(schema, "credal-result");
  /* the writer refuses to create over an existing file unless asked */
  ck_assert_int_eq(credal__result_create(path, &layout, 0, &w), CREDAL_ECANTCREATE);
  credal__regret_free(&r);
}
END_TEST

/* The fuzzing harness's in-memory images (HDF5's core driver): the same summary, validation
 * and evaluated values as the file they were read from; a damaged image refused like a damaged
 * file; cleared, the name means a file again. */
static void *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc(*size);
  ck_assert_uint_eq(fread(buf, 1, *size, f), *size);
  fclose(f);
  return buf;
}

/* Every value of a float dataset (any rank) of the file at path, as float64. */
static int64_t read_all(const char *path, const char *name, double *out, int64_t cap) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert_int_ge(d, 0);
  hid_t space = H5Dget_space(d);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  ck_assert_int_le(n, cap);
  ck_assert_int_ge(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), 0);
  H5Sclose(space), H5Dclose(d), H5Fclose(f);
  return (int64_t)n;
}

START_TEST(test_in_memory_image) {
  char path[512]; /* test_path's buffer is reused below */
  snprintf(path, sizeof path, "%s", test_path("image-source.h5"));
  const char *name = "an in-memory image";
  write_file(path, 40, 1, 3, 0);
  size_t size;
  unsigned char *bytes = slurp(path, &size);
  ck_assert_int_eq(credal__input_image_set(name, bytes, size), CREDAL_OK);
  credal_input *a, *b;
  ck_assert_int_eq(credal_input_open(path, &a), CREDAL_OK);
  ck_assert_int_eq(credal_input_open(name, &b), CREDAL_OK);
  const credal_input_summary *sa = credal_input_describe(a), *sb = credal_input_describe(b);
  ck_assert_int_eq(sa->hypotheses, sb->hypotheses);
  ck_assert_int_eq(sa->generators, sb->generators);
  ck_assert_int_eq(sa->prior_set_size, sb->prior_set_size);
  ck_assert_int_eq(sb->points_f32, 1);
  credal_input_close(a), credal_input_close(b);
  int64_t problems = -1;
  ck_assert_int_eq(credal_validate(name, NULL, NULL, 0, &problems), CREDAL_OK);
  ck_assert_int_eq(problems, 0);

  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_REFERENCE, o.force = 1, o.upper = 1;
  o.memory_bytes = (uint64_t)18 << 20;
  char out_file[512], out_image[512];
  snprintf(out_file, sizeof out_file, "%s", test_path("image-from-file-out.h5"));
  snprintf(out_image, sizeof out_image, "%s", test_path("image-from-image-out.h5"));
  ck_assert_msg(credal_eval(path, out_file, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_eq(credal_eval(name, out_image, &o, NULL), CREDAL_OK);
  const char *sets[] = {"/lower", "/upper", "/regret", "/policy/bayes_regret",
                        "/policy/credal_regret"};
  const int64_t expect[] = {40 * 2, 40 * 2, 40 * 2, 2, 2};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    double x[80], y[80];
    ck_assert_int_eq(read_all(out_file, sets[i], x, 80), expect[i]);
    ck_assert_int_eq(read_all(out_image, sets[i], y, 80), expect[i]);
    ck_assert_mem_eq(x, y, (size_t)expect[i] * sizeof(double));
  }

  /* a damaged image: refused, nothing written */
  for (size_t i = size / 3; i < size / 3 + 64 && i < size; i++) bytes[i] ^= 0x5a;
  ck_assert_int_eq(credal__input_image_set(name, bytes, size), CREDAL_OK);
  ck_assert_int_ne(credal_validate(name, NULL, NULL, 0, &problems), CREDAL_OK);
  unlink(out_image);
  ck_assert_int_ne(credal_eval(name, out_image, &o, NULL), CREDAL_OK);
  ck_assert_int_ne(access(out_image, F_OK), 0);
  ck_assert_int_eq(credal__input_image_set(name, bytes, 0), CREDAL_OK);
  ck_assert_int_eq(credal_validate(name, NULL, NULL, 0, &problems), CREDAL_ENOINPUT);

  /* cleared: the name is a (missing) file again */
  ck_assert_int_eq(credal__input_image_set(NULL, NULL, 0), CREDAL_OK);
  ck_assert_int_eq(credal_validate(name, NULL, NULL, 0, &problems), CREDAL_ENOINPUT);
  free(bytes);
}
END_TEST

int main(void) {
  Suite *s = suite_create("io");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_offsets_windows_and_rows);
  tcase_add_test(tc, test_float32_points_and_prior_set_columns);
  tcase_add_test(tc, test_validate_counts_every_problem);
  tcase_add_test(tc, test_result_round_trip);
  tcase_add_test(tc, test_in_memory_image);
  suite_add_tcase(s, tc);
  return test_run(s);
}
