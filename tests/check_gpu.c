/* The GPU backend against the reference: fresh random inputs across shapes (d 1..4096,
 * generators per hypothesis 1..10,000 and ragged, P 1..2048), float64 and float32, both kernel
 * paths (fused, cuBLAS), exact ties, constants, upper, outputs poisoned before every run; and
 * end to end from a file, twice, bitwise identical; the structured families (case
 * "structured"), in memory and end to end. Exits 77 (skipped) without a usable GPU. */
#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "batch_writer.h"
#include "compare.h"
#include "resume_checks.h"

#define G CREDAL_BACKEND_GPU
START_TEST(test_f64_fused) { compare_shape(G, _i, 0, 0, 0); }
END_TEST
START_TEST(test_f64_gemm) { compare_shape(G, _i, 0, 1, 0); }
END_TEST
START_TEST(test_f32_fused) { compare_shape(G, _i, 1, 0, 0); }
END_TEST
START_TEST(test_f32_gemm) { compare_shape(G, _i, 1, 1, 0); }
END_TEST
START_TEST(test_exact_ties) { compare_shape(G, _i, _i % 2, (_i / 2) % 2, 1); }
END_TEST
/* Policies in tiles of 64 (as when they do not fit on the device), both paths and precisions. */
START_TEST(test_policy_tiles) {
  setenv("CREDAL_GPU_POLICY_TILE", "64", 1);
  compare_shape(G, _i, _i % 2, (_i / 2) % 2, 0);
  unsetenv("CREDAL_GPU_POLICY_TILE");
}
END_TEST

/* Structured families: one thread per (hypothesis, policy) over the shared orders. */
START_TEST(test_families) {
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) compare_family(G, (credal_family)f, _i);
}
END_TEST
START_TEST(test_families_tiled) {
  setenv("CREDAL_GPU_POLICY_TILE", "64", 1);
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) compare_family(G, (credal_family)f, _i);
  unsetenv("CREDAL_GPU_POLICY_TILE");
}
END_TEST

static void write_file(const batch *t, const char *path, int64_t Q) {
  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  spec.hypotheses = t->H, spec.generators = t->K, spec.dim = t->d, spec.policies = t->P;
  spec.kind = CREDAL_KIND_PAYOFF, spec.has_constants = t->b != NULL, spec.has_prior = 1;
  spec.prior_set_size = Q, spec.force = 1;
  double *prior = malloc((size_t)t->H * 8), *Z = malloc((size_t)(Q * t->H) * 8);
  for (int64_t h = 0; h < t->H; h++) prior[h] = 1.0 / (double)t->H;
  for (int64_t i = 0; i < Q * t->H; i++) Z[i] = (i % t->H == (i / t->H) % t->H) ? 1.0 : 0.0;
  credal__batch_writer *w;
  ck_assert_int_eq(credal__batch_writer_create(path, &spec, &w), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_offsets(w, t->H + 1, t->offsets), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_points(w, t->K, t->x), CREDAL_OK);
  if (t->b) ck_assert_int_eq(credal__batch_writer_append_constants(w, t->K, t->b), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_utility(w, t->P, t->u), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_append_prior(w, t->H, prior), CREDAL_OK);
  if (Q) ck_assert_int_eq(credal__batch_writer_append_prior_set(w, t->H, Z), CREDAL_OK);
  ck_assert_int_eq(credal__batch_writer_finish(w), CREDAL_OK);
  free(prior), free(Z);
}

/* Whole files: many chunks through both lanes, GPU regret stage and accumulators against the
 * reference run, and two GPU runs with identical datasets. */
START_TEST(test_eval_end_to_end) {
  test_rng rng = {77 + (uint64_t)_i};
  batch t = compare_make(&rng, 3000, 60, 24, 150, 0, 1, 1.0);
  char in[512], ref_out[512], a[512], b2[512];
  snprintf(in, sizeof in, "%s", test_path("gpu-in.h5"));
  snprintf(ref_out, sizeof ref_out, "%s", test_path("gpu-ref.h5"));
  snprintf(a, sizeof a, "%s", test_path("gpu-a.h5"));
  snprintf(b2, sizeof b2, "%s", test_path("gpu-b.h5"));
  write_file(&t, in, 3);
  setenv("CREDAL_GPU_PATH", _i % 2 ? "gemm" : "fused", 1);
  if (_i >= 2) setenv("CREDAL_GPU_POLICY_TILE", "64", 1); /* regret stage on the host */
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.force = 1, o.upper = 1, o.memory_bytes = 24u << 20; /* many chunks */
  o.backend = CREDAL_BACKEND_REFERENCE;
  ck_assert_msg(credal_eval(in, ref_out, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  o.backend = CREDAL_BACKEND_GPU;
  credal_eval_summary s;
  ck_assert_msg(credal_eval(in, a, &o, &s) == CREDAL_OK, "%s", credal_last_error());
  ck_assert_int_gt(s.chunks, 3);
  ck_assert_msg(credal_eval(in, b2, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  const char *names[] = {"/lower", "/upper", "/regret", "/best/value", "/policy/class_lower",
                         "/policy/worst_regret", "/policy/bayes_regret", "/policy/credal_regret"};
  const size_t HP = (size_t)(t.H * t.P);
  double *ref = malloc(HP * 8), *got = malloc(HP * 8), *again = malloc(HP * 8);
  for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
    compare_read_doubles(ref_out, names[n], ref);
    compare_read_doubles(a, names[n], got);
    compare_read_doubles(b2, names[n], again);
    const size_t len = n < 3 ? HP : n == 3 ? (size_t)t.H : (size_t)t.P;
    ck_assert_msg(!memcmp(got, again, len * 8), "%s differs between two GPU runs", names[n]);
    for (size_t i = 0; i < len; i++)
      ck_assert_msg(test_close(got[i], ref[i], 1e-12 * 24 * 2, 1e-12), "%s[%zu]: %.17g vs %.17g",
                    names[n], i, got[i], ref[i]);
  }
  free(ref), free(got), free(again);
  unsetenv("CREDAL_GPU_POLICY_TILE");
  compare_free(&t);
}
END_TEST

/* The decision rules with the GPU's lower and upper expectations (SPEC §9; the rules run on the
 * host whatever the backend): the reference run's masks exactly, the set regret to SPEC §6. */
START_TEST(test_eval_rules) {
  test_rng rng = {91 + (uint64_t)_i};
  batch t = compare_make(&rng, 400, 30, 12, 48, 0, 1, 1.0);
  char in[512], ref_out[512], a[512];
  snprintf(in, sizeof in, "%s", test_path("gpu-rules-in.h5"));
  snprintf(ref_out, sizeof ref_out, "%s", test_path("gpu-rules-ref.h5"));
  snprintf(a, sizeof a, "%s", test_path("gpu-rules-a.h5"));
  write_file(&t, in, 0);
  setenv("CREDAL_GPU_PATH", _i % 2 ? "gemm" : "fused", 1);
  /* _i >= 2: the pairs through kernels/pairs.cu (CREDAL_GPU_PAIRS=1), not the host */
  if (_i >= 2) setenv("CREDAL_GPU_PAIRS", "1", 1);
  else unsetenv("CREDAL_GPU_PAIRS");
  credal_eval_options o;
  credal_eval_options_init(&o);
  o.force = 1, o.rules = CREDAL_RULES_ALL, o.threads = 2, o.memory_bytes = 256u << 20;
  o.backend = CREDAL_BACKEND_REFERENCE;
  ck_assert_msg(credal_eval(in, ref_out, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  o.backend = CREDAL_BACKEND_GPU;
  ck_assert_msg(credal_eval(in, a, &o, NULL) == CREDAL_OK, "%s", credal_last_error());
  const size_t HP = (size_t)(t.H * t.P);
  double *ref = malloc(HP * 8), *got = malloc(HP * 8);
  char name[64];
  for (int r = 0; r <= CREDAL_RULE_COUNT; r++) {
    snprintf(name, sizeof name, "/rules/%s", r < CREDAL_RULE_COUNT ? credal_rule_name(r) : "set_regret");
    compare_read_doubles(ref_out, name, ref);
    compare_read_doubles(a, name, got);
    for (size_t i = 0; i < HP; i++)
      ck_assert_msg(r < CREDAL_RULE_COUNT ? got[i] == ref[i] : test_close(got[i], ref[i], 1e-12 * 12 * 2, 1e-12),
                    "%s[%zu]: gpu %.17g, reference %.17g", name, i, got[i], ref[i]);
    snprintf(name, sizeof name, "/rules/class/%s", r < CREDAL_RULE_COUNT ? credal_rule_name(r) : "set_regret");
    compare_read_doubles(ref_out, name, ref);
    compare_read_doubles(a, name, got);
    for (int64_t p = 0; p < t.P; p++)
      ck_assert_msg(r < CREDAL_RULE_COUNT ? got[p] == ref[p] : test_close(got[p], ref[p], 1e-12 * 12 * 2, 1e-12),
                    "%s[%lld]: gpu %.17g, reference %.17g", name, (long long)p, got[p], ref[p]);
  }
  unsetenv("CREDAL_GPU_PAIRS");
  free(ref), free(got);
  compare_free(&t);
}
END_TEST

START_TEST(test_eval_structured) {
  if (_i) setenv("CREDAL_GPU_POLICY_TILE", "64", 1);
  compare_eval_families(G, _i);
  unsetenv("CREDAL_GPU_POLICY_TILE");
}
END_TEST

/* Interrupted and resumed on the GPU (device accumulators saved and restored), also with
 * policies in tiles (accumulated on the host): the uninterrupted GPU run, bit for bit; and
 * interrupted before any chunk, a defined initial state (never the device's unset memory). */
START_TEST(test_resume) {
  if (_i % 2) setenv("CREDAL_GPU_POLICY_TILE", "16", 1);
  resume_check_equals_uninterrupted(G, 1 + _i / 2);
  resume_check_before_any_chunk(G);
  unsetenv("CREDAL_GPU_POLICY_TILE");
}
END_TEST

int main(void) {
  if (credal__gpu_probe(0) != CREDAL_OK) {
    printf("no usable GPU (%s): skipped\n", credal_last_error());
    return 77;
  }
  const int n = COMPARE_SHAPES;
  Suite *s = suite_create("gpu");
  TCase *tc = tcase_create("against reference");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_f64_fused, 0, n);
  tcase_add_loop_test(tc, test_f64_gemm, 0, n);
  tcase_add_loop_test(tc, test_f32_fused, 0, n);
  tcase_add_loop_test(tc, test_f32_gemm, 0, n);
  tcase_add_loop_test(tc, test_exact_ties, 0, n);
  tcase_add_loop_test(tc, test_policy_tiles, 0, n);
  tcase_add_loop_test(tc, test_eval_end_to_end, 0, 4);
  tcase_add_loop_test(tc, test_resume, 0, 4);
  tcase_add_loop_test(tc, test_eval_rules, 0, 4);
  suite_add_tcase(s, tc);
  /* its own case, so gpu-check.sh can run it alone under compute-sanitizer */
  TCase *st = tcase_create("structured");
  tcase_set_timeout(st, 600);
  tcase_add_loop_test(st, test_families, 0, COMPARE_FAMILY_SHAPES);
  tcase_add_loop_test(st, test_families_tiled, 0, COMPARE_FAMILY_SHAPES);
  tcase_add_loop_test(st, test_eval_structured, 0, 2);
  suite_add_tcase(s, st);
  return test_run(s);
}
