/* The lower-expectation core through the public API (credal_lower_f64 / credal_lower_f32),
 * per backend and precision, on named shapes:
 *
 *   mem_*      memory-bound, few policies: H=20,000 x 100 generators, d=64, P=1, 4, 8
 *   compute_*  compute-bound: H=2,000 x 200, d=64, P=256 and P=1024; d=256, P=256
 *   tiny_*     many tiny hypotheses: H=200,000 x 2, d=16, P=64
 *   huge_*     a few huge ones: H=2 x 200,000, d=32, P=64
 *
 * Names read lower/BACKEND/PRECISION/SHAPE_HxK_d_P. The reference (plain float64 loops, a few
 * GFLOP/s) runs on a slice of each shape only, 10x to 50x smaller, named ..._sliceN for 1/N
 * of the generators (fewer hypotheses, or for huge_ fewer generators per hypothesis); the
 * slices are prefixes of the same data. cpu runs f64 and f32; gpu (only in a build with the
 * CUDA backend) f64 and f32, skipped with the reason when no device is usable.
 *
 * Inputs are generated once per shape (bench_common.c: counter-based splitmix64, uniform in
 * (-1, 1), never zero) and outputs are reused, outside the timing. Before the first timed
 * iteration each benchmark runs once on poisoned outputs and checks the result
 * (bench_check_lower: every element finite with a valid argmin, 256 sampled (h, p) against the
 * reference backend within SPEC §6); a failed check is reported as the benchmark's error.
 * CPU backends are timed by the wall clock (they run their own threads). The public API is
 * synchronous, so the GPU is timed the same way with a monotonic clock around each call and
 * reported as manual time; the check run is its warm-up. The time includes what the API call
 * does: backend setup, host<->device copies for the GPU, float32 rounding of the inputs. */
#include <stdio.h>
#include <string.h>

#include "bench_common.h"

#ifdef CREDAL_HAVE_CUDA
#include "backend.h" /* credal__gpu_probe */
#endif

#define SAMPLES 256

typedef struct {
  const char *tag;
  int64_t H, K, d, P;
  int ref_div; /* the reference runs on 1/ref_div of the generators */
} lower_shape;

static const lower_shape shapes[] = {
    {"mem", 20000, 100, 64, 1, 10},
    {"mem", 20000, 100, 64, 4, 10},
    {"mem", 20000, 100, 64, 8, 10},
    {"compute", 2000, 200, 64, 256, 50},
    {"compute", 2000, 200, 64, 1024, 50},
    {"compute", 2000, 200, 256, 256, 50},
    {"tiny", 200000, 2, 16, 64, 10},
    {"huge", 2, 200000, 32, 64, 10},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

typedef struct {
  const lower_shape *shape;
  credal_backend backend;
  int f32;
  int64_t H, K; /* the batch evaluated: the shape, or the reference's slice of it */
  int checked;  /* 0 not yet, 1 passed, -1 failed (error holds why) */
  char error[512];
} lower_case;

/* per shape: reference, cpu f64, cpu f32, gpu f64, gpu f32 */
static lower_case cases[NSHAPES * 5];
static int ncases;

static credal_status run_once(const lower_case *c, const credal_batch_f64 *b, double *lower,
                              int32_t *argmin) {
  return c->f32 ? credal_lower_f32(c->backend, b, lower, argmin, NULL, NULL)
                : credal_lower_f64(c->backend, b, lower, argmin, NULL, NULL);
}

#ifdef CREDAL_HAVE_CUDA
/* Whether a GPU is usable here, asked once; the reason in why when not. */
static int gpu_usable(char *why, size_t cap) {
  static int known = 0, usable = 0;
  static char reason[512];
  if (!known) {
    usable = credal__gpu_probe(0) == CREDAL_OK;
    const char *why_not = credal_last_error();
    snprintf(reason, sizeof reason, "%s", why_not[0] ? why_not : "no usable GPU");
    known = 1;
  }
  snprintf(why, cap, "%s", reason);
  return usable;
}
#endif

static void bm_lower(credal_bench_state *st, void *ctx) {
  lower_case *c = ctx;
  const lower_shape *s = c->shape;
  if (c->checked < 0) {
    credal_bench_skip_with_error(st, c->error);
    return;
  }
#ifdef CREDAL_HAVE_CUDA
  if (c->backend == CREDAL_BACKEND_GPU && !gpu_usable(c->error, sizeof c->error)) {
    c->checked = -1;
    credal_bench_skip_with_error(st, c->error);
    return;
  }
#endif
  const int64_t H = c->H, rows = c->H * c->K, P = s->P, d = s->d;
  const credal_batch_f64 b = {H, d, P, bench_offsets(c->H, c->K), bench_points(rows, d), NULL,
                              bench_utility(P, d)};
  double *lower = NULL;
  int32_t *argmin = NULL;
  if (!b.offsets || !b.points || !b.utility || bench_outputs(H * P, &lower, &argmin)) {
    credal_bench_skip_with_error(st, "out of memory for the inputs or outputs");
    return;
  }
  if (!c->checked) { /* the check run, also the warm-up */
    bench_poison(H * P, lower, argmin);
    const credal_status rc = run_once(c, &b, lower, argmin);
    if (rc != CREDAL_OK)
      snprintf(c->error, sizeof c->error, "%s: %s", credal_strerror(rc), credal_last_error());
    else
      bench_check_lower(&b, c->f32, lower, argmin, SAMPLES, c->error, sizeof c->error);
    c->checked = c->error[0] ? -1 : 1;
    if (c->checked < 0) {
      credal_bench_skip_with_error(st, c->error);
      return;
    }
  }
  const int manual = c->backend == CREDAL_BACKEND_GPU;
  while (credal_bench_keep_running(st)) {
    const double t0 = manual ? bench_now() : 0.0;
    const credal_status rc = run_once(c, &b, lower, argmin);
    if (manual) credal_bench_set_iteration_time(st, bench_now() - t0);
    if (rc != CREDAL_OK) {
      snprintf(c->error, sizeof c->error, "%s: %s", credal_strerror(rc), credal_last_error());
      credal_bench_skip_with_error(st, c->error);
      break;
    }
  }
  bench_lower_counters(st, H, rows, d, P);
  if (c->backend == CREDAL_BACKEND_REFERENCE && (c->H != s->H || c->K != s->K)) {
    char label[96];
    snprintf(label, sizeof label, "1/%d slice of H%lldxK%lld", s->ref_div, (long long)s->H,
             (long long)s->K);
    credal_bench_set_label(st, label);
  }
}

static void add(const lower_shape *s, credal_backend backend, int f32) {
  lower_case *c = &cases[ncases++];
  memset(c, 0, sizeof *c);
  c->shape = s, c->backend = backend, c->f32 = f32;
  c->H = s->H, c->K = s->K;
  char slice[32] = "";
  if (backend == CREDAL_BACKEND_REFERENCE && s->ref_div > 1) {
    if (s->H >= s->ref_div)
      c->H = s->H / s->ref_div;
    else
      c->K = s->K / s->ref_div;
    snprintf(slice, sizeof slice, "_slice%d", s->ref_div);
  }
  char name[160];
  snprintf(name, sizeof name, "lower/%s/%s/%s_H%lldxK%lld_d%lld_P%lld%s",
           credal_backend_name(backend), f32 ? "f32" : "f64", s->tag, (long long)c->H,
           (long long)c->K, (long long)s->d, (long long)s->P, slice);
  credal_bench_def *def = credal_bench_register(name, bm_lower, c);
  if (backend == CREDAL_BACKEND_GPU)
    credal_bench_use_manual_time(def);
  else
    credal_bench_use_real_time(def);
  credal_bench_unit(def, CREDAL_BENCH_MS);
}

void bench_lower_register(void) {
  for (int i = 0; i < NSHAPES; i++) {
    add(&shapes[i], CREDAL_BACKEND_REFERENCE, 0);
    add(&shapes[i], CREDAL_BACKEND_CPU, 0);
    add(&shapes[i], CREDAL_BACKEND_CPU, 1);
#ifdef CREDAL_HAVE_CUDA
    add(&shapes[i], CREDAL_BACKEND_GPU, 0);
    add(&shapes[i], CREDAL_BACKEND_GPU, 1);
#endif
  }
}
