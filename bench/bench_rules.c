/* The decision rules (host/rules*.c, SPEC §9) on their own, from lower and upper expectations
 * already computed: rules/H:1000/K:100/d:32/P:64|512/rules:pairs|all/prune:1|0. "pairs" is
 * maximality and the within-set regret (the pairwise rules), "all" adds the Gamma rules,
 * Hurwicz, interval dominance and E-admissibility; prune:0 evaluates every pair (what the
 * interval bounds and the early exits save). One iteration runs every hypothesis through
 * credal__rules_chunk in chunks of 100 on every core, as the pipeline does (the class's
 * closing E-admissibility rounds, which read the input file, are in eval/ timings).
 *
 * Inputs: generators normalised from bench_uniform (distributions), utility in (-1, 1);
 * "adversarial" runs (the .../adv names) use policies u_p = u_0 + 0.001 p, whose intervals
 * overlap so that the bounds decide little. Checked before timing: the pruned and exhaustive
 * runs give the same masks and set regret, and the masks keep their inclusions.
 * Counters: pairs/s (hypothesis x policy x policy per second) and GFLOP/s of the value matrix
 * (2 H K P d) as the work a plain evaluation does; "pair Gop/s" counts each pair's K
 * subtractions and minima (2 H K P^2), the rate to hold against DGEMM's. The .../device:gpu
 * cases (registered where a GPU is usable) evaluate the pairs with kernels/pairs.cu
 * (CREDAL_GPU_PAIRS=1), everything else of the rules on the host's cores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "bench_common.h"
#include "rules.h"

#define CHUNK 100

typedef struct {
  int64_t H, K, d, P;
  int all, prune, adversarial, gpu;
} rules_case;

static rules_case cases[24];
static int ncases;

typedef struct {
  int64_t H, K, d, P;
  int adversarial;
  double *utility, *lower, *upper;
  int32_t *argmin, *argmax;
} rules_data;

/* Policies and expectations for the case's shape, cached (one shape at a time). */
static const rules_data *data_for(const rules_case *c) {
  static rules_data g;
  if (g.lower && g.H == c->H && g.K == c->K && g.d == c->d && g.P == c->P &&
      g.adversarial == c->adversarial)
    return &g;
  free(g.utility), free(g.lower), free(g.upper), free(g.argmin), free(g.argmax);
  memset(&g, 0, sizeof g);
  g.H = c->H, g.K = c->K, g.d = c->d, g.P = c->P, g.adversarial = c->adversarial;
  const size_t HP = (size_t)(c->H * c->P);
  g.utility = malloc((size_t)(c->P * c->d) * 8);
  g.lower = malloc(HP * 8), g.upper = malloc(HP * 8);
  g.argmin = malloc(HP * 4), g.argmax = malloc(HP * 4);
  const double *pts = bench_points(c->H * c->K, c->d);
  if (!g.utility || !g.lower || !g.upper || !g.argmin || !g.argmax || !pts) return NULL;
  memcpy(g.utility, bench_utility(c->P, c->d), (size_t)(c->P * c->d) * 8);
  if (c->adversarial)
    for (int64_t p = 0; p < c->P; p++)
      for (int64_t j = 0; j < c->d; j++) g.utility[p * c->d + j] = g.utility[j] + 0.001 * (double)p;
  const credal_batch_f64 b = {c->H, c->d, c->P, bench_offsets(c->H, c->K), pts, NULL, g.utility};
  if (credal_lower_f64(CREDAL_BACKEND_CPU, &b, g.lower, g.argmin, g.upper, g.argmax)) return NULL;
  return &g;
}

/* bench_points are uniform in (-1, 1): their absolute values normalised make distributions. */
static const double *distributions(int64_t rows, int64_t d) {
  static double *x;
  static int64_t have_rows, have_d;
  if (x && have_rows == rows && have_d == d) return x;
  free(x);
  x = malloc((size_t)(rows * d) * 8);
  const double *raw = bench_points(rows, d);
  if (!x || !raw) return NULL;
  for (int64_t r = 0; r < rows; r++) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += x[r * d + j] = fabs(raw[r * d + j]);
    for (int64_t j = 0; j < d; j++) x[r * d + j] /= s;
  }
  have_rows = rows, have_d = d;
  return x;
}

/* All hypotheses through the rules in chunks; masks (RULE_COUNT, H, P) as chunk blocks. */
static int run(const rules_case *c, const rules_data *g, const double *x, int prune, uint8_t *masks,
               double *set_regret) {
  const unsigned rules =
      c->all ? CREDAL_RULES_ALL : (1u << CREDAL_RULE_MAXIMAL) | CREDAL_RULES_SET_REGRET;
  const credal__rules_config config = {c->P, c->d, g->utility, rules, 0.5, 1e-12, 0, !prune, NULL};
  credal__rules *r = NULL;
  credal__backend *device = NULL;
  if (c->gpu) {
    const credal__backend_config bc = {c->P, c->d, 0, 0, 1, 0, 0, 0, g->utility, 0};
    setenv("CREDAL_GPU_PAIRS", "1", 1);
    if (credal__backend_create(CREDAL_BACKEND_GPU, &bc, &device)) return -1;
  }
  if (credal__rules_create(&config, &r)) {
    credal__backend_destroy(device);
    return -1;
  }
  const int64_t *offsets = bench_offsets(c->H, c->K);
  int64_t rel[CHUNK + 1];
  int rc = 0;
  for (int64_t h0 = 0; h0 < c->H && !rc; h0 += CHUNK) {
    const int64_t n = c->H - h0 < CHUNK ? c->H - h0 : CHUNK;
    for (int64_t i = 0; i <= n; i++) rel[i] = offsets[h0 + i] - offsets[h0];
    rc = credal__rules_chunk(r, CREDAL_FAMILY_GENERATORS, n, rel, x + offsets[h0] * c->d, NULL,
                             g->lower + h0 * c->P, g->upper + h0 * c->P, g->argmax + h0 * c->P,
                             masks + h0 * CREDAL_RULE_COUNT * c->P, set_regret + h0 * c->P,
                             prune ? device : NULL);
  }
  credal__rules_destroy(r);
  credal__backend_destroy(device);
  return rc ? -1 : 0;
}

static void bm_rules(credal_bench_state *st, void *ctx) {
  const rules_case *c = ctx;
  const rules_data *g = data_for(c);
  const double *x = distributions(c->H * c->K, c->d);
  const size_t n = (size_t)(c->H * c->P);
  uint8_t *masks = malloc(n * CREDAL_RULE_COUNT), *other = malloc(n * CREDAL_RULE_COUNT);
  double *sr = malloc(n * 8), *sr2 = malloc(n * 8);
  if (!g || !x || !masks || !other || !sr || !sr2) {
    credal_bench_skip_with_error(st, "out of memory");
    goto cleanup;
  }
  /* check: pruned and exhaustive agree; the inclusions hold */
  if (run(c, g, x, 1, masks, sr) || run(c, g, x, 0, other, sr2)) {
    credal_bench_skip_with_error(st, credal_last_error());
    goto cleanup;
  }
  /* (the GPU's value matrix comes from cuBLAS: the set regret within rounding of the host's) */
  int differ = memcmp(masks, other, n * CREDAL_RULE_COUNT) != 0;
  for (size_t i = 0; i < n && !differ; i++)
    differ = c->gpu ? !(fabs(sr[i] - sr2[i]) <= 1e-12 * (1.0 + fabs(sr2[i]))) : sr[i] != sr2[i];
  if (differ) {
    credal_bench_skip_with_error(st, "pruned and exhaustive runs differ");
    goto cleanup;
  }
  while (credal_bench_keep_running(st))
    if (run(c, g, x, c->prune, masks, sr)) {
      credal_bench_skip_with_error(st, credal_last_error());
      break;
    }
  const double iters = (double)credal_bench_iterations_done(st);
  credal_bench_set_counter(st, "pairs/s", iters * (double)c->H * (double)(c->P * c->P),
                           CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "GFLOP/s", iters * 2e-9 * (double)(c->H * c->K * c->P * c->d),
                           CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "pair Gop/s", iters * 2e-9 * (double)(c->H * c->K * c->P * c->P),
                           CREDAL_BENCH_INVARIANT_RATE);
cleanup:
  free(masks), free(other), free(sr), free(sr2);
}

void bench_rules_register(void) {
  static const int64_t Ps[2] = {64, 512};
  char name[160];
  const int gpus = credal__gpu_probe(0) == CREDAL_OK;
  credal__clear_error();
  for (int gpu = 0; gpu <= gpus; gpu++)
  for (int adv = 0; adv <= 1; adv++)
    for (int pi = 0; pi < 2; pi++)
      for (int all = 0; all <= 1; all++)
        for (int prune = 1; prune >= 0; prune--) {
          if ((adv && pi == 1) || (gpu && (adv || !prune))) continue;
          rules_case *c = &cases[ncases++];
          *c = (rules_case){1000, 100, 32, Ps[pi], all, prune, adv, gpu};
          snprintf(name, sizeof name, "rules/H:1000/K:100/d:32/P:%lld/rules:%s/prune:%d%s%s",
                   (long long)c->P, all ? "all" : "pairs", prune, adv ? "/adv" : "",
                   gpu ? "/device:gpu" : "");
          credal_bench_def *b = credal_bench_register(name, bm_rules, c);
          credal_bench_use_real_time(b);
          credal_bench_unit(b, CREDAL_BENCH_MS);
          credal_bench_iterations(b, c->P > 64 ? 1 : 3);
        }
}
