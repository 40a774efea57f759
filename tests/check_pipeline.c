/* The chunk pipeline on the CPU: slot rotation, write order and in-order accumulation with a
 * backend that keeps several chunks in flight and finishes them late (a test double around the
 * reference), against a plain reference run, for depths 1-3 and many chunk sizes. */
#include <check.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_writer.h"
#include "pipeline.h"
#include "testutil.h"

/* A backend that defers every chunk to wait(), with jitter: like a GPU with `depth` lanes. */
typedef struct {
  credal__backend *ref;
  credal__chunk *queue[8];
  int head, tail;
  int64_t next_h;  /* submissions must come in hypothesis order */
  test_rng rng;
} deferred;

static credal_status d_lower(credal__backend *b, credal_family family, const credal_batch_f64 *batch, double *lo,
                             int32_t *lk, double *hi, int32_t *hk) {
  deferred *s = b->state;
  return s->ref->lower(s->ref, family, batch, lo, lk, hi, hk);
}
static credal_status d_restore(credal__backend *b, const credal__regret *state) {
  deferred *s = b->state;
  s->next_h = state->next_hypothesis;
  return s->ref->restore(s->ref, state);
}
static credal_status d_submit(credal__backend *b, credal__chunk *c) {
  deferred *s = b->state;
  ck_assert_int_eq(c->h0, s->next_h);
  s->next_h += c->count;
  ck_assert_int_lt(s->tail - s->head, b->depth);
  s->queue[s->tail++ % 8] = c;
  return CREDAL_OK;
}
static credal_status d_wait(credal__backend *b, credal__chunk *c) {
  deferred *s = b->state;
  ck_assert_int_gt(s->tail, s->head);
  credal__chunk *oldest = s->queue[s->head++ % 8];
  ck_assert_ptr_eq(oldest, c);
  usleep((useconds_t)test_below(&s->rng, 300)); /* let the I/O thread race ahead or fall behind */
  return s->ref->submit(s->ref, oldest);
}
static credal_status d_finish(credal__backend *b, const credal__regret **acc) {
  deferred *s = b->state;
  return s->ref->finish(s->ref, acc);
}

static const char *in_path, *ref_path;
static int64_t H = 400, P = 9, d = 5, Q = 2;

static void setup(void) {
  test_rng rng = {2024};
  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  int64_t *off = malloc((size_t)(H + 1) * 8);
  off[0] = 0;
  for (int64_t h = 0; h < H; h++) off[h + 1] = off[h] + 1 + test_below(&rng, h == 17 ? 900 : 25);
  spec.hypotheses = H, spec.generators = off[H], spec.dim = d, spec.policies = P;
  spec.kind = CREDAL_KIND_PAYOFF, spec.has_prior = 1, spec.prior_set_size = Q, spec.force = 1;
  double *x = malloc((size_t)(off[H] * d) * 8), *u = malloc((size_t)(P * d) * 8);
  double *prior = malloc((size_t)H * 8), *Z = malloc((size_t)(Q * H) * 8);
  for (int64_t i = 0; i < off[H] * d; i++) x[i] = test_uniform(&rng) - 0.5;
  for (int64_t i = 0; i < P * d; i++) u[i] = test_uniform(&rng);
  for (int64_t i = 0; i < H; i++) prior[i] = 1.0 / (double)H;
  for (int64_t i = 0; i < Q * H; i++) Z[i] = (i / H == 0) ? prior[i % H] : (i % H == 3 ? 1.0 : 0.0);
  credal__batch_writer *w;
  in_path = strdup(test_path("pipe-in.h5"));
  ref_path = strdup(test_path("pipe-ref.h5"));
  ck_assert_int_eq(credal__batch_writer_create(in_path, &spec, &w), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_offsets(w, H + 1, off), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_points(w, off[H], x), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_utility(w, P, u), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_prior(w, H, prior), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_prior_set(w, H, Z), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_finish(w), CREDAL_OK);
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.force = 1, o.upper = 1, o.backend = CREDAL_BACKEND_REFERENCE;
  ck_assert_msg(credal_eval(in_path, ref_path, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  free(off), free(x), free(u), free(prior), free(Z);
}

static int64_t last_done;
static void progress(void *ctx, int64_t done, int64_t total) {
  (void)ctx;
  ck_assert_int_gt(done, last_done); /* writes arrive in order, each adds hypotheses */
  ck_assert_int_le(done, total);
  last_done = done;
}

static void read_all(const char *path, const char *name, hid_t type, void *out) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert_msg(ds >= 0, "%s: %s", path, name);
  ck_assert(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
  H5Dclose(ds), H5Fclose(f);
}

/* Runs the pipeline with the deferred backend; returns its status, the stats, and (through
 * *submitted) the hypotheses the backend was given. */
static credal_status run(int depth, uint64_t arena, const char *out_path, volatile int *interrupt,
                         void (*on_progress)(void *, int64_t, int64_t),
                         credal__pipeline_stats *stats, int64_t *submitted) {
  credal_input *in;
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  ck_assert_int_eq(credal__input_open(in_path, NULL, &sink, &in), CREDAL_OK);
  double *u = malloc((size_t)(P * d) * 8);
  ck_assert_int_eq(credal__input_utility(in, u), CREDAL_OK);
  const credal__backend_config cfg = {P, d, Q, 1, 1, 0, 0, 0, u, 0};
  deferred state = {0};
  state.rng.state = (uint64_t)depth * 31 + arena;
  ck_assert_int_eq(credal__reference_backend_create(&cfg, &state.ref), CREDAL_OK);
  credal__backend b = {"deferred", "test", depth, 0, 0, &state, d_lower, d_submit, d_wait,
                       d_finish, d_restore, NULL, malloc, free, NULL};
  credal__result_layout layout = {H, P, Q, 1, 1, 0, "reference", "test", in_path, 0, 0, 0, NULL, NULL, 0, 0, 0};
  credal__result_writer *w;
  ck_assert_int_eq(credal__result_create(out_path, &layout, 1, &w), CREDAL_OK);
  credal__plan plan;
  ck_assert_int_eq(credal__plan_make(&plan, UINT64_MAX / 8, P, d, Q, 1, 1, 0, depth + 2, 0, NULL), CREDAL_OK);
  plan.arena_bytes = arena;
  last_done = 0;
  const credal__pipeline_config pc = {in,        &b,          w,       &plan, depth + 2, 1,
                                      on_progress, NULL, interrupt, 0, 0, NULL, NULL, NULL, 0, 0};
  credal_status st = credal__pipeline_run(&pc, stats);
  if (submitted) *submitted = state.next_h;
  if (st == CREDAL_OK) {
    const credal__regret *acc;
    ck_assert_int_eq(b.finish(&b, &acc), CREDAL_OK);
    double *cr = malloc((size_t)P * 8);
    int32_t *cq = malloc((size_t)P * 4);
    credal__choices c;
    credal__regret_finish(acc, cr, cq, &c);
    ck_assert_int_eq(credal__result_write_policies(w, acc, cr, cq, &c), CREDAL_OK);
    ck_assert_int_eq(credal__result_finish(w, 0.0), CREDAL_OK);
    free(cr), free(cq);
  } else {
    credal__result_abandon(w);
  }
  credal__backend_destroy(state.ref);
  credal_input_close(in);
  free(u);
  return st;
}

START_TEST(test_depths_and_chunk_sizes_match_reference) {
  const int depth = 1 + _i % 3;
  const uint64_t arenas[] = {3000, 9000, 40000, 1 << 22};
  const uint64_t arena = arenas[_i / 3];
  const char *out = test_path("pipe-out.h5");
  char out_path[512];
  snprintf(out_path, sizeof out_path, "%s", out);
  credal__pipeline_stats stats;
  ck_assert_msg(run(depth, arena, out_path, NULL, progress, &stats, NULL) == CREDAL_OK, "%s",
                credal_last_error());
  ck_assert_int_eq(stats.hypotheses_done, H);
  ck_assert_int_eq(last_done, H);
  const size_t HP = (size_t)(H * P);
  double *a = malloc(HP * 8), *b = malloc(HP * 8);
  int32_t *ia = malloc(HP * 4), *ib = malloc(HP * 4);
  const char *dn[] = {"/lower", "/upper", "/regret"};
  for (int i = 0; i < 3; i++) {
    read_all(out_path, dn[i], H5T_NATIVE_DOUBLE, a);
    read_all(ref_path, dn[i], H5T_NATIVE_DOUBLE, b);
    ck_assert_msg(!memcmp(a, b, HP * 8), "%s differs (depth %d, arena %llu)", dn[i], depth,
                  (unsigned long long)arena);
  }
  read_all(out_path, "/argmin", H5T_NATIVE_INT32, ia);
  read_all(ref_path, "/argmin", H5T_NATIVE_INT32, ib);
  ck_assert(!memcmp(ia, ib, HP * 4));
  const char *pn[] = {"/policy/class_lower", "/policy/worst_regret", "/policy/bayes_regret",
                      "/policy/credal_regret", "/best/value"};
  for (int i = 0; i < 5; i++) {
    const size_t n = i == 4 ? (size_t)H : (size_t)P;
    read_all(out_path, pn[i], H5T_NATIVE_DOUBLE, a);
    read_all(ref_path, pn[i], H5T_NATIVE_DOUBLE, b);
    ck_assert_msg(!memcmp(a, b, n * 8), "%s differs", pn[i]);
  }
  free(a), free(b), free(ia), free(ib);
}
END_TEST

static volatile int stop;
static void stop_after_two(void *ctx, int64_t done, int64_t total) {
  progress(ctx, done, total);
  static int calls;
  if (++calls == 2) stop = 1;
}

START_TEST(test_interrupt_finishes_what_is_in_flight) {
  char out_path[512];
  snprintf(out_path, sizeof out_path, "%s", test_path("pipe-int.h5"));
  stop = 0;
  credal__pipeline_stats stats;
  int64_t submitted = 0;
  ck_assert_int_eq(run(3, 3000, out_path, &stop, stop_after_two, &stats, &submitted),
                   CREDAL_EINTERRUPTED);
  /* everything submitted was finished and written, in order, and nothing more */
  ck_assert_int_eq(stats.hypotheses_done, submitted);
  ck_assert_int_eq(last_done, submitted);
  ck_assert_int_lt(stats.hypotheses_done, H);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pipeline");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_unchecked_fixture(tc, setup, NULL);
  tcase_add_loop_test(tc, test_depths_and_chunk_sizes_match_reference, 0, 12);
  tcase_add_test(tc, test_interrupt_finishes_what_is_in_flight);
  suite_add_tcase(s, tc);
  return test_run(s);
}
