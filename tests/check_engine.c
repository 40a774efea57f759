/* credal_eval end to end on files: agreement with the in-memory reference, chunking
 * invariance (bitwise), oversized hypotheses in pieces, and the never-lose-data rules. */
#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_writer.h"
#include "plan.h"
#include "regret.h"
#include "result_writer.h"
#include "testutil.h"

typedef struct {
  int64_t H, d, P, Q, K;
  int64_t *offsets;
  double *x, *b, *u, *prior, *Z;
} problem;

static void problem_free(problem *p) {
  free(p->offsets), free(p->x), free(p->b), free(p->u), free(p->prior), free(p->Z);
}

/* Random payoff problem with constants, a prior and a prior set; big_h gets huge_k rows. */
static problem make_problem(uint64_t seed, int64_t H, int64_t max_k, int64_t d, int64_t P,
                            int64_t Q, int64_t big_h, int64_t huge_k) {
  test_rng rng = {seed};
  problem p = {H, d, P, Q, 0, 0, 0, 0, 0, 0, 0};
  p.offsets = malloc((size_t)(H + 1) * sizeof(int64_t));
  p.offsets[0] = 0;
  for (int64_t h = 0; h < H; h++)
    p.offsets[h + 1] = p.offsets[h] + (h == big_h ? huge_k : 1 + test_below(&rng, max_k));
  p.K = p.offsets[H];
  p.x = malloc((size_t)(p.K * d) * sizeof(double));
  p.b = malloc((size_t)p.K * sizeof(double));
  p.u = malloc((size_t)(P * d) * sizeof(double));
  p.prior = malloc((size_t)H * sizeof(double));
  p.Z = malloc((size_t)(Q * H) * sizeof(double));
  /* coarse values make exact ties common */
  for (int64_t i = 0; i < p.K * d; i++) p.x[i] = floor(test_uniform(&rng) * 5) - 2;
  for (int64_t i = 0; i < p.K; i++) p.b[i] = floor(test_uniform(&rng) * 3);
  for (int64_t i = 0; i < P * d; i++) p.u[i] = floor(test_uniform(&rng) * 7) - 3;
  for (int64_t q = -1; q < Q; q++) {
    double *row = q < 0 ? p.prior : p.Z + q * H, s = 0;
    for (int64_t h = 0; h < H; h++) row[h] = test_uniform(&rng), s += row[h];
    for (int64_t h = 0; h < H; h++) row[h] /= s;
  }
  return p;
}

static void write_problem(const problem *p, const char *path) {
  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  spec.hypotheses = p->H, spec.generators = p->K, spec.dim = p->d, spec.policies = p->P;
  spec.prior_set_size = p->Q, spec.kind = CREDAL_KIND_PAYOFF;
  spec.has_constants = 1, spec.has_prior = 1, spec.force = 1;
  credal__batch_writer *w;
  ck_assert_int_eq(credal__batch_writer_create(path, &spec, &w), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_offsets(w, p->H + 1, p->offsets), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_points(w, p->K, p->x), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_constants(w, p->K, p->b), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_utility(w, p->P, p->u), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_prior(w, p->H, p->prior), CREDAL_OK);
  if (p->Q) ck_assert_int_eq(credal__batch_writer_append_prior_set(w, p->H, p->Z), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_finish(w), CREDAL_OK);
}

static void read_all(const char *path, const char *name, hid_t type, void *out) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert_msg(f >= 0, "cannot open %s", path);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert_msg(d >= 0, "%s has no %s", path, name);
  ck_assert(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
  H5Dclose(d);
  H5Fclose(f);
}

static int64_t read_root_int(const char *path, const char *obj, const char *name) {
  int64_t v = -1;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) H5Aread(a, H5T_NATIVE_INT64, &v), H5Aclose(a);
  H5Fclose(f);
  return v;
}

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* Compares every output dataset of path with the in-memory reference and regret stage. */
static void check_output(const problem *p, const char *path, int with_upper) {
  const size_t HP = (size_t)(p->H * p->P);
  double *lower = malloc(HP * sizeof(double)), *want = malloc(HP * sizeof(double));
  double *upper = malloc(HP * sizeof(double)), *want_up = malloc(HP * sizeof(double));
  double *regret = malloc(HP * sizeof(double)), *want_reg = malloc(HP * sizeof(double));
  int32_t *argmin = malloc(HP * sizeof(int32_t)), *want_k = malloc(HP * sizeof(int32_t));
  int32_t *argmax = malloc(HP * sizeof(int32_t)), *want_kx = malloc(HP * sizeof(int32_t));
  credal_batch_f64 b = {p->H, p->d, p->P, p->offsets, p->x, p->b, p->u};
  ck_assert_int_eq(credal_lower_f64(CREDAL_BACKEND_REFERENCE, &b, want, want_k, want_up, want_kx),
                   CREDAL_OK);
  read_all(path, "/lower", H5T_NATIVE_DOUBLE, lower);
  read_all(path, "/argmin", H5T_NATIVE_INT32, argmin);
  if (with_upper) {
    read_all(path, "/upper", H5T_NATIVE_DOUBLE, upper);
    read_all(path, "/argmax", H5T_NATIVE_INT32, argmax);
  } else {
    memcpy(upper, want_up, HP * sizeof(double));
    memcpy(argmax, want_kx, HP * sizeof(int32_t));
  }
  read_all(path, "/regret", H5T_NATIVE_DOUBLE, regret);
  /* the file path evaluates the same loops on the same numbers: bitwise equal */
  ck_assert(!memcmp(lower, want, HP * sizeof(double)));
  ck_assert(!memcmp(argmin, want_k, HP * sizeof(int32_t)));
  ck_assert(!memcmp(upper, want_up, HP * sizeof(double)));
  ck_assert(!memcmp(argmax, want_kx, HP * sizeof(int32_t)));

  credal__regret r;
  ck_assert_int_eq(credal__regret_init(&r, p->P, 1, p->Q), CREDAL_OK);
  double *best = malloc((size_t)p->H * sizeof(double)), *best_file = malloc((size_t)p->H * sizeof(double));
  int32_t *bp = malloc((size_t)p->H * sizeof(int32_t)), *bp_file = malloc((size_t)p->H * sizeof(int32_t));
  credal__regret_chunk(&r, 0, p->H, want, p->prior, p->Z, best, bp, want_reg);
  ck_assert(!memcmp(regret, want_reg, HP * sizeof(double)));
  read_all(path, "/best/value", H5T_NATIVE_DOUBLE, best_file);
  read_all(path, "/best/policy", H5T_NATIVE_INT32, bp_file);
  ck_assert(!memcmp(best, best_file, (size_t)p->H * sizeof(double)));
  ck_assert(!memcmp(bp, bp_file, (size_t)p->H * sizeof(int32_t)));
  double *cr = malloc((size_t)p->P * sizeof(double)), *v = malloc((size_t)p->P * sizeof(double));
  int32_t *cq = malloc((size_t)p->P * sizeof(int32_t)), *iv = malloc((size_t)p->P * sizeof(int32_t));
  credal__choices c;
  credal__regret_finish(&r, cr, cq, &c);
  const size_t Pd = (size_t)p->P * sizeof(double), Pi = (size_t)p->P * sizeof(int32_t);
  read_all(path, "/policy/class_lower", H5T_NATIVE_DOUBLE, v);
  ck_assert(!memcmp(v, r.class_lower, Pd));
  read_all(path, "/policy/class_lower_hypothesis", H5T_NATIVE_INT32, iv);
  ck_assert(!memcmp(iv, r.class_lower_h, Pi));
  read_all(path, "/policy/worst_regret", H5T_NATIVE_DOUBLE, v);
  ck_assert(!memcmp(v, r.worst_regret, Pd));
  read_all(path, "/policy/worst_regret_hypothesis", H5T_NATIVE_INT32, iv);
  ck_assert(!memcmp(iv, r.worst_regret_h, Pi));
  read_all(path, "/policy/bayes_regret", H5T_NATIVE_DOUBLE, v);
  ck_assert(!memcmp(v, r.bayes_regret, Pd));
  if (p->Q) {
    read_all(path, "/policy/credal_regret", H5T_NATIVE_DOUBLE, v);
    ck_assert(!memcmp(v, cr, Pd));
    read_all(path, "/policy/credal_regret_prior", H5T_NATIVE_INT32, iv);
    ck_assert(!memcmp(iv, cq, Pi));
    ck_assert_int_eq(read_root_int(path, "/choice", "credal"), c.credal);
  }
  ck_assert_int_eq(read_root_int(path, "/choice", "maximin"), c.maximin);
  ck_assert_int_eq(read_root_int(path, "/choice", "minimax_regret"), c.minimax_regret);
  ck_assert_int_eq(read_root_int(path, "/choice", "bayes"), c.bayes);
  ck_assert_int_eq(read_root_int(path, "/", "complete"), 1);
  credal__regret_free(&r);
  free(lower), free(want), free(upper), free(want_up), free(regret), free(want_reg);
  free(argmin), free(want_k), free(argmax), free(want_kx), free(best), free(best_file);
  free(bp), free(bp_file), free(cr), free(v), free(cq), free(iv);
}

/* A budget that leaves `arena` bytes per chunk for this problem, as the engine plans it for
 * the reference backend (3 slots: reading, computing, writing). */
/* The runs that use it set io_threads = IO_THREADS: the output's buffers grow with them. */
#define IO_THREADS 2
static uint64_t budget_for(const problem *p, uint64_t arena, int upper) {
  credal__pool *pool = NULL;
  ck_assert_int_eq(credal__pool_create(IO_THREADS, &pool), CREDAL_OK);
  credal__result_layout layout = {p->H, p->P, p->Q, 1, upper, 0, "", "", "", 0, 0, 0, NULL, pool, 0, 0, 0};
  credal__plan plan;
  ck_assert_int_eq(credal__plan_make(&plan, UINT64_MAX / 4, p->P, p->d, p->Q, 1, upper,
                                     credal__result_cache_bytes(&layout), 3, 0, NULL),
                   CREDAL_OK);
  credal__pool_destroy(pool);
  return plan.resident_bytes + 3 * (arena + CREDAL_SLOT_SLACK);
}

START_TEST(test_matches_reference_in_any_chunking) {
  problem p = make_problem(100 + (uint64_t)_i, 40 + _i * 13, 60, 1 + _i * 3, 1 + _i * 5, _i % 3,
                           _i % 2 ? 7 : -1, 3000);
  char in[512], out_small[512], out_big[512];
  snprintf(in, sizeof in, "%s", test_path("in.h5"));
  snprintf(out_small, sizeof out_small, "%s", test_path("small.h5"));
  snprintf(out_big, sizeof out_big, "%s", test_path("big.h5"));
  write_problem(&p, in);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.upper = 1, o.force = 1;
  /* many chunks; the huge hypothesis in pieces */
  o.io_threads = IO_THREADS, o.memory_bytes = budget_for(&p, 8000, 1);
  credal_eval_summary s;
  ck_assert_msg(credal_eval(in, out_small, &o, &s) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_gt(s.chunks, 2);
  o.memory_bytes = 0; /* default budget: one chunk */
  ck_assert_msg(credal_eval(in, out_big, &o, &s) == CREDAL_OK, "%s", credal_last_error());
  check_output(&p, out_small, 1);
  check_output(&p, out_big, 1);
  problem_free(&p);
}
END_TEST

START_TEST(test_never_overwrites_without_force) {
  problem p = make_problem(7, 5, 4, 3, 2, 0, -1, 0);
  char in[512], out[512], partial[600];
  snprintf(in, sizeof in, "%s", test_path("in2.h5"));
  snprintf(out, sizeof out, "%s", test_path("out2.h5"));
  snprintf(partial, sizeof partial, "%s.partial", out);
  write_problem(&p, in);
  FILE *f = fopen(out, "w");
  fputs("precious", f);
  fclose(f);
  credal_eval_options o;
  credal_eval_options_init(&o);
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EEXIST);
  ck_assert_int_eq(credal_exit_code(CREDAL_EEXIST), 73);
  char buf[16] = {0};
  f = fopen(out, "r");
  ck_assert(fgets(buf, sizeof buf, f) && !strcmp(buf, "precious"));
  fclose(f);
  ck_assert(!exists(partial));
  o.force = 1;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_OK);
  check_output(&p, out, 0);
  /* a stale partial blocks a run without --force */
  unlink(out);
  f = fopen(partial, "w");
  fclose(f);
  o.force = 0;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EEXIST);
  ck_assert(!exists(out));
  unlink(partial);
  problem_free(&p);
}
END_TEST

static volatile int stop_flag;
static void stop_after_first(void *ctx, int64_t done, int64_t total) {
  (void)ctx, (void)done, (void)total;
  stop_flag = 1;
}

START_TEST(test_interrupt_keeps_partial) {
  problem p = make_problem(9, 60, 30, 4, 3, 1, -1, 0);
  char in[512], out[512], partial[600];
  snprintf(in, sizeof in, "%s", test_path("in3.h5"));
  snprintf(out, sizeof out, "%s", test_path("out3.h5"));
  snprintf(partial, sizeof partial, "%s.partial", out);
  write_problem(&p, in);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.io_threads = IO_THREADS, o.memory_bytes = budget_for(&p, 3000, 0);
  stop_flag = 0;
  o.interrupt = &stop_flag;
  o.progress = stop_after_first;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EINTERRUPTED);
  ck_assert_int_eq(credal_exit_code(CREDAL_EINTERRUPTED), 75);
  ck_assert(!exists(out));
  ck_assert(exists(partial));
  ck_assert_int_eq(read_root_int(partial, "/", "complete"), 0);
  unlink(partial);
  problem_free(&p);
}
END_TEST

START_TEST(test_bad_value_late_leaves_nothing) {
  problem p = make_problem(11, 50, 30, 4, 3, 0, -1, 0);
  p.x[(p.K - 1) * p.d + 2] = NAN; /* last generator of the last hypothesis */
  char in[512], out[512], partial[600];
  snprintf(in, sizeof in, "%s", test_path("in4.h5"));
  snprintf(out, sizeof out, "%s", test_path("out4.h5"));
  snprintf(partial, sizeof partial, "%s.partial", out);
  write_problem(&p, in);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.io_threads = IO_THREADS, o.memory_bytes = budget_for(&p, 3000, 0);
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "/hypotheses/points"));
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "49")); /* the hypothesis */
  ck_assert(!exists(out));
  ck_assert(!exists(partial));
  problem_free(&p);
}
END_TEST

START_TEST(test_unavailable_backends) {
  problem p = make_problem(13, 3, 3, 2, 2, 0, -1, 0);
  char in[512], out[512];
  snprintf(in, sizeof in, "%s", test_path("in5.h5"));
  snprintf(out, sizeof out, "%s", test_path("out5.h5"));
  write_problem(&p, in);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.backend = CREDAL_BACKEND_GPU;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_ENODEVICE);
  ck_assert_int_eq(credal_exit_code(CREDAL_ENODEVICE), 69);
  o.backend = CREDAL_BACKEND_REFERENCE;
  o.precision_f32 = 1;
  ck_assert_int_eq(credal_eval(in, out, &o, NULL), CREDAL_EUSAGE);
  ck_assert(!exists(out));
  problem_free(&p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("engine");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_matches_reference_in_any_chunking, 0, 6);
  tcase_add_test(tc, test_never_overwrites_without_force);
  tcase_add_test(tc, test_interrupt_keeps_partial);
  tcase_add_test(tc, test_bad_value_late_leaves_nothing);
  tcase_add_test(tc, test_unavailable_backends);
  suite_add_tcase(s, tc);
  return test_run(s);
}
