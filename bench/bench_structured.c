/* Structured credal sets (tv_balls, contamination, intervals, belief) through
 * credal_family_lower_f64, per backend, against generator sets of a few points on the same
 * (H, d, P): the goal is that a TV ball over d = 1,000 outcomes costs about what a
 * generator set of a handful of points costs, not what its (huge) vertex set would.
 *
 * Names: structured/BACKEND/FAMILY_H..._d..._P... and structured/BACKEND/generatorsK_... for
 * the comparison. Shapes: d=1000 (H=2,000, P=256) and d=64 (H=20,000, P=256); belief
 * functions have 4 focal sets each. The reference runs on a 1/20 slice. Inputs: centers and
 * interval midpoints normalised from bench_uniform, radius/epsilon uniform in [0, 0.5),
 * intervals [q u, q + (1-q) u'], focal sets with each outcome in with probability 1/2.
 * Before timing, every run is checked against the reference on the first hypotheses (SPEC §6
 * with |x| <= 1: atol = 1e-12 max|u| d); a failed check is the benchmark's error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#ifdef CREDAL_HAVE_CUDA
#include "backend.h"
#endif

#define FOCAL 4     /* focal sets per belief function */
#define CHECK_H 16  /* hypotheses checked against the reference */

typedef struct {
  int64_t H, d, P;
} shape;

static const shape shapes[] = {{2000, 1000, 256}, {20000, 64, 256}};
#define NSHAPES 2

typedef struct {
  const shape *s;
  credal_backend backend;
  credal_family family;  /* GENERATORS: K points per hypothesis */
  int64_t K, H;
  int checked;
  char error[512];
  int64_t *offsets;
  double *rows, *scalars;
} structured_case;

static structured_case cases[NSHAPES * 3 * (CREDAL_FAMILY_COUNT + 2)];
static int ncases;

/* The case's batch, built on first use (deterministic). */
static int build(structured_case *c) {
  if (c->rows) return 0;
  const int64_t H = c->H, d = c->s->d;
  const int64_t per = c->family == CREDAL_FAMILY_GENERATORS ? c->K
                      : c->family == CREDAL_FAMILY_INTERVALS ? 2
                      : c->family == CREDAL_FAMILY_BELIEF     ? FOCAL
                                                              : 1;
  c->offsets = malloc((size_t)(H + 1) * sizeof *c->offsets);
  c->rows = malloc((size_t)(H * per * d) * sizeof *c->rows);
  c->scalars = malloc((size_t)(H * per) * sizeof *c->scalars);
  if (!c->offsets || !c->rows || !c->scalars) return -1;
  const uint64_t stream = 1000 + (uint64_t)c->family * 10 + (uint64_t)d;
  for (int64_t h = 0; h <= H; h++) c->offsets[h] = h * per;
  for (int64_t r = 0; r < H * per; r++) {
    double *x = c->rows + r * d, sum = 0;
    for (int64_t j = 0; j < d; j++) sum += x[j] = fabs(bench_uniform(stream, (uint64_t)(r * d + j)));
    for (int64_t j = 0; j < d; j++) x[j] /= sum;
    c->scalars[r] = 0.25 * (1 + bench_uniform(stream + 1, (uint64_t)r));
  }
  if (c->family == CREDAL_FAMILY_INTERVALS)
    for (int64_t h = 0; h < H; h++) { /* rows 2h, 2h+1 := lower, upper around row 2h */
      double *lo = c->rows + 2 * h * d, *hi = lo + d;
      for (int64_t j = 0; j < d; j++) {
        const double q = lo[j], a = fabs(bench_uniform(stream + 2, (uint64_t)(h * d + j)));
        lo[j] = q * a, hi[j] = q + (1 - q) * a * a;
      }
    }
  if (c->family == CREDAL_FAMILY_BELIEF)
    for (int64_t h = 0; h < H; h++) {
      double total = 0;
      for (int64_t r = h * FOCAL; r < (h + 1) * FOCAL; r++) {
        double *a = c->rows + r * d;
        for (int64_t j = 0; j < d; j++) a[j] = bench_uniform(stream + 3, (uint64_t)(r * d + j)) > 0;
        a[r % d] = 1;
        total += c->scalars[r];
      }
      for (int64_t r = h * FOCAL; r < (h + 1) * FOCAL; r++) c->scalars[r] /= total;
    }
  return 0;
}

static credal_status run(const structured_case *c, const credal_batch_f64 *b, double *lower,
                         int32_t *argmin) {
  if (c->family == CREDAL_FAMILY_GENERATORS) return credal_lower_f64(c->backend, b, lower, argmin, NULL, NULL);
  return credal_family_lower_f64(c->backend, c->family, b, lower, argmin, NULL, NULL);
}

/* The first CHECK_H hypotheses against the reference. */
static void check(structured_case *c, const credal_batch_f64 *b, const double *lower) {
  credal_batch_f64 head = *b;
  head.hypotheses = CHECK_H < b->hypotheses ? CHECK_H : b->hypotheses;
  const int64_t n = head.hypotheses * b->policies;
  double *ref = malloc((size_t)n * sizeof *ref);
  int32_t *k = malloc((size_t)n * sizeof *k);
  if (!ref || !k) {
    snprintf(c->error, sizeof c->error, "out of memory for the check");
  } else {
    const credal_status st =
        c->family == CREDAL_FAMILY_GENERATORS
            ? credal_lower_f64(CREDAL_BACKEND_REFERENCE, &head, ref, k, NULL, NULL)
            : credal_family_lower_f64(CREDAL_BACKEND_REFERENCE, c->family, &head, ref, k, NULL, NULL);
    double umax = 0;
    for (int64_t i = 0; i < b->policies * b->dim; i++) umax = fmax(umax, fabs(b->utility[i]));
    const double atol = 1e-12 * umax * (double)b->dim;
    for (int64_t i = 0; !st && i < n && !c->error[0]; i++)
      if (!(fabs(lower[i] - ref[i]) <= atol + 1e-12 * fabs(ref[i])))
        snprintf(c->error, sizeof c->error, "check: [%lld] got %.17g, reference %.17g",
                 (long long)i, lower[i], ref[i]);
    if (st) snprintf(c->error, sizeof c->error, "reference: %s", credal_last_error());
  }
  free(ref), free(k);
}

static void bm_structured(credal_bench_state *st, void *ctx) {
  structured_case *c = ctx;
  if (c->checked < 0) {
    credal_bench_skip_with_error(st, c->error);
    return;
  }
#ifdef CREDAL_HAVE_CUDA
  if (c->backend == CREDAL_BACKEND_GPU && credal__gpu_probe(0) != CREDAL_OK) {
    snprintf(c->error, sizeof c->error, "%s", credal_last_error());
    c->checked = -1;
    credal_bench_skip_with_error(st, c->error);
    return;
  }
#endif
  const int64_t d = c->s->d, P = c->s->P;
  double *lower = NULL;
  int32_t *argmin = NULL;
  if (build(c) || bench_outputs(c->H * P, &lower, &argmin)) {
    credal_bench_skip_with_error(st, "out of memory for the inputs or outputs");
    return;
  }
  const credal_batch_f64 b = {c->H, d, P, c->offsets, c->rows,
                              c->family == CREDAL_FAMILY_INTERVALS ? NULL : c->scalars,
                              bench_utility(P, d)};
  if (!c->checked) {
    bench_poison(c->H * P, lower, argmin);
    if (run(c, &b, lower, argmin) != CREDAL_OK)
      snprintf(c->error, sizeof c->error, "%s", credal_last_error());
    else
      check(c, &b, lower);
    c->checked = c->error[0] ? -1 : 1;
    if (c->checked < 0) {
      credal_bench_skip_with_error(st, c->error);
      return;
    }
  }
  const int manual = c->backend == CREDAL_BACKEND_GPU;
  while (credal_bench_keep_running(st)) {
    const double t0 = manual ? bench_now() : 0.0;
    run(c, &b, lower, argmin);
    if (manual) credal_bench_set_iteration_time(st, bench_now() - t0);
  }
  credal_bench_set_counter(st, "pairs/s", (double)(c->H * P), CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "hypotheses/s", (double)c->H, CREDAL_BENCH_INVARIANT_RATE);
}

static void add(const shape *s, credal_backend backend, credal_family family, int64_t K) {
  structured_case *c = &cases[ncases++];
  memset(c, 0, sizeof *c);
  c->s = s, c->backend = backend, c->family = family, c->K = K;
  c->H = backend == CREDAL_BACKEND_REFERENCE ? s->H / 20 : s->H;
  char name[160], what[32];
  if (family == CREDAL_FAMILY_GENERATORS) snprintf(what, sizeof what, "generatorsK%lld", (long long)K);
  else snprintf(what, sizeof what, "%s", credal_family_name(family));
  snprintf(name, sizeof name, "structured/%s/%s_H%lld_d%lld_P%lld%s", credal_backend_name(backend),
           what, (long long)c->H, (long long)s->d, (long long)s->P,
           backend == CREDAL_BACKEND_REFERENCE ? "_slice20" : "");
  credal_bench_def *def = credal_bench_register(name, bm_structured, c);
  if (backend == CREDAL_BACKEND_GPU) credal_bench_use_manual_time(def);
  else credal_bench_use_real_time(def);
  credal_bench_unit(def, CREDAL_BENCH_MS);
}

void bench_structured_register(void) {
  const credal_backend backends[] = {
    CREDAL_BACKEND_REFERENCE, CREDAL_BACKEND_CPU,
#ifdef CREDAL_HAVE_CUDA
    CREDAL_BACKEND_GPU,
#endif
  };
  for (int i = 0; i < NSHAPES; i++)
    for (size_t k = 0; k < sizeof backends / sizeof backends[0]; k++) {
      for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) add(&shapes[i], backends[k], (credal_family)f, 1);
      if (backends[k] != CREDAL_BACKEND_REFERENCE) {
        add(&shapes[i], backends[k], CREDAL_FAMILY_GENERATORS, 4);
        add(&shapes[i], backends[k], CREDAL_FAMILY_GENERATORS, 16);
      }
    }
}
